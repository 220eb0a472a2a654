#!/usr/bin/env python3
"""Regenerate the golden outputs from the real `go tool pprof` (Go 1.19).

Each row of cases*.tsv (cases.tsv from make_cases.py; other cases_*.tsv files
are hand-kept tables of one area each) is: name, args (shell words, paths relative to the repo
root), stdin (with \\n for newlines; empty for none). For every row this runs
`go tool pprof ARGS` in the repo root with that stdin and stores stdout,
stderr and the exit code under out/NAME.{stdout,stderr,rc}.

    python tests/golden/regen.py            # all rows
    python tests/golden/regen.py NAME...    # some rows
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"


def read_cases() -> list[tuple[str, list[str], str]]:
    cases = []
    lines = []
    for path in sorted(HERE.glob("cases*.tsv")):
        lines += path.read_text().splitlines()
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        name, args, *rest = line.split("\t")
        stdin = rest[0].replace("\\n", "\n") if rest else ""
        cases.append((name, shlex.split(args), stdin))
    return cases


def env() -> dict[str, str]:
    """The environment both tools run in: fixed zone, a scratch PPROF_TMPDIR, no colour."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("PPROF")}
    e.update(TZ="UTC", PPROF_TMPDIR="/tmp/pprofsh-golden-tmp", TERM="dumb", NO_COLOR="1")
    return e


def main(names: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    for name, args, stdin in read_cases():
        if names and name not in names:
            continue
        r = subprocess.run(
            ["go", "tool", "pprof", *args],
            cwd=ROOT,
            input=stdin.encode(),
            capture_output=True,
            env=env(),
            timeout=120,
        )
        (OUT / f"{name}.stdout").write_bytes(r.stdout)
        (OUT / f"{name}.stderr").write_bytes(r.stderr)
        (OUT / f"{name}.rc").write_text(f"{r.returncode}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
