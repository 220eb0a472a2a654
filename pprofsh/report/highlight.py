"""Colour for reports shown on a terminal (never for piped output or files).

* `list`: Go source highlighted with pygments; the flat and cum columns of
  lines with samples coloured by their weight in the routine (hot lines red).
* `top`/`text` and `peek`/`tree` of a diff (a report with negative values):
  growing values red, shrinking values green, as pprof colours diffs in graphs.

Colour is on only when the output is a terminal, NO_COLOR is unset (or
empty), TERM is not "dumb", and the module switch ENABLED is true (pprofsh
has no `color` option because the option list must match pprof's).
"""

from __future__ import annotations

import os
import re

from pprofsh.go import is_terminal
from pprofsh.ui import sanitize as sanitize

ENABLED = True

RESET = "\x1b[0m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
_HEAT = ((0.5, "\x1b[1;31m"), (0.2, "\x1b[31m"), (0.05, "\x1b[33m"), (0.0, "\x1b[2;33m"))


def wanted(out: object) -> bool:
    """Whether reports written to the stream out should be coloured."""
    if not ENABLED or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(out)


def colourise(fmt: str, text: str) -> str:
    """The report text of format fmt with ANSI colours added; other formats unchanged."""
    if fmt == "list":
        return colour_list(text)
    if fmt in ("text", "tree"):
        return colour_diff(text)
    return text


# -- list ---------------------------------------------------------------------------------

_SRC_LINE = re.compile(r"^(.{10}) (.{10}) ( *\d+):(.*)$")
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "mins": 60.0,
    "hrs": 3600.0,
    "B": 1.0,
    "kB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
}
_VALUE = re.compile(r"^\s*(-?[0-9.]+(?:e[+-]?\d+)?)([A-Za-zµ]*)$")


def parse_value(cell: str) -> float:
    """A formatted value ("50ms", "1.50MB", "12", ".") as a number in one base unit."""
    m = _VALUE.match(cell)
    if not m:
        return 0.0
    try:
        v = float(m.group(1))
    except ValueError:
        return 0.0
    return v * _UNITS.get(m.group(2), 1.0)


def _heat(v: float, top: float) -> str:
    if v == 0 or top <= 0:
        return ""
    r = abs(v) / top
    for limit, code in _HEAT:
        if r >= limit:
            return code
    return ""


def _paint(cell: str, code: str) -> str:
    return f"{code}{cell}{RESET}" if code else cell


def _highlight_go(lines: list[str]) -> list[str]:
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import GoLexer
    except ImportError:
        return lines
    src = "\n".join(lines) + "\n"
    out = highlight(src, GoLexer(stripnl=False, ensurenl=False), TerminalFormatter())
    got: list[str] = str(out).split("\n")
    if got and got[-1] == "":
        got.pop()
    if len(got) != len(lines):
        return lines
    return got


def colour_list(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    block: list[re.Match[str]] = []

    def flush() -> None:
        if not block:
            return
        top = max(max(abs(parse_value(m.group(1))), abs(parse_value(m.group(2)))) for m in block)
        code = _highlight_go([m.group(4) for m in block])
        for m, src in zip(block, code):
            flat, cum = m.group(1), m.group(2)
            out.append(
                f"{_paint(flat, _heat(parse_value(flat), top))} "
                f"{_paint(cum, _heat(parse_value(cum), top))} {m.group(3)}:{src}"
            )
        block.clear()

    for line in lines:
        m = _SRC_LINE.match(line)
        if m:
            block.append(m)
            continue
        flush()
        if line.startswith("ROUTINE ="):
            out.append("\x1b[1m" + line + RESET)
        elif line.startswith(" Error: "):
            out.append(RED + line + RESET)
        else:
            out.append(line)
    flush()
    return "\n".join(out)


# -- diffs in top and peek ------------------------------------------------------------------

_TOP_ROW = re.compile(r"^(\s*\S+ +\S+% +\S+% +\S+ +\S+%)(  .*)$")
_TREE_ROW = re.compile(r"^([^|]*)(\|.*)$")
_NUM = re.compile(r"(?<!\S)(-?)(\d[0-9.]*(?:e[+-]?\d+)?[A-Za-zµ]*%?)(?!\S)")


def _is_diff(lines: list[str]) -> bool:
    for line in lines:
        m = _TOP_ROW.match(line) or _TREE_ROW.match(line)
        if m and re.search(r"(?<!\S)-\d", m.group(1)):
            return True
    return False


def _colour_numbers(cells: str) -> str:
    def sub(m: re.Match[str]) -> str:
        # Percentages carry no sign in pprof's output: leave them plain.
        if m.group(2).endswith("%") or parse_value(m.group(2)) == 0:
            return m.group(0)
        return (GREEN if m.group(1) else RED) + m.group(0) + RESET

    return _NUM.sub(sub, cells)


def colour_diff(text: str) -> str:
    lines = text.split("\n")
    if not _is_diff(lines):
        return text
    out = []
    for line in lines:
        m = _TOP_ROW.match(line) or _TREE_ROW.match(line)
        if m and not line.startswith(("Showing", "Dropped", "File:", "Type:", "Time:")):
            out.append(_colour_numbers(m.group(1)) + m.group(2))
        else:
            out.append(line)
    return "\n".join(out)
