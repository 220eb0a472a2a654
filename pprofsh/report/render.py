"""Dispatch a Report to its renderer, and deliver the result where pprof would."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator

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


class TextChunks:
    """A long text report produced piece by piece (traces of a big profile run to
    hundreds of MB): written as it is made, never held whole."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[str]:
        return self.chunks

    def text(self) -> str:
        return "".join(self.chunks)


def deliver(
    c: Command,
    data: str | bytes | TextChunks,
    output: str,
    ui,
    write: Callable[[str | bytes], None] | None = None,
) -> None:
    """Write a rendered report: to stdout, to -output/>file, or away from a terminal."""
    if isinstance(data, TextChunks):
        if write is None and not output and not ui.out_is_terminal():
            for chunk in data:
                ui.out.write(chunk)
            return
        data = data.text()
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
        _write_file(path, data)
        return
    if isinstance(data, str) and ui.out_is_terminal():
        from pprofsh.report import highlight

        # Profile strings are data: no escape sequence of theirs reaches a terminal.
        data = highlight.sanitize(data)
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


def _write_file(path: str, data: str | bytes) -> None:
    """Write a report atomically: a new temp file beside path (O_EXCL, mode 0666 less the
    umask, as Go's os.Create), then rename; no reader ever sees a partial report.
    `-output`/`>file` name a file the user chose, which is replaced as Go's os.Create
    would; names pprofsh picks itself come from new_temp_file, which never reuses one."""
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    if "\x00" in path:
        raise CommandError(f"open {path}: invalid argument")
    tmp = ""
    try:
        d = os.path.dirname(path) or "."
        for i in range(100):
            tmp = os.path.join(d, f".{os.path.basename(path)}.pprofsh-tmp{os.getpid()}.{i}")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(17, "file exists")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except OSError as e:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise CommandError(f"open {path}: {e.strerror.lower() if e.strerror else e}") from None
