"""Call trees of a report, for flame graphs: terminal-free and shared.

The terminal `flame` view, the web flame page and the `folded` report all start
from the same two things:

- `Stacks`: a report's distinct stacks (after its filters, sample index,
  granularity and base), root first, as frame ids into one frame table, each
  with its summed value. `report_stacks(rpt)` is the ONE function that reads
  them out of a report; nothing else here knows how a report stores samples.
- `CallTree`: the stacks merged into a tree of boxes (node 0 is a synthetic
  root holding everything). Each node has a frame, a parent, children (heaviest
  first), a total and a self value (net: with a base they are deltas, as in
  `top`), and a weight: the sum of |stack value| below it. Weights are what a
  flame graph draws: without a base they equal the totals; with one they are
  the amount of change, so the boxes show where things moved, and the sign of
  `total` says which way (growth or shrinkage).

`build_tree` makes the tree, `callers_tree`/`callees_tree` the two halves of
speedscope's sandwich for one function (every occurrence merged), `prune`
drops boxes below a fraction of the root, `function_totals` gives each frame's
flat and cum as `top` counts them, `search_share` the share of matching boxes.

Nodes are numbered breadth first, so a parent's id is always smaller than its
children's. Arrays are numpy int64 (values) and int32/int64 (ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from pprofsh.graph import NodeInfo, printable_name

if TYPE_CHECKING:
    from pprofsh.report import Report

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Stacks:
    """The stacks of a report, root first, with their values.

    Two rows may hold the same frame sequence (different location stacks that
    read the same at the granularity) when no value is negative; with negative
    values (a base) rows are distinct, so that deltas net out first.
    Stack k is `ids[offsets[k]:offsets[k+1]]` (frame ids, outermost caller
    first, leaf last); `values[k]` is the sum of the chosen sample value over
    the samples with that stack (net with a base: it may be negative), and
    `divs[k]` the sum of the mean divisor (non-zero only under -mean). Stacks
    whose value and divisor are both zero are left out. `frames[i]` is frame
    i's NodeInfo at the report's granularity, `names[i]` its printable name.
    `diff` is true when the report compares against a base.
    """

    frames: list[NodeInfo]
    names: list[str]
    offsets: IntArray
    ids: IntArray
    values: IntArray
    divs: IntArray
    diff: bool = False
    mean: bool = False
    # Per frame id: (source file, line) to show for it, when known: the function's
    # file and first line (or the frame's own line at -lines granularity).
    sources: list[tuple[str, int]] | None = None
    # Per frame id: (flat, cum) as `top` counts them, when the adapter has them at hand
    # (else function_totals computes them from the stacks).
    totals: tuple[IntArray, IntArray] | None = None
    _name_rank: IntArray | None = field(default=None, repr=False, compare=False)

    def name_rank(self) -> IntArray:
        """Per frame id, its rank in name order (plus one entry for no frame)."""
        if self._name_rank is None:
            rank = np.zeros(len(self.names) + 1, dtype=np.int64)
            if self.names:
                ranked = sorted(range(len(self.names)), key=self.names.__getitem__)
                rank[np.array(ranked, dtype=np.int64)] = np.arange(len(ranked), dtype=np.int64)
            self._name_rank = rank
        return self._name_rank

    def __len__(self) -> int:
        return len(self.values)

    def stack(self, k: int) -> list[int]:
        """Frame ids of stack k, root first."""
        return [int(i) for i in self.ids[self.offsets[k] : self.offsets[k + 1]]]

    def lengths(self) -> IntArray:
        return np.diff(self.offsets)


def make_stacks(
    frames: list[NodeInfo],
    stacks: list[tuple[int, ...]],
    values: list[int],
    divs: list[int] | None = None,
    diff: bool = False,
    mean: bool = False,
    sources: list[tuple[str, int]] | None = None,
) -> Stacks:
    """Stacks from plain lists (root-first frame-id tuples); equal stacks summed."""
    acc: dict[tuple[int, ...], list[int]] = {}
    for i, st in enumerate(stacks):
        d = divs[i] if divs is not None else 0
        got = acc.get(st)
        if got is None:
            acc[st] = [values[i], d]
        else:
            got[0] += values[i]
            got[1] += d
    keys = [k for k, (v, d) in acc.items() if v != 0 or d != 0]
    lens = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    flat = np.fromiter((i for k in keys for i in k), dtype=np.int64, count=int(offsets[-1]))
    vals = np.array([_wrap(acc[k][0]) for k in keys], dtype=np.int64)
    dvs = np.array([_wrap(acc[k][1]) for k in keys], dtype=np.int64)
    names = [printable_name(f) for f in frames]
    return Stacks(frames, names, offsets, flat, vals, dvs, diff, mean, sources)


def _wrap(v: int) -> int:
    """Go's int64 wrap-around for sums that overflow."""
    return ((v + (1 << 63)) & 0xFFFFFFFFFFFFFFFF) - (1 << 63)


