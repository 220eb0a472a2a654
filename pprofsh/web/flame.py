"""The flame graph page's data: the call tree of the report, pruned to what can be seen.

The tree comes from pprofsh.report.calltree (the same tree as the terminal flame
view). A profile of a million samples has far more boxes than pixels, so the
page gets only boxes at least PRUNE of the shown root's width; a box whose
children were left out says so, and zooming into it asks the server for its
subtree (`flamegraph?...&node=ID&json=1`), pruned relative to the new root. The
callers view (speedscope's sandwich) merges every occurrence of one function.
"""

from __future__ import annotations

from typing import Any

from pprofsh.driver import make_report
from pprofsh.errors import CommandError
from pprofsh.options import Config
from pprofsh.profile.model import Profile
from pprofsh.report import Report, ViewCache
from pprofsh.report.calltree import (
    CallTree,
    build_tree,
    callees_tree,
    callers_tree,
    report_stacks,
    subtree,
)
from pprofsh.web.views import View, Warn, legend_of

PRUNE = 0.0005  # a box narrower than 1/2000 of the view is less than a pixel wide
MAX_BOXES = 30000  # a last bound on the page, whatever the tree's shape


def flame_report(p: Profile, cfg: Config, warn: Warn, cache: ViewCache) -> Report:
    cfg = cfg.copy()
    cfg.trim = False  # as pprof's flame graph: every function, no node count
    return make_report(p, "top", "text", None, cfg, warn, cache)


def _tree(rpt: Report, diff: bool | None) -> CallTree:
    stacks = report_stacks(rpt, diff)
    key = ("flametree", id(stacks))
    # Built pruned: boxes under PRUNE of the root are never made (their values stay
    # in their parents); a zoom builds the subtree it needs from the same paths.
    tree: CallTree = rpt.cache.get(
        key, lambda _w: build_tree(stacks, PRUNE), lambda _m: None, stacks
    )
    return tree


def find_box(tree: CallTree, frames: list[int]) -> tuple[CallTree, int]:
    """The box reached from the root by these frame ids (what the page asks to zoom
    into), rebuilding subtrees on the way where the pruned tree stops short."""
    node = 0
    i = 0
    rebuilt = False
    while i < len(frames):
        for c in tree.children(node):
            if int(tree.frame[c]) == frames[i]:
                node, i, rebuilt = c, i + 1, False
                break
        else:
            if rebuilt:
                raise CommandError("no such box in this view")
            depth = len(tree.path(node)) - 1
            tree = subtree(tree, node, PRUNE)
            node, rebuilt = depth, True
    return tree, node


def encode(rpt: Report, tree: CallTree, start: int = 0, fraction: float = PRUNE) -> dict[str, Any]:
    """Node `start` and its descendants at least `fraction` of its weight, breadth first,
    as parallel arrays: fid (the frame id, from which the page names a box to zoom
    into), parent (index in these arrays), frame (index into names), total, self,
    weight, and whether some children were left out."""
    weight = tree.weight
    cutoff = abs(int(weight[start])) * fraction
    ids = [start]
    parents = [-1]
    i = 0
    while i < len(ids) and len(ids) < MAX_BOXES:
        n = ids[i]
        lo, hi = int(tree.child_start[n]), int(tree.child_start[n + 1])
        for c in tree.order[lo:hi]:
            if weight[c] < cutoff or weight[c] == 0:
                break  # children come heaviest first
            ids.append(int(c))
            parents.append(i)
            if len(ids) >= MAX_BOXES:
                break
        i += 1
    kept_children_weight = [0] * len(ids)
    for k in range(1, len(ids)):
        kept_children_weight[parents[k]] += int(weight[ids[k]])
    frames: dict[int, int] = {}
    names: list[str] = []
    frame_col = []
    for n in ids:
        f = int(tree.frame[n])
        if f < 0:
            frame_col.append(-1)
            continue
        got = frames.get(f)
        if got is None:
            got = frames[f] = len(names)
            names.append(tree.stacks.names[f])
        frame_col.append(got)
    fv = rpt.format_value
    totals = [tree.value(n) for n in ids]
    selfs = [tree.value(n, self_only=True) for n in ids]
    more = [
        1 if int(weight[n]) - int(tree.self_weight[n]) > kept_children_weight[k] else 0
        for k, n in enumerate(ids)
    ]
    return {
        "names": names,
        "fid": [int(tree.frame[n]) for n in ids],
        "parent": parents,
        "frame": frame_col,
        "total": totals,
        "self": selfs,
        "weight": [int(weight[n]) for n in ids],
        "totalText": [fv(v) for v in totals],
        "weightText": [fv(int(weight[n])) for n in ids] if tree.diff else [],
        "selfText": [fv(v) for v in selfs],
        "more": more,
        "path": [tree.name(n) for n in tree.path(start)[1:-1]] if start else [],
    }


