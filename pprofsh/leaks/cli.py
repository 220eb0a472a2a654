"""`pprofsh -leaks SNAP1 SNAP2 ...` and `-watch URL`: the command-line side of leaks."""

from __future__ import annotations

import os
from typing import Any

from pprofsh.errors import PprofshError
from pprofsh.leaks.analyze import analyze
from pprofsh.leaks.render import render_json, render_text
from pprofsh.ui import UI

# Exit status when -fail_on=N is set and some site grew by more than N goroutines.
EXIT_LEAK = 3


def _source_roots(values: dict[str, Any]) -> list[str]:
    roots = [r for r in str(values.get("source_path", "") or "").split(os.pathsep) if r]
    return roots + [os.getcwd()]


def run_leaks(v: dict[str, Any], sources: list[str], ui: UI) -> int:
    """Load each source as its own snapshot (in order), analyze, print; the exit status.

    `v` holds the parsed flag values, `sources` the arguments: plain data, so this layer
    needs nothing from the cli above it."""
    from pprofsh.fetch import SourceSpec
    from pprofsh.session import fetch_one

    if v.get("watch"):
        from pprofsh.leaks.watch import watch

        report = watch(v["watch"], v, ui, source_roots=_source_roots(v))
        if report is None:
            ui.print_err("pprofsh: no goroutine snapshot was fetched")
            return 1
    else:
        if not sources:
            ui.print_err("pprofsh: -leaks needs at least one goroutine profile source")
            return 1
        spec = SourceSpec.from_flags(v, sources)
        snaps = []
        for src in sources:
            try:
                p, _remote = fetch_one(src, spec, ui)
            except PprofshError as e:
                raise PprofshError(f"{src}: {e}") from None
            snaps.append((src, p))
        report = analyze(snaps, source_roots=_source_roots(v))
    text = render_json(report) if v.get("json") else render_text(report, verbose=bool(v.get("v")))
    ui.write_out(text)
    fail_on = v.get("fail_on", -1)
    if fail_on is not None and fail_on >= 0 and report.max_growth() > fail_on:
        if not v.get("json"):
            ui.print_err(
                f"pprofsh: a leak site grew by {report.max_growth()} goroutines "
                f"(more than -fail_on={fail_on})"
            )
        return EXIT_LEAK
    return 0
