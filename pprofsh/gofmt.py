"""Go's float formatting (fmt verbs and strconv.FormatFloat) for float64 values.

pprof's text output goes through Go's formatter, which differs from Python's:

* ``%v`` (and ``%g`` without a precision) prints the shortest digits that
  round-trip, switching to exponent form when the decimal exponent is below
  -4 or at least 6 (``1e+06``, ``1.23456789e+08``, ``0.0001``, ``1e-05``).
  Python's ``repr`` switches at 16 and always keeps a ``.0``.
* Infinities print as ``+Inf``/``-Inf`` and NaN as ``NaN``.
* Exponents have at least two digits (``1e+06``), like C.

Rounding is the same in both languages: correctly rounded from the exact binary
value, ties to even (``%.0f`` of 0.5 is ``0``, of 2.5 is ``2``; ``%.2f`` of
1.005 is ``1.00`` because the double is just below 1.005). So the digits come
from Python's own correctly rounded conversions and only the layout is Go's.

Also here: Go's numeric conversions that pprof applies to scaled values,
``math.Round`` (:func:`go_round`) and ``int64(float64)`` (:func:`go_int64`).
"""

from __future__ import annotations

import math

__all__ = [
    "fmt_e",
    "fmt_f",
    "fmt_g",
    "fmt_v",
    "format_float",
    "go_int64",
    "go_round",
]

_INT64_MIN = -(1 << 63)
_INT64_LIMIT = float(1 << 63)


def _trim(digits: str, dp: int) -> tuple[str, int]:
    """Drop leading and trailing zeros of a digit string whose point is after dp digits.

    An all-zero number comes back as ("", 0), which is how Go's decimal
    conversions represent zero.
    """
    stripped = digits.lstrip("0")
    dp -= len(digits) - len(stripped)
    stripped = stripped.rstrip("0")
    if not stripped:
        return "", 0
    return stripped, dp


def _scientific_digits(text: str) -> tuple[str, int]:
    """Digits and point position of a non-negative number written like 1.25e-07 or 12.5."""
    mantissa, _, exponent = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    return _trim(whole + frac, len(whole) + (int(exponent) if exponent else 0))


def _shortest_digits(a: float) -> tuple[str, int]:
    # repr gives the shortest digit string that reads back as the same double,
    # picking the closest one when several have that length (as Go's Ryu does).
    return _scientific_digits(repr(a))


def _significant_digits(a: float, n: int) -> tuple[str, int]:
    """a rounded to n significant digits."""
    return _scientific_digits(f"{a:.{n - 1}e}")


def _fraction_digits(a: float, n: int) -> tuple[str, int]:
    """a rounded to n digits after the decimal point."""
    return _scientific_digits(f"{a:.{n}f}")


def _layout_e(neg: bool, digits: str, dp: int, prec: int) -> str:
    """d.ddd with prec digits after the point (zero padded), then e±dd."""
    first = digits[:1] or "0"
    out = ["-" if neg else "", first]
    if prec > 0:
        out.append(".")
        rest = digits[1 : prec + 1]
        out.append(rest + "0" * (prec - len(rest)))
    exp = dp - 1 if digits else 0
    out.append("e-" if exp < 0 else "e+")
    out.append(f"{abs(exp):02d}")
    return "".join(out)


def _layout_f(neg: bool, digits: str, dp: int, prec: int) -> str:
    """Integer part (zero padded to the point), then prec digits after the point."""
    out = ["-" if neg else ""]
    if dp > 0:
        whole = digits[:dp]
        out.append(whole + "0" * (dp - len(whole)))
    else:
        out.append("0")
    if prec > 0:
        out.append(".")
        frac = "0" * -dp + digits if dp < 0 else digits[dp:]
        out.append(frac[:prec].ljust(prec, "0"))
    return "".join(out)


def format_float(x: float, fmt: str, prec: int) -> str:
    """strconv.FormatFloat(x, fmt, prec, 64) for fmt in 'e', 'f', 'g'; prec < 0 means shortest."""
    if fmt not in ("e", "f", "g"):
        raise ValueError(f"unsupported format {fmt!r}")
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    neg = math.copysign(1.0, x) < 0
    a = abs(x)
    shortest = prec < 0
    if shortest:
        digits, dp = _shortest_digits(a)
        if fmt == "e":
            prec = max(len(digits) - 1, 0)
        elif fmt == "f":
            prec = max(len(digits) - dp, 0)
        else:
            prec = len(digits)
    elif fmt == "f":
        digits, dp = _fraction_digits(a, prec)
    elif fmt == "e":
        digits, dp = _significant_digits(a, prec + 1)
    else:
        if prec == 0:
            prec = 1
        digits, dp = _significant_digits(a, prec)

    if fmt == "e":
        return _layout_e(neg, digits, dp, prec)
    if fmt == "f":
        return _layout_f(neg, digits, dp, prec)

    # 'g': exponent form when the exponent is < -4 or >= the precision, where
    # the shortest form decides with precision 6; trailing zeros never show.
    nd = len(digits)
    eprec = 6 if shortest else prec
    exp = dp - 1
    if exp < -4 or exp >= eprec:
        return _layout_e(neg, digits, dp, min(prec, nd) - 1)
    if prec > dp:
        prec = nd
    return _layout_f(neg, digits, dp, max(prec - dp, 0))


def _pad(s: str, width: int, left: bool) -> str:
    if width <= len(s):
        return s
    return s.ljust(width) if left else s.rjust(width)


def fmt_g(x: float, prec: int = -1, width: int = 0, left: bool = False) -> str:
    """Go's fmt "%{width}.{prec}g" ("%g" when prec < 0); left=True is the "-" flag."""
    return _pad(format_float(x, "g", prec), width, left)


def fmt_v(x: float, width: int = 0, left: bool = False) -> str:
    """Go's fmt "%v" of a float64 (same as "%g": shortest digits, exponent form past 1e+06)."""
    return _pad(format_float(x, "g", -1), width, left)


def fmt_f(x: float, prec: int = 6, width: int = 0, left: bool = False) -> str:
    """Go's fmt "%{width}.{prec}f" (plain "%f" is prec 6)."""
    return _pad(format_float(x, "f", prec), width, left)


def fmt_e(x: float, prec: int = 6, width: int = 0, left: bool = False) -> str:
    """Go's fmt "%{width}.{prec}e" (plain "%e" is prec 6)."""
    return _pad(format_float(x, "e", prec), width, left)


def go_round(x: float) -> float:
    """Go's math.Round: nearest integer, halves away from zero (Python's round() is half-even)."""
    if math.isnan(x) or math.isinf(x):
        return x
    t = math.trunc(x)
    # x - trunc(x) is exact in binary floating point, so the comparison is too.
    if abs(x - t) >= 0.5:
        t += 1 if x > 0 else -1
    return math.copysign(float(t), x)


def go_int64(x: float) -> int:
    """Go's int64(x) for a float64 on amd64: truncates toward zero.

    Out-of-range values and NaN give math.MinInt64 (the CVTTSD2SQ result),
    which is what pprof's Go binary computes in those cases.
    """
    if math.isnan(x) or not -_INT64_LIMIT <= x < _INT64_LIMIT:
        return _INT64_MIN
    return int(x)
