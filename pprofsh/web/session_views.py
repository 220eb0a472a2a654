"""What pprof's UI lacks, from the session: snapshots, changes, leaks."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pprofsh.errors import CommandError
from pprofsh.options import Config
from pprofsh.web.page import h
from pprofsh.web.views import View

if TYPE_CHECKING:
    from pprofsh.profile.model import Profile
    from pprofsh.session import Session
    from pprofsh.snapshots import Snapshot

_RE2_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def exact_regexp(name: str) -> str:
    """A Go regexp matching exactly name."""
    return "^" + _RE2_META.sub(r"\\\1", name) + "$"


def _total(p: Profile) -> int:
    if not p.sample_types:
        return 0
    idx = len(p.sample_types) - 1
    if p.default_sample_type:
        idx = p.sample_type_index(p.default_sample_type)
    return sum(abs(s.values[idx]) for s in p.samples)


def _when(p: Profile) -> str:
    from pprofsh.report.text import format_time

    return format_time(p.time_nanos) if p.time_nanos else "-"


def snapshots_view(session: Session) -> View:
    items = session.snapshots.items
    current, base = session.current, session.base
    totals = [_total(s.profile) for s in items]
    chart = _chart(items, totals, current, base)
    rows = []
    for s, total in zip(items, totals):
        cls = "current" if s is current else ("base" if s is base else "")
        role = "profile" if s is current else ("base" if s is base else "")
        types = ", ".join(st.type for st in s.profile.sample_types)
        rows.append(
            f'<tr class="{cls}" data-snapshot="{s.number}"><td>#{s.number}</td>'
            f"<td>{h(_when(s.profile))}</td><td>{h(types)}</td>"
            f'<td class="num">{total}</td><td>{h(s.label())}</td><td>{role}</td>'
            f'<td><button class="use-profile" data-snapshot="{s.number}"'
            f"{' disabled' if s is current else ''}>Profile</button> "
            f'<button class="use-base" data-snapshot="{s.number}"'
            f"{' disabled' if s is base or s is current else ''}>Base</button></td></tr>"
        )
    no_base = (
        '<button id="no-base" data-snapshot="off">No base</button>' if base is not None else ""
    )
    body = (
        '<div class="panel"><h2>Snapshots</h2>'
        "<p>Every profile this session loaded or fetched. Pick the profile that the views "
        "show and the base it is compared with (as the shell's <code>load #N</code> and "
        f"<code>base #N</code>). {no_base}</p>{chart}"
        '<table class="plain" id="snapshots"><thead><tr><th>#</th><th>time</th>'
        '<th>sample types</th><th class="num">total</th><th>source</th><th>role</th><th></th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    return View(body, [], {"snapshots": len(items)})


def _chart(
    items: list[Snapshot], totals: list[int], current: Snapshot, base: Snapshot | None
) -> str:
    """Each snapshot's total as a bar, in order: the growth is seen at a glance."""
    if not items:
        return ""
    w, hgt, pad = 640, 120, 18
    top = max(max(totals), 1)
    bw = min(48, (w - 20) / len(items))
    bars = []
    for k, (s, t) in enumerate(zip(items, totals)):
        bh = (hgt - 2 * pad) * t / top
        x = 10 + k * bw
        y = hgt - pad - bh
        cls = "bar current" if s is current else ("bar base" if s is base else "bar")
        bars.append(
            f'<rect class="{cls}" x="{x + 2:.1f}" y="{y:.1f}" width="{bw - 4:.1f}" '
            f'height="{max(bh, 1):.1f}"><title>#{s.number}: {t}</title></rect>'
            f'<text x="{x + bw / 2:.1f}" y="{hgt - 4}" text-anchor="middle">#{s.number}</text>'
            f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{t}</text>'
        )
    return (
        f'<svg id="snapchart" width="{w}" height="{hgt}" viewBox="0 0 {w} {hgt}" '
        f'role="img" aria-label="total per snapshot">{"".join(bars)}</svg>'
    )


def run_as_text(session: Session, cfg: Config, command: str, args: list[str]) -> tuple[str, str]:
    """A command's report text under the page's options, and what it warned; the
    session's own options (the shell's) are left alone."""
    import copy
    import io

    from pprofsh.ui import UI

    out, err = io.StringIO(), io.StringIO()
    view = copy.copy(session)
    view.config = cfg
    view.ui = UI(out, err)
    view.run(command, args, out)
    return out.getvalue(), err.getvalue()


