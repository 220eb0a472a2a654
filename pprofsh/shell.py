"""Running the shell: plain lines from a pipe (as pprof does), or the prompt_toolkit shell.

Only pprofsh.prompt (imported lazily, for a terminal) touches prompt_toolkit.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, TextIO

from pprofsh.go import is_terminal
from pprofsh.interactive import Interpreter

if TYPE_CHECKING:
    from pprofsh.session import Session

PROMPT = "(pprof) "


def run_shell(session: Session, script: str | None = None, stdin: TextIO | None = None) -> int:
    """Enter interactive mode on session. Returns the exit status."""
    # The loaded profile lives as long as the shell: keep the cyclic GC off it.
    gc.freeze()
    gc.enable()
    session.config.compact_labels = True
    session.ui.interactive = True
    interp = Interpreter(session)
    ui = session.ui
    ui.write_err(interp.greeting())
    if script is not None:
        for line in script.split(";"):
            ui.write_out(PROMPT + line.strip() + "\n")
            if not interp.execute(line):
                break
        return 0
    stdin = stdin if stdin is not None else sys.stdin
    if is_terminal(stdin) and is_terminal(ui.out):
        from pprofsh.prompt import run_prompt

        return run_prompt(interp, PROMPT)
    return run_plain(interp, stdin)


def run_plain(interp: Interpreter, stdin: TextIO) -> int:
    """pprof's stdUI: the prompt on stdout, one line at a time, until end of input."""
    out = interp.session.ui.out
    while True:
        out.write(PROMPT)
        out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            out.write("\n")
            continue
        if line == "":
            return 0
        try:
            if not interp.execute(line):
                return 0
        except KeyboardInterrupt:
            interp.session.ui.print_err("interrupted")
