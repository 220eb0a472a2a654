"""The state and layout of the terminal flame graph, without a terminal.

`FlameView` holds what the `flame` screen shows: the call tree of a report, a
stack of views (zooms and callers views, popped by Backspace), the selected box,
a search, the orientation. `screen(width, height)` lays the boxes out in
character cells: a box spans its parent's columns in proportion to its weight
(children left to right, heaviest first, boundaries rounded so that children
and the parent's own share add up to the parent's width exactly); a box
narrower than one column is not drawn, nor anything under it. Rows are tree
depths: the root on top (an icicle) or at the bottom (`flip`: a flame). When
zoomed, the zoomed box's ancestors stay on the rows above it, full width.

Keys map to methods (`move`, `zoom_in`, `zoom_out`, `search`, `next_match`,
`callers`, `leave`), so everything a key does is testable here; the
prompt_toolkit application in `pprofsh/flame.py` only draws cells and reads keys.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pprofsh import measurement
from pprofsh.report.calltree import (
    BoolArray,
    CallTree,
    IntArray,
    Stacks,
    build_tree,
    callers_tree,
    frame_totals,
    function_totals,
    match_share,
    matches_before,
    matching_frames,
    path_matches,
    subtree,
)
from pprofsh.ui import sanitize

# Profiles with more frames than this (summed over distinct stacks) get pruned trees:
# boxes under DETAIL of the root are built only when a zoom needs them.
BIG_STACKS = 400_000
DETAIL = 1 / 8192

# Colour classes of boxes (the terminal picks the colours): by package, or by change.
KINDS = ("root", "runtime", "std", "module", "thirdparty", "other")
DIFF_KINDS = ("grow1", "grow2", "grow3", "shrink1", "shrink2", "shrink3", "same")


@dataclass
class Box:
    node: int
    x: int
    width: int
    depth: int
    text: str
    kind: str  # one of KINDS or DIFF_KINDS
    shade: int  # 0..2: neighbours of one kind told apart
    ancestor: bool = False  # drawn above the zoomed box, outside the zoom
    match: bool = False  # matches the search


@dataclass
class _View:
    tree: CallTree
    zoom: int = 0
    selected: int = 0
    zooms: list[int] = field(default_factory=list)  # zoom history, for zoom_out
    # A view built again for a zoom into a pruned tree: the outer view's nodes for this
    # tree's chain of ancestors (ids 0 .. len-1), so that zooming to one goes back there.
    origin: list[int] | None = None
    # Search results kept for this view: per search text, which paths match; per
    # (zoom, text), the share of the zoomed box.
    path_matches: dict[str, BoolArray] = field(default_factory=dict)
    shares: dict[tuple[int, str], float] = field(default_factory=dict)


def package_of(name: str) -> str:
    """The Go import path of a function name: `net/http.(*conn).serve` -> `net/http`."""
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    return name[:dot] if dot > 0 else ""


def package_kind(name: str, file: str = "") -> str:
    """runtime, std (standard library), module (your code), thirdparty or other."""
    if not name or name[0] in "[<" or "::" in name or " " in name.split(".", 1)[0]:
        return "other"
    pkg = package_of(name)
    if not pkg:
        return "other"
    if pkg == "runtime" or pkg.startswith(("runtime/", "internal/runtime")):
        return "runtime"
    if pkg == "main":
        return "module"
    first = pkg.split("/", 1)[0]
    if "." not in first:
        return "std"
    if "/pkg/mod/" in file or "/vendor/" in file:
        return "thirdparty"
    return "module"


def short_name(name: str) -> str:
    """A box's name: the function without its import path (`net/http.(*conn).serve` ->
    `http.(*conn).serve`); a trailing ` file:line` (-lines) keeps its base name."""
    fn, sep, rest = name.partition(" ")
    head = fn.split("(", 1)[0].split("[", 1)[0]
    fn = fn[head.rfind("/") + 1 :]
    if sep:
        rest = " ".join(p.rsplit("/", 1)[-1] for p in rest.split(" "))
        return fn + " " + rest
    return fn


def cell_text(s: str) -> str:
    """A profile string made safe for one screen row: escapes (ui.sanitize) and no
    newline or tab."""
    return sanitize(s).replace("\n", "\\n").replace("\t", "\\t")


def go_quote_meta(s: str) -> str:
    """Go's regexp.QuoteMeta, with spaces as \\x20 so that the shell keeps one token."""
    out = re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", s)
    return out.replace(" ", "\\x20")


