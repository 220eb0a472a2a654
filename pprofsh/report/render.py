"""Dispatch a Report to its renderer, and deliver the result where pprof would."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from pprofsh.commands import Command
from pprofsh.errors import CommandError
from pprofsh.report import Report


def render(rpt: Report, c: Command, ui) -> str | bytes:
    from pprofsh.report import text

    fmt = rpt.options.output_format
    if not c.available:
        raise CommandError(f"{c.name} is not supported by pprofsh (it needs the binary)")
    if fmt == "text":
        return text.print_text(rpt)
    if fmt == "traces":
        return text.print_traces(rpt)
    if fmt == "tree":
        return text.print_tree(rpt)
    if fmt == "tags":
        return text.print_tags(rpt)
    if fmt == "comments":
        return text.print_comments(rpt)
    if fmt == "raw":
        from pprofsh.profile.dump import profile_string

        return profile_string(_raw_profile(rpt))
    if fmt == "list":
        from pprofsh.report.source import print_source

        return print_source(rpt)
    if fmt == "dot":
        from pprofsh.report.dot import print_dot

        return print_dot(rpt)
    if fmt == "callgrind":
        from pprofsh.report.dot import print_callgrind

        return print_callgrind(rpt)
    if fmt in ("proto", "topproto"):
        from pprofsh.report.protoout import print_proto, print_topproto

        return print_proto(rpt) if fmt == "proto" else print_topproto(rpt)
    raise CommandError(f"{c.name}: unsupported output format")


def _raw_profile(rpt: Report):
    """The profile as pprof's raw report sees it: filtered samples, same tables."""
    from copy import copy

    p = copy(rpt.prof)
    p.samples = rpt.samples
    # Locations made for -tagroot/-tagleaf are not in the loaded profile's table.
    known = {id(loc) for loc in p.locations}
    extra = {id(loc): loc for s in p.samples for loc in s.locations if id(loc) not in known}
    if extra:
        p.locations = p.locations + sorted(extra.values(), key=lambda loc: loc.id)
    return p


def deliver(c: Command, data: str | bytes, output: str, ui,
            write: Callable[[str | bytes], None] | None = None) -> None:
    """Write a rendered report: to stdout, to -output/>file, or away from a terminal."""
    if c.post.startswith("dot:") or c.post.startswith("view:"):
        from pprofsh.report.dot import post_process

        data = post_process(c, data, ui)
        if data is None:
            return
    if output:
        ui.print_err(f"Generating report in {output}")
        _write_file(output, data)
        return
    if c.post.startswith(("file:", "dot:")) and (ui.out_is_terminal() or ui.interactive):
        from pprofsh.fetch import new_temp_file

        path = new_temp_file("", "profile", "." + c.post.split(":", 1)[1])
        ui.print_err(f"Generating report in {path}")
        _write_file(path, data, exclusive_done=True)
        return
    if isinstance(data, str):
        from pprofsh.report import highlight

        if highlight.wanted(ui):
            data = highlight.colourise(c.format, data)
    if write is not None:
        write(data)
        return
    if isinstance(data, bytes):
        ui.out.flush()
        getattr(ui.out, "buffer", sys.stdout.buffer).write(data)
    else:
        ui.out.write(data)


def _write_file(path: str, data: str | bytes, exclusive_done: bool = False) -> None:
    raw = data.encode() if isinstance(data, str) else data
    tmp = f"{path}.pprofsh-tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise CommandError(f"open {path}: {e.strerror.lower() if e.strerror else e}") from None
