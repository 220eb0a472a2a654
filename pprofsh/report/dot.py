"""Graph outputs: DOT text and callgrind text.

The DOT text follows pprof's internal/graph dot builder; callgrind follows
report.printCallgrind. pprofsh.delivery turns DOT into svg/png/pdf/... through
Graphviz and opens viewers.
"""

from __future__ import annotations

import math
from typing import Any

from pprofsh import measurement
from pprofsh.go import go_base, go_div, go_int64
from pprofsh.graph import (
    MAX_NODELETS,
    Edge,
    Graph,
    Node,
    NodeInfo,
    Tag,
    name_components,
    shorten_function_name,
    sort_edges,
    sort_tags,
)
from pprofsh.report import Report

# -- DOT ---------------------------------------------------------------------------------


def escape_for_dot(s: str) -> str:
    """Backslashes and quotes escaped; newlines become left-justified breaks."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\l")


def multiline_printable_name(info: NodeInfo) -> str:
    name = escape_for_dot(shorten_function_name(info[0]))
    name = name.replace("::", "\\n").replace("[...]", "[…]").replace(".", "\\n")
    file = go_base(info[3]) if info[3] else ""
    parts = name_components((name, info[1], info[2], file, info[4], info[5], info[6]))
    return "\\n".join(parts) + "\\n"


def _uint8(x: float) -> int:
    """Go's uint8(float64) as amd64 does it: through int64, keeping the low byte."""
    if not math.isfinite(x):
        return 0
    return int(x) & 0xFF


def _ratio(a: int, b: int) -> float:
    """float64(a)/float64(b) with Go's IEEE results for b == 0."""
    if b == 0:
        if a == 0:
            return math.nan
        return math.inf if a > 0 else -math.inf
    return a / b


def dot_color(score: float, background: bool) -> str:
    shift = 0.7
    saturation, value = (0.1, 0.93) if background else (1.0, 0.7)
    if not math.isnan(score):
        score = max(-1.0, min(1.0, score))
    if abs(score) < 0.2:
        saturation *= abs(score) / 0.2
    if score > 0.0:
        score = math.pow(score, 1.0 - shift)
    if score < 0.0:
        score = -math.pow(-score, 1.0 - shift)
    if score < 0.0:
        g = value
        r = value * (1 + saturation * score)
    else:
        r = value
        g = value * (1 - saturation * score)
    b = value * (1 - saturation)
    return f"#{_uint8(r * 255.0):02x}{_uint8(g * 255.0):02x}{_uint8(b * 255.0):02x}"


