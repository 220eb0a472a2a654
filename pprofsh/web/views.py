"""The views: a profile report turned into a page body (and the page's data).

Each function takes the view's inputs (profile, configuration from the URL) and
returns a `View`; the server adds the menus and caches the result. Report
generation is pprofsh's own (make_report and the text renderers' row builders),
so that a view shows what the same command prints in the shell.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pprofsh import measurement
from pprofsh.driver import make_report
from pprofsh.errors import CommandError
from pprofsh.graph import Node
from pprofsh.options import Config
from pprofsh.profile.model import Profile
from pprofsh.report import Report, ViewCache
from pprofsh.web.page import h

Warn = Callable[[str], None]
# Label nodelets (pprof's tags) double the graph's cost; beyond this many samples the
# web graph leaves them out so that it answers in about a second (the shell's svg
# and web keep them).
TAGS_UP_TO = 5_000


@dataclass
class View:
    body: str
    legend: list[str] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)
    scripts: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)


def _report(
    p: Profile, cmd: str, fmt: str, arg: str | None, cfg: Config, warn: Warn, cache: ViewCache
) -> Report:
    return make_report(p, cmd, fmt, arg, cfg, warn, cache)


def legend_of(rpt: Report) -> list[str]:
    from pprofsh.report.text import profile_labels

    return profile_labels(rpt)


def title_of(legend: list[str]) -> str:
    """pprof's page title: "<file> <type>" from the legend, "unknown" for what is missing."""

    def get(prefix: str) -> str:
        for s in legend:
            if s.startswith(prefix):
                return s[len(prefix) :]
        return "unknown"

    return f"{get('File: ')} {get('Type: ')}"


# -- Top --------------------------------------------------------------------------------


def top_view(p: Profile, cfg: Config, warn: Warn, cache: ViewCache) -> View:
    from pprofsh.report.text import text_items

    cfg = cfg.copy()
    cfg.nodecount = 500  # pprof's web top: at most 500 rows, whatever the URL says
    rpt = _report(p, "top", "text", None, cfg, warn, cache)
    items, labels = text_items(rpt)
    fv = rpt.format_value
    pct = measurement.percentage
    total = rpt.total
    rows = []
    flat_sum = 0
    for name, inl, flat, cum in items:
        flat_sum += flat
        rows.append(
            f'<tr data-name="{h(name)}" data-flat="{flat}" data-sum="{flat_sum}" '
            f'data-cum="{cum}"><td>{h(fv(flat))}</td><td>{h(pct(flat, total).strip())}</td>'
            f"<td>{h(pct(flat_sum, total).strip())}</td><td>{h(fv(cum))}</td>"
            f"<td>{h(pct(cum, total).strip())}</td>"
            f'<td class="name">{h(name + inl)}</td></tr>'
        )
    body = (
        '<table id="toptable"><thead><tr>'
        '<th id="flathdr1" data-key="flat">Flat</th><th id="flathdr2" data-key="flat">Flat%</th>'
        '<th id="sumhdr" data-key="sum">Sum%</th>'
        '<th id="cumhdr1" data-key="cum">Cum</th><th id="cumhdr2" data-key="cum">Cum%</th>'
        '<th id="namehdr" data-key="name">Name</th></tr></thead>'
        f'<tbody id="rows">{"".join(rows)}</tbody></table>'
    )
    return View(body, labels, {"nodes": [it[0] for it in items]})


# -- Graph ------------------------------------------------------------------------------


def dot_available() -> bool:
    import shutil

    return shutil.which("dot") is not None


def graph_view(p: Profile, cfg: Config, warn: Warn, cache: ViewCache) -> View:
    from pprofsh.delivery import invoke_dot
    from pprofsh.report.dot import compose_dot
    from pprofsh.report.text import report_labels

    rpt = _report(p, "svg", "dot", None, cfg, warn, cache)
    g, orig, dropped_nodes, dropped_edges = rpt.trimmed_graph(
        with_tags=len(rpt.samples) <= TAGS_UP_TO
    )
    rpt.select_output_unit(g)
    labels = report_labels(rpt, g, orig, dropped_nodes, dropped_edges, True)
    # As pprof's web graph: the legend goes to the details box, not into the picture.
    dot = compose_dot(rpt, g, [])
    try:
        svg = invoke_dot("svg", dot).decode("utf-8", errors="replace")
    except CommandError:
        raise GraphvizMissing() from None
    svg = svg.replace("&;", "&amp;;")  # a Graphviz bug with a bare ampersand (as pprof)
    start = svg.find("<svg")
    if start >= 0:
        svg = svg[start:]
    nodes = [""] + [n.name for n in g.nodes]  # dot numbers nodes from 1
    legend = [x for x in labels if not x.startswith("\nSee ")]
    return View(f'<div id="graph">{svg}</div>', legend, {"nodes": nodes})


class GraphvizMissing(Exception):
    """dot is not installed: the graph view says so (501) as pprof's does."""


