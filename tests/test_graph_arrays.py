"""The array graph builder and the filter masks on a small hand-built view.

Functions A, B, C, D; location L2 is B with C inlined into it. Stacks (root
first): s0 A B C (10), s1 A D A (5: A twice), s2 A B C D (1), s3 A D A D A (2:
the edges A->D and D->A twice). The expected sums follow pprof's rules: cum
counts a stack once per node, edges once per stack, flat goes to the leaf.
"""

from __future__ import annotations

import re

import numpy as np

from pprofsh import filters
from pprofsh.graph import GraphBuilder, GraphOptions
from pprofsh.profile.columns import SampleSet, from_samples
from pprofsh.profile.model import Function, Line, Location, Mapping, Sample

MAP = Mapping(1, file="/bin/app")
A, B, C, D = (Function(i + 1, n, n, f"/src/{n.lower()}.go") for i, n in enumerate("ABCD"))
L1 = Location(1, MAP, 0x10, [Line(A, 1)])
L2 = Location(2, MAP, 0x20, [Line(C, 3), Line(B, 2)])  # C inlined into B
L3 = Location(3, MAP, 0x30, [Line(D, 4)])
STACKS = {  # leaf first, as profile.proto stores them
    "s0": ((L2, L1), 10),
    "s1": ((L1, L3, L1), 5),
    "s2": ((L3, L2, L1), 1),
    "s3": ((L1, L3, L1, L3, L1), 2),
}


def view(names: str = "s0 s1 s2 s3") -> SampleSet:
    samples = [Sample(STACKS[n][0], [STACKS[n][1]]) for n in names.split()]
    return from_samples(samples, 1)


def build(v: SampleSet, kept: set[str] | None = None):
    b = GraphBuilder(v, GraphOptions(sample_value=lambda vals: vals[0]))
    infos = None
    if kept is not None:
        infos = {i for i in b.index().infos if i[0] in kept}
    g = b.build(infos)
    nodes = {n.info[0]: n for n in g.nodes}
    edges = {
        (e.src.info[0], e.dest.info[0]): (e.weight, e.residual, e.inline)
        for n in g.nodes
        for e in n.out.values()
    }
    return nodes, edges, b


def test_flat_and_cum_count_each_stack_once() -> None:
    nodes, _, _ = build(view())
    assert {k: n.flat for k, n in nodes.items()} == {"A": 7, "B": 0, "C": 10, "D": 1}
    # A is in every stack (twice or three times in s1, s3): 10 + 5 + 1 + 2.
    assert {k: n.cum for k, n in nodes.items()} == {"A": 18, "B": 11, "C": 11, "D": 8}


def test_edges_once_per_stack_with_inline_flags() -> None:
    _, edges, _ = build(view())
    assert edges == {
        ("A", "B"): (11, False, False),
        ("B", "C"): (11, False, True),  # C is inlined into B
        ("C", "D"): (1, False, False),
        ("A", "D"): (7, False, False),  # s3 has it twice: counted once
        ("D", "A"): (7, False, False),
    }


def test_trimmed_nodes_leave_residual_edges() -> None:
    nodes, edges, _ = build(view(), kept={"A", "C", "D"})
    assert set(nodes) == {"A", "C", "D"}
    # B dropped: A -> C is residual, and inline because C is an inlined call.
    assert edges[("A", "C")] == (11, True, True)
    assert edges[("C", "D")] == (1, False, False)
    # Flat of a stack whose leaf was dropped goes nowhere; cum stays.
    nodes2, _, _ = build(view(), kept={"A", "B"})
    assert nodes2["A"].flat == 7 and nodes2["B"].flat == 0 and nodes2["B"].cum == 11


def test_stack_table_is_root_first_and_merges_equal_sequences() -> None:
    v = view("s0 s0 s2")
    _, _, b = build(v)
    t = b.stacks()
    seqs = [
        tuple(t.names[i] for i in t.ids[t.offsets[k] : t.offsets[k + 1]])
        for k in range(len(t.values))
    ]
    assert dict(zip(seqs, t.values.tolist())) == {("A", "B", "C"): 20, ("A", "B", "C", "D"): 1}


