"""The flame screen's layout and keys, without a terminal (FlameView), on real profiles."""

from __future__ import annotations

import io
import os

import pytest

from pprofsh.driver import make_report
from pprofsh.options import Config
from pprofsh.report.calltree import report_stacks
from pprofsh.report.flameview import (
    Box,
    FlameView,
    fit,
    go_quote_meta,
    package_kind,
    short_name,
)
from pprofsh.session import UI, SourceSpec, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(ROOT, "tests", "fixtures", "profiles", "")


def flame_view(
    src: str, base: str | None = None, detail: float | None = None, **cfg: object
) -> FlameView:
    ui = UI(io.StringIO(), io.StringIO(), interactive=False)
    p = load(SourceSpec([P + src], base=[P + base] if base else []), ui)
    c = Config()
    for k, v in cfg.items():
        c[k] = v
    rpt = make_report(p, "flame", "flame", None, c, lambda _m: None)
    return FlameView(report_stacks(rpt), rpt.total, rpt.format_value, detail)


def boxes(v: FlameView, width: int = 120) -> dict[int, Box]:
    """Every box laid out for a screen `width` wide (which the keys then work on)."""
    v.screen(width, 60)
    return {b.node: b for row in v.layout(width) for b in row}


def node_named(v: FlameView, name: str) -> int:
    t = v.tree
    return next(i for i in range(len(t)) if t.name(i) == name)


@pytest.mark.parametrize("width", [7, 40, 120, 333])
@pytest.mark.parametrize("src", ["cpu.pb.gz", "heap.pb.gz", "goroutine.pb.gz"])
def test_children_share_out_their_parent(src: str, width: int) -> None:
    v = flame_view(src)
    t = v.tree
    drawn = boxes(v, width)
    assert drawn[0].x == 0 and drawn[0].width == width
    for n, b in drawn.items():
        kids = t.children(n)
        placed = [drawn[c] for c in kids if c in drawn]
        # In order, inside the parent, no overlap.
        x = b.x
        for c in placed:
            assert c.x >= x and c.depth == b.depth + 1
            x = c.x + c.width
        assert x <= b.x + b.width
        # Each child within a column of its exact share; a box with no self value is filled.
        wt = int(t.weight[n])
        for c in placed:
            exact = int(t.weight[c.node]) * b.width / wt
            assert abs(c.width - exact) < 1
        if int(t.self_weight[n]) == 0 and kids:
            assert sum(c.width for c in placed) == b.width
        # A child left out was narrower than a column.
        for c in kids:
            if c not in drawn:
                assert int(t.weight[c]) * b.width < wt


def test_labels_fit_their_box() -> None:
    v = flame_view("cpu.pb.gz")
    for b in boxes(v, 60).values():
        assert len(b.text) <= max(b.width - 1, 0)
        name, values = v.label(b.node)
        if b.width > 2:
            assert b.text in (f"{name}  {values}", name) or b.text == name[: b.width - 2] + "…"
    assert fit("main.fib", "10ms (1%)", 30) == "main.fib  10ms (1%)"
    assert fit("main.fib", "10ms (1%)", 10) == "main.fib"
    assert fit("main.fibonacci", "10ms (1%)", 6) == "main.…"


def test_zoom_spans_the_screen_and_keeps_ancestors() -> None:
    v = flame_view("cpu.pb.gz")
    n = node_named(v, "main.callerA")
    v.select(n)
    v.zoom_in()
    drawn = boxes(v, 100)
    assert drawn[n].x == 0 and drawn[n].width == 100 and not drawn[n].ancestor
    for a in v.tree.path(n)[:-1]:
        assert drawn[a].width == 100 and drawn[a].ancestor
    # Nothing outside the zoomed box is drawn below it.
    below = [b for b in drawn.values() if b.depth > drawn[n].depth]
    assert below and all(n in v.tree.path(b.node) for b in below)
    assert v.zoom_out() and v.view.zoom == 0
    assert not v.zoom_out()


def test_moves_follow_the_drawing() -> None:
    v = flame_view("cpu.pb.gz")
    v.screen(120, 30)
    v.move("down")
    first = v.tree.children(0)[0]
    assert v.view.selected == first
    v.move("right")
    right = v.view.selected
    assert right != first and boxes(v)[right].x > boxes(v)[first].x
    v.move("left")
    assert v.view.selected == first
    v.move("up")
    assert v.view.selected == 0
    v.move("up")
    assert v.view.selected == 0
    v.flip = True
    v.move("up")  # a flame: up goes to a child
    assert v.view.selected == first


