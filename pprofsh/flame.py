"""The `flame` screen: a full-screen prompt_toolkit view of a FlameView.

Shell layer: this module only draws the cells `FlameView.screen` lays out,
colours them, and maps keys and mouse clicks to FlameView methods. It returns
the shell line the user left with (`focus=^fn$`, `list ^fn$`, ...) or None.
"""

from __future__ import annotations

import os
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.data_structures import Point
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import (
    BufferControl,
    ConditionalContainer,
    FormattedTextControl,
    HSplit,
    Layout,
    Window,
)
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseButton, MouseEvent, MouseEventType
from prompt_toolkit.styles import Style

from pprofsh.errors import PprofshError
from pprofsh.report.flameview import Box, FlameView

HELP = """\
flame: a flame graph of the current report (filters, sample_index, granularity, base)

  arrows, h j k l   move: parent, first child, neighbours on the row
  Enter, click      zoom to the selected box
  Backspace, Esc    zoom out; leave the callers view
  /                 search (a regexp); n / N next / previous match
  c                 callers of the selected function, all call sites merged
  t                 turn the graph over (root at the top / at the bottom)
  f  i  H           back to the prompt with focus= / ignore= / hide= the function
  L                 back to the prompt and list the function
  ?                 this help (any key closes it)
  q, Ctrl-C         back to the prompt

Widths are the value (with a base: the size of the change; red grew, green shrank).
Colours: orange runtime, blue standard library, green your module, purple third party."""

# Background colours per box kind, three shades each. prompt_toolkit maps them to the
# 256- or 16-colour palette the terminal has.
PALETTE: dict[str, tuple[str, str, str]] = {
    "root": ("#6c6c6c", "#6c6c6c", "#6c6c6c"),
    "runtime": ("#d78700", "#d7875f", "#d7af5f"),
    "std": ("#5f87d7", "#5fafd7", "#87afd7"),
    "module": ("#5faf5f", "#87af5f", "#5faf87"),
    "thirdparty": ("#af87d7", "#af5fd7", "#d787d7"),
    "other": ("#a8a8a8", "#b2b2b2", "#9e9e9e"),
    "grow1": ("#ffd7d7", "#ffd7d7", "#ffd7d7"),
    "grow2": ("#ff8787", "#ff8787", "#ff8787"),
    "grow3": ("#ff5f5f", "#ff5f5f", "#ff5f5f"),
    "shrink1": ("#d7ffd7", "#d7ffd7", "#d7ffd7"),
    "shrink2": ("#87d787", "#87d787", "#87d787"),
    "shrink3": ("#5fd75f", "#5fd75f", "#5fd75f"),
    "same": ("#c6c6c6", "#c6c6c6", "#c6c6c6"),
}


def box_style(b: Box, selected: bool, colour: bool) -> str:
    """The prompt_toolkit style of one box."""
    parts = []
    if colour:
        parts.append(f"bg:{PALETTE[b.kind][b.shade]} fg:#000000")
        if b.ancestor:
            parts.append("bg:#4e4e4e fg:#d0d0d0")
    if b.match:
        parts.append("bg:#d700d7 fg:#ffffff bold" if colour else "underline bold")
    if selected:
        parts.append("reverse bold")
    return " ".join(parts)


def render_row(row: list[Box], width: int, selected: int, colour: bool) -> StyleAndTextTuples:
    """One screen row: boxes in their columns, a blank (or `|` without colour) ending each."""
    out: StyleAndTextTuples = []
    x = 0
    for b in sorted(row, key=lambda r: r.x):
        if b.x > x:
            out.append(("", " " * (b.x - x)))
        style = box_style(b, b.node == selected, colour)
        if b.width == 1:
            out.append((style, " " if colour else "|"))
        else:
            out.append((style, b.text.ljust(b.width - 1)))
            out.append(("" if colour else style, " " if colour else "|"))
        x = b.x + b.width
    if x < width:
        out.append(("", " " * (width - x)))
    return out


class FlameControl(UIControl):
    """Draws the boxes; a click selects and zooms."""

    def __init__(self, view: FlameView, colour: bool) -> None:
        self.view = view
        self.colour = colour

    def create_content(self, width: int, height: int) -> UIContent:
        rows = self.view.screen(width, height)
        sel = self.view.view.selected
        lines = [render_row(r, width, sel, self.colour) for r in rows]
        return UIContent(
            get_line=lambda i: lines[i], line_count=len(lines), cursor_position=Point(0, 0)
        )

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        if (
            mouse_event.event_type == MouseEventType.MOUSE_UP
            and mouse_event.button == MouseButton.LEFT
        ):
            node = self.view.box_at(mouse_event.position.x, mouse_event.position.y)
            if node is not None:
                self.view.select(node)
                self.view.zoom_in(node)
        return None

    def is_focusable(self) -> bool:
        return True