def fit(name: str, values: str, width: int) -> str:
    """`name  values` in width characters: whole, else the name alone, else the name
    cut with an ellipsis."""
    label = f"{name}  {values}"
    if len(label) <= width:
        return label
    if len(name) <= width:
        return name
    if width <= 1:
        return name[:width]
    return name[: width - 1] + "…"


class FlameView:
    """What the flame screen shows, and what its keys do."""

    def __init__(
        self,
        stacks: Stacks,
        total: int,
        format_value: Callable[[int], str],
        detail: float | None = None,
    ) -> None:
        self.stacks = stacks
        self.total = total
        self.format_value = format_value
        self.sources = stacks.sources
        # Trees leave out boxes below this fraction of their root (0: none); a zoom
        # that would show their absence builds the zoomed part again (calltree.subtree).
        if detail is None:
            detail = DETAIL if len(stacks.ids) > BIG_STACKS else 0.0
        self.detail = detail
        self.views = [_View(build_tree(stacks, detail))]
        self.flip = False
        self.pattern: re.Pattern[str] | None = None
        self.search_text = ""
        self._matches: BoolArray | None = None
        # For the current search: matching frames before each position of the stacks.
        self._seen: tuple[str, npt.NDArray[np.int32]] | None = None
        # Flat and cum per frame: on a big profile all frames at once, as the view
        # opens (~0.2 s on 1M samples, then no move waits for them); on a small one,
        # frame by frame as they are selected.
        self._totals: dict[int, tuple[int, int]] = {}
        self._all_totals: tuple[IntArray, IntArray] | None = None
        if stacks.totals is not None:
            self._all_totals = stacks.totals
        elif len(stacks.ids) > BIG_STACKS:
            self._all_totals = function_totals(stacks)
        self._layout_key: tuple[int, int, int] | None = None
        self._rows: list[list[Box]] = []
        self._pos: dict[int, Box] = {}
        self.top = 0  # first tree row on screen (vertical scrolling)
        self.message = ""
        self.width = 80
        self.height = 24

    # -- state ------------------------------------------------------------------------
    @property
    def view(self) -> _View:
        return self.views[-1]

    @property
    def tree(self) -> CallTree:
        return self.view.tree

    def _kind(self, node: int) -> tuple[str, int]:
        t = self.tree
        f = int(t.frame[node])
        if f < 0:
            return "root", 0
        name = self.stacks.names[f]
        shade = zlib.crc32(name.encode("utf-8", "surrogateescape")) % 3
        if self.stacks.diff:
            w = int(t.weight[node])
            r = int(t.total[node]) / w if w else 0.0
            if r > 0.02:
                return ("grow1" if r < 0.34 else "grow2" if r < 0.67 else "grow3"), shade
            if r < -0.02:
                return ("shrink1" if r > -0.34 else "shrink2" if r > -0.67 else "shrink3"), shade
            return "same", shade
        info = self.stacks.frames[f]
        file = self.sources[f][0] if self.sources else info[3]
        return package_kind(info[0], file), shade

    def label(self, node: int) -> tuple[str, str]:
        """A box's short name, and its `value (pct)`."""
        t = self.tree
        v = t.value(node)
        pct = measurement.percentage(v, self.total).strip()
        return cell_text(short_name(t.name(node))), f"{self.format_value(v)} ({pct})"

    # -- layout -----------------------------------------------------------------------
    def layout(self, width: int) -> list[list[Box]]:
        """Every drawable box, by tree depth, for a screen `width` columns wide."""
        key = (id(self.view), self.view.zoom, width)
        if key == self._layout_key:
            return self._rows
        t = self.tree
        zoom = self.view.zoom
        rows: list[list[Box]] = []
        pos: dict[int, Box] = {}
        matches = self._matches

        def add(node: int, x: int, w: int, ancestor: bool) -> None:
            d = int(t.depth[node])
            while len(rows) <= d:
                rows.append([])
            kind, shade = self._kind(node)
            text = fit(*self.label(node), w - 1 if w > 2 else 0)
            m = matches is not None and node > 0 and bool(matches[int(t.frame[node])])
            b = Box(node, x, w, d, text, kind, shade, ancestor, m)
            rows[d].append(b)
            pos[node] = b

        for a in t.path(zoom)[:-1]:
            add(a, 0, width, True)
        level = [(zoom, 0, width)]
        add(zoom, 0, width, False)
        while level:
            nxt: list[tuple[int, int, int]] = []
            for node, x, w in level:
                wt = int(t.weight[node])
                lo, hi = int(t.child_start[node]), int(t.child_start[node + 1])
                if wt <= 0 or lo == hi:
                    continue
                kids = t.order[lo:hi]
                cum = np.cumsum(t.weight[kids])
                if wt * w < (1 << 62):
                    ends = x + (cum * w) // wt
                else:
                    ends = x + np.floor(cum.astype(np.float64) * (w / wt)).astype(np.int64)
                starts = np.empty_like(ends)
                starts[0] = x
                starts[1:] = ends[:-1]
                for i in np.flatnonzero(ends > starts):
                    c, cx, cw = int(kids[i]), int(starts[i]), int(ends[i] - starts[i])
                    add(c, cx, cw, False)
                    nxt.append((c, cx, cw))
            level = nxt
        self._rows, self._pos, self._layout_key = rows, pos, key
        return rows

    def screen(self, width: int, height: int) -> list[list[Box]]:
        """The boxes of each screen row, top to bottom (`height` rows, some empty)."""
        self.width, self.height = width, height
        rows = self.layout(width)
        sel = self._pos.get(self.view.selected)
        d = sel.depth if sel is not None else 0
        # Keep the selected row on screen.
        if d < self.top:
            self.top = d
        elif d >= self.top + height:
            self.top = d - height + 1
        self.top = max(0, min(self.top, max(0, len(rows) - height)))
        shown = rows[self.top : self.top + height]
        shown += [[] for _ in range(height - len(shown))]
        if self.flip:
            shown.reverse()
        return shown

    def box_at(self, x: int, y: int) -> int | None:
        """The node drawn at screen cell (x, y) of the last screen(), if any."""
        row = (self.height - 1 - y if self.flip else y) + self.top
        if row < 0 or row >= len(self._rows):
            return None
        for b in self._rows[row]:
            if b.x <= x < b.x + b.width:
                return b.node
        return None

    # -- keys -------------------------------------------------------------------------
    def select(self, node: int) -> None:
        self.view.selected = node
        self.message = ""

    def move(self, direction: str) -> None:
        """up/down/left/right as drawn: up is the parent in an icicle, a child in a flame."""
        self.layout(self.width)
        t = self.tree
        cur = self.view.selected
        if direction in ("up", "down"):
            towards_root = (direction == "up") != self.flip
            if towards_root:
                p = int(t.parent[cur])
                if p >= 0:
                    self.select(p)
            else:
                for c in t.children(cur):
                    if c in self._pos:
                        self.select(c)
                        break
            return
        b = self._pos.get(cur)
        if b is None:
            return
        ordered = sorted(self._rows[b.depth], key=lambda r: r.x)
        i = ordered.index(b)
        j = i - 1 if direction == "left" else i + 1
        if 0 <= j < len(ordered):
            self.select(ordered[j].node)

    def zoom_in(self, node: int | None = None) -> None:
        v = self.view
        node = v.selected if node is None else node
        if node == v.zoom:
            return
        if v.origin is not None and node < len(v.origin):
            # An ancestor of a view built for a zoom: zoom there in the outer view.
            outer = v.origin[node]
            self.views.pop()
            self._layout_key = None
            self.view.selected = outer
            self.zoom_in(outer)
            return
        t = v.tree
        if t.min_weight > 0 and float(t.weight[node]) < t.min_weight * max(self.width, 1):
            # Boxes a column wide at this zoom were left out: build this part again.
            sub = subtree(t, node, min(self.detail, 0.5 / max(self.width, 1)))
            d = int(t.depth[node])
            self.views.append(_View(sub, d, d, [], t.path(node)[:-1]))
            self._layout_key = None
            return
        v.zooms.append(v.zoom)
        v.zoom = node
        v.selected = node

    def zoom_out(self) -> bool:
        """Back one zoom, or out of a callers view; False when there is nothing to undo."""
        v = self.view
        if v.zooms:
            v.zoom = v.zooms.pop()
            return True
        if len(self.views) > 1:
            self.views.pop()
            self._layout_key = None
            return True
        return False

    def callers(self) -> None:
        """Open the callers view of the selected function (every occurrence merged)."""
        f = int(self.tree.frame[self.view.selected])
        if f < 0:
            self.message = "select a function first"
            return
        if self.tree.kind == "callers" and self.tree.focus == f:
            return
        self.views.append(_View(callers_tree(self.stacks, f, self.detail), 0, 1))
        self._layout_key = None

    def search(self, text: str) -> None:
        """Highlight frames matching a Go regexp (empty: no search)."""
        from pprofsh.filters import go_regexp

        self.search_text = text
        self._layout_key = None
        if not text:
            self.pattern, self._matches = None, None
            return
        self.pattern = go_regexp(text)
        self._matches = matching_frames(self.stacks, self.pattern)

    def search_share(self) -> float:
        """The share of the zoomed box in stacks with a matching frame (exact)."""
        if self._matches is None:
            return 0.0
        v = self.view
        key = (v.zoom, self.search_text)
        got = v.shares.get(key)
        if got is None:
            paths = v.path_matches.get(self.search_text)
            if paths is None and v.tree.paths is not None:
                if self._seen is None or self._seen[0] != self.search_text:
                    seen = matches_before(self.stacks.ids, self._matches)
                    self._seen = (self.search_text, seen)
                paths = v.path_matches[self.search_text] = path_matches(
                    v.tree.paths, self._matches, self._seen[1]
                )
            got = v.shares[key] = match_share(v.tree, self._matches, v.zoom, paths)
        return got

    def next_match(self, step: int) -> None:
        """Select the next (step 1) or previous (-1) matching box in reading order."""
        rows = self.layout(self.width)
        found = [b for row in rows for b in sorted(row, key=lambda r: r.x) if b.match]
        if not found:
            self.message = "no matching box on screen" if self.pattern else "no search"
            return
        cur = self.view.selected
        ids = [b.node for b in found]
        if cur in ids:
            i = (ids.index(cur) + step) % len(ids)
        else:
            i = 0 if step > 0 else len(ids) - 1
        self.select(ids[i])

    def leave(self, what: str) -> str | None:
        """The shell line that `f`, `i`, `h` or `l` leaves with, for the selected function
        (or, at -files granularity, its file: focus and the others match file names too,
        which the profile may hold with a longer prefix, so only the end is anchored)."""
        info = self.tree.info(self.view.selected)
        if info is not None and info[0]:
            rx = "^" + go_quote_meta(info[0]) + "$"
        elif info is not None and info[3] and what != "l":
            rx = go_quote_meta(info[3]) + "$"
        else:
            self.message = "select a function first"
            return None
        return {"f": "focus=", "i": "ignore=", "h": "hide=", "l": "list "}[what] + rx

    def frame_totals(self, f: int) -> tuple[int, int]:
        """Frame f's flat and cum, as `top` counts them."""
        every = self._all_totals
        if every is not None:
            return int(every[0][f]), int(every[1][f])
        got = self._totals.get(f)
        if got is None:
            got = self._totals[f] = frame_totals(self.stacks, f)
        return got

    # -- status -----------------------------------------------------------------------
    def status(self) -> list[str]:
        """Two lines: the selected frame's full name and place; its values."""
        t = self.tree
        n = self.view.selected
        f = int(t.frame[n])
        fv = self.format_value
        if f < 0:
            first = "root"
        else:
            first = t.name(n)
            if self.sources and self.sources[f][0]:
                file, line = self.sources[f]
                first += f"  {file}:{line}" if line else f"  {file}"
        pct = measurement.percentage
        box = f"box {fv(t.value(n))} ({pct(t.value(n), self.total).strip()})"
        box += f", self {fv(t.value(n, True))}"
        parts = [box]
        if f >= 0:
            flat, cum = self.frame_totals(f)
            parts.append(
                f"flat {fv(flat)} ({pct(flat, self.total).strip()})"
                f"  cum {fv(cum)} ({pct(cum, self.total).strip()})"
            )
        if self.stacks.diff:
            d = int(t.total[n])
            parts.append(("delta +" if d > 0 else "delta ") + fv(d))
        if self.pattern is not None:
            parts.append(f"/{self.search_text}: {self.search_share() * 100:.1f}% matches")
        if t.kind == "callers":
            parts.append("callers of " + self.stacks.names[t.focus])
        if self.message:
            parts.append(self.message)
        return [cell_text(first), cell_text("  │  ".join(parts))]