def report_stacks(rpt: Report, diff: bool | None = None) -> Stacks:
    """The distinct stacks of a report, root first. THE adapter to the report core.

    Reads the graph builder's StackTable (GraphBuilder.stacks: the report's
    filtered samples at its sample index, -mean, granularity, -noinlines and
    trim_path, as root-first node ids), so frames are exactly the nodes `top`
    shows. `diff=None` detects a base: a negative stack value or pprof's
    pprof::base label; sessions that know they have one pass True. The result
    is kept in the report's ViewCache, so the shell computes it once per view.
    """
    b = rpt.builder()

    def make(_warn: object) -> Stacks:
        # Rows need not be distinct (trees and folded lines merge equal stacks), which
        # saves summing them twice; but with negative values (a base) they must be, so
        # that deltas net out at the report's granularity before |delta| is taken.
        t = b.stacks(distinct=False)
        if bool((t.values < 0).any()):
            t = b.stacks()
        by_name: dict[str, tuple[str, int]] = {}
        for f in rpt.prof.functions:
            if f.start_line:
                by_name.setdefault(f.name, (f.filename, f.start_line))
        # Go before 1.20 records no start line: the lowest line sampled will do.
        lowest: dict[str, tuple[str, int]] = {}
        for loc in rpt.prof.locations:
            for ln in loc.lines:
                fn = ln.function
                if fn is not None and fn.name not in by_name and ln.line > 0:
                    got = lowest.get(fn.name)
                    if got is None or ln.line < got[1]:
                        lowest[fn.name] = (fn.filename, ln.line)
        by_name.update(lowest)
        sources = [_source(info, by_name.get(info[0])) for info in t.infos]
        view = rpt.view
        found_base = bool((t.values < 0).any()) or any(
            i >= 0 and (view.label_sets[i][0] or {}).get("pprof::base") is not None
            for i in view.used_label_sets()
        )
        # top's flat and cum: the graph's node sums (shared with top, tree, peek).
        where = {info: i for i, info in enumerate(t.infos)}
        flat = np.zeros(len(t.infos), dtype=np.int64)
        cum = np.zeros(len(t.infos), dtype=np.int64)
        for n in b.build(None, edges=False).nodes:
            i = where.get(n.info)
            if i is not None:
                flat[i], cum[i] = n.flat, n.cum
        return Stacks(
            t.infos,
            t.names,
            t.offsets,
            t.ids,
            t.values,
            t.divs,
            found_base,
            rpt.options.mean,
            sources,
            (flat, cum),
        )

    o = rpt.options
    key = ("stacks", id(b), o.value_index, o.mean)
    st: Stacks = rpt.cache.get(key, make, lambda _m: None, b)
    if diff is not None and diff != st.diff:
        st = replace(st, diff=diff)
    return st


def _source(info: NodeInfo, fn: tuple[str, int] | None) -> tuple[str, int]:
    """Where a frame is: its own file:line (-lines), else its function's file and
    first line."""
    if info[3] and info[5]:
        return info[3], info[5]
    if fn is None or (info[3] and fn[0] and not fn[0].endswith(info[3])):
        return info[3], 0
    return fn


