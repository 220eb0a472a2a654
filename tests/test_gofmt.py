"""pprofsh.go against Go 1.19's fmt and strconv.

The expected strings are Go's own output, in measurement_oracle/gofmt_cases.tsv,
written by measurement_oracle/main.go (see its header for how to regenerate).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from pprofsh.go import fmt_e, fmt_f, fmt_g, fmt_v, format_float, go_int64, go_round

CASES = Path(__file__).parent / "measurement_oracle" / "gofmt_cases.tsv"


def _load() -> tuple[list[str], list[tuple[str, float, list[str]]]]:
    lines = CASES.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cols = line.split("\t")
        assert len(cols) == len(header), line
        rows.append((cols[0], struct.unpack(">d", bytes.fromhex(cols[0]))[0], cols[1:]))
    return header[1:], rows


COLUMNS, ROWS = _load()

_VERB = re.compile(r"%(\d*)(?:\.(\d+))?([vefg])")


def _formatter(column: str) -> Callable[[float], str]:
    """The pprofsh.go call that should print what Go printed in this column."""
    if column == "math.Round":
        return lambda x: fmt_v(go_round(x))
    if column == "int64":
        return lambda x: str(go_int64(x))
    if column.startswith("strconv:"):
        _, conv, prec = column.split(":")
        return lambda x: format_float(x, conv, int(prec))
    m = _VERB.fullmatch(column)
    assert m, column
    width = int(m[1] or 0)
    verb = m[3]
    if verb == "v":
        return lambda x: fmt_v(x, width)
    if verb == "g":
        prec = int(m[2]) if m[2] is not None else -1
        return lambda x: fmt_g(x, prec, width)
    prec = int(m[2]) if m[2] is not None else 6
    fn = fmt_f if verb == "f" else fmt_e
    return lambda x: fn(x, prec, width)


def test_oracle_table_is_big_enough():
    assert len(ROWS) > 1500
    assert {"%v", "%.2f", "%5.2f", "%5.2g", "%.1f", "strconv:g:17"} <= set(COLUMNS)


@pytest.mark.parametrize("column", COLUMNS)
def test_matches_go(column: str):
    fn = _formatter(column)
    i = COLUMNS.index(column)
    bad = []
    for bits, x, outs in ROWS:
        got = fn(x)
        if got != outs[i]:
            bad.append(f"{bits} ({x!r}): go {outs[i]!r} != {got!r}")
    assert not bad, f"{len(bad)} mismatches, first: " + "; ".join(bad[:5])


# A few of the oracle's rows spelled out, to show the Go behaviour that
# differs from Python's own formatting (values copied from gofmt_cases.tsv).
@pytest.mark.parametrize(
    ("x", "fn", "want"),
    [
        (1e6, fmt_v, "1e+06"),  # Python repr: 1000000.0
        (123456789.0, fmt_v, "1.23456789e+08"),  # exponent form from 1e+06 on, not 1e+21
        (123456.0, fmt_v, "123456"),
        (0.0001, fmt_v, "0.0001"),
        (1e-05, fmt_v, "1e-05"),
        (1.0, fmt_v, "1"),
        (-0.0, fmt_v, "-0"),
        (float("inf"), fmt_v, "+Inf"),
        (float("-inf"), fmt_v, "-Inf"),
        (float("nan"), fmt_v, "NaN"),
        (1e21, fmt_v, "1e+21"),
        (100.0, lambda x: fmt_g(x, 2), "1e+02"),
        (100.0, lambda x: fmt_g(x, 2, 5), "1e+02"),
        (0.0, lambda x: fmt_g(x, 2, 5), "    0"),
        (0.0, lambda x: fmt_f(x, 2, 5), " 0.00"),
        (2.5, lambda x: fmt_f(x, 0), "2"),  # ties to even on the exact binary value
        (1.5, lambda x: fmt_f(x, 0), "2"),
        (0.5, lambda x: fmt_f(x, 0), "0"),
        (1.005, lambda x: fmt_f(x, 2), "1.00"),  # the double is below 1.005
        (0.125, lambda x: fmt_f(x, 2), "0.12"),
        (0.375, lambda x: fmt_f(x, 2), "0.38"),
        (-2.5, lambda x: fmt_e(x, 6), "-2.500000e+00"),
        (1e100, lambda x: fmt_e(x, 6), "1.000000e+100"),
    ],
)
def test_examples(x: float, fn: Callable[[float], str], want: str):
    assert fn(x) == want


def test_go_round_and_int64_examples():
    # From the math.Round and int64 columns of gofmt_cases.tsv.
    assert go_round(2.5) == 3.0
    assert go_round(-2.5) == -3.0
    assert go_round(0.49999999999999994) == 0.0
    assert go_int64(-2.5) == -2
    assert go_int64(1e19) == -(1 << 63)
    assert go_int64(float("inf")) == -(1 << 63)


def test_format_float_rejects_other_formats():
    with pytest.raises(ValueError):
        format_float(1.0, "x", -1)