def test_flip_puts_the_root_at_the_bottom() -> None:
    v = flame_view("cpu.pb.gz")
    rows = v.screen(80, 30)
    assert rows[0][0].node == 0
    v.flip = True
    rows = v.screen(80, 30)
    assert rows[-1][0].node == 0
    assert v.box_at(5, 29) == 0


def test_scrolls_to_keep_the_selection_on_screen() -> None:
    v = flame_view("cpu.pb.gz")
    deep = max(boxes(v, 120).values(), key=lambda b: b.depth)
    v.select(deep.node)
    rows = v.screen(120, 5)
    assert any(b.node == deep.node for row in rows for b in row)
    assert v.box_at(deep.x, 4) == deep.node


def test_search_highlights_and_cycles() -> None:
    v = flame_view("cpu.pb.gz")
    v.search("main\\.fib$")
    drawn = boxes(v)
    fibs = [b for b in drawn.values() if b.match]
    assert fibs and all(v.tree.name(b.node) == "main.fib" for b in fibs)
    assert all(not b.match for b in drawn.values() if v.tree.name(b.node) != "main.fib")
    v.next_match(1)
    first = v.view.selected
    assert v.tree.name(first) == "main.fib"
    seen = {first}
    for _ in range(len(fibs) - 1):
        v.next_match(1)
        seen.add(v.view.selected)
    assert len(seen) == len(fibs)
    v.next_match(1)
    assert v.view.selected == first
    v.next_match(-1)
    assert v.view.selected != first
    assert "matches" in v.status()[1]
    assert 0 < v.search_share() < 1
    v.search("")
    assert v.pattern is None and not any(b.match for b in boxes(v).values())


def test_bad_search_is_one_clear_error() -> None:
    from pprofsh.errors import PprofshError

    v = flame_view("cpu.pb.gz")
    with pytest.raises(PprofshError, match="error parsing regexp"):
        v.search("a(")


def test_callers_view_merges_call_sites() -> None:
    v = flame_view("cpu.pb.gz")
    v.select(node_named(v, "main.step"))
    v.callers()
    t = v.tree
    assert t.kind == "callers" and v.view.selected == 1 and t.name(1) == "main.step"
    assert [t.name(c) for c in t.children(1)] == ["main.shared"]
    shared = t.children(1)[0]
    assert sorted(t.name(c) for c in t.children(shared)) == ["main.callerA", "main.callerB"]
    assert "callers of main.step" in v.status()[1]
    assert v.zoom_out() and v.tree.kind == "tree"


def test_leaving_sets_a_filter_on_the_function() -> None:
    v = flame_view("cpu.pb.gz")
    assert v.leave("f") is None  # the root is no function
    v.select(node_named(v, "main.callerA"))
    assert v.leave("f") == "focus=^main\\.callerA$"
    assert v.leave("i") == "ignore=^main\\.callerA$"
    assert v.leave("h") == "hide=^main\\.callerA$"
    assert v.leave("l") == "list ^main\\.callerA$"
    assert go_quote_meta("main.(*T).M[...]") == "main\\.\\(\\*T\\)\\.M\\[\\.\\.\\.\\]"
    assert go_quote_meta("operator new") == "operator\\x20new"


def test_status_line() -> None:
    v = flame_view("cpu.pb.gz")
    v.select(node_named(v, "main.fib"))
    first, second = v.status()
    assert first.startswith("main.fib  ") and first.endswith("/cpu/main.go:43")  # func fib
    assert "box " in second and "flat " in second and "cum " in second
    assert "delta" not in second


def test_diff_colours_growth_red_shrinkage_green() -> None:
    v = flame_view("handshake-after.pb.gz", "handshake-during.pb.gz")
    drawn = boxes(v)
    kinds = {v.tree.name(n): b.kind for n, b in drawn.items()}
    # The workers moved from reading the handshake to a blocked channel send.
    assert kinds["main.(*conn).handshakeWorker"] == "same"
    assert kinds["runtime.chansend1"] == "grow3"
    assert kinds["main.(*conn).handshake"] == "shrink3"
    assert kinds["main.(*server).handleConn"] == "shrink3"
    v.select(node_named(v, "runtime.chansend1"))
    assert "delta +100" in v.status()[1]
    v.select(node_named(v, "main.(*server).handleConn"))
    assert "delta -100" in v.status()[1]
    plain = flame_view("handshake-after.pb.gz")
    assert all(not b.kind.startswith(("grow", "shrink")) for b in boxes(plain).values())


