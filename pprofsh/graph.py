"""The call graph at a granularity: nodes, edges, trimming and ordering.

Behaviour follows pprof's internal/graph. For speed, samples are first
grouped by stack (samples with equal stacks share one tuple object), so the
per-frame work is done once per distinct stack, not once per sample.
"""

from __future__ import annotations

import math
import os.path
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pprofsh.go import go_base, go_clean, go_div
from pprofsh.profile.model import Location, Sample

# NodeInfo: (name, orig_name, address, file, start_line, lineno, objfile)
NodeInfo = tuple[str, str, int, str, int, int, str]

GRANULARITIES = ("functions", "filefunctions", "files", "lines", "addresses")


def name_components(info: NodeInfo) -> list[str]:
    """The parts of a node's name: address, function, file:line or object file."""
    name, _orig, address, file, _start, lineno, objfile = info
    parts = []
    if address:
        parts.append(f"{address:016x}")
    if name:
        parts.append(name)
    if lineno:
        parts.append(f"{file}:{lineno}")
    elif file:
        parts.append(file)
    elif name:
        pass
    elif objfile:
        parts.append("[" + go_base(objfile) + "]")
    else:
        parts.append("<unknown>")
    return parts


def printable_name(info: NodeInfo) -> str:
    return " ".join(name_components(info))


def info_sprint(info: NodeInfo) -> str:
    """fmt.Sprint of Go's NodeInfo struct: the final tie-breaker when sorting."""
    name, orig, address, file, start, lineno, objfile = info
    return f"{{{name} {orig} {address} {file} {start} {lineno} {objfile}}}"


class Edge:
    __slots__ = ("src", "dest", "weight", "weight_div", "residual", "inline")

    def __init__(
        self, src: Node, dest: Node, dw: int, w: int, residual: bool, inline: bool
    ) -> None:
        self.src = src
        self.dest = dest
        self.weight = w
        self.weight_div = dw
        self.residual = residual
        self.inline = inline

    def weight_value(self) -> int:
        return self.weight if self.weight_div == 0 else go_div(self.weight, self.weight_div)


class Tag:
    __slots__ = ("name", "unit", "value", "flat", "flat_div", "cum", "cum_div")

    def __init__(self, name: str, unit: str = "", value: int = 0, flat: int = 0) -> None:
        self.name = name
        self.unit = unit
        self.value = value
        self.flat = flat
        self.flat_div = 0
        self.cum = 0
        self.cum_div = 0

    def flat_value(self) -> int:
        return self.flat if self.flat_div == 0 else go_div(self.flat, self.flat_div)

    def cum_value(self) -> int:
        return self.cum if self.cum_div == 0 else go_div(self.cum, self.cum_div)


def sort_tags(tags: list[Tag], flat: bool) -> list[Tag]:
    if flat:
        return sorted(tags, key=lambda t: (-abs(t.flat), t.name))
    return sorted(tags, key=lambda t: (-abs(t.cum), -abs(t.flat), t.name))


class Node:
    __slots__ = (
        "info",
        "flat",
        "flat_div",
        "cum",
        "cum_div",
        "in_",
        "out",
        "label_tags",
        "numeric_tags",
        "_name",
        "tree_parent",
    )

    def __init__(self, info: NodeInfo) -> None:
        self.info = info
        self.flat = 0
        self.flat_div = 0
        self.cum = 0
        self.cum_div = 0
        self.in_: dict[Node, Edge] = {}
        self.out: dict[Node, Edge] = {}
        self.label_tags: dict[str, Tag] = {}
        self.numeric_tags: dict[str, dict[str, Tag]] = {}
        self._name: str | None = None
        # Call trees: the parent whose node map holds this node (pprof's Node.Function
        # is per node map); None in ordinary graphs.
        self.tree_parent: Node | None = None

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = printable_name(self.info)
        return self._name

    def flat_value(self) -> int:
        return self.flat if self.flat_div == 0 else go_div(self.flat, self.flat_div)

    def cum_value(self) -> int:
        return self.cum if self.cum_div == 0 else go_div(self.cum, self.cum_div)

    def add_to_edge(self, to: Node, dw: int, w: int, residual: bool, inline: bool) -> None:
        e = self.out.get(to)
        if e is not None:
            e.weight_div += dw
            e.weight += w
            if residual:
                e.residual = True
            if not inline:
                e.inline = False
            return
        e = Edge(self, to, dw, w, residual, inline)
        self.out[to] = e
        to.in_[self] = e

    def __repr__(self) -> str:
        return f"<Node {self.name} flat={self.flat} cum={self.cum}>"