def changes_view(session: Session, cfg: Config) -> View:
    if session.base is None:
        body = (
            '<div class="panel"><h2>Changes</h2><p>There is no base profile: start with '
            '<code>-base</code>, or choose one on the <a href="./snapshots">Snapshots</a> '
            "page.</p></div>"
        )
        return View(body)
    text, warned = run_as_text(session, cfg, "changes", [])
    lines = []
    for ln in text.splitlines():
        cls = ""
        cells = ln.split()
        if len(cells) >= 4 and cells[2][:1] in "+-" and cells[2][1:2].isdigit():
            cls = "grow" if cells[2][0] == "+" else "shrink"
        lines.append(f'<span class="{cls}">{h(ln)}</span>' if cls else h(ln))
    body = (
        '<div class="panel"><h2>Changes</h2><pre class="changes" id="changestext">'
        + "\n".join(lines)
        + "</pre></div>"
    )
    return View(body, [], {}, (), [ln for ln in warned.splitlines() if ln])


def leaks_view(session: Session, cfg: Config) -> View:
    import os

    from pprofsh.leaks.analyze import analyze
    from pprofsh.leaks.render import report_dict

    items = list(session.snapshots.items)
    if session.base is not None and session.base in items:
        # The base is the "before": first among snapshots taken at the same time.
        items.remove(session.base)
        items.insert(0, session.base)
    items.sort(key=lambda s: s.profile.time_nanos)  # oldest first; stable for equal times
    snaps = [
        (s.label(), s.profile)
        for s in items
        if any(st.type in ("goroutine", "goroutineleak") for st in s.profile.sample_types)
    ]
    if not snaps:
        raise CommandError("no goroutine profile among the snapshots: the leak report needs one")
    roots = [r for r in (cfg.source_path or "").split(os.pathsep) if r] or None
    rep = report_dict(analyze(snaps, source_roots=roots))
    sites = rep["sites"]
    reported = [s for s in sites if s["verdict"] in ("leak", "certain", "suspect")]
    counts = " ".join(str(s["total"]) for s in rep["snapshots"])
    parts = [
        '<div class="panel"><h2>Goroutine leaks</h2>',
        f"<p>{len(rep['snapshots'])} snapshots; goroutines per snapshot: {h(counts)}. "
        f"{len(reported)} of {len(sites)} sites reported.</p>",
    ]
    for s in sites:
        parts.append(_site(s))
    parts.append("</div>")
    return View("".join(parts), [], {"sites": len(sites)})


def _site(s: dict[str, Any]) -> str:
    verdict = str(s["verdict"])
    fn = str(s["function"])
    where = f"{s['file']}:{s['line']}" if s["file"] else "?"
    rx = exact_regexp(fn)
    from urllib.parse import quote

    links = (
        f'<div class="links"><a href="./source?f={h(quote(rx))}">Source</a>'
        f'<a href="./flamegraph?f={h(quote(rx))}">Flame graph</a>'
        f'<a href="./peek?f={h(quote(rx))}">Peek</a></div>'
    )
    counts = " → ".join(str(c) for c in s["counts"])
    out = [
        f'<div class="leak verdict-{h(verdict.replace(" ", "-"))}">',
        f'<h3><span class="verdict">{h(verdict)}</span>{h(s["op"])} in {h(fn)}</h3>',
        f'<div class="where">{h(where)}</div>',
        f'<div class="counts">goroutines: {h(counts)} (delta {s["delta"]:+d})</div>',
    ]
    if s.get("hint"):
        out.append(f'<div class="hint">{h(s["hint"])}</div>')
    src = s.get("source") or []
    if src:
        lines = []
        for ln in src:
            text = f"{ln['line']:6d}  {ln['text']}"
            if ln["line"] == s["line"]:
                lines.append(f'<span class="at">{h(text)}</span>')
            else:
                lines.append(h(text))
        out.append("<pre>" + "\n".join(lines) + "</pre>")
    if s.get("stack") and verdict in ("leak", "certain", "suspect"):
        st = "\n".join(
            f"{f['function']}\n    {f['file']}:{f['line']}" if f["file"] else f["function"]
            for f in s["stack"]
        )
        out.append(f"<details><summary>stack</summary><pre>{h(st)}</pre></details>")
    out.append(links)
    out.append("</div>")
    return "".join(out)