def flame_data(rpt: Report, tree: CallTree) -> dict[str, Any]:
    data = encode(rpt, tree)
    data["diff"] = bool(tree.diff)
    data["grandTotal"] = rpt.total
    data["grandTotalText"] = rpt.format_value(rpt.total)
    data["kind"] = tree.kind
    return data


def flame_view(
    p: Profile,
    cfg: Config,
    query: dict[str, str],
    warn: Warn,
    cache: ViewCache,
    diff: bool | None = None,
) -> View:
    """diff: the session compares against a base (None: see whether the profile says so)."""
    rpt = flame_report(p, cfg, warn, cache)
    tree = _tree(rpt, diff)
    body = (
        '<div id="flame-toolbar"><div id="breadcrumbs"></div>'
        '<div id="flame-buttons"><button id="flame-callers" disabled '
        'title="Who calls the selected function, all call sites merged">Callers</button>'
        '<button id="flame-flip" title="Flame (root at the bottom) or icicle (root on top)">'
        "Flame</button></div></div>"
        '<div id="flame-details">&nbsp;</div>'
        '<div id="flame-legend"></div>'
        '<div id="flame" class="flame-chart"></div>'
        '<div id="sandwich" hidden><div class="sandwich-title" id="sandwich-title"></div>'
        '<div id="flame-callers-chart" class="flame-chart"></div>'
        '<div class="sandwich-title">Called from here</div>'
        '<div id="flame-callees-chart" class="flame-chart"></div></div>'
    )
    return View(body, legend_of(rpt), {"flame": flame_data(rpt, tree)}, ("flame.js",))


def flame_json(
    p: Profile,
    cfg: Config,
    query: dict[str, str],
    warn: Warn,
    cache: ViewCache,
    diff: bool | None = None,
) -> dict[str, Any]:
    """A subtree (node=ID) or the callers/callees of one function (callers=NAME)."""
    rpt = flame_report(p, cfg, warn, cache)
    tree = _tree(rpt, diff)
    if "callers" in query:
        name = query["callers"]
        stacks = tree.stacks
        try:
            frame = stacks.names.index(name)
        except ValueError:
            raise CommandError(f"no function {name} in this view") from None
        up = callers_tree(stacks, frame, PRUNE)
        down = callees_tree(stacks, frame)
        return {
            "callers": flame_data(rpt, up),
            "callees": flame_data(rpt, down),
            "name": name,
        }
    raw = query.get("path", "")
    try:
        frames = [int(x) for x in raw.split(".")] if raw else []
    except ValueError:
        raise CommandError(f"bad path {raw}") from None
    if any(f < 0 or f >= len(tree.stacks.frames) for f in frames):
        raise CommandError(f"bad path {raw}")
    sub, node = find_box(tree, frames)
    if node != 0:
        depth = len(sub.path(node)) - 1  # where subtree puts the box itself
        sub = subtree(sub, node, PRUNE)
        node = depth
    data = encode(rpt, sub, node)
    data["diff"] = bool(tree.diff)
    return data