def colour_wanted() -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def make_app(
    view: FlameView, *, input: Any = None, output: Any = None, colour: bool | None = None
) -> Application[str | None]:
    """The flame Application; app.run() returns the line to run at the prompt, or None."""
    colour = colour_wanted() if colour is None else colour
    state = {"help": False, "searching": False}
    search_buf = Buffer(multiline=False)
    flame = Window(FlameControl(view, colour), wrap_lines=False)
    help_window = Window(FormattedTextControl(HELP), wrap_lines=False)

    def status() -> StyleAndTextTuples:
        a, b = view.status()
        style = "bg:#303030 fg:#ffffff" if colour else "reverse"
        return [(style + " bold", a), ("", "\n"), (style, b)]

    searching = Condition(lambda: state["searching"])
    showing_help = Condition(lambda: state["help"])
    root = HSplit(
        [
            ConditionalContainer(flame, filter=~showing_help),
            ConditionalContainer(help_window, filter=showing_help),
            Window(FormattedTextControl(status), height=2, wrap_lines=False),
            ConditionalContainer(
                Window(BufferControl(search_buf), height=1, get_line_prefix=_slash),
                filter=searching,
            ),
        ]
    )
    kb = KeyBindings()
    browsing = ~searching & ~showing_help

    def act(fn: Any) -> Any:
        def handler(event: KeyPressEvent) -> None:
            try:
                fn(event)
            except PprofshError as e:
                view.message = str(e)

        return handler

    for keys, direction in (
        (("up", "k"), "up"),
        (("down", "j"), "down"),
        (("left", "h"), "left"),
        (("right", "l"), "right"),
    ):
        for key in keys:
            kb.add(key, filter=browsing)(act(lambda _e, d=direction: view.move(d)))
    kb.add("enter", filter=browsing)(act(lambda _e: view.zoom_in()))
    kb.add("backspace", filter=browsing)(act(lambda _e: view.zoom_out()))
    kb.add("escape", filter=browsing)(act(lambda _e: view.zoom_out()))
    kb.add("c", filter=browsing)(act(lambda _e: view.callers()))
    kb.add("t", filter=browsing)(act(lambda _e: setattr(view, "flip", not view.flip)))
    kb.add("n", filter=browsing)(act(lambda _e: view.next_match(1)))
    kb.add("N", filter=browsing)(act(lambda _e: view.next_match(-1)))

    @kb.add("?", filter=~searching)
    def _help(event: KeyPressEvent) -> None:
        state["help"] = not state["help"]

    @kb.add("<any>", filter=showing_help)
    def _close_help(event: KeyPressEvent) -> None:
        state["help"] = False

    @kb.add("/", filter=browsing)
    def _search(event: KeyPressEvent) -> None:
        state["searching"] = True
        search_buf.text = view.search_text
        search_buf.cursor_position = len(search_buf.text)
        event.app.layout.focus(search_buf)

    @kb.add("enter", filter=searching)
    def _search_done(event: KeyPressEvent) -> None:
        state["searching"] = False
        event.app.layout.focus(flame)
        try:
            view.search(search_buf.text)
            if view.pattern is not None:
                view.next_match(1)
        except PprofshError as e:
            view.message = str(e)

    @kb.add("escape", filter=searching)
    @kb.add("c-c", filter=searching)
    def _search_cancel(event: KeyPressEvent) -> None:
        state["searching"] = False
        event.app.layout.focus(flame)

    for key, what in (("f", "f"), ("i", "i"), ("H", "h"), ("L", "l")):

        @kb.add(key, filter=browsing)
        def _leave(event: KeyPressEvent, what: str = what) -> None:
            line = view.leave(what)
            if line is not None:
                event.app.exit(result=line)

    @kb.add("q", filter=browsing)
    @kb.add("c-c", filter=~searching)
    @kb.add("c-d", filter=~searching)
    def _quit(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    app: Application[str | None] = Application(
        layout=Layout(root, focused_element=flame),
        key_bindings=kb,
        style=Style([]),
        full_screen=True,
        mouse_support=True,
        input=input,
        output=output,
    )
    # Esc alone zooms out: do not wait long for an escape sequence to follow.
    app.ttimeoutlen = 0.05
    return app


def _slash(_line: int, _wrap: int) -> StyleAndTextTuples:
    return [("bold", "/")]


def run_flame(view: FlameView, *, input: Any = None, output: Any = None) -> str | None:
    """Show the flame screen until the user leaves; the shell line to run next, or None."""
    return make_app(view, input=input, output=output).run()