@dataclass
class GraphOptions:
    sample_value: Callable[[list[int]], int]
    sample_mean_divisor: Callable[[list[int]], int] | None = None
    format_tag: Callable[[int, str], str] | None = None
    obj_names: bool = False
    orig_fn_names: bool = False
    call_tree: bool = False
    drop_negative: bool = False
    kept: set[NodeInfo] | None = None
    granularity: str = "functions"
    noinlines: bool = False
    trim_path: str = ""
    source_path: str = ""
    with_tags: bool = False


class Graph:
    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    # -- trimming ------------------------------------------------------------------------
    def discard_low_frequency_nodes(self, cutoff: int) -> set[NodeInfo]:
        return {n.info for n in self.nodes if abs(n.cum) >= cutoff}

    def discard_low_frequency_node_ptrs(self, cutoff: int) -> set[Node]:
        return {n for n in self.nodes if abs(n.cum) >= cutoff}

    def trim_low_frequency_tags(self, cutoff: int) -> None:
        for n in self.nodes:
            n.label_tags = _trim_tags(n.label_tags, cutoff)
            for k, tm in n.numeric_tags.items():
                n.numeric_tags[k] = _trim_tags(tm, cutoff)

    def trim_low_frequency_edges(self, cutoff: int) -> int:
        dropped = 0
        for n in self.nodes:
            for src, e in list(n.in_.items()):
                if abs(e.weight) < cutoff:
                    del n.in_[src]
                    del src.out[n]
                    dropped += 1
        return dropped

    def sort_nodes(self, cum: bool, visual: bool) -> None:
        if visual:
            scores = {n: entropy_score(n) for n in self.nodes}
            self.nodes.sort(
                key=lambda n: (-_abs64(scores[n]), n.name, -abs(n.flat), info_sprint(n.info))
            )
        elif cum:
            self.nodes.sort(key=lambda n: (-abs(n.cum), n.name, -abs(n.flat), info_sprint(n.info)))
        else:
            self.nodes.sort(key=lambda n: (-abs(n.flat), n.name, -abs(n.cum), info_sprint(n.info)))

    def select_top_nodes(self, max_nodes: int, visual: bool) -> list[Node]:
        if max_nodes > 0 and visual:
            count = 0
            for i, n in enumerate(self.nodes):
                tags = min(count_tags(n), MAX_NODELETS)
                count += tags + 1
                if count >= max_nodes:
                    max_nodes = i + 1
                    break
        return self.nodes[: max(0, min(max_nodes, len(self.nodes)))]

    def trim_tree(self, kept: set[Node]) -> None:
        old = self.nodes
        self.nodes = []
        for cur in old:
            if cur in kept:
                self.nodes.append(cur)
                continue
            if not cur.in_:
                for e in cur.out.values():
                    e.dest.in_.pop(cur, None)
                continue
            (parent,) = list(cur.in_)
            parent_inline = parent.out[cur].inline
            del parent.out[cur]
            for e in list(cur.out.values()):
                child = e.dest
                del child.in_[cur]
                child.in_[parent] = e
                parent.out[child] = e
                e.src = parent
                e.residual = True
                e.inline = parent_inline and e.inline
        self.remove_redundant_edges()

    def remove_redundant_edges(self) -> None:
        for n in reversed(self.nodes):
            for e in reversed(sort_edges(n.in_.values())):
                if not e.residual:
                    break
                if _is_redundant_edge(e):
                    del e.src.out[e.dest]
                    del e.dest.in_[e.src]


