"""The shell's line grammar, without a terminal: Session lines in, text out.

Follows pprof's interactive mode: shortcuts (`:`, sample-type names),
`name=value` assignments with `//:` comments, `o`, `help`, `q`; every other
line is a command of the table, run by Session.run (whose entry's parser
reads the trailing words: nodecount, focus/ignore, -cum, `>file`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pprofsh import go
from pprofsh import options as opts
from pprofsh.commands import command_help
from pprofsh.driver import make_report, sample_index
from pprofsh.errors import CommandError, PprofshError
from pprofsh.go import quote
from pprofsh.options import Config
from pprofsh.profile.model import Profile
from pprofsh.report.text import profile_labels

if TYPE_CHECKING:
    from pprofsh.report.flameview import FlameView
    from pprofsh.session import Session

COMMENT_START = "//:"


def shortcuts(sample_types: list[str]) -> dict[str, list[str]]:
    s = {":": ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]}
    for t in sample_types:
        command = f"sample_index={t}"
        s[t] = [command]
        s["total_" + t] = ["mean=0", command]
        s["mean_" + t] = ["mean=1", command]
    return s


def format_options(cfg: Config, sample_types: list[str]) -> str:
    """The `o` listing, sorted, with choices as comments."""
    rows = []
    for o in opts.OPTIONS:
        n = o.name
        v = cfg.format_value(n)
        comment = ""
        if o.choices:
            comment = "[" + " | ".join(sorted(o.choices)) + "]"
        elif n == "sample_index":
            if v == "":
                v = sample_types[-1]
            comment = "[" + " | ".join(sample_types) + "]"
        elif n == "source_path":
            continue
        elif n == "nodecount" and v == "-1":
            comment = "default"
        elif v == "":
            v = '""'
        if comment:
            comment = COMMENT_START + " " + comment
        rows.append(f"  {n:<25s} = {v:<20s} {comment}")
    return "\n".join(sorted(rows))


class Interpreter:
    """Runs shell lines against a Session; the prompt layer only feeds lines."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._profile: Profile | None = None
        self._refresh()
        # One-shot -flame: leaving with f/i/H opens the flame graph again, filtered.
        self.flame_reopens = False
        if session.flame_screen is None:
            session.flame_screen = self.show_flame

    def show_flame(self, view: FlameView) -> None:
        """The `flame` screen (pprofsh.flame), then the line the user left it with
        (`focus=^fn$`, `list ^fn$`, ...), run as if typed."""
        import sys

        if not (go.is_terminal(sys.stdin) and self.session.ui.out_is_terminal()):
            raise CommandError("flame needs a terminal: use folded for flame graph tools")
        from pprofsh.flame import run_flame

        line = run_flame(view)
        if line is None:
            return
        self.session.ui.write_out("(pprof) " + line + "\n")
        self.execute(line)
        if self.flame_reopens and not line.startswith("list "):
            self.execute("flame flip" if view.flip else "flame")

    def _refresh(self) -> None:
        """Follow the session's profile: `load` and `base` can change its sample types."""
        p = self.session.profile
        if p is not self._profile:
            self._profile = p
            self.sample_types = [st.type for st in p.sample_types]
            self.shortcuts = shortcuts(self.sample_types)

    def greeting(self) -> str:
        """What pprof prints on entering the shell (to its message stream)."""
        s = self.session
        lines = []
        try:
            rpt = make_report(
                s.profile, "top", "text", None, s.config, s.ui.print_err, s.view_cache
            )
            lines.append("\n".join(profile_labels(rpt)))
            if rpt.total == 0 and len(s.profile.sample_types) > 1:
                lines.append("No samples were found with the default sample value type.")
                lines.append('Try "sample_index" command to analyze different sample values.\n')
        except PprofshError:
            pass
        lines.append('Entering interactive mode (type "help" for commands, "o" for options)')
        return "\n".join(lines) + "\n"

    def execute(self, line: str) -> bool:
        """Run one input line. Returns False when the shell should exit."""
        self._refresh()
        try:
            for part in self.shortcuts.get(line.strip(), [line.strip()]):
                if not self._execute_one(part):
                    return False
                self._refresh()
            return True
        finally:
            self._refresh()

    def _execute_one(self, line: str) -> bool:
        s = self.session
        ui = s.ui
        name, eq, value = line.partition("=")
        name = name.strip()
        if eq:
            c = value.rfind(COMMENT_START)
            if c != -1:
                value = value[:c]
            value = value.strip()
        o = opts.lookup(name)
        if o is not None:
            if not eq and not (o.kind is bool or name != o.name):
                ui.print_err(f"please specify a value, e.g. {name}=<val>")
                return True
            try:
                if name == "sample_index":
                    types = self.sample_types
                    index = sample_index(s.profile, value)
                    if index < 0 or index >= len(types):
                        raise CommandError(f"invalid sample_index {quote(value)}")
                    value = types[index]
                if o.choices and name != o.name:
                    if go.parse_bool(value):
                        s.config[o.name] = name
                    else:
                        raise CommandError(f"unknown config field {quote(name)}")
                else:
                    s.config.set(name, value)
            except PprofshError as e:
                ui.print_err(str(e))
            return True
        tokens = line.split()
        if not tokens:
            return True
        if tokens[0] in ("o", "options"):
            ui.print_err(format_options(s.config, self.sample_types))
            return True
        if tokens[0] in ("exit", "quit", "q"):
            return False
        if tokens[0] == "help":
            text, ok = command_help(" ".join(tokens[1:]), self.sample_types)
            if ok:
                ui.write_err(text if text.endswith("\n") else text + "\n")
            else:
                ui.print_err(text)
            return True
        try:
            s.run(tokens[0], tokens[1:])
        except PprofshError as e:
            ui.print_err(str(e))
        return True
