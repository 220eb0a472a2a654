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

# C0 controls but newline and tab, DEL, and the C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Profile strings made harmless for a terminal: ESC, BEL, CSI... shown as \\xNN.

    Only for text going to a terminal; piped output stays byte-identical to Go's."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


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
