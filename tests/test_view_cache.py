"""The shell reuses filtered samples and graph sums between reports; output must not change."""

from __future__ import annotations

import io
import os

from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, load_sides

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(ROOT, "tests", "fixtures", "profiles", "")


def _run(lines: list[str], fresh_each_time: bool) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    ui = UI(out, err, interactive=True)
    spec = SourceSpec([P + "cpu.pb.gz"])
    p, _, _ = load_sides(spec, ui)
    s = Session(p, Config(), ui, spec, p)
    s.config.compact_labels = True
    interp = Interpreter(s)
    for line in lines:
        if fresh_each_time:
            from pprofsh.report import ViewCache

            s.view_cache = ViewCache()
        interp.execute(line)
    return out.getvalue(), err.getvalue()


LINES = [
    "top",
    "top",
    "top -cum",
    "top 3",
    "peek main",
    "tree",
    "focus=zzznomatch",
    "top",
    "top",
    "focus=",
    "tagfocus=worker=a",
    "top",
    "traces",
    "top",
    "sample_index=0",
    "top",
    "lines=1",
    "top",
    "top -cum",
    "list main.fib",
    "tags",
]


def test_cached_reports_equal_fresh_ones() -> None:
    cached = _run(LINES, fresh_each_time=False)
    fresh = _run(LINES, fresh_each_time=True)
    assert cached == fresh


def test_warnings_are_printed_again_from_the_cache() -> None:
    _out, err = _run(["focus=zzznomatch", "top", "top"], fresh_each_time=False)
    assert err.count("Focus expression matched no samples") == 2