MAX_NODELETS = 4


def count_tags(n: Node) -> int:
    c = sum(1 for t in n.label_tags.values() if t.flat != 0)
    for tm in n.numeric_tags.values():
        c += sum(1 for t in tm.values() if t.flat != 0)
    return c


def _trim_tags(tags: dict[str, Tag], cutoff: int) -> dict[str, Tag]:
    return {k: t for k, t in tags.items() if abs(t.flat) >= cutoff or abs(t.cum) >= cutoff}


def _is_redundant_edge(e: Edge) -> bool:
    src, n = e.src, e.dest
    seen = {n}
    queue = [n]
    while queue:
        n = queue.pop(0)
        for ie in n.in_.values():
            if ie is e or ie.src in seen:
                continue
            if ie.src is src:
                return True
            seen.add(ie.src)
            queue.append(ie.src)
    return False


def sort_edges(edges: Iterable[Edge]) -> list[Edge]:
    """pprof's edgeList order: by |weight| (equal weights by name), then names."""
    return sorted(edges, key=lambda e: (-abs(e.weight), e.weight, e.src.name, e.dest.name))


def entropy_score(n: Node) -> int:
    score = 0.0
    score += 1 if not n.in_ else _edge_entropy(n.in_, 0)
    score += 1 if not n.out else _edge_entropy(n.out, n.flat)
    return _wrap64(_go_float_to_int64(score * n.cum) + n.flat)


def _go_float_to_int64(x: float) -> int:
    """int64(x) as Go on amd64 converts it: NaN and out-of-range values give MinInt64."""
    if not math.isfinite(x) or not -(2.0**63) <= x < 2.0**63:
        return -(1 << 63)
    return int(x)


def _wrap64(v: int) -> int:
    return ((v + (1 << 63)) & 0xFFFFFFFFFFFFFFFF) - (1 << 63)


def _abs64(v: int) -> int:
    """pprof's abs64, overflow included: abs64(MinInt64) is MinInt64."""
    return _wrap64(-v) if v < 0 else v


def _edge_entropy(edges: dict[Node, Edge], self_: int) -> float:
    score = 0.0
    total = self_
    for e in edges.values():
        if e.weight > 0:
            total += abs(e.weight)
    if total != 0:
        for e in edges.values():
            frac = abs(e.weight) / total
            score += -frac * math.log2(frac) if frac > 0 else math.nan
        if self_ > 0:
            frac = abs(self_) / total
            score += -frac * math.log2(frac)
    return score


# -- building ----------------------------------------------------------------------------


def trim_path(path: str, trim: str, search: str) -> str:
    """pprof's trimPath: strip configured prefixes (or guess from the search path)."""
    if not trim:
        for d in search.split(os.pathsep) if search else []:
            want = "/" + go_base(d) + "/"
            i = path.find(want)
            if i != -1:
                return path[i + len(want) :]
    prefixes = (trim.split(os.pathsep) if trim else []) + ["/proc/self/cwd/./", "/proc/self/cwd/"]
    for t in prefixes:
        if not t.endswith("/"):
            t += "/"
        if path.startswith(t):
            return path[len(t) :]
    return path


