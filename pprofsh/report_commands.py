"""pprof's report commands as entries of the command table.

Descriptions and usage texts are what `go tool pprof` prints for them, in
pprof's order. Each entry names its report format (what the driver makes),
its renderer and its delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, TextIO

from pprofsh.delivery import VIEWERS, Output, browsers, file_on_terminal, graphviz, viewer
from pprofsh.driver import make_report
from pprofsh.entry import Command, Invocation, SessionAPI
from pprofsh.errors import CommandError
from pprofsh.report import Report, protoout, source, text
from pprofsh.report import dot as dot_report


def run_report(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    """Make the report (pprof's generateRawReport), render it, deliver it."""
    cfg = inv.config
    rpt = make_report(s.profile, c.name, c.format, inv.arg, cfg, s.ui.print_err, s.view_cache)
    if not c.available or c.render is None:
        raise CommandError(f"{c.name} is not supported by pprofsh (it needs the binary)")
    render = c.render
    o = Output(lambda stream: render(rpt, stream), c.binary, c.format, cfg.output)
    c.deliver(o, s.ui, out)


def _text(fn: Callable[[Report], str]) -> Callable[[Report, IO[Any]], None]:
    """A renderer from a function returning the report's text."""

    def render(rpt: Report, out: IO[Any]) -> None:
        out.write(fn(rpt))

    render.__doc__ = fn.__doc__
    return render


def _bytes(fn: Callable[[Report], bytes]) -> Callable[[Report, IO[Any]], None]:
    def render(rpt: Report, out: IO[Any]) -> None:
        out.write(fn(rpt))

    render.__doc__ = fn.__doc__
    return render


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


def _viewers(name: str) -> Callable[[], list[str]]:
    return lambda: list(VIEWERS.get(name, []))


_dot = _text(dot_report.print_dot)
_callgrind = _text(dot_report.print_callgrind)


def _graph(name: str, fmt: str, description: str) -> Command:
    return Command(
        name=name,
        description=description,
        usage=_report_help(name, False, True),
        run=run_report,
        format="dot",
        render=_dot,
        deliver=graphviz(fmt),
    )


def _view(name: str, suffix: str, dot: str) -> Command:
    return Command(
        name=name,
        description=f"Visualize graph through {name}",
        usage=_report_help(name, False, False),
        run=run_report,
        format="dot",
        render=_dot,
        deliver=viewer(suffix, _viewers(name), dot=dot),
    )


ENTRIES: tuple[Command, ...] = (
    Command(
        name="comments",
        description="Output all profile comments",
        run=run_report,
        format="comments",
        render=_text(text.print_comments),
    ),
    Command(
        name="disasm",
        description="Output assembly listings annotated with samples",
        usage=_list_help("disasm", True),
        has_param=True,
        run=run_report,
        format="disasm",
        available=False,
    ),
    Command(
        name="dot",
        description="Outputs a graph in DOT format",
        usage=_report_help("dot", False, True),
        run=run_report,
        format="dot",
        render=_dot,
    ),
    Command(
        name="list",
        description="Output annotated source for functions matching regexp",
        usage=_list_help("list", False),
        has_param=True,
        run=run_report,
        format="list",
        render=_text(source.print_source),
    ),
    Command(
        name="peek",
        description="Output callers/callees of functions matching regexp",
        usage="peek func_regex\nDisplay callers and callees of functions matching func_regex.",
        has_param=True,
        run=run_report,
        format="tree",
        render=_text(text.print_tree),
    ),
    Command(
        name="raw",
        description="Outputs a text representation of the raw profile",
        run=run_report,
        format="raw",
        render=_text(text.print_raw),
    ),
    Command(
        name="tags",
        description="Outputs all tags in the profile",
        usage="tags [tag_regex]* [-ignore_regex]* [>file]\n"
        "List tags with key:value matching tag_regex and exclude ignore_regex.",
        run=run_report,
        format="tags",
        render=_text(text.print_tags),
        tag_words=True,
    ),
    Command(
        name="text",
        description="Outputs top entries in text form",
        usage=_report_help("text", True, True),
        run=run_report,
        format="text",
        render=_text(text.print_text),
        shell_nodecount=10,
        cum_word=True,
    ),
    Command(
        name="top",
        description="Outputs top entries in text form",
        usage=_report_help("top", True, True),
        run=run_report,
        format="text",
        render=_text(text.print_text),
        shell_nodecount=10,
        cum_word=True,
    ),
    Command(
        name="traces",
        description="Outputs all profile samples in text form",
        run=run_report,
        format="traces",
        render=text.print_traces,
    ),
    Command(
        name="tree",
        description="Outputs a text rendering of call graph",
        usage=_report_help("tree", True, True),
        run=run_report,
        format="tree",
        render=_text(text.print_tree),
        cum_word=True,
    ),
    Command(
        name="callgrind",
        description="Outputs a graph in callgrind format",
        usage=_report_help("callgrind", False, True),
        run=run_report,
        format="callgrind",
        render=_callgrind,
        deliver=file_on_terminal("callgraph.out"),
    ),
    Command(
        name="proto",
        description="Outputs the profile in compressed protobuf format",
        run=run_report,
        format="proto",
        render=_bytes(protoout.print_proto),
        binary=True,
        deliver=file_on_terminal("pb.gz"),
    ),
    Command(
        name="topproto",
        description="Outputs top entries in compressed protobuf format",
        run=run_report,
        format="topproto",
        render=_bytes(protoout.print_topproto),
        binary=True,
        deliver=file_on_terminal("pb.gz"),
    ),
    _graph("gif", "gif", "Outputs a graph image in GIF format"),
    _graph("pdf", "pdf", "Outputs a graph in PDF format"),
    _graph("png", "png", "Outputs a graph image in PNG format"),
    _graph("ps", "ps", "Outputs a graph in PS format"),
    _graph("svg", "svg", "Outputs a graph in SVG format"),
    _view("eog", "svg", "svg"),
    _view("evince", "pdf", "pdf"),
    _view("gv", "ps", "ps"),
    Command(
        name="web",
        description="Visualize graph through web browser",
        usage=_report_help("web", False, False),
        run=run_report,
        format="dot",
        render=_dot,
        deliver=viewer("svg", browsers, pannable=True),
    ),
    Command(
        name="kcachegrind",
        description="Visualize report in KCachegrind",
        usage=_report_help("kcachegrind", False, False),
        run=run_report,
        format="callgrind",
        render=_callgrind,
        deliver=viewer("grind", _viewers("kcachegrind")),
    ),
    Command(
        name="weblist",
        description="Display annotated source in a web browser",
        usage=_list_help("weblist", False),
        has_param=True,
        run=run_report,
        format="weblist",
        available=False,
    ),
)
