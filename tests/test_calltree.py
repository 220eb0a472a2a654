"""Call trees and folded stacks, checked against a straightforward walk over the samples.

The reference here reads the report's filtered samples directly (function
names, root first) and builds nested dicts; the columnar tree must agree with it
node for node, on real Go profiles, with filters, sample indices and a base.
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict

import numpy as np
import pytest

from pprofsh.driver import make_report
from pprofsh.graph import StackTable
from pprofsh.options import Config
from pprofsh.report import Report
from pprofsh.report import calltree as ct
from pprofsh.report.folded import folded_name, print_folded
from pprofsh.session import UI, SourceSpec, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(ROOT, "tests", "fixtures", "profiles", "")


def report(src: str, base: str | None = None, diff_base: bool = False, **cfg: object) -> Report:
    ui = UI(io.StringIO(), io.StringIO(), interactive=False)
    spec = SourceSpec([P + src], base=[P + base] if base else [], diff_base=diff_base)
    p = load(spec, ui)
    c = Config()
    for k, v in cfg.items():
        c[k] = v
    return make_report(p, "folded", "folded", None, c, lambda _m: None)


def reference(rpt: Report) -> dict[tuple[str, ...], int]:
    """Summed value per root-first function-name stack, straight from the samples."""
    out: dict[tuple[str, ...], int] = defaultdict(int)
    for s in rpt.samples:
        names = tuple(
            ln.function.name if ln.function else "<unknown>"
            for loc in reversed(s.locations)
            for ln in reversed(loc.lines)
        )
        out[names] += s.values[rpt.options.value_index]
    return {k: v for k, v in out.items() if v != 0}


def ref_tree(stacks: dict[tuple[str, ...], int]) -> dict[tuple[str, ...], list[int]]:
    """Per path prefix: [total, self, weight]."""
    nodes: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for st, v in stacks.items():
        for i in range(len(st) + 1):
            n = nodes[st[:i]]
            n[0] += v
            n[2] += abs(v)
        nodes[st][1] += v
    return nodes


def tree_paths(tree: ct.CallTree) -> dict[tuple[str, ...], list[int]]:
    out = {}
    for i in range(len(tree)):
        key = tuple(tree.name(j) for j in tree.path(i)[1:])
        assert key not in out, key
        out[key] = [int(tree.total[i]), int(tree.self_value[i]), int(tree.weight[i])]
    return out


CASES = [
    ("cpu.pb.gz", None, {}),
    ("cpu.pb.gz", None, {"focus": "callerA"}),
    ("cpu.pb.gz", None, {"ignore": "fib", "hide": "runtime"}),
    ("heap.pb.gz", None, {"sample_index": "alloc_objects"}),
    ("goroutine.pb.gz", None, {}),
    ("block.pb.gz", None, {"sample_index": "0"}),
    ("handshake-after.pb.gz", "handshake-before.pb.gz", {}),
    ("handshake-before.pb.gz", "handshake-after.pb.gz", {}),
    ("fixed-during.pb.gz", "leak-busy.pb.gz", {}),
]


@pytest.mark.parametrize(("src", "base", "cfg"), CASES)
def test_tree_matches_reference(src: str, base: str | None, cfg: dict[str, object]) -> None:
    rpt = report(src, base, **cfg)
    ref = reference(rpt)
    assert ref, "a case with no samples tests nothing"
    st = ct.report_stacks(rpt)
    got: dict[tuple[str, ...], int] = defaultdict(int)
    for k in range(len(st)):
        got[tuple(st.names[i] for i in st.stack(k))] += int(st.values[k])
    assert got == ref
    if st.diff:  # deltas net out per frame sequence: rows are distinct
        assert len(got) == len(st)
    tree = ct.build_tree(st)
    assert tree_paths(tree) == ref_tree(ref)
    assert st.diff == any(v < 0 for v in ref.values())


@pytest.mark.parametrize(("src", "base", "cfg"), CASES)
def test_tree_shape(src: str, base: str | None, cfg: dict[str, object]) -> None:
    tree = ct.build_tree(ct.report_stacks(report(src, base, **cfg)))
    for i in range(len(tree)):
        kids = tree.children(i)
        # Totals and weights add up: children plus self make the parent.
        assert sum(int(tree.total[c]) for c in kids) + int(tree.self_value[i]) == tree.total[i]
        assert sum(int(tree.weight[c]) for c in kids) + int(tree.self_weight[i]) == tree.weight[i]
        ws = [int(tree.weight[c]) for c in kids]
        assert ws == sorted(ws, reverse=True)
        for c in kids:
            assert tree.parent[c] == i and c > i and tree.depth[c] == tree.depth[i] + 1


def test_function_totals_match_top() -> None:
    rpt = report("cpu.pb.gz")
    st = ct.report_stacks(rpt)
    flat, cum = ct.function_totals(st)
    g = rpt.new_graph()
    assert len(g.nodes) == len(st.names)
    for n in g.nodes:
        f = st.names.index(n.name)
        assert (int(flat[f]), int(cum[f])) == (n.flat, n.cum), n.name
    # main.fib is recursive: its cum counts each stack once, below the root total.
    fib = st.names.index("main.fib")
    assert 0 < cum[fib] < rpt.total


def ref_callers(stacks: dict[tuple[str, ...], int], fn: str) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = defaultdict(int)
    for st, v in stacks.items():
        if fn in st:
            i = st.index(fn)
            out[tuple(reversed(st[: i + 1]))] += v
    return out


def ref_callees(stacks: dict[tuple[str, ...], int], fn: str) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = defaultdict(int)
    for st, v in stacks.items():
        if fn in st:
            out[st[st.index(fn) :]] += v
    return out


@pytest.mark.parametrize("fn", ["main.fib", "main.shared", "runtime.main", "main.step"])
def test_sandwich_merges_every_occurrence(fn: str) -> None:
    rpt = report("cpu.pb.gz")
    st = ct.report_stacks(rpt)
    ref = reference(rpt)
    f = st.names.index(fn)
    flat, cum = ct.function_totals(st)
    callers = ct.callers_tree(st, f)
    assert tree_paths(callers) == ref_tree(ref_callers(ref, fn))
    assert callers.children(0) == [1] and callers.name(1) == fn
    assert callers.total[1] == cum[f]
    callees = ct.callees_tree(st, f)
    assert tree_paths(callees) == ref_tree(ref_callees(ref, fn))
    assert callees.total[1] == cum[f]


def test_shared_function_has_two_callers() -> None:
    st = ct.report_stacks(report("cpu.pb.gz"))
    callers = ct.callers_tree(st, st.names.index("main.shared"))
    names = sorted(callers.name(c) for c in callers.children(1))
    assert names == ["main.callerA", "main.callerB"]


def test_prune_keeps_a_subtree_of_heavy_boxes() -> None:
    tree = ct.build_tree(ct.report_stacks(report("cpu.pb.gz")))
    small = ct.prune(tree, 0.05)
    assert 1 < len(small) < len(tree)
    cutoff = 0.05 * int(tree.weight[0])
    want = {k: v for k, v in tree_paths(tree).items() if v[2] >= cutoff}
    assert tree_paths(small) == want
    for i in range(1, len(small)):
        assert small.parent[i] < i
        assert i in small.children(int(small.parent[i]))
    assert ct.prune(tree, 0.0) is tree


@pytest.mark.parametrize("fraction", [0.001, 0.05, 0.3, 1.0])
@pytest.mark.parametrize(
    ("src", "base"),
    [
        ("cpu.pb.gz", None),
        ("heap.pb.gz", None),
        ("handshake-after.pb.gz", "handshake-during.pb.gz"),
    ],
)
def test_pruned_build_is_the_pruned_tree(src: str, base: str | None, fraction: float) -> None:
    st = ct.report_stacks(report(src, base))
    assert tree_paths(ct.build_tree(st, fraction)) == tree_paths(
        ct.prune(ct.build_tree(st), fraction)
    )


def test_search_share_counts_each_stack_once() -> None:
    rpt = report("cpu.pb.gz")
    st = ct.report_stacks(rpt)
    tree = ct.build_tree(st)
    ref = reference(rpt)
    total = sum(ref.values())
    for rx in ("main\\.fib", "main\\.", "callerB|fib", "nomatch"):
        pat = re.compile(rx)
        want = sum(v for s, v in ref.items() if any(pat.search(n) for n in s)) / total
        got = ct.search_share(tree, ct.matching_frames(st, pat))
        assert got == pytest.approx(want)
    # Under a zoomed box: the share of that box.
    node = next(i for i in range(len(tree)) if tree.name(i) == "main.main.func2")
    pat = re.compile("main\\.fib")
    under = {s: v for s, v in ref.items() if "main.main.func2" in s}
    want = sum(v for s, v in under.items() if any(pat.search(n) for n in s)) / sum(under.values())
    assert ct.search_share(tree, ct.matching_frames(st, pat), node) == pytest.approx(want)


def test_diff_values_are_deltas() -> None:
    rpt = report("handshake-before.pb.gz", "handshake-after.pb.gz")
    st = ct.report_stacks(rpt)
    tree = ct.build_tree(st)
    assert st.diff and tree.diff
    assert tree.total[0] < 0 and tree.weight[0] == -tree.total[0]
    # -diff_base keeps the base apart under pprof::base: still a diff.
    st2 = ct.report_stacks(report("handshake-after.pb.gz", "handshake-before.pb.gz", True))
    assert st2.diff
    assert not ct.report_stacks(report("cpu.pb.gz")).diff


def test_stacks_follow_granularity() -> None:
    rpt = report("cpu.pb.gz", granularity="lines")
    st = ct.report_stacks(rpt)
    assert all(re.search(r" \S+\.go:\d+$", n) for n in st.names if n.startswith("main."))
    assert int(st.values.sum()) == rpt.total


def test_mean_divides_by_the_count() -> None:
    rpt = report("block.pb.gz", sample_index="delay", mean=True)
    tree = ct.build_tree(ct.report_stacks(rpt))
    assert tree.stacks.mean
    i = tree.children(0)[0]
    assert tree.value(i) == int(tree.total[i]) // int(tree.total_div[i])


# -- folded ------------------------------------------------------------------------------


def ref_folded(rpt: Report) -> str:
    ref = reference(rpt)
    lines = sorted(f"{';'.join(s)} {v}" for s, v in ref.items())
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(("src", "base", "cfg"), CASES)
def test_folded_matches_reference(src: str, base: str | None, cfg: dict[str, object]) -> None:
    rpt = report(src, base, **cfg)
    assert print_folded(rpt) == ref_folded(rpt)


@pytest.mark.parametrize(
    ("src", "base", "cfg"),
    [
        ("cpu.pb.gz", None, {"unit": "ns"}),
        ("cpu.pb.gz", None, {"unit": "ns", "focus": "callerA"}),
        ("heap.pb.gz", None, {"unit": "B", "sample_index": "alloc_space"}),
        ("handshake-after.pb.gz", "handshake-before.pb.gz", {}),
    ],
)
def test_folded_total_is_what_top_accounts_for(
    src: str, base: str | None, cfg: dict[str, object]
) -> None:
    from pprofsh.report.text import print_text

    folded = print_folded(report(src, base, **cfg))
    total = sum(int(line.rsplit(" ", 1)[1]) for line in folded.splitlines())
    ui = UI(io.StringIO(), io.StringIO(), interactive=False)
    spec = SourceSpec([P + src], base=[P + base] if base else [])
    c = Config()
    c["nodefraction"] = 0.0  # top drops nodes under 0.5% by default
    for k, v in cfg.items():
        c[k] = v
    top = print_text(make_report(load(spec, ui), "top", "text", None, c, lambda _m: None))
    m = re.search(r"accounting for (-?\d+)(ns|B)?,", top)
    assert m, top
    assert total == int(m.group(1))


def test_folded_names_stay_on_one_line() -> None:
    assert folded_name("a;b\nc\x1bd") == "a:b?c?d"


def test_stacks_of_plain_lists() -> None:
    frames = [("a", "", 0, "", 0, 0, ""), ("b", "", 0, "", 0, 0, "")]
    st = ct.make_stacks(frames, [(0, 1), (0,), (0, 1)], [2, 3, 4])
    assert len(st) == 2 and st.names == ["a", "b"]
    tree = ct.build_tree(st)
    assert tree_paths(tree) == {(): [9, 0, 9], ("a",): [9, 3, 9], ("a", "b"): [6, 6, 6]}
    assert np.array_equal(ct.function_totals(st)[1], np.array([9, 6]))


def test_folded_flag_and_command(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from pprofsh.cli import main

    assert main(["-folded", "-focus=callerA", P + "cpu.pb.gz"]) == 0
    flag = capsys.readouterr().out
    assert flag == print_folded(report("cpu.pb.gz", focus="callerA"))
    out = tmp_path / "cpu.folded"
    assert main(["-c", f"folded callerA >{out}", P + "cpu.pb.gz"]) == 0
    assert out.read_text() == flag
    assert main(["-folded", "-top", P + "cpu.pb.gz"]) == 1
    assert "must set at most one output format" in capsys.readouterr().err


@pytest.mark.parametrize(("src", "base", "cfg"), CASES)
def test_adapter_totals_are_top_s(src: str, base: str | None, cfg: dict[str, object]) -> None:
    st = ct.report_stacks(report(src, base, **cfg))
    assert st.totals is not None
    flat, cum = ct.function_totals(st)
    assert st.totals[0].tolist() == flat.tolist()
    assert st.totals[1].tolist() == cum.tolist()


def test_frame_totals_one_at_a_time() -> None:
    st = ct.report_stacks(report("cpu.pb.gz"))
    flat, cum = ct.function_totals(st)
    for f in range(len(st.names)):
        assert ct.frame_totals(st, f) == (int(flat[f]), int(cum[f]))


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.2])
def test_subtree_is_the_zoomed_part_built_again(fraction: float) -> None:
    st = ct.report_stacks(report("cpu.pb.gz"))
    full = ct.build_tree(st)
    coarse = ct.build_tree(st, 0.2)
    for name in ("main.main.func2.1", "main.unlabeledWork", "main.busyLoop"):
        node = next(i for i in range(len(coarse)) if coarse.name(i) == name)
        sub = ct.subtree(coarse, node, fraction)
        d = int(coarse.depth[node])
        assert sub.name(d) == name and sub.path(d) == list(range(d + 1))
        # The chain above keeps the values it had.
        for a, b in zip(coarse.path(node), sub.path(d)):
            assert (coarse.total[a], coarse.weight[a]) == (sub.total[b], sub.weight[b])
        # Below: the full tree's subtree, pruned at fraction of the zoomed box.
        want_root = next(
            i
            for i in range(len(full))
            if [full.name(j) for j in full.path(i)] == [coarse.name(j) for j in coarse.path(node)]
        )
        cutoff = fraction * int(full.weight[want_root])
        prefix = tuple(full.name(j) for j in full.path(want_root)[1:])
        want = {
            k: v
            for k, v in tree_paths(full).items()
            if k[: len(prefix)] == prefix and len(k) > len(prefix) and v[2] >= cutoff
        }
        got = {k: v for k, v in tree_paths(sub).items() if len(k) > len(prefix)}
        assert got == want


def test_match_share_is_exact_in_pruned_trees() -> None:
    st = ct.report_stacks(report("cpu.pb.gz"))
    full = ct.build_tree(st)
    coarse = ct.build_tree(st, 0.3)
    for rx in ("main\\.fib", "step|callerB", "runtime\\.main", "nomatch"):
        m = ct.matching_frames(st, re.compile(rx))
        want = ct.search_share(full, m)
        assert ct.match_share(coarse, m) == pytest.approx(want)
        assert ct.match_share(full, m) == pytest.approx(want)
    node = next(i for i in range(len(full)) if full.name(i) == "main.unlabeledWork")
    m = ct.matching_frames(st, re.compile("fib"))
    assert ct.match_share(full, m, node) == pytest.approx(ct.search_share(full, m, node))


@pytest.mark.parametrize("which", ["callers", "callees"])
def test_match_share_in_sandwich_trees(which: str) -> None:
    st = ct.report_stacks(report("cpu.pb.gz"))
    make = ct.callers_tree if which == "callers" else ct.callees_tree
    f = st.names.index("main.shared")
    full = make(st, f)
    coarse = make(st, f, 0.2)
    for rx in ("callerA", "step", "runtime\\.main|callerB", "nomatch"):
        m = ct.matching_frames(st, re.compile(rx))
        want = ct.search_share(full, m)
        assert ct.match_share(full, m) == pytest.approx(want)
        assert ct.match_share(coarse, m) == pytest.approx(want)
        for node in range(1, len(full)):
            assert ct.match_share(full, m, node) == pytest.approx(ct.search_share(full, m, node))


@pytest.mark.parametrize("granularity", ["functions", "lines", "files"])
def test_graph_stacks_rows_sum_to_the_distinct_ones(granularity: str) -> None:
    b = report("cpu.pb.gz", granularity=granularity).builder()

    def sums(t: StackTable) -> dict[tuple[int, ...], int]:
        out: dict[tuple[int, ...], int] = defaultdict(int)
        offs, ids, vals = t.offsets.tolist(), t.ids.tolist(), t.values.tolist()
        for k in range(len(vals)):
            out[tuple(ids[offs[k] : offs[k + 1]])] += vals[k]
        return dict(out)

    rows, distinct = b.stacks(distinct=False), b.stacks()
    assert len(rows.values) >= len(distinct.values)
    assert sums(rows) == sums(distinct)