@dataclass
class Paths:
    """The root-first paths a tree was merged from, as windows on the stacks' frame
    ids (nothing is copied): path k's element at depth d is
    `ids[starts[k] + step * d]` for d < lens[k]. The stacks themselves (step 1) for
    `build_tree`; for the sandwich, a function's callers read backwards from its
    position (step -1) and its callees forwards."""

    ids: IntArray
    starts: IntArray
    lens: IntArray
    step: int
    values: IntArray
    divs: IntArray

    def __len__(self) -> int:
        return len(self.values)

    def select(self, rows: IntArray) -> Paths:
        return Paths(
            self.ids,
            self.starts[rows],
            self.lens[rows],
            self.step,
            self.values[rows],
            self.divs[rows],
        )


@dataclass
class CallTree:
    """Stacks merged into a tree; node 0 is the root (frame -1).

    Per node: `frame` (id into `stacks.frames`, -1 for the root), `parent` (-1
    for the root), `depth` (root 0), `total` and `self_value` (net sums),
    `weight` and `self_weight` (sums of |stack value|: what widths are drawn
    from), `total_div`/`self_div` (mean divisors). Children of node i are
    `order[child_start[i]:child_start[i+1]]`, heaviest weight first, ties by
    name. `kind` says what the tree is: "tree", "callers" or "callees" (for the
    last two, `focus` is the frame id the tree is about and sits at the root's
    only child).
    """

    stacks: Stacks
    frame: IntArray
    parent: IntArray
    depth: IntArray
    total: IntArray
    self_value: IntArray
    weight: IntArray
    self_weight: IntArray
    total_div: IntArray
    self_div: IntArray
    order: IntArray
    child_start: IntArray
    kind: str = "tree"
    focus: int = -1
    # What the tree was merged from, and the weight below which boxes were left out
    # (0: none). `subtree` and `match_share` work from these.
    paths: Paths | None = field(default=None, repr=False)
    min_weight: float = 0.0

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def diff(self) -> bool:
        return self.stacks.diff

    def children(self, i: int) -> list[int]:
        """Node i's children, heaviest first."""
        return [int(c) for c in self.order[self.child_start[i] : self.child_start[i + 1]]]

    def name(self, i: int) -> str:
        f = int(self.frame[i])
        return "root" if f < 0 else self.stacks.names[f]

    def info(self, i: int) -> NodeInfo | None:
        f = int(self.frame[i])
        return None if f < 0 else self.stacks.frames[f]

    def path(self, i: int) -> list[int]:
        """Nodes from the root down to i (both included)."""
        out = []
        while i >= 0:
            out.append(i)
            i = int(self.parent[i])
        out.reverse()
        return out

    def value(self, i: int, self_only: bool = False) -> int:
        """The value a report would print: the total (or self), divided under -mean."""
        v = int(self.self_value[i] if self_only else self.total[i])
        if not self.stacks.mean:
            return v
        d = int(self.self_div[i] if self_only else self.total_div[i])
        if d == 0:
            return v
        q = abs(v) // abs(d)
        return q if (v >= 0) == (d >= 0) else -q