class _InfoMaker:
    """NodeInfo for each line of a location, as pprof sees it after Aggregate + trimPath."""

    def __init__(self, o: GraphOptions) -> None:
        g = o.granularity
        inlines = not o.noinlines
        if g == "addresses" and inlines:
            self.function = self.filename = self.linenumber = self.address = True
        else:
            self.function = g in ("functions", "filefunctions", "lines", "addresses")
            self.filename = g in ("filefunctions", "files", "lines", "addresses")
            self.linenumber = g in ("lines", "addresses")
            self.address = g == "addresses"
        self.inlines = inlines
        self.o = o
        self._files: dict[str, str] = {}

    def file(self, fname: str) -> str:
        got = self._files.get(fname)
        if got is None:
            t = trim_path(fname, self.o.trim_path, self.o.source_path)
            got = go_clean(t) if t else ""
            self._files[fname] = got
        return got

    def infos(self, loc: Location) -> list[NodeInfo]:
        objfile = loc.mapping.file if loc.mapping is not None else ""
        address = loc.address if self.address else 0
        lines = loc.lines
        if not self.inlines and len(lines) > 1:
            lines = lines[-1:]
        if not lines:
            return [("", "", address, "", 0, 0, objfile)]
        out = []
        o = self.o
        for ln in lines:
            fn = ln.function
            if fn is None:
                out.append(("", "", address, "", 0, 0, objfile))
                continue
            name = fn.name if self.function else ""
            orig = fn.system_name if (self.function and o.orig_fn_names) else ""
            file = self.file(fn.filename) if (self.filename and fn.filename) else ""
            lineno = ln.line if self.linenumber else 0
            if o.obj_names or (not name and not orig):
                out.append((name, orig, address, file, fn.start_line, lineno, objfile))
            else:
                out.append((name, orig, address, file, 0, lineno, ""))
        return out