class _DotBuilder:
    def __init__(self, rpt: Report, title: str, labels: list[str]) -> None:
        self.rpt = rpt
        self.title = title
        self.labels = labels
        self.total = rpt.total
        self.fv = rpt.format_value
        self.out: list[str] = []

    def start(self) -> None:
        name = self.title or "unnamed"
        self.out.append(f'digraph "{name}" {{\n')
        self.out.append('node [style=filled fillcolor="#f8f8f8"]\n')

    def legend(self) -> None:
        if not self.labels:
            return
        joined = "\\l".join(escape_for_dot(x) for x in self.labels)
        s = (
            f'subgraph cluster_L {{ "{escape_for_dot(self.labels[0])}" [shape=box fontsize=16'
            f' label="{joined}\\l"'
        )
        if self.title:
            s += f' tooltip="{self.title}"'
        self.out.append(s + "] }\n")

    def node(self, n: Node, nid: int, max_flat: float) -> None:
        flat, cum = n.flat_value(), n.cum_value()
        label = multiline_printable_name(n.info)
        flat_s = self.fv(flat)
        if flat != 0:
            label += f"{flat_s} ({measurement.percentage(flat, self.total).strip()})"
        else:
            label += "0"
        cum_s = flat_s
        if cum != flat:
            label += "\\n" if flat != 0 else " "
            cum_s = self.fv(cum)
            label += f"of {cum_s} ({measurement.percentage(cum, self.total).strip()})"
        font = 8
        if max_flat != 0 and flat != 0 and abs(flat) <= max_flat:
            font += int(math.ceil(16.0 * math.sqrt(abs(flat) / max_flat)))
        score = _ratio(n.cum_value(), abs(self.total))
        self.out.append(
            f'N{nid} [label="{label}" id="node{nid}" fontsize={font} shape=box '
            f'tooltip="{escape_for_dot(n.name)} ({cum_s})" color="{dot_color(score, False)}" '
            f'fillcolor="{dot_color(score, True)}"]\n'
        )

    def nodelets(self, n: Node, nid: int) -> bool:
        s = []
        lnts: dict[str, list[Tag]] = {}
        for lab, tm in n.numeric_tags.items():
            if tm:
                lnts[lab] = list(tm.values())
        flat_tags = len(n.out) > 0
        ts = sort_tags(list(n.label_tags.values()), flat_tags)[:MAX_NODELETS]
        for i, t in enumerate(ts):
            w = t.flat_value() if flat_tags else t.cum_value()
            if w == 0:
                continue
            weight = self.fv(w)
            s.append(
                f'N{nid}_{i} [label = "{t.name}" id="N{nid}_{i}" fontsize=8 shape=box3d '
                f'tooltip="{weight}"]\n'
            )
            s.append(
                f'N{nid} -> N{nid}_{i} [label=" {weight}" weight=100 tooltip="{weight}" '
                f'labeltooltip="{weight}"]\n'
            )
            nts = lnts.get(t.name)
            if nts:
                s.append(self.numeric_nodelets(nts, flat_tags, f"N{nid}_{i}"))
        nts = lnts.get("")
        if nts:
            s.append(self.numeric_nodelets(nts, flat_tags, f"N{nid}"))
        text = "".join(s)
        self.out.append(text)
        return text != ""

    def numeric_nodelets(self, nts: list[Tag], flat_tags: bool, source: str) -> str:
        s = []
        for j, t in enumerate(_collapsed_tags(nts, MAX_NODELETS, flat_tags)):
            w, attr = t.cum_value(), ' style="dotted"'
            if flat_tags or t.flat_value() == t.cum_value():
                w, attr = t.flat_value(), ""
            if w != 0:
                weight = self.fv(w)
                s.append(
                    f'N{source}_{j} [label = "{t.name}" id="N{source}_{j}" fontsize=8 '
                    f'shape=box3d tooltip="{weight}"]\n'
                )
                s.append(
                    f'{source} -> N{source}_{j} [label=" {weight}" weight=100 '
                    f'tooltip="{weight}" labeltooltip="{weight}"{attr}]\n'
                )
        return "".join(s)

    def edge(self, e: Edge, frm: int, to: int, has_nodelets: bool) -> None:
        inline = "\\n (inline)" if e.inline else ""
        wv = e.weight_value()
        w = self.fv(wv)
        attr = f'label=" {w}{inline}"'
        total = self.total
        if total != 0:
            weight = 1 + min(abs(go_div(wv * 100, total)), 100)
            if weight > 1:
                attr += f" weight={weight}"
            width = 1 + min(abs(go_div(wv * 5, total)), 5)
            if width > 1:
                attr += f" penwidth={width}"
            attr += f' color="{dot_color(_ratio(wv, abs(total)), False)}"'
        arrow = "..." if e.residual else "->"
        tip = f'"{escape_for_dot(e.src.name)} {arrow} {escape_for_dot(e.dest.name)} ({w})"'
        attr += f" tooltip={tip} labeltooltip={tip}"
        if e.residual:
            attr += ' style="dotted"'
        if has_nodelets:
            attr += " minlen=2"
        self.out.append(f"N{frm} -> N{to} [{attr}]\n")


def _tag_distance(t: Tag, u: Tag) -> float:
    v, _ = measurement.scale(u.value, u.unit, t.unit)
    return float(t.value) - v if v < float(t.value) else v - float(t.value)


def _collapsed_tags(ts: list[Tag], count: int, flat_tags: bool) -> list[Tag]:
    ts = sort_tags(ts, flat_tags)
    if len(ts) <= count:
        return ts
    groups = [[t] for t in ts[:count]]
    for t in ts[count:]:
        g, d = 0, _tag_distance(t, groups[0][0])
        for i in range(1, count):
            nd = _tag_distance(t, groups[i][0])
            if nd < d:
                g, d = i, nd
        groups[g].append(t)
    out = []
    for group in groups:
        name, flat, cum = _tag_group_label(group)
        nt = Tag(name)
        nt.flat = flat
        nt.cum = cum
        out.append(nt)
    return sort_tags(out, flat_tags)


def _tag_group_label(g: list[Tag]) -> tuple[str, int, int]:
    if len(g) == 1:
        t = g[0]
        return measurement.label(t.value, t.unit), t.flat_value(), t.cum_value()
    lo = hi = g[0]
    df, f = lo.flat_div, lo.flat
    dc, c = lo.cum_div, lo.cum
    for t in g[1:]:
        v, _ = measurement.scale(t.value, t.unit, lo.unit)
        if int(v) < lo.value:
            lo = t
        v, _ = measurement.scale(t.value, t.unit, hi.unit)
        if int(v) > hi.value:
            hi = t
        f += t.flat
        df += t.flat_div
        c += t.cum
        dc += t.cum_div
    if df != 0:
        f = go_div(f, df)
    if dc != 0:
        c = go_div(c, dc)
    return (
        measurement.label(lo.value, lo.unit) + ".." + measurement.label(hi.value, hi.unit),
        f,
        c,
    )


