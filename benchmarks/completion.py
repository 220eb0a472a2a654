#!/usr/bin/env python3
"""Time tab completion of function names on a big profile (target: under 50 ms).

    python benchmarks/completion.py benchmarks/data/cpu_L.pb.gz

Loads the profile as the shell does, then times building the completion index
(once per profile, on the first Tab) and completing function names for a few
words. Not a test: nothing fails on a clock.
"""

from __future__ import annotations

import gc
import io
import sys
import time

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from pprofsh.completer import PprofCompleter
from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, finish, load_sides


def main() -> int:
    path = sys.argv[1]
    gc.disable()
    ui = UI(io.StringIO(), io.StringIO(), interactive=True)
    spec = SourceSpec([path])
    p, _, _ = load_sides(spec, ui)
    s = Session(finish(p, spec, ui), Config(), ui, spec, p)
    comp = PprofCompleter(Interpreter(s))
    t = time.perf_counter()
    _ = comp.index
    build = time.perf_counter() - t
    print(f"index built in {build * 1000:.0f} ms ({len(comp.index.functions.names)} functions)")
    for text in ("peek Wr", "list main.", "focus=sync/atomic.Sta", "peek zzznomatch", "top -run"):
        t = time.perf_counter()
        got = list(comp.get_completions(Document(text), CompleteEvent(completion_requested=True)))
        ms = (time.perf_counter() - t) * 1000
        print(f"{text!r:28} {len(got):4d} completions in {ms:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
