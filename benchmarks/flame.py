#!/usr/bin/env python3
"""Time the terminal flame graph on a big profile (targets: open < 1 s after load,
every key < 50 ms).

    python benchmarks/flame.py /work/benchprof/cpu_L.pb.gz [WIDTH HEIGHT]
    python benchmarks/flame.py --base=/work/benchprof/cpu_M_base.pb.gz /work/benchprof/cpu_M.pb.gz

Loads the profile as the shell does, then times, separately: the report's
stacks (the graph index is built first and timed on its own, since `top`,
`tree` and `peek` share it), the FlameView and the first drawn screen, and
each key as the screen answers it (the key's work plus drawing every row and
the status line): moves, zooms (a big box, and small ones that build the
zoomed part again), search, next match, the callers view, back, flip, a
resize. Not a test: nothing fails on a clock.
"""

from __future__ import annotations

import functools
import gc
import io
import sys
import time
from collections.abc import Callable

import numpy as np

from pprofsh.driver import make_report
from pprofsh.flame import FlameControl
from pprofsh.options import Config
from pprofsh.report.calltree import report_stacks
from pprofsh.report.flameview import FlameView
from pprofsh.session import UI, SourceSpec, load


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--base=")]
    base = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--base=")]
    path = args[0]
    width = int(args[1]) if len(args) > 1 else 200
    height = int(args[2]) if len(args) > 2 else 50
    gc.disable()
    ui = UI(io.StringIO(), io.StringIO(), interactive=True)
    t0 = time.perf_counter()
    p = load(SourceSpec([path], base), ui)
    t1 = time.perf_counter()
    rpt = make_report(p, "flame", "flame", None, Config(), ui.print_err)
    b = rpt.builder()
    b.index()
    t2 = time.perf_counter()
    stacks = report_stacks(rpt, diff=True if base else None)
    t3 = time.perf_counter()
    view = FlameView(stacks, rpt.total, rpt.format_value)
    control = FlameControl(view, colour=True)
    size = [width, height - 2]

    def draw() -> None:
        control.create_content(size[0], size[1])
        view.status()

    draw()
    t4 = time.perf_counter()
    print(f"{path}: {len(stacks)} stack rows, {len(stacks.ids)} frames")
    print(f"load {t1 - t0:.2f} s")
    print(f"graph index (shared with top/tree/peek) {t2 - t1:.2f} s")
    print(f"stacks {t3 - t2:.2f} s, view + first screen {t4 - t3:.2f} s ({len(view.tree)} boxes)")
    print(f"flame opens {t4 - t1:.2f} s after load ({t4 - t2:.2f} s once top has run)")
    times: list[tuple[str, float]] = []

    def key(name: str, fn: Callable[[], object]) -> None:
        s = time.perf_counter()
        fn()
        draw()
        times.append((name, (time.perf_counter() - s) * 1000))

    for d in ("down", "down", "right", "down", "left", "up", "down", "down", "down"):
        key(d, functools.partial(view.move, d))
    key("Enter (zoom)", view.zoom_in)
    key("Backspace", view.zoom_out)
    tree = view.tree
    share = tree.weight / max(int(tree.weight[0]), 1)
    for frac in (0.02, 0.002):
        small = np.flatnonzero((share > frac * 0.7) & (share < frac))
        if len(small):
            node = int(small[0])
            key(f"click-zoom {frac:.1%} box", functools.partial(view.zoom_in, node))
            key("down", lambda: view.move("down"))
            key("Backspace", view.zoom_out)
    key("/runtime\\.mallocgc", lambda: view.search("runtime\\.mallocgc"))
    key("n", lambda: view.next_match(1))
    key("N", lambda: view.next_match(-1))
    key("c (callers)", view.callers)
    key("down", lambda: view.move("down"))
    key("Enter (zoom)", view.zoom_in)
    key("Backspace", view.zoom_out)
    key("Backspace", view.zoom_out)
    key("t (flip)", lambda: setattr(view, "flip", not view.flip))

    def resize() -> None:
        size[0], size[1] = 120, 38

    key("resize 120x40", resize)
    for name, ms in times:
        print(f"  {name:28s} {ms:7.1f} ms")
    print(f"worst key {max(ms for _n, ms in times):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