def compose_dot(rpt: Report, g: Graph, labels: list[str]) -> str:
    b = _DotBuilder(rpt, rpt.options.title, labels)
    b.start()
    b.legend()
    if g.nodes:
        ids = {n: i + 1 for i, n in enumerate(g.nodes)}
        max_flat = float(max(abs(n.flat_value()) for n in g.nodes))
        has_nodelets: dict[Node, bool] = {}
        edges: list[Edge] = []
        for n in g.nodes:
            b.node(n, ids[n], max_flat)
            has_nodelets[n] = b.nodelets(n, ids[n])
            edges.extend(n.out.values())
        for e in sort_edges(edges):
            b.edge(e, ids[e.src], ids[e.dest], has_nodelets[e.src])
    b.out.append("}\n")
    return "".join(b.out)


def print_dot(rpt: Report) -> str:
    from pprofsh.report.text import report_labels

    g, orig, dropped_nodes, dropped_edges = rpt.trimmed_graph(with_tags=True)
    rpt.select_output_unit(g)
    labels = report_labels(rpt, g, orig, dropped_nodes, dropped_edges, True)
    return compose_dot(rpt, g, labels)


# -- callgrind ---------------------------------------------------------------------------


def _function_key(n: Node) -> tuple[Any, ...]:
    """What pprof's Node.Function identifies: the whole-function node of n's node map."""
    name, orig, _addr, file, start, _line, objfile = n.info
    return (id(n.tree_parent) if n.tree_parent is not None else 0, name, orig, file, start, objfile)


def _disambiguated_names(g: Graph) -> dict[Node, str]:
    index: dict[tuple[str, str], dict[Any, Any]] = {}
    for n in g.nodes:
        p = index.setdefault((n.info[3], n.info[0]), {})
        k = _function_key(n)
        if k not in p:
            p[k] = len(p)
    out = {}
    for n in g.nodes:
        p = index[(n.info[3], n.info[0])]
        name = n.info[0]
        if len(p) > 1:
            name += f" [{p[_function_key(n)] + 1}/{len(p)}]"
        out[n] = name
    return out


def _callgrind_name(names: dict[str, int], name: str) -> str:
    if name == "":
        return ""
    got = names.get(name)
    if got is not None:
        return f"({got})"
    i = len(names) + 1
    names[name] = i
    return f"({i}) {name}"


def _callgrind_address(prev: NodeInfo | None, curr: int) -> str:
    absolute = f"{curr:#x}"
    if prev is None:
        return absolute
    if prev[2] == curr:
        return "*"
    diff = (curr - prev[2]) & 0xFFFFFFFFFFFFFFFF
    if diff >= 1 << 63:
        diff -= 1 << 64
    rel = f"{diff:+d}"
    return rel if len(rel) < len(absolute) else absolute


def _scaled_int(v: int, frm: str, to: str) -> int:
    sv, _ = measurement.scale(v, frm, to)
    return go_int64(sv)


def print_callgrind(rpt: Report) -> str:
    o = rpt.options
    o.node_fraction = 0
    o.edge_fraction = 0
    o.node_count = 0
    g, _, _, _ = rpt.trimmed_graph()
    rpt.select_output_unit(g)
    node_names = _disambiguated_names(g)
    out = ["positions: instr line\n", f"events: {o.sample_type}({o.output_unit})\n"]
    objfiles: dict[str, int] = {}
    files: dict[str, int] = {}
    names: dict[str, int] = {}
    prev: NodeInfo | None = None
    for n in g.nodes:
        info = n.info
        if prev is None or info[6] != prev[6] or info[3] != prev[3] or info[0] != prev[0]:
            out.append("\n")
            out.append("ob=" + _callgrind_name(objfiles, info[6]) + "\n")
            out.append("fl=" + _callgrind_name(files, info[3]) + "\n")
            out.append("fn=" + _callgrind_name(names, info[0]) + "\n")
        addr = _callgrind_address(prev, info[2])
        flat = _scaled_int(n.flat_value(), o.sample_unit, o.output_unit)
        out.append(f"{addr} {info[5]} {flat}\n")
        for e in sort_edges(n.out.values()):
            callee = e.dest
            out.append("cfl=" + _callgrind_name(files, callee.info[3]) + "\n")
            out.append("cfn=" + _callgrind_name(names, node_names[callee]) + "\n")
            out.append(f"calls=0 {_callgrind_address(prev, callee.info[2])} {callee.info[5]}\n")
            out.append(f"* * {_scaled_int(e.weight, o.sample_unit, o.output_unit)}\n")
        prev = info
    return "".join(out)