# -- Peek -------------------------------------------------------------------------------


def peek_view(p: Profile, cfg: Config, regexp: str, warn: Warn, cache: ViewCache) -> View:
    from pprofsh.report.text import print_tree

    cfg = cfg.copy()
    cfg.granularity = "lines"  # as pprof's web peek
    rpt = _report(p, "peek", "tree", regexp, cfg, warn, cache)
    text = print_tree(rpt)
    return View(f'<pre id="peektext">{h(text)}</pre>', legend_of(rpt))


# -- Source -----------------------------------------------------------------------------


def source_view(p: Profile, cfg: Config, regexp: str, warn: Warn, cache: ViewCache) -> View:
    """pprof's weblist needs the binary; this is `list` as a page: each function's lines
    with flat and cum, highlighted, the lines with samples marked by how hot they are."""
    from pprofsh.graph import info_sprint
    from pprofsh.report.source import SourceReader, source_lines

    rpt = _report(p, "list", "list", regexp, cfg, warn, cache)
    o = rpt.options
    g = rpt.new_graph()
    by_func: dict[str, list[Node]] = {}
    for n in g.nodes:
        name = n.info[0]
        if o.symbol is not None and not o.symbol.search(name):
            continue
        by_func.setdefault(name, []).append(n)
    if not by_func:
        raise CommandError(f"no matches found for regexp: {o.symbol_text}")
    reader = SourceReader(o.source_path or os.getcwd(), o.trim_path)
    fv = rpt.format_value
    parts = [f'<div id="sourcetotal">Total: {h(fv(rpt.total))}</div>']
    fn_names = sorted(by_func)
    for name in fn_names:
        nodes = by_func[name]
        files: dict[str, list[Node]] = {}
        for n in nodes:
            if n.info[3]:
                files.setdefault(n.info[3], []).append(n)
        if not files:
            parts.append(f'<div class="routine"><h2>{h(name)}</h2>No source information</div>')
            continue
        for filename in sorted(files, key=lambda f: (f, info_sprint(files[f][0].info))):
            fns = files[filename]
            flat_sum = sum(n.flat for n in fns)
            cum_sum = sum(n.cum for n in fns)
            lines, err = source_lines(filename, reader, fns)
            parts.append(
                f'<div class="routine"><h2>{h(name)}</h2><div class="routine-file">'
                f'{h(filename)}</div><div class="routine-total">{h(fv(flat_sum))} '
                f"{h(fv(cum_sum))} (flat, cum) "
                f"{h(measurement.percentage(cum_sum, rpt.total).strip())} of Total</div>"
            )
            if err is not None:
                parts.append(f'<div class="source-error">Error: {h(err)}</div></div>')
                continue
            parts.append(_source_table(lines, rpt.total, fv))
            parts.append("</div>")
    return View("".join(parts), legend_of(rpt))


def _source_table(
    lines: list[tuple[int, str, int, int]], total: int, fv: Callable[[int], str]
) -> str:
    code = highlight_go([t for _, t, _, _ in lines])
    top = max((abs(c) for _, _, _, c in lines), default=0)
    rows = []
    for (lineno, _text, flat, cum), html_line in zip(lines, code):
        heat = 0
        if cum and top:
            heat = 1 + min(4, int(4 * abs(cum) / top))
        cls = f' class="hot{heat}"' if heat else ""
        rows.append(
            f'<tr{cls}><td class="num">{h(fv(flat)) if flat else "."}</td>'
            f'<td class="num">{h(fv(cum)) if cum else "."}</td>'
            f'<td class="lineno">{lineno}</td><td class="code">{html_line}</td></tr>'
        )
    return '<table class="listing">' + "".join(rows) + "</table>"


def highlight_go(lines: list[str]) -> list[str]:
    """Each line as highlighted HTML (pygments, CSS classes under .code)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import GoLexer

    if not lines:
        return []
    out = str(highlight("\n".join(lines) + "\n", GoLexer(), HtmlFormatter(nowrap=True)))
    got = out.split("\n")
    if len(got) < len(lines):  # never expected; fall back to plain escaped text
        return [h(x) for x in lines]
    return _balanced(got[: len(lines)])


_SPAN = re.compile(r'<span class="[^"]*">|</span>')


def _balanced(lines: list[str]) -> list[str]:
    """Each line's spans closed at its end and reopened on the next: a token that runs
    over lines (a block comment, a raw string) stays well-formed in its table cell."""
    out = []
    carried: list[str] = []
    for ln in lines:
        opened = list(carried)
        for m in _SPAN.finditer(ln):
            if m.group(0) == "</span>":
                if opened:
                    opened.pop()
            else:
                opened.append(m.group(0))
        out.append("".join(carried) + ln + "</span>" * len(opened))
        carried = opened
    return out


def source_css() -> str:
    from pygments.formatters import HtmlFormatter

    return str(HtmlFormatter().get_style_defs(".code"))
