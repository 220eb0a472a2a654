"""Text and JSON output of a LeakReport."""

from __future__ import annotations

import json
from typing import Any

from pprofsh.leaks.analyze import LeakReport, Site


def _rate(s: Site) -> str:
    return "-" if s.rate_per_min is None else f"{s.rate_per_min:+.1f}/min"


def _counts(s: Site) -> str:
    return " ".join(str(c) for c in s.counts)


def _wait(s: Site) -> str:
    known = [w for w in s.wait_minutes if w is not None]
    return f"{max(known)}m" if known else ""


def render_text(report: LeakReport, verbose: bool = False) -> str:
    n = len(report.snapshots)
    shown = report.sites if verbose else report.leaks
    out: list[str] = []
    names = ", ".join(s.name for s in report.snapshots)
    out.append(f"Goroutine leak report: {n} snapshot{'s' if n != 1 else ''} ({names})")
    totals = " ".join(str(s.total) for s in report.snapshots)
    out.append(f"Goroutines per snapshot: {totals}")
    if shown:
        rows = [("verdict", "op", "counts", "delta", "rate", "wait", "site")]
        for s in shown:
            rows.append(
                (
                    s.verdict,
                    s.op,
                    _counts(s),
                    f"{s.delta:+d}",
                    _rate(s),
                    _wait(s),
                    f"{s.function} {s.where()}",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        out.append("")
        for r in rows:
            out.append("  ".join(r[i].ljust(widths[i]) for i in range(6)) + "  " + r[6])
            if r is rows[0]:
                continue
        hinted = [s for s in shown if s.hint]
        if hinted:
            out.append("")
            for s in hinted:
                out.append(f"hint for {s.function} {s.where()}: {s.hint}")
        if verbose:
            judged = [s for s in shown if s.reason and not s.reported]
            if judged:
                out.append("")
                for s in judged:
                    out.append(f"{s.verdict} {s.function} {s.where()}: {s.reason}")
    for s in report.leaks:
        out.append("")
        out.append(f"--- {s.verdict}: {s.op} at {s.function} {s.where()} (counts {_counts(s)})")
        if s.reason:
            out.append(f"why: {s.reason}")
        if s.next_step:
            out.append(f"next: {s.next_step}")
        if s.creator:
            out.append(f"created by {s.creator} {s.creator_where}".rstrip())
        out.append("shortest stack:")
        for f in s.stack:
            out.append(f"  {f.function}")
            if f.file:
                out.append(f"      {f.where()}")
        if s.source:
            out.append("source:")
            for ln, text in s.source:
                mark = ">" if ln == s.line else " "
                out.append(f" {mark}{ln:6d}: {text.expandtabs(4)}")
    out.append("")
    nl = sum(1 for s in report.sites if s.verdict in ("leak", "certain"))
    ns = sum(1 for s in report.sites if s.verdict == "suspect")
    parts = [f"{nl} leak{'s' if nl != 1 else ''}"]
    if n == 1 or ns:
        parts.append(f"{ns} suspect{'s' if ns != 1 else ''}")
    out.append(f"{', '.join(parts)} among {len(report.sites)} sites examined")
    if n == 1:
        out.append(
            f"(one snapshot: sites with at least {report.threshold} goroutines blocked on "
            "channel or sync operations are suspects; give more snapshots to see growth)"
        )
    return "\n".join(out) + "\n"


def report_dict(report: LeakReport) -> dict[str, Any]:
    return {
        "snapshots": [
            {"name": s.name, "time_nanos": s.time_nanos, "total": s.total, "kind": s.kind}
            for s in report.snapshots
        ],
        "threshold": report.threshold,
        "sites": [
            {
                "verdict": s.verdict,
                "op": s.op,
                "function": s.function,
                "file": s.file,
                "line": s.line,
                "creator": s.creator,
                "creator_location": s.creator_where,
                "counts": s.counts,
                "delta": s.delta,
                "rate_per_min": s.rate_per_min,
                "wait_minutes": s.wait_minutes,
                "hint": s.hint,
                "stack": [
                    {"function": f.function, "file": f.file, "line": f.line} for f in s.stack
                ],
                "source": [{"line": n, "text": t} for n, t in s.source],
                "shape": s.shape,
                "reason": s.reason,
                "next": s.next_step,
                "work_loop": s.work_loop,
            }
            for s in report.sites
        ],
        "summary": {
            "sites": len(report.sites),
            "leaks": sum(1 for s in report.sites if s.verdict in ("leak", "certain")),
            "suspects": sum(1 for s in report.sites if s.verdict == "suspect"),
            "max_growth": report.max_growth(),
        },
    }


def render_json(report: LeakReport) -> str:
    return json.dumps(report_dict(report), indent=2) + "\n"