def _empty_ids() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _tree_from_paths(
    stacks: Stacks,
    paths: Paths,
    kind: str = "tree",
    focus: int = -1,
    min_weight: float = 0.0,
) -> CallTree:
    """Merge paths (root first) into a tree, level by level.

    At each depth, the (parent node, frame) pairs of the paths still running
    are numbered in sorted order, so ids are breadth first and, within a depth,
    sorted by parent. Each path's value goes to the node it ends at (self);
    totals are then summed bottom up, a depth at a time, with np.add.reduceat
    over each depth's runs of equal parents: exact int64 and touching each
    node once instead of each path element.

    With min_weight, a node whose weight would be below it is not made: the
    paths into it stop at its parent, their values counted in the parent's
    total and weight (not its self), so totals stay exact.
    """
    values, divs, ids, step = paths.values, paths.divs, paths.ids, paths.step
    n = len(values)
    lens = paths.lens
    starts = paths.starts
    frame_parts: list[IntArray] = [np.array([-1], dtype=np.int64)]
    parent_parts: list[IntArray] = [np.array([-1], dtype=np.int64)]
    depth_parts: list[IntArray] = [np.array([0], dtype=np.int64)]
    # The node each path has reached so far; everything starts at the root.
    cur = np.zeros(n, dtype=np.int64)
    next_id = 1
    nframes = max(len(stacks.frames), 1)
    live = np.arange(n, dtype=np.int64)
    # Paths cut short by min_weight, and so not ending at a leaf of theirs.
    cut_parts: list[IntArray] = []
    abs_float = np.abs(values).astype(np.float64) if min_weight > 0 else None
    d = 0
    while True:
        live = live[lens[live] > d]
        if len(live) == 0:
            break
        fr = ids[starts[live] + step * d]
        key = cur[live] * nframes + fr
        # live is kept in node order, so the keys come sorted by parent already: a
        # stable (run-merging) sort orders them several times faster than np.unique.
        order = np.argsort(key, kind="stable")
        live, key = live[order], key[order]
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        inv = np.cumsum(first) - 1
        uniq = key[first]
        if abs_float is not None:
            # Approximate (float) weights only decide what is kept; sums stay exact.
            w = np.bincount(inv, weights=abs_float[live], minlength=len(uniq))
            keep = w >= min_weight
            if not bool(keep.all()):
                ok = keep[inv]
                cut_parts.append(live[~ok])
                renumber = np.cumsum(keep) - 1
                live, inv, uniq = live[ok], renumber[inv[ok]], uniq[keep]
                if len(uniq) == 0:
                    break
        frame_parts.append(uniq % nframes)
        parent_parts.append(uniq // nframes)
        depth_parts.append(np.full(len(uniq), d + 1, dtype=np.int64))
        cur[live] = next_id + inv
        next_id += len(uniq)
        d += 1
    frame = np.concatenate(frame_parts)
    parent = np.concatenate(parent_parts)
    depth = np.concatenate(depth_parts)
    count = len(frame)
    # cur holds each path's last node: its value is that node's self, unless the
    # path was cut short (then it only counts in the totals).
    absval = np.abs(values)
    if cut_parts:
        ends = np.ones(n, dtype=bool)
        ends[np.concatenate(cut_parts)] = False
        self_value = _sum_by(cur[ends], values[ends], count)
        self_weight = _sum_by(cur[ends], absval[ends], count)
        self_div = _sum_by(cur[ends], divs[ends], count)
        total = _sum_by(cur, values, count)
        weight = _sum_by(cur, absval, count)
        total_div = _sum_by(cur, divs, count)
    else:
        self_value = _sum_by(cur, values, count)
        self_weight = _sum_by(cur, absval, count)
        self_div = _sum_by(cur, divs, count)
        total, weight, total_div = self_value.copy(), self_weight.copy(), self_div.copy()
    bounds = np.cumsum([0] + [len(p) for p in frame_parts])
    for lvl in range(len(frame_parts) - 1, 0, -1):
        lo, hi = int(bounds[lvl]), int(bounds[lvl + 1])
        par = parent[lo:hi]
        starts = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
        targets = par[starts]
        for arr in (total, weight, total_div):
            arr[targets] += np.add.reduceat(arr[lo:hi], starts)
    # Children grouped by parent, heaviest first, then by name for a stable picture.
    name_rank = stacks.name_rank()
    kids = np.arange(1, count, dtype=np.int64)
    # Two stable sorts are several times faster than one three-key lexsort here.
    by_weight = kids[np.lexsort((name_rank[frame[kids]], -weight[kids]))]
    order = by_weight[np.argsort(parent[by_weight], kind="stable")]
    child_start = np.searchsorted(parent[order], np.arange(count + 1), side="left").astype(np.int64)
    return CallTree(
        stacks,
        frame,
        parent,
        depth,
        total,
        self_value,
        weight,
        self_weight,
        total_div,
        self_div,
        order,
        child_start,
        kind,
        focus,
        paths,
        min_weight,
    )


def _sum_by(index: IntArray, values: IntArray, size: int) -> IntArray:
    """Sums of values grouped by index (0 <= index < size), exact in int64.

    np.bincount sums in float64, exact while every partial sum stays below 2**53
    (guaranteed when the sum of |values| does); otherwise np.add.at, which is
    several times slower but wraps like Go's int64.
    """
    if len(values) == 0:
        return np.zeros(size, dtype=np.int64)
    if float(np.abs(values.astype(np.float64)).sum()) < 2.0**52:
        return np.bincount(index, weights=values, minlength=size).astype(np.int64)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def build_tree(stacks: Stacks, min_fraction: float = 0.0) -> CallTree:
    """The call tree of all stacks: root, then callers above callees (an icicle).

    min_fraction > 0 leaves out boxes whose weight is below that fraction of the
    root's (as `prune` would, but without building them first: several times
    faster on big profiles); their values stay in their parents' totals.
    """
    return _tree_from_paths(
        stacks,
        stacks_paths(stacks),
        min_weight=_min_weight(stacks.values, min_fraction),
    )


def stacks_paths(stacks: Stacks) -> Paths:
    """The stacks as Paths (root first, step 1)."""
    return Paths(
        stacks.ids,
        stacks.offsets[:-1],
        np.diff(stacks.offsets),
        1,
        stacks.values,
        stacks.divs,
    )


def _min_weight(values: IntArray, fraction: float) -> float:
    if fraction <= 0:
        return 0.0
    return float(np.abs(values.astype(np.float64)).sum()) * fraction


def _first_positions(stacks: Stacks, frame_id: int) -> tuple[IntArray, IntArray]:
    """For stacks containing the frame: their indices and the frame's outermost position."""
    hits = np.flatnonzero(stacks.ids == frame_id)
    if len(hits) == 0:
        return _empty_ids(), _empty_ids()
    owner = np.searchsorted(stacks.offsets, hits, side="right") - 1
    # Keep the first (outermost) occurrence per stack: recursion counts once.
    first = np.ones(len(hits), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    return owner[first], hits[first]


def callers_tree(stacks: Stacks, frame_id: int, min_fraction: float = 0.0) -> CallTree:
    """Everything that calls the frame, all occurrences merged (speedscope's sandwich, top).

    Each stack through the frame contributes its part from the frame's outermost
    occurrence back to the root, reversed: the root's child is the frame, its
    children are its direct callers, theirs their callers. Values are the whole
    stack's, so the frame's box totals its cum.
    """
    owner, pos = _first_positions(stacks, frame_id)
    # From the frame back to the stack's root: ids[pos], ids[pos - 1], ...
    lens = pos - stacks.offsets[owner] + 1
    values = stacks.values[owner]
    paths = Paths(stacks.ids, pos, lens, -1, values, stacks.divs[owner])
    return _tree_from_paths(stacks, paths, "callers", frame_id, _min_weight(values, min_fraction))


def callees_tree(stacks: Stacks, frame_id: int, min_fraction: float = 0.0) -> CallTree:
    """Everything the frame calls, all occurrences merged (the sandwich's bottom half)."""
    owner, pos = _first_positions(stacks, frame_id)
    lens = stacks.offsets[owner + 1] - pos
    values = stacks.values[owner]
    paths = Paths(stacks.ids, pos, lens, 1, values, stacks.divs[owner])
    return _tree_from_paths(stacks, paths, "callees", frame_id, _min_weight(values, min_fraction))


def prune(tree: CallTree, fraction: float) -> CallTree:
    """The tree without boxes whose weight is below fraction of the root's weight.

    A box's weight never exceeds its parent's, so what stays is a subtree; the
    pruned boxes' share shows as empty space in their parent. Node ids are
    renumbered (still breadth first).
    """
    cutoff = abs(int(tree.weight[0])) * fraction
    keep = tree.weight >= cutoff
    keep[0] = True
    if bool(keep.all()):
        return tree
    new_id = np.cumsum(keep) - 1
    old = np.flatnonzero(keep)
    parent = tree.parent[old]
    parent = np.where(parent >= 0, new_id[np.maximum(parent, 0)], -1)
    order_old = tree.order[keep[tree.order]]
    order = new_id[order_old]
    count = len(old)
    child_start = np.searchsorted(parent[order], np.arange(count + 1), side="left").astype(np.int64)
    return CallTree(
        tree.stacks,
        tree.frame[old],
        parent,
        tree.depth[old],
        tree.total[old],
        tree.self_value[old],
        tree.weight[old],
        tree.self_weight[old],
        tree.total_div[old],
        tree.self_div[old],
        order,
        child_start,
        tree.kind,
        tree.focus,
        tree.paths,
        max(tree.min_weight, cutoff),
    )


def function_totals(stacks: Stacks) -> tuple[IntArray, IntArray]:
    """(flat, cum) per frame id, as `top` counts them: cum once per stack, flat at the leaf."""
    nframes = len(stacks.frames)
    if len(stacks) == 0:
        return np.zeros(nframes, dtype=np.int64), np.zeros(nframes, dtype=np.int64)
    lens = stacks.lengths()
    nonempty = lens > 0
    leaves = stacks.ids[stacks.offsets[1:][nonempty] - 1]
    flat = _sum_by(leaves, stacks.values[nonempty], nframes)
    m = max(nframes, 1)
    owner = np.repeat(np.arange(len(stacks), dtype=np.int64), lens)
    # Distinct (stack, frame) pairs, so that recursion counts once. The keys come
    # grouped by stack, nearly sorted: a stable (run-merging) sort is quick on them.
    pairs = np.sort(owner * m + stacks.ids, kind="stable")
    if len(pairs) > 1:
        distinct = np.ones(len(pairs), dtype=bool)
        distinct[1:] = pairs[1:] != pairs[:-1]
        pairs = pairs[distinct]
    cum = _sum_by(pairs % m, stacks.values[pairs // m], nframes)
    return flat, cum


def matching_frames(stacks: Stacks, pattern: re.Pattern[str]) -> BoolArray:
    """Per frame id: does its printable name match (re.search)."""
    return np.array([pattern.search(n) is not None for n in stacks.names], dtype=bool)


def outermost_matches(tree: CallTree, frames: BoolArray) -> BoolArray:
    """Per node: it matches and no ancestor does (so shares never count a stack twice)."""
    node_match = np.zeros(len(tree), dtype=bool)
    node_match[1:] = frames[tree.frame[1:]]
    # covered: some ancestor-or-self matches. Breadth-first ids let one pass per depth do it.
    covered = node_match.copy()
    bounds = np.searchsorted(tree.depth, np.arange(int(tree.depth[-1]) + 2))
    for d in range(1, len(bounds) - 1):
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        covered[lo:hi] |= covered[tree.parent[lo:hi]]
    out: npt.NDArray[np.bool_] = node_match.copy()
    out[1:] &= ~covered[tree.parent[1:]]
    return out


def search_share(tree: CallTree, frames: BoolArray, under: int = 0) -> float:
    """The share of node `under`'s weight in boxes matching (each stack counted once)."""
    top = outermost_matches(tree, frames)
    base = int(tree.weight[under])
    if base == 0:
        return 0.0
    if under == 0:
        return float(tree.weight[top].sum()) / base
    inside = _descendants(tree, under)
    # A match at or above `under` covers all of it.
    for a in tree.path(under):
        if a and frames[int(tree.frame[a])]:
            return 1.0
    return float(tree.weight[inside[top[inside]]].sum()) / base


def _descendants(tree: CallTree, i: int) -> IntArray:
    """Node i and everything below it."""
    out = [np.array([i], dtype=np.int64)]
    level = out[0]
    while len(level):
        starts = tree.child_start[level]
        ends = tree.child_start[level + 1]
        lens = ends - starts
        if int(lens.sum()) == 0:
            break
        idx = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        level = tree.order[idx + np.arange(int(lens.sum()))]
        out.append(level)
    return np.concatenate(out)


def _through(paths: Paths, frames: list[int]) -> IntArray:
    """Indices of the paths that begin with these frames."""
    rows = np.flatnonzero(paths.lens >= len(frames))
    for j, f in enumerate(frames):
        rows = rows[paths.ids[paths.starts[rows] + paths.step * j] == f]
    return rows


def subtree(tree: CallTree, node: int, min_fraction: float = 0.0) -> CallTree:
    """The tree of only the paths through node, built again with boxes down to
    min_fraction of node's weight: what a zoom into a pruned tree shows.

    Node's ancestors form a chain above it (ids 0 .. depth-1, node itself is
    `depth`), carrying their values from `tree`, so they read as before.
    """
    if tree.paths is None:
        raise ValueError("tree has no paths")
    chain = tree.path(node)
    frames = [int(tree.frame[a]) for a in chain[1:]]
    sub = _tree_from_paths(
        tree.stacks,
        tree.paths.select(_through(tree.paths, frames)),
        tree.kind,
        tree.focus,
        float(tree.weight[node]) * min_fraction,
    )
    old = np.array(chain[:-1], dtype=np.int64)
    new = np.arange(len(old), dtype=np.int64)
    for name in ("total", "self_value", "weight", "self_weight", "total_div", "self_div"):
        getattr(sub, name)[new] = getattr(tree, name)[old]
    return sub


def matches_before(ids: IntArray, frames: BoolArray) -> npt.NDArray[np.int32]:
    """Per position i of ids (and one past the end): how many matching frames come
    before it. Paths are windows on the same ids, so one of these answers every
    path of every tree built from them (path_matches)."""
    seen = np.zeros(len(ids) + 1, dtype=np.int32)
    np.cumsum(frames[ids], out=seen[1:])
    return seen


def path_matches(
    paths: Paths, frames: BoolArray, seen: npt.NDArray[np.int32] | None = None
) -> BoolArray:
    """Per path: does it hold a matching frame anywhere. `seen` is
    matches_before(paths.ids, frames) when the caller keeps it."""
    if seen is None:
        seen = matches_before(paths.ids, frames)
    if paths.step > 0:
        lo, hi = paths.starts, paths.starts + paths.lens
    else:
        lo, hi = paths.starts - paths.lens + 1, paths.starts + 1
    return np.asarray(seen[hi] > seen[lo])


def match_share(
    tree: CallTree, frames: BoolArray, node: int = 0, matches: BoolArray | None = None
) -> float:
    """The share of node's weight in paths through it holding a matching frame
    anywhere (each path once), computed from the paths, so exact in pruned trees.
    `matches` is path_matches(tree.paths, frames) when the caller keeps it."""
    if tree.paths is None:
        raise ValueError("tree has no paths")
    p = tree.paths
    if matches is None:
        matches = path_matches(p, frames)
    chain = [int(tree.frame[a]) for a in tree.path(node)[1:]]
    rows = _through(p, chain) if chain else np.arange(len(p), dtype=np.int64)
    weights = np.abs(p.values[rows]).astype(np.float64)
    base = float(weights.sum())
    if base == 0:
        return 0.0
    return float(weights[matches[rows]].sum()) / base


def frame_totals(stacks: Stacks, frame_id: int) -> tuple[int, int]:
    """(flat, cum) of one frame, as `top` counts them (cum once per stack)."""
    hits = np.flatnonzero(stacks.ids == frame_id)
    if len(hits) == 0:
        return 0, 0
    owners = np.searchsorted(stacks.offsets, hits, side="right") - 1
    owners = owners[np.r_[True, owners[1:] != owners[:-1]]]
    cum = int(stacks.values[owners].sum())
    leaves = stacks.offsets[owners + 1] - 1
    flat = int(stacks.values[owners[stacks.ids[leaves] == frame_id]].sum())
    return flat, cum
