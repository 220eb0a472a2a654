"""The HTML around every view: menus, search box, legend, and the page's data.

Every profile string (function, file, label names are untrusted) goes through
`h` for text and attributes, or `script_json` for the data block, which the
page's script reads with JSON.parse and never evaluates. Scripts and styles come
from /ui/static only, so the Content-Security-Policy forbids inline script.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from pprofsh.web.urlconfig import MenuEntry, encode_query


def h(s: object) -> str:
    return html.escape(str(s), quote=True)


def script_json(data: object) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive,
    so no profile string can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# (route, label, element id, help) in the View menu, pprof's names first.
VIEWS = (
    ("top", "Top", "topbtn", "Outputs top entries in text form"),
    ("", "Graph", "graphbtn", "Display profile as a directed graph"),
    ("flamegraph", "Flame Graph", "flamegraph", "Display profile as a flame graph"),
    ("peek", "Peek", "peek", "Output callers/callees of functions matching regexp"),
    ("source", "Source", "list", "Output annotated source for functions matching regexp"),
)
SESSION_VIEWS = (
    (
        "snapshots",
        "Snapshots",
        "snapshotsbtn",
        "Every profile of this session; pick base and profile",
    ),
    ("changes", "Changes", "changesbtn", "What grew and shrank against the base"),
    ("leaks", "Leaks", "leaksbtn", "Goroutine leak sites across the snapshots"),
)

REFINE = (
    ("focus", "f", "Focus", "Restricts to samples going through a node matching regexp"),
    ("ignore", "i", "Ignore", "Skips paths going through any nodes matching regexp"),
    ("hide", "h", "Hide", "Skips nodes matching regexp"),
    ("show", "s", "Show", "Only show nodes matching regexp"),
    ("show-from", "sf", "Show from", "Drops functions above the highest matched frame"),
)


@dataclass
class Page:
    view: str  # route name without the leading slash ("" is the graph)
    title: str
    body: str  # HTML, already escaped
    query: dict[str, str]
    legend: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sample_types: list[str] = field(default_factory=list)
    configs: list[MenuEntry] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)
    token: str = ""
    scripts: tuple[str, ...] = ()


def _link(route: str, query: dict[str, str]) -> str:
    enc = encode_query(query)
    return "./" + route + ("?" + enc if enc else "")


def render(p: Page) -> str:
    q = p.query
    keep = {k: v for k, v in q.items() if k not in ("config",)}
    out = [
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">',
        f"<title>{h(p.title)}</title>",
        '<link rel="stylesheet" href="./static/ui.css">',
        '<link rel="stylesheet" href="./static/source.css">',
        '<script src="./static/ui.js" defer></script>',
    ]
    out += [f'<script src="./static/{h(s)}" defer></script>' for s in p.scripts]
    out.append(f'</head><body data-view="{h(p.view or "graph")}">')
    out.append('<div class="header">')
    out.append('<h1><a href="./">pprofsh</a></h1>')
    # View
    out.append('<div id="view" class="menu-item"><div class="menu-name">View ▾</div>')
    out.append('<div class="submenu">')
    for route, label, eid, hlp in VIEWS:
        cls = ' class="current"' if route == p.view else ""
        out.append(
            f'<a title="{h(hlp)}" href="{h(_link(route, keep))}" id="{eid}"{cls}>{h(label)}</a>'
        )
    out.append("<hr>")
    for route, label, eid, hlp in SESSION_VIEWS:
        cls = ' class="current"' if route == p.view else ""
        out.append(
            f'<a title="{h(hlp)}" href="{h(_link(route, keep))}" id="{eid}"{cls}>{h(label)}</a>'
        )
    out.append("</div></div>")
    # Sample
    if len(p.sample_types) > 1:
        out.append('<div id="sample" class="menu-item"><div class="menu-name">Sample ▾</div>')
        out.append('<div class="submenu">')
        current = q.get("si", "")
        for st in p.sample_types:
            sq = dict(keep)
            sq["si"] = st
            cls = ' class="current"' if st == current else ""
            out.append(f'<a href="{h(_link(p.view, sq))}" id="si-{h(st)}"{cls}>{h(st)}</a>')
        out.append("</div></div>")
    # Refine
    out.append('<div id="refine" class="menu-item"><div class="menu-name">Refine ▾</div>')
    out.append('<div class="submenu">')
    for eid, param, label, hlp in REFINE:
        out.append(f'<a title="{h(hlp)}" href="#" id="{eid}" data-param="{param}">{h(label)}</a>')
    out.append("<hr>")
    reset = {k: v for k, v in keep.items() if k == "si"}
    out.append(
        f'<a title="Show the entire profile" href="{h(_link(p.view, reset))}" id="reset">Reset</a>'
    )
    out.append("</div></div>")
    # Config
    out.append('<div id="config" class="menu-item"><div class="menu-name">Config ▾</div>')
    out.append('<div class="submenu">')
    out.append('<a title="Save current settings" href="#" id="save-config">Save as ...</a><hr>')
    for e in p.configs:
        mark = '<span class="menu-check-mark">✓</span>' if e.current else ""
        delete = (
            f'<span class="menu-delete-btn" data-config="{h(e.name)}" title="Delete">✕</span>'
            if e.user
            else ""
        )
        out.append(
            f'<a class="config-entry" href="{h(e.url)}">{mark}'
            f'<span class="config-name">{h(e.name)}</span>{delete}</a>'
        )
    out.append("</div></div>")
    out.append(
        '<div id="download" class="menu-item"><div class="menu-name">'
        '<a href="./download">Download</a></div></div>'
    )
    out.append(
        '<div id="searchbox"><input id="search" type="text" placeholder="Search regexp" '
        f'autocomplete="off" autocapitalize="none" size="40" value="{h(q.get("f", ""))}"></div>'
    )
    out.append(
        f'<div class="description"><a title="Show information about the profile and this view"'
        f' href="#" id="details">{h(p.title)}</a><div id="detailsbox">'
    )
    out += [f"<div>{h(x)}</div>" for x in p.legend]
    out.append("</div></div></div>")
    out.append(
        '<div id="dialog-overlay"></div><div class="dialog" id="save-dialog">'
        '<div class="dialog-header">Save options as</div>'
        '<input id="save-name" type="text" placeholder="New config">'
        '<div class="dialog-footer"><span class="dialog-error" id="save-error"></span>'
        '<button id="save-cancel">Cancel</button><button id="save-confirm">Save</button>'
        "</div></div>"
        '<div class="dialog" id="delete-dialog"><div class="dialog-header">Delete config</div>'
        '<div id="delete-prompt"></div>'
        '<div class="dialog-footer"><span class="dialog-error" id="delete-error"></span>'
        '<button id="delete-cancel">Cancel</button><button id="delete-confirm">Delete</button>'
        "</div></div>"
    )
    out.append('<div id="errors">' + "".join(f"<div>{h(e)}</div>" for e in p.errors) + "</div>")
    out.append(f'<div id="content" class="view-{h(p.view or "graph")}">{p.body}</div>')
    data = dict(p.data)
    data["token"] = p.token
    data["view"] = p.view
    out.append(f'<script type="application/json" id="pprofsh-data">{script_json(data)}</script>')
    out.append("</body></html>\n")
    return "\n".join(out)