def test_package_kinds() -> None:
    assert package_kind("runtime.gopark") == "runtime"
    assert package_kind("runtime/pprof.Do") == "runtime"
    assert package_kind("net/http.(*conn).serve") == "std"
    assert package_kind("sync.(*Mutex).Lock") == "std"
    assert package_kind("main.main") == "module"
    assert package_kind("example.com/me/app/srv.Run", "/home/me/app/srv/run.go") == "module"
    assert (
        package_kind("github.com/x/y.F", "/root/go/pkg/mod/github.com/x/y@v1.0.0/f.go")
        == "thirdparty"
    )
    assert package_kind("") == "other"
    assert package_kind("std::vector<int>::push_back") == "other"
    assert short_name("github.com/x/y/z.(*T).M") == "z.(*T).M"
    assert short_name("net/http.F /usr/lib/go/src/net/http/f.go:12") == "http.F f.go:12"


def test_hostile_names_stay_in_their_cell() -> None:
    from pprofsh.report.calltree import make_stacks

    evil = "main.\x1b[2J\u202eevil\nname\tx"
    frames = [(evil, "", 0, "", 0, 0, ""), ("main.ok", "", 0, "", 0, 0, "")]
    st = make_stacks(frames, [(0,), (0, 1)], [5, 5])
    v = FlameView(st, 10, str)
    v.select(1)
    texts = [b.text for row in v.screen(80, 5) for b in row] + v.status()
    assert any("evil" in t for t in texts)
    for t in texts:
        assert not any(c in t for c in "\x1b\u202e\n\t"), t


def _picture(v: FlameView, width: int) -> set[tuple[int, int, int, str, str]]:
    v.screen(width, 60)
    return {
        (b.depth, b.x, b.width, b.text, v.tree.name(b.node)) for row in v.layout(width) for b in row
    }


def same_picture(coarse: FlameView, full: FlameView, width: int) -> None:
    """A pruned tree draws what a full one does, but for slivers: boxes narrower than a
    column that happen to straddle a column boundary (and what is under them)."""
    a, b = _picture(coarse, width), _picture(full, width)
    assert a <= b
    assert all(box[2] == 1 for box in b - a), sorted(b - a)


@pytest.mark.parametrize("name", ["main.busyLoop", "main.callerB", "main.mix"])
def test_zoom_into_a_pruned_tree_draws_what_a_full_one_does(name: str) -> None:
    full = flame_view("cpu.pb.gz", detail=0.0)
    coarse = flame_view("cpu.pb.gz", detail=0.01)  # at most 1/width: nothing wider is left out
    assert len(coarse.tree) < len(full.tree)
    same_picture(coarse, full, 90)
    for v in (full, coarse):
        v.screen(90, 60)
        v.select(node_named(v, name))
        v.zoom_in()
    assert len(coarse.views) == 2 and len(full.views) == 1
    same_picture(coarse, full, 90)
    assert coarse.status() == full.status()
    # Backspace leaves the rebuilt view; zooming to an ancestor goes back out too.
    assert coarse.zoom_out() and len(coarse.views) == 1
    coarse.zoom_in(node_named(coarse, name))
    ancestor = 1
    coarse.zoom_in(ancestor)  # the rebuilt view's chain: the outer box, zoomed there
    full.zoom_out()
    full.zoom_in(full.tree.path(node_named(full, name))[ancestor])
    assert coarse.tree.name(coarse.view.zoom) == full.tree.name(full.view.zoom)
    same_picture(coarse, full, 90)


def test_search_share_in_a_pruned_tree() -> None:
    full = flame_view("cpu.pb.gz", detail=0.0)
    coarse = flame_view("cpu.pb.gz", detail=0.3)
    for v in (full, coarse):
        v.search("fib|step")
    assert coarse.search_share() == pytest.approx(full.search_share())
    assert 0 < full.search_share() < 1
