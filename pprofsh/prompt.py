"""The `(pprof)` shell on a terminal, with prompt_toolkit.

Keys: Tab completes (see pprofsh.completer), Up/Down walk the history, which
persists across sessions, Ctrl-R searches it backwards, Right/End accept the
greyed suggestion from history, Ctrl-C cancels the line being typed or a
report being computed (the session goes on), Ctrl-D on an empty line exits.
A bottom toolbar shows the profile, the sample type and the active filters.

Only this module and pprofsh.completer import prompt_toolkit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from pprofsh.completer import PprofCompleter
from pprofsh.go import errno_text

if TYPE_CHECKING:
    from pprofsh.interactive import Interpreter

FILTERS = ("focus", "ignore", "hide", "show", "tagfocus", "tagignore")


def history_path(env: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME/pprofsh/history, or ~/.pprofsh_history without XDG_STATE_HOME."""
    e: Mapping[str, str] = os.environ if env is None else env
    state = e.get("XDG_STATE_HOME", "")
    if state:
        return Path(state) / "pprofsh" / "history"
    home = e.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".pprofsh_history"


class _History(FileHistory):
    """FileHistory that survives a history file it cannot write (a full disk, a
    read-only or vanished file): prompt_toolkit would print a traceback and "Press
    ENTER to continue..." after every line. Says so once, then keeps the history in
    memory only."""

    def __init__(self, path: str, warn) -> None:  # type: ignore[no-untyped-def]
        super().__init__(path)
        self._warn = warn
        self._failed = False

    def load_history_strings(self):  # type: ignore[no-untyped-def]
        # Only a regular file is read back: a device such as /dev/zero never ends.
        if not os.path.isfile(self.filename):
            return iter(())
        return super().load_history_strings()

    def store_string(self, string: str) -> None:
        if self._failed:
            return
        try:
            super().store_string(string)
        except (OSError, ValueError) as e:
            self._failed = True
            why = errno_text(e) if isinstance(e, OSError) else str(e)
            self._warn(f"could not save history: write {os.fsdecode(self.filename)}: {why}")


def open_history(path: Path, warn: Callable[[str], None] | None = None) -> FileHistory | None:
    """The history file, created private (0600); None if it cannot be created."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
    except (OSError, ValueError):
        return None
    return _History(str(path), warn or (lambda msg: None))


def toolbar_text(interp: Interpreter) -> str:
    """` goroutine.pb.gz │ goroutine │ focus=main`: profile, sample type, active filters."""
    s = interp.session
    parts = []
    spec = getattr(s, "spec", None)
    sources = list(getattr(spec, "sources", []) or [])
    if sources:
        names = [os.path.basename(src.rstrip("/")) or src for src in sources]
        parts.append(", ".join(names))
    parts.append(sample_type(interp))
    filters = [f"{n}={s.config[n]}" for n in FILTERS if s.config[n]]
    parts.append(" ".join(filters) if filters else "no filters")
    from pprofsh.ui import sanitize

    return sanitize(" " + " │ ".join(parts))


def sample_type(interp: Interpreter) -> str:
    from pprofsh.driver import sample_index
    from pprofsh.errors import PprofshError

    s = interp.session
    try:
        t = interp.sample_types[sample_index(s.profile, s.config.sample_index)]
    except (PprofshError, IndexError):
        return str(s.config.sample_index)
    return ("mean_" + t) if s.config.mean else t


def run_prompt(
    interp: Interpreter,
    prompt: str,
    *,
    input: Input | None = None,
    output: Output | None = None,
    history_file: Path | None = None,
) -> int:
    """Read lines with prompt_toolkit until Ctrl-D, `quit` or end of input; returns 0."""
    history = open_history(history_file or history_path(), interp.session.ui.print_err)
    completer = PprofCompleter(interp)
    # Index function names and labels while the user types the first line, so that
    # the first Tab on a big profile answers at once.
    threading.Thread(target=lambda: completer.index, daemon=True).start()
    session: PromptSession[str] = PromptSession(
        completer=completer,
        complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(),
        bottom_toolbar=lambda: toolbar_text(interp),
        input=input,
        output=output,
        history=history,
    )
    ui = interp.session.ui
    while True:
        try:
            line = session.prompt(prompt)
        except KeyboardInterrupt:
            continue  # Ctrl-C: drop the line, prompt again
        except EOFError:
            return 0
        try:
            if not interp.execute(line):
                return 0
        except KeyboardInterrupt:
            ui.out.flush()
            ui.print_err("interrupted")
        ui.out.flush()
