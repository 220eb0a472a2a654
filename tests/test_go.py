"""pprofsh.go against Go 1.19: quoting, paths, bools, int64 arithmetic, rounding, errno texts.

The expected values are Go's own answers, in tests/goref/cases.tsv, printed by
tests/goref/main.go (regenerate with `sh tests/goref/regen.sh`). Float
formatting is checked the same way by tests/test_gofmt.py.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from pprofsh import go
from pprofsh.profile import merge
from pprofsh.profile.model import Profile, Sample, ValueType

CASES = Path(__file__).parent / "goref" / "cases.tsv"


def _text(hexed: str) -> str:
    return bytes.fromhex(hexed).decode("utf-8", errors="surrogateescape")


def _pair(s: str) -> tuple[int, int]:
    a, b = s.split(",")
    return int(a), int(b)


def _bool(s: str) -> str:
    v = go.parse_bool(_text(s))
    return "error" if v is None else ("true" if v else "false")


def _errno(n: str) -> str:
    e = int(n)
    return go.errno_text(OSError(e, os.strerror(e)))


# Each function of the table: (how pprofsh answers the input, how to read Go's answer).
FUNCTIONS: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
    "quote": (lambda s: go.quote(_text(s)), _text),
    "base": (lambda s: go.go_base(_text(s)), _text),
    "clean": (lambda s: go.go_clean(_text(s)), _text),
    "parse_bool": (_bool, _text),
    "add": (lambda s: go.wrap_int64(sum(_pair(s))), int),
    "mul": (lambda s: go.wrap_int64(_pair(s)[0] * _pair(s)[1]), int),
    "div": (lambda s: go.go_div(*_pair(s)), int),
    "round_int64": (
        lambda s: go.go_int64(go.go_round(struct.unpack(">d", bytes.fromhex(s))[0])),
        int,
    ),
    "errno": (_errno, _text),
}


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        fn, arg, want = line.split("\t")
        rows.append((fn, arg, want))
    return rows


ROWS = _rows()


def test_table_covers_every_function() -> None:
    assert {fn for fn, _, _ in ROWS} == set(FUNCTIONS)
    assert len(ROWS) > 900


@pytest.mark.parametrize("fn", sorted(FUNCTIONS))
def test_matches_go(fn: str) -> None:
    ours, read = FUNCTIONS[fn]
    bad = []
    for name, arg, want in ROWS:
        if name != fn:
            continue
        got, expected = ours(arg), read(want)
        if got != expected:
            bad.append(f"{arg}: go {expected!r} != {got!r}")
    assert not bad, f"{len(bad)} mismatches, first: " + "; ".join(bad[:5])


def test_profile_scale_rounds_as_go() -> None:
    """Profile.Scale is int64(math.Round(v*ratio)): 0.49999999999999994 rounds to 0, not 1
    (floor(x + 0.5) is 1 there), and 2^52+1 stays odd."""

    def scaled(v: int, ratio: float) -> int:
        p = Profile()
        p.sample_types = [ValueType("samples", "count")]
        p.samples = [Sample((), [v])]
        merge.scale(p, ratio)
        return p.samples[0].values[0] if p.samples else 0

    assert scaled(1, 0.49999999999999994) == 0
    assert scaled(4503599627370497, 1.0) == 4503599627370497
    assert scaled(5, 0.5) == 3
    assert scaled(-5, 0.5) == -3
