#!/usr/bin/env python3
"""Time each command of a piped shell session, pprofsh beside `go tool pprof`.

Both tools print the `(pprof) ` prompt to stdout before reading each line (stdin
is a pipe), so the moment each prompt arrives marks the end of the command
before it. One session per tool gives the cost of every step: the load, a first
report, a repeated one, a re-sorted one, and reports after a new focus, sample
index or granularity.

    python benchmarks/shell_steps.py benchmarks/data/cpu_L.pb.gz [--focus RE]

Prints a Markdown table. Not a test: nothing here fails on a clock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

PROMPT = b"(pprof) "


def steps(focus: str) -> list[str]:
    return [
        "top",
        "top",
        "top -cum",
        "peek " + focus,
        f"focus={focus}",
        "top",
        "focus=",
        "sample_index=0",
        "top",
        "granularity=lines",
        "top",
        "granularity=functions",
        "sample_index=1",
        "top",
    ]


def timed_session(cmd: list[str], lines: list[str]) -> list[float]:
    """Seconds from start to each prompt."""
    env = dict(os.environ, TERM="dumb")
    p = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write(("\n".join(lines) + "\n").encode())
    p.stdin.close()
    start = time.monotonic()
    marks = []
    tail = b""
    fd = p.stdout.fileno()
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        now = time.monotonic() - start
        data = tail + chunk
        marks.extend([now] * (data.count(PROMPT) - tail.count(PROMPT)))
        tail = data[-len(PROMPT) :]
    p.wait()
    return marks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("profile")
    ap.add_argument("--focus", default="runtime")
    ap.add_argument("--no-go", action="store_true")
    a = ap.parse_args()
    lines = steps(a.focus)
    py = timed_session([sys.executable, "-m", "pprofsh", a.profile], lines)
    go = []
    if not a.no_go and shutil.which("go"):
        go = timed_session(["go", "tool", "pprof", a.profile], lines)

    def deltas(marks: list[float]) -> list[float]:
        return [marks[0]] + [b - a_ for a_, b in zip(marks, marks[1:])]

    dp, dg = deltas(py), deltas(go) if go else []
    print(
        f"Shell steps on {os.path.basename(a.profile)} (seconds; each row ends at the next "
        "prompt)\n"
    )
    print("| step | pprofsh | go pprof | pprofsh/Go |")
    print("|---|--:|--:|--:|")
    names = ["load + greeting", *lines]
    for i, name in enumerate(names[: len(dp)]):
        g = f"{dg[i]:.2f}" if i < len(dg) else "—"
        r = f"{dp[i] / dg[i]:.3f}×" if i < len(dg) and dg[i] > 0.005 else "—"
        print(f"| `{name}` | {dp[i]:.2f} | {g} | {r} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
