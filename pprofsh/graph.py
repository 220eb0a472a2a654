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
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from pprofsh.go import go_base, go_clean, go_div
from pprofsh.profile.columns import I64, SampleSet, dedupe_stacks, from_samples
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
    # The column of sample_value (graphs are summed over value columns).
    value_index: int = 0


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
                key=lambda n: (-abs64(scores[n]), n.name, -abs(n.flat), info_sprint(n.info))
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


def abs64(v: int) -> int:
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


@dataclass(eq=False)
class StackTable:
    """A view's distinct stacks as node ids at a granularity (see GraphBuilder.stacks).

    Stack k is ``ids[offsets[k]:offsets[k + 1]]``, ROOT FIRST (outermost caller
    first, leaf last; inlined frames expanded, the inlined callee after its
    caller). ``values[k]``/``divs[k]`` are the sums over its samples of the
    report's sample value and of the -mean divisor (0 without -mean). Stacks
    with equal node sequences are summed into one; stacks whose value and
    divisor are both 0 are left out. ``infos[i]``/``names[i]`` are node i's
    NodeInfo and printable name (as `top` prints it).
    """

    infos: list[NodeInfo]
    names: list[str]
    offsets: I64
    ids: I64
    values: I64
    divs: I64


class _Index:
    """A view's stacks expanded into nodes at one granularity, kept between reports.

    Frames are the view's stacks with each location replaced by its lines'
    nodes, stack by stack, ROOT FIRST (outermost caller first; within a
    location, the outermost line first): frame_node, frame_inline (True when
    the frame is an inlined call, i.e. not its location's outermost line), and
    the stack of each frame; stack s's frames are stack_first[s] to
    stack_first[s + 1] (its leaf last). pair_stack/pair_node are the distinct
    (stack, node) pairs, so that a node's cum counts each stack once; recursive[s]
    says stack s holds a node twice.
    """

    def __init__(self, view: SampleSet, maker: _InfoMaker) -> None:
        mark = np.zeros(len(view.locations), bool)
        mark[view.locs] = True
        used = np.flatnonzero(mark)
        del mark
        index: dict[NodeInfo, int] = {}
        infos: list[NodeInfo] = []
        table = view.locations
        # Per used location: its nodes outermost first, and their inline flags.
        per_loc = np.zeros(len(table) + 1, np.int64)
        nodes: list[int] = []
        for li in used.tolist():
            lns = maker.infos(table[li])
            for info in reversed(lns):
                n = index.get(info)
                if n is None:
                    n = index[info] = len(infos)
                    infos.append(info)
                nodes.append(n)
            per_loc[li + 1] = len(lns)
        loc_off = np.cumsum(per_loc)
        loc_nodes = np.array(nodes, np.int32)
        self.infos = infos
        self.num_nodes = nn = len(infos)
        nst = view.num_stacks
        # The view's entries root first: reverse each stack.
        starts = view.starts
        lens = np.diff(starts)
        rev = np.repeat(starts[:-1] + starts[1:] - 1, lens)
        rev -= np.arange(len(view.locs), dtype=np.int64)
        locs = view.locs[rev]
        del rev
        nlines = per_loc[1:][locs]
        ends = np.cumsum(nlines)
        first_line = loc_off[:-1][locs]
        if bool((nlines == 1).all()):
            self.frame_node = loc_nodes[first_line]
            self.frame_inline = np.zeros(len(locs), bool)
        else:
            # Each entry's first line, then the further lines of the entries that have them.
            total = int(ends[-1])
            out = ends - nlines
            self.frame_node = np.empty(total, np.int32)
            self.frame_inline = np.ones(total, bool)
            self.frame_node[out] = loc_nodes[first_line]
            self.frame_inline[out] = False
            more = np.flatnonzero(nlines > 1)
            k = 1
            while len(more):
                self.frame_node[out[more] + k] = loc_nodes[first_line[more] + k]
                k += 1
                more = more[nlines[more] > k]
            del out, more
        del first_line
        del nlines, locs
        self.stack_first = np.zeros(nst + 1, np.int64)
        if nst:
            self.stack_first[1:] = ends[starts[1:] - 1] if len(ends) else 0
            # Stacks without locations end where the one before them ends.
            empty = lens == 0
            if bool(empty.any()):
                last = np.maximum.accumulate(np.where(empty, 0, self.stack_first[1:]))
                self.stack_first[1:] = last
        frames_per_stack = np.diff(self.stack_first)
        del ends
        self.frame_stack = np.repeat(np.arange(nst, dtype=np.int32), frames_per_stack)
        # Distinct (stack, node) pairs: frames are grouped by stack, so the keys are
        # nearly sorted already.
        m = max(nn, 1)
        pairs = np.sort(self.frame_stack.astype(np.int64) * m + self.frame_node)
        keep = np.ones(len(pairs), bool)
        keep[1:] = pairs[1:] != pairs[:-1]
        pairs = pairs[keep]
        del keep
        self.pair_stack = (pairs // m).astype(np.int32)
        self.pair_node = (pairs % m).astype(np.int32)
        del pairs
        distinct = np.bincount(self.pair_stack, minlength=nst)
        self.recursive = distinct != frames_per_stack
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            self._names = [printable_name(i) for i in self.infos]
        return self._names

    def subset(self, stacks: I64) -> _Index:
        """The index of a view made of some of this view's stacks (ids ascending)."""
        out = _Index.__new__(_Index)
        new_id = np.full(len(self.stack_first) - 1, -1, np.int64)
        new_id[stacks] = np.arange(len(stacks))
        fmask = new_id[self.frame_stack] >= 0
        out.frame_node = self.frame_node[fmask]
        out.frame_inline = self.frame_inline[fmask]
        out.frame_stack = new_id[self.frame_stack[fmask]].astype(np.int32)
        lens = np.diff(self.stack_first)[stacks]
        out.stack_first = np.zeros(len(stacks) + 1, np.int64)
        np.cumsum(lens, out=out.stack_first[1:])
        pmask = new_id[self.pair_stack] >= 0
        out.pair_stack = new_id[self.pair_stack[pmask]].astype(np.int32)
        out.pair_node = self.pair_node[pmask]
        out.recursive = self.recursive[stacks]
        out.infos = self.infos
        out.num_nodes = self.num_nodes
        out._names = self._names
        return out


def _ranges(a: I64, b: I64) -> I64:
    """Concatenation of arange(a[i], b[i]) for every i."""
    lens = b - a
    total = int(lens.sum()) if len(lens) else 0
    if total == 0:
        return np.zeros(0, np.int64)
    offs = np.cumsum(lens) - lens
    return np.repeat(a - offs, lens) + np.arange(total, dtype=np.int64)


def _repeats(a: npt.NDArray[Any], b: I64, nb: int) -> I64:
    """Indices i where (a[i], b[i]) already occurred at a smaller index."""
    if not len(a):
        return np.zeros(0, np.int64)
    top = int(a.max()) + 1
    if top * max(nb, 1) < (1 << 62):
        key = a.astype(np.int64) * nb + b
        order = np.argsort(key, kind="stable")
        sk = key[order]
        again = np.zeros(len(a), bool)
        again[1:] = sk[1:] == sk[:-1]
    else:
        order = np.lexsort((b, a))
        sa, sb = a[order], b[order]
        again = np.zeros(len(a), bool)
        again[1:] = (sa[1:] == sa[:-1]) & (sb[1:] == sb[:-1])
    return np.sort(order[again])


_EdgeStructure = tuple[I64, I64, I64, npt.NDArray[np.bool_], npt.NDArray[np.bool_], int]


def _edge_structure(
    ix: _Index, node_ok: npt.NDArray[np.bool_], part: npt.NDArray[np.bool_], everything: bool
) -> _EdgeStructure:
    """Edge occurrences (one per stack and edge): (stack, edge number), the edges as
    parent * K + child over the K kept nodes in order of first use, each occurrence's
    residual and inline flags, and K."""
    fs, fnode, finl = ix.frame_stack, ix.frame_node, ix.frame_inline
    if everything and bool(part.all()):
        pos = None
    else:
        pos = np.flatnonzero(part[fs] & node_ok[fnode])
        fs, fnode, finl = fs[pos], fnode[pos], finl[pos]
    # Nodes renumbered densely among the kept ones: edge keys parent * K + child.
    k = int(node_ok.sum())
    compact = (np.cumsum(node_ok) - 1).astype(np.int64)
    same = fs[1:] == fs[:-1]
    same &= fnode[1:] != fnode[:-1]
    at = np.flatnonzero(same)
    del same
    est = fs[at + 1]
    key = compact[fnode[at]] * k + compact[fnode[at + 1]]
    inline = finl[at + 1]
    if pos is None:
        residual = np.zeros(len(at), bool)
    else:
        residual = (pos[at + 1] - pos[at]) > 1  # frames dropped between them
    # An edge counts once per stack: only recursive stacks can repeat one.
    rec = np.flatnonzero(ix.recursive[est])
    if len(rec):
        again = _repeats(est[rec], key[rec], k * k)
        if len(again):
            drop = np.ones(len(at), bool)
            drop[rec[again]] = False
            est, key, inline, residual = est[drop], key[drop], inline[drop], residual[drop]
    if not len(key):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, np.zeros(0, bool), np.zeros(0, bool), k
    # Edges in order of first use (stack order, then from the root), as pprof
    # adds them: entropy sums and equal-weight ties follow it.
    uk, inv = _group_keys(key, k * k)
    return est.astype(np.int64), inv, uk, residual.astype(bool), inline.astype(bool), k


def _group_keys(key: I64, space: int) -> tuple[I64, I64]:
    """(distinct keys in order of first occurrence, each key's index among them).

    Keys are below space: when that is small, first occurrences are found with
    a dense array; otherwise np.unique sorts them."""
    n = len(key)
    if space <= (1 << 24):
        first = np.full(space, n, np.int64)
        np.minimum.at(first, key, np.arange(n, dtype=np.int64))
        present = np.flatnonzero(first < n)
        slots = present[np.argsort(first[present], kind="stable")]
        rank = np.empty(space, np.int64)
        rank[slots] = np.arange(len(slots))
        return slots, rank[key]
    uk, firstk, inv = np.unique(key, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(firstk, kind="stable")
    rank = np.empty(len(uk), np.int64)
    rank[order] = np.arange(len(uk))
    return uk[order], rank[inv]


def _sum_by(keys: I64, weights: I64, n: int) -> I64:
    """Exact int64 sums of weights by key (np.bincount would go through float64)."""
    out = np.zeros(n, np.int64)
    np.add.at(out, keys, weights)
    return out


class GraphBuilder:
    """Builds graphs over one view of samples at one granularity, as array sums.

    The expanded stacks (_Index) are cached on the view, so another report,
    sample index or trim on the same view costs a few sums.
    """

    def __init__(self, samples: SampleSet | list[Sample], o: GraphOptions) -> None:
        self.o = o
        if not isinstance(samples, SampleSet):
            ntypes = len(samples[0].values) if samples else 0
            samples = from_samples(samples, ntypes)
        self.view = samples
        self.maker = _InfoMaker(o)
        self._loc_infos: dict[int, list[NodeInfo]] = {}
        self._weights: tuple[I64, I64, npt.NDArray[np.bool_]] | None = None
        # Node and edge sums by kept set (None: every node), for reports that trim alike.
        self._sums: dict[tuple[str, frozenset[NodeInfo] | None], Any] = {}

    @property
    def samples(self) -> list[Sample]:
        return self.view.to_samples()

    def loc_infos(self, loc: Location) -> list[NodeInfo]:
        got = self._loc_infos.get(id(loc))
        if got is None:
            got = self.maker.infos(loc)
            self._loc_infos[id(loc)] = got
        return got

    def index(self) -> _Index:
        o = self.o
        key = (
            "graph-index",
            o.granularity,
            o.noinlines,
            o.trim_path,
            o.source_path,
            o.obj_names,
            o.orig_fn_names,
        )
        got = self.view.cache.get(key)
        if got is None:
            view = self.view
            # A view that only drops stacks of one already indexed (focus, ignore,
            # tag filters) cuts that index down instead of expanding its stacks again.
            if view.parent is not None and view.parent_stacks is not None:
                up = view.parent.cache.get(key)
                if isinstance(up, _Index):
                    got = up.subset(view.parent_stacks)
            if got is None:
                got = _Index(view, self.maker)
            view.cache[key] = got
        assert isinstance(got, _Index)
        return got

    def weights(self) -> tuple[I64, I64, npt.NDArray[np.bool_]]:
        """Per stack: summed value, summed mean divisor, and whether any sample counts."""
        if self._weights is None:
            view = self.view
            empty = np.zeros(view.num_groups, np.int64)
            w_col = view.values[:, self.o.value_index] if view.num_groups else empty
            if self.o.sample_mean_divisor is not None and view.num_groups:
                dw_col = view.values[:, 0]
            else:
                dw_col = empty
            live = (w_col != 0) | (dw_col != 0)
            st = view.stack[live].astype(np.int64)
            n = view.num_stacks
            w = _sum_by(st, w_col[live], n)
            dw = _sum_by(st, dw_col[live], n)
            part = np.zeros(n, bool)
            part[st] = True
            self._weights = (w, dw, part)
        return self._weights

    def groups(self) -> list[tuple[tuple[Location, ...], int, int, Sample | None]]:
        """(stack, w, dw, samples-or-None) per distinct stack with a counting sample."""
        w, dw, part = self.weights()
        tuples = self.view.stack_tuples()
        return [(tuples[s], int(w[s]), int(dw[s]), None) for s in np.flatnonzero(part).tolist()]

    def stacks(self, distinct: bool = True) -> StackTable:
        """THE stack API: this view's distinct stacks as root-first node ids (StackTable).

        distinct=False skips summing the stacks that map to equal node sequences
        (one row per location stack with a non-zero value instead): about twice as
        fast on a big view, for consumers that merge rows anyway (call trees)."""
        ix = self.index()
        w, dw, part = self.weights()
        if not distinct:
            rows = np.flatnonzero(part & ((w != 0) | (dw != 0)))
            starts = np.zeros(len(rows) + 1, np.int64)
            np.cumsum(ix.stack_first[rows + 1] - ix.stack_first[rows], out=starts[1:])
            flat = ix.frame_node[_ranges(ix.stack_first[rows], ix.stack_first[rows + 1])]
            return StackTable(
                ix.infos, ix.names(), starts, flat.astype(np.int64), w[rows], dw[rows]
            )
        keep = part[ix.frame_stack]
        nodes = ix.frame_node[keep]
        lens = np.diff(ix.stack_first)
        live = np.flatnonzero(part)
        starts, flat, which = dedupe_stacks(lens[live], nodes.astype(np.int32))
        k = len(starts) - 1
        values = _sum_by(which.astype(np.int64), w[live], k)
        divs = _sum_by(which.astype(np.int64), dw[live], k)
        keepk = (values != 0) | (divs != 0)
        if not bool(keepk.all()):
            klens = np.diff(starts)[keepk]
            flat = flat[_ranges(starts[:-1][keepk], starts[1:][keepk])]
            starts = np.zeros(len(klens) + 1, np.int64)
            np.cumsum(klens, out=starts[1:])
            values, divs = values[keepk], divs[keepk]
        return StackTable(ix.infos, ix.names(), starts, flat.astype(np.int64), values, divs)

    def _object_groups(self) -> list[tuple[tuple[Location, ...], int, int, Sample | None]]:
        """For graphs with tags or call trees: each sample with tags, else each stack."""
        if not self.o.with_tags:
            return self.groups()
        value = self.o.sample_value
        div = self.o.sample_mean_divisor
        out: list[tuple[tuple[Location, ...], int, int, Sample | None]] = []
        for s in self.view.to_samples():
            w = value(s.values)
            dw = div(s.values) if div else 0
            if w != 0 or dw != 0:
                out.append((s.locations, w, dw, s))
        return out

    def build(self, kept: set[NodeInfo] | None = None, edges: bool = True) -> Graph:
        """The graph over the kept nodes (None: all). edges=False leaves out the edges
        of an array-built graph (a first pass that is only trimmed by cum)."""
        if self.o.call_tree:
            return self._build_tree()
        if not self.o.with_tags:
            return self._build_arrays(kept, edges)
        return self._build_tagged(kept)

    def _cached(self, what: str, kept: set[NodeInfo] | None, make: Callable[[], Any]) -> Any:
        key = (what, None if kept is None else frozenset(kept))
        got = self._sums.get(key)
        if got is None:
            got = self._sums[key] = make()
            if len(self._sums) > 8:
                del self._sums[next(iter(self._sums))]
        return got

    def _node_ok(self, kept: set[NodeInfo] | None) -> npt.NDArray[np.bool_]:
        ix = self.index()
        if kept is None:
            return np.ones(ix.num_nodes, bool)
        return np.fromiter((i in kept for i in ix.infos), bool, ix.num_nodes)

    def _build_arrays(self, kept: set[NodeInfo] | None, with_edges: bool) -> Graph:
        infos = self.index().infos
        present, cum, cum_div, flat, flat_div = self._cached(
            "nodes", kept, lambda: self._node_sums(kept)
        )
        nodes: dict[int, Node] = {}
        for i, c, cd, f, fd in zip(present, cum, cum_div, flat, flat_div):
            n = nodes[i] = Node(infos[i])
            n.cum, n.cum_div, n.flat, n.flat_div = c, cd, f, fd
        if with_edges:
            for p, c, ew, edw, residual, inline in self._cached(
                "edges", kept, lambda: self._edge_sums(kept)
            ):
                src, dst = nodes[p], nodes[c]
                e = Edge(src, dst, edw, ew, residual, inline)
                src.out[dst] = e
                dst.in_[src] = e
        return _select(list(nodes.values()), self.o.drop_negative)

    def _node_sums(self, kept: set[NodeInfo] | None) -> Any:
        """Each node's cum (once per stack: the distinct (stack, node) pairs) and flat
        (the leaf of each stack, unless the leaf was dropped), as pprof's newGraph."""
        ix = self.index()
        w, dw, part = self.weights()
        nn = ix.num_nodes
        node_ok = self._node_ok(kept)
        if kept is None and bool(part.all()):
            ps, pn = ix.pair_stack, ix.pair_node
        else:
            pm = part[ix.pair_stack] & node_ok[ix.pair_node]
            ps, pn = ix.pair_stack[pm], ix.pair_node[pm]
        cum = _sum_by(pn.astype(np.int64), w[ps], nn)
        cum_div = _sum_by(pn.astype(np.int64), dw[ps], nn)
        present = np.zeros(nn, bool)
        present[pn] = True
        has_frames = ix.stack_first[1:] > ix.stack_first[:-1]
        leaf_st = np.flatnonzero(part & has_frames)
        leaf_node = ix.frame_node[ix.stack_first[1:][leaf_st] - 1].astype(np.int64)
        lk = node_ok[leaf_node]
        flat = _sum_by(leaf_node[lk], w[leaf_st[lk]], nn)
        flat_div = _sum_by(leaf_node[lk], dw[leaf_st[lk]], nn)
        pr = np.flatnonzero(present)
        return (
            pr.tolist(),
            cum[pr].tolist(),
            cum_div[pr].tolist(),
            flat[pr].tolist(),
            flat_div[pr].tolist(),
        )

    def _edge_sums(self, kept: set[NodeInfo] | None) -> list[tuple[int, int, int, int, bool, bool]]:
        """pprof's edges: between consecutive kept frames of a stack read from the root,
        each (parent, child) once per stack with the flags of its first occurrence:
        residual when frames between them were dropped, inline when the child is an
        inlined call (an edge is inline only if every stack says so)."""
        ix = self.index()
        w, dw, part = self.weights()
        node_ok = self._node_ok(kept)
        # The edges' structure depends on the kept nodes and on which stacks count,
        # not on the values: a new sample index reuses it.
        skey = ("edges", id(ix), np.packbits(node_ok).tobytes(), np.packbits(part).tobytes())
        cached = self.view.cache.get(skey)
        if cached is None:
            cached = self.view.cache[skey] = _edge_structure(ix, node_ok, part, kept is None)
            stale = [c for c in self.view.cache if c[0] == "edges" and c != skey]
            for c in stale[:-3]:
                del self.view.cache[c]
        got = cast(_EdgeStructure, cached)
        est, inv, uk, residual, inline, k = got
        if not len(uk):
            return []
        m = len(uk)
        kept_nodes = np.flatnonzero(node_ok)
        ew = _sum_by(inv, w[est], m)
        edw = _sum_by(inv, dw[est], m)
        eres = np.zeros(m, bool)
        eres[inv[residual]] = True
        einl = np.ones(m, bool)
        einl[inv[~inline]] = False
        return list(
            zip(
                kept_nodes[uk // k].tolist(),
                kept_nodes[uk % k].tolist(),
                ew.tolist(),
                edw.tolist(),
                eres.tolist(),
                einl.tolist(),
            )
        )

    def _build_tagged(self, kept: set[NodeInfo] | None) -> Graph:
        """The array-built graph plus each node's tags (the nodelets -dot draws): sums
        per (label set, node) over the view's groups, as pprof's newGraph adds a
        sample's labels to every distinct node of its stack (cum) and to its leaf (flat)."""
        g = self._build_arrays(kept, True)
        view = self.view
        if not view.num_groups or not g.nodes:
            return g
        ix = self.index()
        nn = ix.num_nodes
        w_col = view.values[:, self.o.value_index]
        if self.o.sample_mean_divisor is not None:
            dw_col = view.values[:, 0]
        else:
            dw_col = np.zeros(view.num_groups, np.int64)
        live = np.flatnonzero((w_col != 0) | (dw_col != 0))
        if not len(live):
            return g
        # Groups summed by (stack, label set); rows stay in order of first group,
        # the order in which pprof's per-sample walk first meets each tag.
        nls = len(view.label_sets) + 1
        gkey = view.stack[live].astype(np.int64) * nls + (view.labels[live].astype(np.int64) + 1)
        rows, rinv = _group_keys(gkey, view.num_stacks * nls)
        rw = _sum_by(rinv, w_col[live], len(rows))
        rdw = _sum_by(rinv, dw_col[live], len(rows))
        rst, rls = rows // nls, rows % nls
        node_ok = self._node_ok(kept)
        # Cum: every distinct (stack, node) pair of the row's stack (pairs are sorted by stack).
        pair_first = np.searchsorted(ix.pair_stack, np.arange(view.num_stacks + 1))
        a, b = pair_first[rst], pair_first[rst + 1]
        at = _ranges(a, b)
        row = np.repeat(np.arange(len(rows), dtype=np.int64), b - a)
        pnode = ix.pair_node[at].astype(np.int64)
        ok = node_ok[pnode]
        row, pnode = row[ok], pnode[ok]
        tkeys, tinv = _group_keys(rls[row] * nn + pnode, nls * nn)
        m = len(tkeys)
        cum = _sum_by(tinv, rw[row], m)
        cum_div = _sum_by(tinv, rdw[row], m)
        # Flat: the leaf of the row's stack, unless that frame was dropped.
        has = ix.stack_first[rst + 1] > ix.stack_first[rst]
        fr = np.flatnonzero(has)
        leaf = ix.frame_node[ix.stack_first[rst[fr] + 1] - 1].astype(np.int64)
        lk = node_ok[leaf]
        fr, leaf = fr[lk], leaf[lk]
        order = np.argsort(tkeys, kind="stable")
        slot = order[np.searchsorted(tkeys[order], rls[fr] * nn + leaf)]
        flat = _sum_by(slot, rw[fr], m)
        flat_div = _sum_by(slot, rdw[fr], m)
        by_info = {n.info: n for n in g.nodes}
        infos = ix.infos
        sets = view.label_sets
        joined: dict[int, str] = {}
        fmt = self.o.format_tag
        for key, c, cd, f, fd in zip(
            tkeys.tolist(), cum.tolist(), cum_div.tolist(), flat.tolist(), flat_div.tolist()
        ):
            ls, ni = divmod(key, nn)
            n = by_info.get(infos[ni])
            if n is None:
                continue
            labels = joined.get(ls)
            if labels is None:
                labels = joined[ls] = _join_label_map(sets[ls - 1][0] if ls else None)
            nums, units = (sets[ls - 1][1], sets[ls - 1][2]) if ls else (None, None)
            _put_tags(n, labels, nums, units, fmt, (c, cd, f, fd))
        return g

    def _build_tree(self) -> Graph:
        children: dict[Node | None, dict[NodeInfo, Node]] = {}
        all_nodes: list[Node] = []
        for stack, w, dw, sample in self._object_groups():
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
        # Go's node and edge weights are int64 sums: past the range they wrap around.
        n.flat, n.flat_div = _wrap64(n.flat), _wrap64(n.flat_div)
        n.cum, n.cum_div = _wrap64(n.cum), _wrap64(n.cum_div)
        for e in n.out.values():
            e.weight, e.weight_div = _wrap64(e.weight), _wrap64(e.weight_div)
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


def _join_label_map(labels: dict[str, list[str]] | None) -> str:
    if not labels:
        return ""
    return "\\n".join(sorted(f"{k}:{v}" for k, vs in labels.items() for v in vs))


def _put_tags(
    n: Node,
    labels: str,
    nums: dict[str, list[int]] | None,
    units: dict[str, list[str]] | None,
    fmt: Callable[[int, str], str] | None,
    sums: tuple[int, int, int, int],
) -> None:
    """Adds one label set's (cum, cum_div, flat, flat_div) to node n's tags."""
    c, cd, f, fd = sums
    if labels:
        t = n.label_tags.get(labels)
        if t is None:
            t = n.label_tags[labels] = Tag(labels)
        t.cum += c
        t.cum_div += cd
        t.flat += f
        t.flat_div += fd
    nt = n.numeric_tags.get(labels)
    if nt is None:
        nt = n.numeric_tags[labels] = {}
    for k, vals in (nums or {}).items():
        ku = (units or {}).get(k) or []
        for i, v in enumerate(vals):
            unit = ku[i] if ku else k
            name = fmt(v, unit) if fmt is not None else str(v)
            t = nt.get(name)
            if t is None:
                t = nt[name] = Tag(name, unit, v)
            t.cum += c
            t.cum_div += cd
            t.flat += f
            t.flat_div += fd


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
