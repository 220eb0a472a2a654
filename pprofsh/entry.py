"""What one command is: an entry of the command table (pprofsh.commands).

An entry holds, as functions, everything pprofsh does for the command: how
the words after its name are parsed (`parse`), what runs (`run`), and for a
report, its report format for the driver, its renderer (`render(report, out)`,
writing to the stream given) and its delivery (stdout, file, Graphviz, viewer).
The flags (`-top`), the shell (`top 10 -cum >f`), `-c`, `help`, completion and
docs/commands.md all read entries; none of them names a command in an if-chain.

Entries do not import the session: `run` is given it, as a SessionAPI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from pprofsh.delivery import Delivery, to_stream
from pprofsh.errors import CommandError
from pprofsh.options import Config
from pprofsh.report import Report, ViewCache
from pprofsh.ui import UI

if TYPE_CHECKING:
    from pprofsh.profile.model import Profile
    from pprofsh.report.flameview import FlameView
    from pprofsh.snapshots import Snapshot, Snapshots


class SessionAPI(Protocol):
    """What a command's run function may use of the session (pprofsh.session.Session)."""

    profile: Profile
    config: Config
    ui: UI
    view_cache: ViewCache
    snapshots: Snapshots
    current: Snapshot
    base: Snapshot | None
    # Shows a flame graph full screen; set by the shell layer on a terminal, else None.
    flame_screen: Callable[[FlameView], None] | None

    def load_source(self, ref: str) -> None: ...
    def set_base(self, ref: str | None, diff_base: bool = False) -> None: ...
    def fetch(self, arg: str) -> None: ...
    def serve_web(self, hostport: str | None) -> str: ...


@dataclass
class Invocation:
    """A command's words, parsed: its parameter, the options for this run, its own words."""

    arg: str | None
    config: Config
    words: list[str] = field(default_factory=list)


# Writes the report to the stream given (text, or bytes for binary=True entries).
Renderer = Callable[[Report, Any], None]
# (command, words after its name, the session's options, interactive?) -> Invocation
Parser = Callable[["Command", list[str], Config, bool], Invocation]
Runner = Callable[[SessionAPI, "Command", Invocation, TextIO], None]


def _parse_int32(t: str) -> int | None:
    if re.fullmatch(r"[+-]?[0-9]+", t):
        n = int(t)
        if -(1 << 31) <= n < (1 << 31):
            return n
    return None


def _cat(a: str, b: str) -> str:
    return a + "|" + b if a and b else a + b


def report_words(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    """pprof's parseCommandLine after the command name: [param] then [n] [focus]* [-ignore]*
    [-cum] [>file], setting options for this run only (the session's stay as they are)."""
    arg = None
    if c.has_param:
        if not args:
            raise CommandError(f"command {c.name} requires an argument")
        arg, args = args[0], args[1:]
    cfg = current.copy()
    focus = ignore = ""
    words: list[str] = []
    i = 0
    while i < len(args):
        t = args[i]
        n = _parse_int32(t)
        if t in c.words:
            words.append(t)
        elif n is not None:
            cfg.nodecount = n
        elif t[0] == ">":
            i, cfg.output = redirect_target(args, i)
        elif t[0] == "-":
            if t in ("--cum", "-cum"):
                cfg.sort = "cum"
            else:
                ignore = _cat(ignore, t[1:])
        else:
            focus = _cat(focus, t)
        i += 1
    # `tags` filters tags, not frames: its words are tag filters (as pprof's parser does).
    # Words are joined with "|" because pprof joins them so: `top a b` focuses on a OR b.
    fkey, ikey = ("tagfocus", "tagignore") if c.tag_words else ("focus", "ignore")
    if focus:
        cfg[fkey] = focus
    if ignore:
        cfg[ikey] = ignore
    # pprof's shell shows 10 entries of top/text by default; its flags show all.
    if interactive and c.shell_nodecount and cfg.nodecount == -1:
        cfg.nodecount = c.shell_nodecount
    return Invocation(arg, cfg, words)


def redirect_target(args: list[str], i: int) -> tuple[int, str]:
    """The file of a `>f` or `> f` at args[i]: the index of the last word it used, and the path."""
    path = args[i][1:]
    if not path:
        i += 1
        if i >= len(args):
            raise CommandError("unexpected end of line after >")
        path = args[i]
    return i, path


def no_words(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    """A command that takes no words."""
    if args:
        raise CommandError(f"command {c.name} takes no arguments")
    return Invocation(None, current, [])


def redirect_only(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    """A command that takes no words but >f (its output saved on the file f)."""
    cfg = current
    i = 0
    while i < len(args):
        t = args[i]
        if not t.startswith(">"):
            raise CommandError(f"command {c.name} takes no arguments but >f")
        cfg = cfg.copy()
        i, cfg.output = redirect_target(args, i)
        i += 1
    return Invocation(None, cfg, [])


def one_word(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    """A command with one required (has_param) or optional word."""
    if len(args) > 1:
        raise CommandError(f"command {c.name} takes one argument")
    if c.has_param and not args:
        raise CommandError(f"command {c.name} requires an argument")
    return Invocation(args[0] if args else None, current, [])


def _unavailable(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    raise CommandError(f"{c.name} is not supported by pprofsh (it needs the binary)")


@dataclass(frozen=True, kw_only=True)
class Command:
    """One entry of the command table."""

    name: str
    description: str  # one line, for help listings and completion
    usage: str = ""  # `help NAME`
    has_param: bool = False  # a required first word (list REGEX, load SRC)
    run: Runner = _unavailable
    parse: Parser = report_words
    # pprof's own commands are listed by `help` and usage (identical to Go's) and are
    # flags (-top); pprofsh's own are listed by `help pprofsh`.
    pprof: bool = True
    # -- report commands (run = pprofsh.report_commands.run_report) ----------------------
    format: str = ""  # the report format for the driver: text, traces, tree, dot, ...
    render: Renderer | None = None
    binary: bool = False  # render writes bytes
    deliver: Delivery = to_stream
    available: bool = True  # False: declared for help, answered with a clear message
    # -- the parser's knobs ---------------------------------------------------------------
    tag_words: bool = False  # focus/ignore words are tag filters (tags)
    shell_nodecount: int = 0  # nodecount in the shell when none is set (top, text: 10)
    cum_word: bool = False  # -cum sorts by cumulative weight (for completion)
    words: Sequence[str] = ()  # the command's own words (changes: traces)
    # What Tab offers for the words: "functions" (regexes of function names), "endpoint"
    # (/debug/pprof/ names and URLs), "" nothing.
    completion: str = "functions"
