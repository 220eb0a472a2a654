"""The shell's line grammar, without a terminal: Session lines in, text out.

Follows pprof's interactive mode: shortcuts (`:`, sample-type names),
`name=value` assignments with `//:` comments, `o`, `help`, `q`, and report
commands whose trailing words set nodecount, focus/ignore, -cum and `>file`
for that command only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pprofsh import commands as cmds
from pprofsh import options as opts
from pprofsh.errors import CommandError, PprofshError
from pprofsh.options import Config, quote_go

COMMENT_START = "//:"
_TAIL_DIGITS = re.compile(r"[0-9]+$")


@dataclass
class ParsedCommand:
    name: str
    arg: str | None
    config: Config


def shortcuts(sample_types: list[str]) -> dict[str, list[str]]:
    s = {":": ["focus=", "ignore=", "hide=", "tagfocus=", "tagignore="]}
    for t in sample_types:
        command = f"sample_index={t}"
        s[t] = [command]
        s["total_" + t] = ["mean=0", command]
        s["mean_" + t] = ["mean=1", command]
    return s


def _parse_int32(t: str) -> int | None:
    if re.fullmatch(r"[+-]?[0-9]+", t):
        n = int(t)
        if -(1 << 31) <= n < (1 << 31):
            return n
    return None


def parse_command_line(tokens: list[str], current: Config) -> ParsedCommand:
    """pprof's parseCommandLine: pure; returns the command and its one-off config."""
    name, args = tokens[0], tokens[1:]
    c = cmds.BY_NAME.get(name)
    if c is None:
        m = _TAIL_DIGITS.search(name)
        if m and m.group(0) != name:
            d = m.group(0)
            name = name[: -len(d)]
            args = [d, *args]
            c = cmds.BY_NAME.get(name)
    if c is None:
        if opts.help_for(name) is not None:
            value = args[0] if args else "<val>"
            raise CommandError(f"did you mean: {name}={value}")
        raise CommandError(f"unrecognized command: {quote_go(name)}")
    arg = None
    if c.has_param:
        if not args:
            raise CommandError(f"command {name} requires an argument")
        arg, args = args[0], args[1:]
    cfg = current.copy()
    focus = ignore = ""
    i = 0
    while i < len(args):
        t = args[i]
        n = _parse_int32(t)
        if n is not None:
            cfg["nodecount"] = n
        elif t[0] == ">":
            out = t[1:]
            if not out:
                i += 1
                if i >= len(args):
                    raise CommandError("unexpected end of line after >")
                out = args[i]
            cfg["output"] = out
        elif t[0] == "-":
            if t in ("--cum", "-cum"):
                cfg["sort"] = "cum"
            else:
                ignore = _cat(ignore, t[1:])
        else:
            focus = _cat(focus, t)
        i += 1
    if name == "tags":
        if focus:
            cfg["tagfocus"] = focus
        if ignore:
            cfg["tagignore"] = ignore
    else:
        if focus:
            cfg["focus"] = focus
        if ignore:
            cfg["ignore"] = ignore
    if cfg["nodecount"] == -1 and name in ("text", "top"):
        cfg["nodecount"] = 10
    return ParsedCommand(name, arg, cfg)


def _cat(a: str, b: str) -> str:
    return a + "|" + b if a and b else a + b


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


def command_help(topic: str, sample_types: list[str]) -> tuple[str, bool]:
    """(text, ok) for `help [topic]`; not ok means an unknown topic."""
    from pprofsh.cli import usage

    if not topic:
        return usage(False) + (
            "\n  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n"
            '  type "help <cmd|option>" for more information\n'
        ), True
    if topic == "pprofsh":
        return "  pprofsh commands:\n" + "".join(
            f"    {c.name:<16s} {c.description.removeprefix('pprofsh: ')}\n"
            for c in cmds.EXTRA_COMMANDS
        ) + "\n", True
    c = cmds.BY_NAME.get(topic) or cmds.EXTRA_BY_NAME.get(topic)
    if c is not None:
        text = c.description + "\n"
        if c.usage:
            text += "  Usage:\n" + "".join(f"    {ln}\n" for ln in c.usage.split("\n"))
        return text + "\n", True
    h = opts.help_for(topic)
    if h is not None:
        if topic == "sample_index":
            h += f"Or use sample_index=name, with name in [{' '.join(sample_types)}].\n"
        return h + "\n", True
    return f"Unknown command: {topic}", False


class Interpreter:
    """Runs shell lines against a Session; the prompt layer only feeds lines."""

    def __init__(self, session) -> None:
        self.session = session
        self._profile = None
        self._refresh()

    def _refresh(self) -> None:
        """Follow the session's profile: `load` and `base` can change its sample types."""
        p = self.session.profile
        if p is not self._profile:
            self._profile = p
            self.sample_types = [st.type for st in p.sample_types]
            self.shortcuts = shortcuts(self.sample_types)

    def greeting(self) -> str:
        """What pprof prints on entering the shell (to its message stream)."""
        from pprofsh.report import make_report
        from pprofsh.report.text import profile_labels

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
                    from pprofsh.report import sample_index

                    types = self.sample_types
                    index = sample_index(s.profile, value)
                    if index < 0 or index >= len(types):
                        raise CommandError(f"invalid sample_index {quote_go(value)}")
                    value = types[index]
                if o.choices and name != o.name:
                    from pprofsh.cli import _parse_go_bool

                    if _parse_go_bool(value):
                        s.config[o.name] = name
                    else:
                        raise CommandError(f"unknown config field {quote_go(name)}")
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
        if tokens[0] in cmds.EXTRA_BY_NAME:
            try:
                self._extra(tokens)
            except PprofshError as e:
                ui.print_err(str(e))
            return True
        if tokens[0] == "help":
            text, ok = command_help(" ".join(tokens[1:]), self.sample_types)
            if ok:
                ui.err.write(text if text.endswith("\n") else text + "\n")
            else:
                ui.print_err(text)
            return True
        try:
            pc = parse_command_line(tokens, s.config)
            s.run_command(pc.name, pc.arg, pc.config)
        except PprofshError as e:
            ui.print_err(str(e))
        return True

    def _extra(self, tokens: list[str]) -> None:
        """pprofsh's own commands: load, base, snapshots, changes."""
        s = self.session
        name, args = tokens[0], tokens[1:]
        if name == "snapshots":
            s.ui.write_out(s.snapshots.listing(s.current, s.base))
        elif name == "fetch":
            from pprofsh.remote_commands import fetch_command

            fetch_command(s, args[0] if args else "")
        elif name == "load":
            if not args:
                raise CommandError("command load requires an argument")
            s.load_source(args[0])
        elif name == "base":
            diff = False
            if args and args[0] in ("-diff_base", "--diff_base"):
                diff, args = True, args[1:]
            if not args:
                raise CommandError("command base requires an argument")
            s.set_base(None if args[0] == "off" else args[0], diff)
        elif name == "changes":
            traces = "traces" in args
            rest = [a for a in args if a != "traces"]
            pc = parse_command_line(["top", *rest], s.config)
            if pc.config["nodecount"] == 10 and not any(_parse_int32(a) is not None for a in rest):
                pc.config["nodecount"] = 0
            s.ui.write_out(s.changes(pc.config, traces))