class GraphBuilder:
    """Builds graphs over one set of samples; keeps per-location work between passes."""

    def __init__(self, samples: list[Sample], o: GraphOptions) -> None:
        self.o = o
        self.samples = samples
        self.maker = _InfoMaker(o)
        self._loc_infos: dict[int, list[NodeInfo]] = {}
        self._groups: list[tuple[tuple[Location, ...], int, int, list[Sample] | None]] | None
        self._groups = None
        # _build_fast's sums by kept set (None: every node), for reports that trim alike.
        self._sums: dict[frozenset[NodeInfo] | None, tuple] = {}

    def loc_infos(self, loc: Location) -> list[NodeInfo]:
        got = self._loc_infos.get(id(loc))
        if got is None:
            got = self.maker.infos(loc)
            self._loc_infos[id(loc)] = got
        return got

    def groups(self):
        """(stack, w, dw, samples-or-None) with samples of equal stacks summed."""
        if self._groups is not None:
            return self._groups
        value = self.o.sample_value
        div = self.o.sample_mean_divisor
        if self.o.with_tags:
            out = []
            for s in self.samples:
                w = value(s.values)
                dw = div(s.values) if div else 0
                if w == 0 and dw == 0:
                    continue
                out.append((s.locations, w, dw, s))
            self._groups = out
            return out
        acc: dict[int, list] = {}
        for s in self.samples:
            vals = s.values
            w = value(vals)
            dw = div(vals) if div else 0
            if w == 0 and dw == 0:
                continue
            g = acc.get(id(s.locations))
            if g is None:
                acc[id(s.locations)] = [s.locations, w, dw, None]
            else:
                g[1] += w
                g[2] += dw
        self._groups = [tuple(g) for g in acc.values()]
        return self._groups

    def build(self, kept: set[NodeInfo] | None = None) -> Graph:
        if self.o.call_tree:
            return self._build_tree()
        if not self.o.with_tags:
            return self._build_fast(kept)
        return self._build_objects(kept)

    def _build_fast(self, kept: set[NodeInfo] | None) -> Graph:
        key = None if kept is None else frozenset(kept)
        sums = self._sums.get(key)
        if sums is None:
            sums = self._sums[key] = self._sum_fast(kept)
            if len(self._sums) > 8:
                del self._sums[next(iter(self._sums))]
        infos, cum, cum_div, flat, flat_div, edges = sums
        count = len(infos)
        nodes: list[Node | None] = [None] * count
        for i, info in enumerate(infos):
            n = nodes[i] = Node(info)
            n.cum, n.cum_div, n.flat, n.flat_div = cum[i], cum_div[i], flat[i], flat_div[i]
        for k, (ew, edw, residual, inline) in edges.items():
            src, dst = nodes[k // count], nodes[k % count]
            e = Edge(src, dst, edw, ew, residual, inline)
            src.out[dst] = e
            dst.in_[src] = e
        return _select(nodes, self.o.drop_negative)

    def _sum_fast(self, kept: set[NodeInfo] | None):
        """pprof's newGraph over stack groups, with nodes as small ints.

        Same rules as _build_objects (which also keeps tags): each node's cum counts
        once per stack, each (parent, child) edge once per stack with the flags of
        its first occurrence, flat goes to the leaf unless the leaf was dropped.
        """
        index: dict[NodeInfo, int] = {}
        infos: list[NodeInfo] = []
        # Per location: its lines' nodes outermost first, as (node or -1, inline).
        loc_rev: dict[int, tuple[tuple[int, bool], ...]] = {}
        for stack, _w, _dw, _s in self.groups():
            for loc in stack:
                if id(loc) in loc_rev:
                    continue
                lns = self.loc_infos(loc)
                last = len(lns) - 1
                rev = []
                for ni in range(last, -1, -1):
                    info = lns[ni]
                    if kept is not None and info not in kept:
                        rev.append((-1, ni != last))
                        continue
                    n = index.get(info)
                    if n is None:
                        n = index[info] = len(infos)
                        infos.append(info)
                    rev.append((n, ni != last))
                loc_rev[id(loc)] = tuple(rev)
        count = len(infos)
        cum = [0] * count
        cum_div = [0] * count
        flat = [0] * count
        flat_div = [0] * count
        edges: dict[int, list] = {}
        for stack, w, dw, _s in self.groups():
            seen: set[int] = set()
            seen_edge: set[int] = set()
            parent = -1
            residual = False
            for loc in reversed(stack):
                for n, inline in loc_rev[id(loc)]:
                    if n < 0:
                        residual = True
                        continue
                    if n not in seen:
                        seen.add(n)
                        cum[n] += w
                        cum_div[n] += dw
                    if parent >= 0 and n != parent:
                        k = parent * count + n
                        if k not in seen_edge:
                            seen_edge.add(k)
                            e = edges.get(k)
                            if e is None:
                                edges[k] = [w, dw, residual, inline]
                            else:
                                e[0] += w
                                e[1] += dw
                                if residual:
                                    e[2] = True
                                if not inline:
                                    e[3] = False
                    parent = n
                    residual = False
            if parent >= 0 and not residual:
                flat[parent] += w
                flat_div[parent] += dw
        return infos, cum, cum_div, flat, flat_div, edges

    def _build_objects(self, kept: set[NodeInfo] | None) -> Graph:
        nodes: dict[NodeInfo, Node] = {}
        loc_nodes: dict[int, list[Node | None]] = {}
        for stack, w, dw, sample in self.groups():
            seen_node: set[Node] = set()
            seen_edge: set[tuple[Node, Node]] = set()
            parent: Node | None = None
            residual = False
            labels = _join_labels(sample) if sample is not None else ""
            for loc in reversed(stack):
                lns = loc_nodes.get(id(loc))
                if lns is None:
                    lns = []
                    for info in self.loc_infos(loc):
                        if kept is not None and info not in kept:
                            lns.append(None)
                            continue
                        n = nodes.get(info)
                        if n is None:
                            n = nodes[info] = Node(info)
                        lns.append(n)
                    loc_nodes[id(loc)] = lns
                last = len(lns) - 1
                for ni in range(last, -1, -1):
                    n = lns[ni]
                    if n is None:
                        residual = True
                        continue
                    if n not in seen_node:
                        seen_node.add(n)
                        n.cum_div += dw
                        n.cum += w
                        if sample is not None:
                            _add_tags(n, dw, w, labels, sample, self.o.format_tag, False)
                    if parent is not None and n is not parent and (n, parent) not in seen_edge:
                        seen_edge.add((n, parent))
                        parent.add_to_edge(n, dw, w, residual, ni != last)
                    parent = n
                    residual = False
            if parent is not None and not residual:
                parent.flat_div += dw
                parent.flat += w
                if sample is not None:
                    _add_tags(parent, dw, w, labels, sample, self.o.format_tag, True)
        return _select(list(nodes.values()), self.o.drop_negative)

    def _build_tree(self) -> Graph:
        children: dict[Node | None, dict[NodeInfo, Node]] = {}
        all_nodes: list[Node] = []
        for stack, w, dw, sample in self.groups():
            parent: Node | None = None
            labels = _join_labels(sample) if sample is not None else ""
            for loc in reversed(stack):
                infos = self.loc_infos(loc)
                last = len(infos) - 1
                for li in range(last, -1, -1):
                    nm = children.get(parent)
                    if nm is None:
                        nm = children[parent] = {}
                    info = infos[li]
                    n = nm.get(info)
                    if n is None:
                        n = nm[info] = Node(info)
                        n.tree_parent = parent
                        all_nodes.append(n)
                    n.cum_div += dw
                    n.cum += w
                    if sample is not None:
                        _add_tags(n, dw, w, labels, sample, self.o.format_tag, False)
                    if parent is not None:
                        parent.add_to_edge(n, dw, w, False, li != last)
                    parent = n
            if parent is not None:
                parent.flat_div += dw
                parent.flat += w
                if sample is not None:
                    _add_tags(parent, dw, w, labels, sample, self.o.format_tag, True)
        return _select(all_nodes, self.o.drop_negative)


def _select(nodes: list[Node], drop_negative: bool) -> Graph:
    out = []
    for n in nodes:
        if n.cum == 0 and n.flat == 0:
            continue
        if drop_negative and (n.flat < 0 or (n.flat == 0 and n.cum < 0)):
            continue
        out.append(n)
    return Graph(out)


def _join_labels(s: Sample) -> str:
    if not s.labels:
        return ""
    return "\\n".join(sorted(f"{k}:{v}" for k, vs in s.labels.items() for v in vs))


def _add_tags(
    n: Node,
    dw: int,
    w: int,
    labels: str,
    s: Sample,
    fmt: Callable[[int, str], str] | None,
    flat: bool,
) -> None:
    if labels:
        t = n.label_tags.get(labels)
        if t is None:
            t = n.label_tags[labels] = Tag(labels)
        _bump(t, dw, w, flat)
    nt = n.numeric_tags.get(labels)
    if nt is None:
        nt = n.numeric_tags[labels] = {}
    if fmt is None:

        def fmt(v: int, _k: str) -> str:
            return str(v)

    for k, vals in (s.num_labels or {}).items():
        units = (s.num_units or {}).get(k) or []
        for i, v in enumerate(vals):
            unit = units[i] if units else k
            name = fmt(v, unit)
            t = nt.get(name)
            if t is None:
                t = nt[name] = Tag(name, unit, v)
            _bump(t, dw, w, flat)


def _bump(t: Tag, dw: int, w: int, flat: bool) -> None:
    if flat:
        t.flat_div += dw
        t.flat += w
    else:
        t.cum_div += dw
        t.cum += w


_GO_RX = re.compile(r"^(?:[\w\-\.]+\/)+(.+)")
_GO_VER_RX = re.compile(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$")
_JAVA_RX = re.compile(
    r"^(?:[a-z]\w*\.)*([A-Z][\w\$]*\.(?:<init>|[a-z][\w\$]*(?:\$\d+)?))(?:(?:\()|$)"
)
_CPP_RX = re.compile(r"^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)")
_CPP_ANON_RX = re.compile(r"^\(anonymous namespace\)::")


def shorten_function_name(f: str) -> str:
    f = _CPP_ANON_RX.sub("", f)
    f = _GO_VER_RX.sub(r"\1\2", f)
    for rx in (_GO_RX, _JAVA_RX, _CPP_RX):
        m = rx.search(f)
        if m:
            return "".join(g or "" for g in m.groups())
    return f
