"""Go's behaviour, where pprofsh must reproduce it: one home, imported by every layer.

`go tool pprof` is a Go program, so what it prints is shaped by Go's language
and standard library. pprofsh matches those byte for byte, and every copy lives
here so that copies cannot disagree:

* fmt and strconv float formatting (fmt_v, fmt_g, fmt_f, fmt_e, format_float).
  Go's ``%v`` prints the shortest digits that round-trip, switching to exponent
  form below 1e-4 and from 1e+06 on (Python's repr switches at 1e16 and keeps a
  ``.0``); infinities are ``+Inf``/``-Inf``; exponents have two digits at least.
  Rounding is the same in both languages (correct, ties to even on the exact
  binary value), so the digits come from Python and only the layout is Go's.
* arithmetic: math.Round (halves away from zero, go_round), int64(float64) as
  amd64 computes it (go_int64: out of range and NaN give MinInt64), int64
  wrap-around (wrap_int64) and truncating division (go_div).
* strconv.Quote (quote), strconv.ParseBool (parse_bool), filepath.Base and
  filepath.Clean (go_base, go_clean), the texts of syscall errors (errno_text),
  pprof's newTempFile numbering (new_temp_file), and term.IsTerminal
  (is_terminal).

tests/test_gofmt.py and tests/test_go.py compare these functions with what Go
1.19 prints for the same inputs (tests/measurement_oracle, tests/goref).
"""

from __future__ import annotations

import errno
import math
import os
from typing import Any

from pprofsh.errors import CommandError


def quote(s: str) -> str:
    """strconv.Quote: printable characters as they are, the rest escaped as Go escapes them.

    A lone surrogate U+DC80..U+DCFF stands for an undecodable input byte (Python's
    surrogateescape) and prints as that byte, \\xNN, as Go prints invalid UTF-8."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def parse_bool(v: str) -> bool | None:
    """strconv.ParseBool (what Go's flag package accepts); None for a syntax error."""
    if v in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if v in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


_ERRNO_TEXT = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.EEXIST: "file exists",
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by peer",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network is unreachable",
}


def errno_text(e: OSError) -> str:
    """The text Go's syscall.Errno prints for an OS error (lower case, no errno number)."""
    return _ERRNO_TEXT.get(e.errno or 0, (e.strerror or str(e)).lower())


def new_temp_file(directory: str, prefix: str, suffix: str) -> str:
    """pprof's newTempFile: the first free DIR/PREFIXnnnSUFFIX, created exclusively (empty).

    pprof numbers files from 001 rather than using random names, so that the
    names it reports ("Generating report in profile001.svg") are predictable;
    O_EXCL makes sure an existing file is never reused."""
    for index in range(1, 10000):
        path = os.path.join(directory, f"{prefix}{index:03d}{suffix}")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise CommandError(f"open {path}: {errno_text(e)}") from None
        os.close(fd)
        return path
    # pprof names the form without its directory.
    raise CommandError(f"could not create file of the form {prefix}001{suffix}")


def go_base(path: str) -> str:
    """filepath.Base on Unix: the last element, trailing slashes dropped; "." for ""."""
    if not path:
        return "."
    path = path.rstrip("/")
    if not path:
        return "/"
    return path.rsplit("/", 1)[-1]


def go_clean(path: str) -> str:
    """filepath.Clean on Unix (os.path.normpath, except that Go never keeps "//")."""
    if not path:
        return "."
    cleaned = os.path.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def wrap_int64(x: int) -> int:
    """x wrapped to int64, as Go's integer arithmetic wraps on overflow."""
    x &= _UINT64_MASK
    return x - (1 << 64) if x >> 63 else x


def go_div(a: int, b: int) -> int:
    """Go's int64 a / b: truncated toward zero (Python's // floors), MinInt64 / -1 wraps."""
    q = abs(a) // abs(b)
    return wrap_int64(q if (a < 0) == (b < 0) else -q)


def is_terminal(f: Any) -> bool:
    """Whether a stream is a terminal (pprof's term.IsTerminal on the file's descriptor)."""
    try:
        return bool(f.isatty())
    except (AttributeError, ValueError):
        return False


_INT64_MIN = -(1 << 63)
_UINT64_MASK = (1 << 64) - 1
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
