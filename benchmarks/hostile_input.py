"""Issue #16: the hostile inputs that were super-linear, timed (a measurement, not a test).

Run from the repository root: `PYTHONPATH=. python benchmarks/hostile_input.py`.
Each input is a real fixture with one hostile line (or framing) spliced in.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path

from pprofsh.errors import PprofshError
from pprofsh.filters import go_regexp
from pprofsh.profile.parse import parse

FIXTURES = Path("tests/fixtures/profiles")


def timed(name: str, fn: Callable[[], object]) -> None:
    t0 = time.perf_counter()
    fn()
    print(f"{name:55s} {time.perf_counter() - t0:7.3f} s")


def with_line(fixture: str, at: int, line: str) -> bytes:
    lines = (FIXTURES / fixture).read_text().split("\n")
    lines.insert(at, line)
    return "\n".join(lines).encode()


def load(data: bytes) -> None:
    try:
        parse(data)
    except PprofshError:
        pass


def main() -> None:
    contention = with_line("mutex.debug1.txt", 3, "1" * 60000)
    timed("contention text, one 60 KB digit line", lambda: load(contention))
    heap = (FIXTURES / "heap.debug1.txt").read_text()
    heap += "\nMAPPED_LIBRARIES:\n" + "f" * 60000 + "\n" + "a" * 60000 + "=b\n"
    timed("heap text + maps, 60 KB hex and attribute lines", lambda: load(heap.encode()))
    frame = "#\t0x4f0444\tmain.sender" + "+0x24\t" * 10000 + "x"
    debug1 = (FIXTURES / "goroutine.debug1.txt").read_text().split("\n")
    debug1[3:3] = [frame] * 40
    timed("debug=1, 40 '#' lines of 60 KB (2.4 MB)", lambda: load("\n".join(debug1).encode()))
    dump = (FIXTURES / "goroutine.debug2.txt").read_text().split("\n")
    dump.insert(2, "\t" + " " * 1_000_000 + "x")
    dump.insert(4, "created by x" + " " * 1_000_000 + "y")
    timed("debug=2, 1 MB whitespace + 1 MB created-by line", lambda: load("\n".join(dump).encode()))
    members = gzip.compress(b"", mtime=0) * 1_000_000 + (FIXTURES / "goroutine.pb.gz").read_bytes()
    timed("1,000,000 empty gzip members (20 MB) + profile", lambda: parse(members))
    for expr in (".*.*.*.*.*.*x", "a*a*a*a*a*a*b"):
        rx = go_regexp(expr)
        timed(f"regexp {expr} on a 3000-character name", lambda rx=rx: rx.search("a" * 3000))


if __name__ == "__main__":
    main()
