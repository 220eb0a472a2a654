"""The flame Application driven through prompt_toolkit's pipe input and a dummy output."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput

from pprofsh.driver import make_report
from pprofsh.flame import FlameControl, make_app, render_row
from pprofsh.options import Config
from pprofsh.report.calltree import report_stacks
from pprofsh.report.flameview import FlameView
from pprofsh.session import UI, SourceSpec, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(ROOT, "tests", "fixtures", "profiles", "")


def flame_view(src: str = "cpu.pb.gz") -> FlameView:
    ui = UI(io.StringIO(), io.StringIO(), interactive=False)
    p = load(SourceSpec([P + src]), ui)
    rpt = make_report(p, "flame", "flame", None, Config(), lambda _m: None)
    return FlameView(report_stacks(rpt), rpt.total, rpt.format_value)


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as inp:
        yield inp


def run(view: FlameView, pipe: PipeInput, keys: str) -> str | None:
    pipe.send_text(keys)
    return make_app(view, input=pipe, output=DummyOutput()).run()


def test_q_returns_nothing(pipe: PipeInput) -> None:
    assert run(flame_view(), pipe, "jjlq") is None


def test_moving_then_f_leaves_with_a_focus(pipe: PipeInput) -> None:
    # down to runtime.main, down to main.main
    assert run(flame_view(), pipe, "jjf") == "focus=^main\\.main$"


def test_arrows_enter_and_backspace(pipe: PipeInput) -> None:
    view = flame_view()
    # Down, right (to main.main.func1), Enter zooms there, Backspace zooms out, ignore.
    got = run(view, pipe, "\x1b[B\x1b[C\r\x7fi")
    assert got == "ignore=^main\\.main\\.func1$"
    assert view.view.zoom == 0


def test_search_then_leave_with_list(pipe: PipeInput) -> None:
    view = flame_view()
    assert run(view, pipe, "/main.fib$\rL") == "list ^main\\.fib$"
    assert view.search_text == "main.fib$"


def test_bad_search_stays_in_the_view(pipe: PipeInput) -> None:
    view = flame_view()
    assert run(view, pipe, "/a(\rq") is None
    assert "error parsing regexp" in view.message


def test_callers_then_hide(pipe: PipeInput) -> None:
    view = flame_view()
    # runtime.main -> main.main -> c: callers of main.main; H hides it.
    assert run(view, pipe, "jjcH") == "hide=^main\\.main$"
    assert view.tree.kind == "callers"


def test_help_opens_and_any_key_closes(pipe: PipeInput) -> None:
    assert run(flame_view(), pipe, "?xjf") == "focus=^runtime\\.main$"


def test_mouse_click_selects_and_zooms(pipe: PipeInput) -> None:
    view = flame_view()
    view.screen(80, 22)
    target = next(b for b in view.layout(80)[2] if b.x > 40)
    # xterm SGR mouse: press and release of the left button at (column, row), 1-based.
    x, y = target.x + 2, 3
    got = run(view, pipe, f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}mf")
    assert view.view.zoom == view.view.selected == target.node
    assert got is not None and got == view.leave("f")


def test_rendered_rows_are_the_layout() -> None:
    view = flame_view()
    control = FlameControl(view, colour=True)
    content = control.create_content(100, 20)
    assert content.line_count == 20
    first = "".join(t for _s, t in content.get_line(0))
    assert first.startswith("root  2.25s (100%)") and len(first) == 100
    second = content.get_line(1)
    assert any("bg:#" in s for s, _t in second)
    # Without colour, boxes end in `|` and the selection is reversed.
    plain = render_row(view.screen(100, 20)[1], 100, view.tree.children(0)[0], colour=False)
    text = "".join(t for _s, t in plain)
    assert text.count("|") >= 2 and not any("bg:" in s for s, _t in plain)
    assert any("reverse" in s for s, _t in plain)


def test_resize_lays_out_again() -> None:
    view = flame_view()
    control = FlameControl(view, colour=False)
    wide = "".join(t for _s, t in control.create_content(150, 10).get_line(1))
    narrow = "".join(t for _s, t in control.create_content(50, 10).get_line(1))
    assert len(wide) == 150 and len(narrow) == 50


def test_no_color_draws_without_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    from pprofsh.flame import colour_wanted

    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert colour_wanted()
    view = flame_view()
    rows = [render_row(r, 80, 0, colour=False) for r in view.screen(80, 10)]
    assert not any("bg:" in s or "fg:" in s for row in rows for s, _t in row)
