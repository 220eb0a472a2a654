"""The COMMANDS table: every report command, declared once.

Flags (`-top`, `-list=re`), the shell, `help`, completion and docs read it.
Descriptions and usage texts are what `go tool pprof` prints for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    format: str  # report format: text, traces, tree, tags, raw, comments, list, dot, ...
    has_param: bool
    description: str
    usage: str = ""
    # How output leaves: "" stdout; "file:EXT" to a temp file when on a terminal/shell;
    # "dot:FMT" through Graphviz; "view:EXT" rendered and opened in a viewer.
    post: str = ""
    available: bool = True  # False: declared for help, answered with a clear message


def _report_help(c: str, cum: bool, redirect: bool) -> str:
    h = [
        c + " [n] [focus_regex]* [-ignore_regex]*",
        "Include up to n samples",
        "Include samples matching focus_regex, and exclude ignore_regex.",
    ]
    if cum:
        h[0] += " [-cum]"
        h.append("-cum sorts the output by cumulative weight")
    if redirect:
        h[0] += " >f"
        h.append("Optionally save the report on the file f")
    return "\n".join(h)


def _list_help(c: str, redirect: bool) -> str:
    h = [
        c + "<func_regex|address> [-focus_regex]* [-ignore_regex]*",
        "Include functions matching func_regex, or including the address specified.",
        "Include samples matching focus_regex, and exclude ignore_regex.",
    ]
    if redirect:
        h[0] += " >f"
        h.append("Optionally save the report on the file f")
    return "\n".join(h)


COMMANDS: tuple[Command, ...] = (
    Command("comments", "comments", False, "Output all profile comments"),
    Command(
        "disasm",
        "disasm",
        True,
        "Output assembly listings annotated with samples",
        _list_help("disasm", True),
        available=False,
    ),
    Command("dot", "dot", False, "Outputs a graph in DOT format", _report_help("dot", False, True)),
    Command(
        "list",
        "list",
        True,
        "Output annotated source for functions matching regexp",
        _list_help("list", False),
    ),
    Command(
        "peek",
        "tree",
        True,
        "Output callers/callees of functions matching regexp",
        "peek func_regex\nDisplay callers and callees of functions matching func_regex.",
    ),
    Command("raw", "raw", False, "Outputs a text representation of the raw profile"),
    Command(
        "tags",
        "tags",
        False,
        "Outputs all tags in the profile",
        "tags [tag_regex]* [-ignore_regex]* [>file]\n"
        "List tags with key:value matching tag_regex and exclude ignore_regex.",
    ),
    Command(
        "text", "text", False, "Outputs top entries in text form", _report_help("text", True, True)
    ),
    Command(
        "top", "text", False, "Outputs top entries in text form", _report_help("top", True, True)
    ),
    Command("traces", "traces", False, "Outputs all profile samples in text form"),
    Command(
        "tree",
        "tree",
        False,
        "Outputs a text rendering of call graph",
        _report_help("tree", True, True),
    ),
    Command(
        "callgrind",
        "callgrind",
        False,
        "Outputs a graph in callgrind format",
        _report_help("callgrind", False, True),
        post="file:callgraph.out",
    ),
    Command(
        "proto",
        "proto",
        False,
        "Outputs the profile in compressed protobuf format",
        post="file:pb.gz",
    ),
    Command(
        "topproto",
        "topproto",
        False,
        "Outputs top entries in compressed protobuf format",
        post="file:pb.gz",
    ),
    Command(
        "gif",
        "dot",
        False,
        "Outputs a graph image in GIF format",
        _report_help("gif", False, True),
        post="dot:gif",
    ),
    Command(
        "pdf",
        "dot",
        False,
        "Outputs a graph in PDF format",
        _report_help("pdf", False, True),
        post="dot:pdf",
    ),
    Command(
        "png",
        "dot",
        False,
        "Outputs a graph image in PNG format",
        _report_help("png", False, True),
        post="dot:png",
    ),
    Command(
        "ps",
        "dot",
        False,
        "Outputs a graph in PS format",
        _report_help("ps", False, True),
        post="dot:ps",
    ),
    Command(
        "svg",
        "dot",
        False,
        "Outputs a graph in SVG format",
        _report_help("svg", False, True),
        post="dot:svg",
    ),
    Command(
        "eog",
        "dot",
        False,
        "Visualize graph through eog",
        _report_help("eog", False, False),
        post="view:svg",
    ),
    Command(
        "evince",
        "dot",
        False,
        "Visualize graph through evince",
        _report_help("evince", False, False),
        post="view:pdf",
    ),
    Command(
        "gv",
        "dot",
        False,
        "Visualize graph through gv",
        _report_help("gv", False, False),
        post="view:ps",
    ),
    Command(
        "web",
        "dot",
        False,
        "Visualize graph through web browser",
        _report_help("web", False, False),
        post="view:svg",
    ),
    Command(
        "kcachegrind",
        "callgrind",
        False,
        "Visualize report in KCachegrind",
        _report_help("kcachegrind", False, False),
        post="view:grind",
    ),
    Command(
        "weblist",
        "weblist",
        True,
        "Display annotated source in a web browser",
        _list_help("weblist", False),
        post="view:html",
        available=False,
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}

# Shell-only words, listed by `help` after the report commands.
SHELL_WORDS = (
    ("o/options", "List options and their current values"),
    ("q/quit/exit/^D", "Exit pprof"),
)

# pprofsh's own shell commands. They are kept out of pprof's `help` listing (which
# stays identical to Go's); `help pprofsh` lists them and `help NAME` describes each.
EXTRA_COMMANDS: tuple[Command, ...] = (
    Command(
        "load",
        "",
        True,
        "pprofsh: replace the profile with SRC (a file, URL or #N)",
        "load SRC|#N\nLoad a profile (or an earlier snapshot #N) as the one to report on.",
    ),
    Command(
        "base",
        "",
        True,
        "pprofsh: compare against a base profile, or stop comparing",
        "base [-diff_base] SRC|#N|off\n"
        "Subtract SRC (as -base does; with -diff_base, as -diff_base does).\n"
        "base off reports on the profile alone again.",
    ),
    Command(
        "fetch",
        "",
        False,
        "pprofsh: fetch the session's URL again (or another endpoint)",
        "fetch [endpoint|URL]\n"
        "Fetch a new snapshot from the service the session was opened on\n"
        "(fetch heap, fetch goroutine, fetch /debug/pprof/mutex) and report on it.",
    ),
    Command(
        "snapshots",
        "",
        False,
        "pprofsh: list the profiles loaded in this session",
        "snapshots\nNumbered list of every profile loaded or fetched, with time and total.",
    ),
    Command(
        "changes",
        "changes",
        False,
        "pprofsh: what grew and shrank between the base and the profile",
        "changes [n] [focus_regex]* [-ignore_regex]* [traces]\n"
        "Functions (or stacks, with the word traces) sorted by |delta|,\n"
        "with base and new values and the percent change; new and gone marked.",
    ),
)
EXTRA_BY_NAME: dict[str, Command] = {c.name: c for c in EXTRA_COMMANDS}