def _stacks_of(v: SampleSet) -> list[tuple[tuple[str, ...], int]]:
    out = []
    for s in v.to_samples():
        names = tuple(
            "+".join(ln.function.name for ln in loc.lines if ln.function) for loc in s.locations
        )
        out.append((names, s.values[0]))
    return out


def test_focus_ignore_hide_show_masks() -> None:
    v = view()
    got, fm, im, hm, hnm = filters.filter_by_name(v, re.compile("D"), None, None, None)
    assert fm and [n for n, _ in _stacks_of(got)] == [
        ("A", "D", "A"),
        ("D", "C+B", "A"),
        ("A", "D", "A", "D", "A"),
    ]
    got, fm, im, hm, hnm = filters.filter_by_name(v, None, re.compile("^C$"), None, None)
    assert im and [w for _, w in _stacks_of(got)] == [5, 2]
    # hide B: L2 keeps its inlined C only.
    got, *_ = filters.filter_by_name(v, None, None, re.compile("^B$"), None)
    assert _stacks_of(got)[0] == (("C", "A"), 10)
    # show only D: stacks without D lose every frame and are dropped.
    got, *_ = filters.filter_by_name(v, None, None, None, re.compile("^D$"))
    assert _stacks_of(got) == [(("D",), 5), (("D",), 1), (("D", "D"), 2)]
    # The loaded view is never changed.
    assert _stacks_of(v) == _stacks_of(view())


def test_show_from_and_prune_from() -> None:
    v = view()
    got, matched = filters.show_from(v, re.compile("^B$"))
    # Each stack is cut above its outermost B; stacks without B are dropped.
    assert matched and _stacks_of(got) == [(("C+B",), 10), (("D", "C+B"), 1)]
    got = filters.prune_from(v, re.compile("^B$"))
    # Frames beneath the lowest match go; the matched location keeps B and above.
    assert _stacks_of(got)[0] == (("B", "A"), 10)
    assert _stacks_of(got)[1] == (("A", "D", "A"), 5)


def test_tag_masks_once_per_label_set() -> None:
    labs = {"k": ["x"]}
    samples = [
        Sample(STACKS["s0"][0], [1], labs),
        Sample(STACKS["s1"][0], [2], labs),
        Sample(STACKS["s2"][0], [4], {"k": ["y"]}),
        Sample(STACKS["s3"][0], [8]),
    ]
    v = from_samples(samples, 1)
    calls: list[object] = []

    def focus(s: Sample) -> bool:
        calls.append(s.labels)
        return (s.labels or {}).get("k") == ["x"]

    got, fm, im = filters.filter_by_tag(v, focus, None)
    assert fm and not im
    assert got.values[:, 0].tolist() == [1, 2]
    assert len(calls) == 3  # two label sets and "no labels", not four samples
    shown, sm, hm = filters.filter_tags_by_name(v, None, re.compile("k"))
    assert hm and all(not (s.labels or {}) for s in shown.to_samples())
    assert np.array_equal(v.labels, shown.labels)


def test_filtered_view_cuts_its_parents_index_down() -> None:
    from pprofsh.graph import _Index

    v = view()
    _, _, b = build(v)
    parent_ix = b.index()
    sub, *_ = filters.filter_by_name(v, re.compile("D"), None, None, None)
    assert sub.parent is v
    _, _, b2 = build(sub)
    derived = b2.index()
    fresh = _Index(sub, b2.maker)
    assert derived is not fresh and derived.infos is parent_ix.infos
    names = [i[0] for i in derived.infos]
    fresh_names = [i[0] for i in fresh.infos]
    for a in ("frame_node", "pair_node"):
        assert [names[i] for i in getattr(derived, a)] == [
            fresh_names[i] for i in getattr(fresh, a)
        ]
    for a in ("frame_inline", "frame_stack", "stack_first", "pair_stack", "recursive"):
        assert np.array_equal(getattr(derived, a), getattr(fresh, a)), a
