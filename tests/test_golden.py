"""pprofsh against `go tool pprof`: every row of tests/golden/cases.tsv, byte for byte.

Expected outputs were produced by Go 1.19's pprof (tests/golden/regen.py).
pprofsh runs in-process with the same arguments, stdin and environment.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))
import regen  # noqa: E402

from pprofsh.cli import main  # noqa: E402

CASES = regen.read_cases()


class _Stream(io.TextIOWrapper):
    def __init__(self, tty: bool = False) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def value(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()  # type: ignore[attr-defined]


def run_pprofsh(args: list[str], stdin: str, monkeypatch) -> tuple[bytes, bytes, int]:
    monkeypatch.chdir(regen.ROOT)
    for k in list(os.environ):
        if k.startswith("PPROF"):
            monkeypatch.delenv(k)
    for k, v in regen.env().items():
        monkeypatch.setenv(k, v)
    import time

    time.tzset()
    out, err = _Stream(), _Stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    rc = main(args)
    return out.value(), err.value(), rc


@pytest.mark.parametrize("name,args,stdin", CASES, ids=[c[0] for c in CASES])
def test_golden(name: str, args: list[str], stdin: str, monkeypatch) -> None:
    want_out = (regen.OUT / f"{name}.stdout").read_bytes()
    want_err = (regen.OUT / f"{name}.stderr").read_bytes()
    want_rc = int((regen.OUT / f"{name}.rc").read_text())
    out, err, rc = run_pprofsh(args, stdin, monkeypatch)
    assert out.decode(errors="replace") == want_out.decode(errors="replace")
    assert err.decode(errors="replace") == want_err.decode(errors="replace")
    assert rc == want_rc
