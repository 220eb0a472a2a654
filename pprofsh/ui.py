"""Where a session writes: report data to out, messages to err.

Profile strings are data: when a stream is a terminal, no escape sequence of
theirs reaches it (sanitize). Piped output stays byte-identical to Go's.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import TextIO

from pprofsh.go import is_terminal

# C0 controls but newline and tab, DEL, and the C1 controls (0x9b is a one-byte CSI);
# and the Unicode bidirectional controls (embeddings, overrides, isolates, marks), with
# which `main.(*conn).\u202egol` would show as a different, made-up name.
# And the lone surrogates that stand for bytes that were not UTF-8 (shown as \\xNN).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]"
)


def _escaped(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): that byte
        c -= 0xDC00
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def sanitize(text: str) -> str:
    """Profile strings made harmless for a terminal: ESC, BEL, CSI... shown as \\xNN,
    bidi controls (U+202E...) as \\uNNNN. Every write to a terminal goes through it:
    UI's methods, delivery of reports, the toolbar, -watch's live lines.

    Only for text going to a terminal; piped output stays byte-identical to Go's."""
    return _CONTROL.sub(_escaped, text)


@dataclass
class UI:
    """Where a session writes: report data to out, messages to err."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    # In the shell (and -c): file outputs go to temp files, viewers are not waited for.
    interactive: bool = False

    def print_err(self, msg: str) -> None:
        if is_terminal(self.err):
            msg = sanitize(msg)
        self.err.write(msg + "\n")

    def write_out(self, text: str) -> None:
        """Write report text to out, made harmless when out is a terminal."""
        if is_terminal(self.out):
            text = sanitize(text)
        self.out.write(text)

    def write_err(self, text: str) -> None:
        """Write message text to err, made harmless when err is a terminal."""
        if is_terminal(self.err):
            text = sanitize(text)
        self.err.write(text)

    def out_is_terminal(self) -> bool:
        return is_terminal(self.out)
