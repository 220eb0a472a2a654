"""The command table: every command pprofsh answers, one entry each.

Entries (pprofsh.entry.Command) are declared in the entry modules listed in
ENTRY_MODULES, once; this module only gathers them. The flags (`-top`), the
shell, `-c`, `help`, completion and docs/commands.md all read COMMANDS.
See docs/architecture.md, "Adding a command".
"""

from __future__ import annotations

import re

from pprofsh import flame_commands, leak_commands, own_commands, report_commands
from pprofsh import options as opts
from pprofsh.entry import Command, Invocation
from pprofsh.errors import CommandError
from pprofsh.go import quote
from pprofsh.options import Config

# Each module has ENTRIES: tuple[Command, ...]. pprof's come first, in pprof's order.
ENTRY_MODULES = (report_commands, own_commands, flame_commands, leak_commands)

COMMANDS: tuple[Command, ...] = tuple(c for m in ENTRY_MODULES for c in m.ENTRIES)
BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
# pprof's commands: its `help` listing and usage text, and the output-format flags.
PPROF_COMMANDS: tuple[Command, ...] = tuple(c for c in COMMANDS if c.pprof)
# pprofsh's own, listed by `help pprofsh`.
OWN_COMMANDS: tuple[Command, ...] = tuple(c for c in COMMANDS if not c.pprof)

# Shell-only words, listed by `help` after the report commands.
SHELL_WORDS = (
    ("o/options", "List options and their current values"),
    ("q/quit/exit/^D", "Exit pprof"),
)

_TAIL_DIGITS = re.compile(r"[0-9]+$")


def resolve(name: str, args: list[str]) -> tuple[Command, list[str]]:
    """The entry a command word names, and the words for its parser.

    As pprof's parseCommandLine, trailing digits are the first argument: `top10`
    is `top 10`."""
    c = BY_NAME.get(name)
    if c is None:
        m = _TAIL_DIGITS.search(name)
        if m and m.group(0) != name:
            d = m.group(0)
            c = BY_NAME.get(name[: -len(d)])
            args = [d, *args]
    if c is None:
        if opts.help_for(name) is not None:
            value = args[0] if args else "<val>"
            raise CommandError(f"did you mean: {name}={value}")
        raise CommandError(f"unrecognized command: {quote(name)}")
    return c, args


def parse_command_line(
    tokens: list[str], current: Config, interactive: bool = True
) -> tuple[Command, Invocation]:
    """pprof's parseCommandLine: pure; the command and its one-off options."""
    c, args = resolve(tokens[0], tokens[1:])
    return c, c.parse(c, args, current, interactive)


def usage(command_line: bool) -> str:
    """pprof's usage text (its `help`, and the flags' usage), generated from the tables."""
    prefix = "-" if command_line else ""

    def fmt_help(c: str, d: str) -> str:
        return f"    {c:<16s} {d.split(chr(10), 1)[0]}"

    lines = sorted(fmt_help(prefix + c.name, c.description) for c in PPROF_COMMANDS)
    if command_line:
        head = "  Output formats (select at most one):\n"
    else:
        head = "  Commands:\n"
        lines += [fmt_help(w, d) for w, d in SHELL_WORDS]
    variables = []
    radios = []
    for o in opts.OPTIONS:
        if not o.choices:
            variables.append(fmt_help(prefix + o.name, o.help))
            continue
        s = [fmt_help(o.name, "")]
        for c, h in zip(o.choices, o.choice_help, strict=True):
            s.append("  " + fmt_help(prefix + c, h))
        radios.append("\n".join(s))
    return (
        head
        + "\n".join(lines)
        + "\n\n  Options:\n"
        + "\n".join(sorted(variables))
        + "\n\n  Option groups (only set one per group):\n"
        + "\n".join(sorted(radios))
    )


def command_help(topic: str, sample_types: list[str]) -> tuple[str, bool]:
    """(text, ok) for `help [topic]`; not ok means an unknown topic."""
    if not topic:
        return usage(False) + (
            "\n  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n"
            '  type "help <cmd|option>" for more information\n'
        ), True
    if topic == "pprofsh":
        return "  pprofsh commands:\n" + "".join(
            f"    {c.name:<16s} {c.description.removeprefix('pprofsh: ')}\n" for c in OWN_COMMANDS
        ) + "\n", True
    c = BY_NAME.get(topic)
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
