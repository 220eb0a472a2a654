"""The `changes` report: what grew and what shrank between a base and a new profile.

pprofsh's own report (pprof has none): per function (cum values) or, with
traces=True, per stack, the base value, the new value, the delta and the
percent change, sorted by |delta|; entries absent from the base are `new`,
absent now are `gone`. Identical stacks always net out, even under -diff_base.
"""

from __future__ import annotations

from typing import IO

from pprofsh import measurement
from pprofsh.graph import _InfoMaker, printable_name
from pprofsh.profile.model import Profile
from pprofsh.report import Report
from pprofsh.report.text import format_time


def _is_library(name: str) -> bool:
    """Runtime and standard-library functions rank after user code among equal deltas."""
    pkg = name.split(".", 1)[0]
    return name.startswith("runtime.") or (
        "/" not in pkg and "." not in pkg.split("/")[0] and pkg != "main"
    )


def changes_values(rpt: Report, traces: bool) -> dict[tuple[str, ...], int]:
    """Per function (its cum value) or, with traces, per stack (its value)."""
    if traces:
        maker = _InfoMaker(rpt.graph_options())
        out: dict[tuple[str, ...], int] = {}
        for s in rpt.samples:
            key = tuple(printable_name(i) for loc in s.locations for i in maker.infos(loc))
            if key:
                out[key] = out.get(key, 0) + rpt.options.sample_value(s.values)
        return out
    g = rpt.new_graph(edges=False)  # only node sums are printed
    return {(n.name,): n.cum for n in g.nodes}


def _label(sources: list[str], p: Profile) -> str:
    when = f" ({format_time(p.time_nanos)})" if p.time_nanos else ""
    return ", ".join(sources) + when


def print_changes(
    new_rpt: Report,
    base_rpt: Report,
    new_names: list[str],
    base_names: list[str],
    traces: bool,
    nodecount: int,
    out: IO[str],
) -> None:
    """The changes report from a Report on the new profile and one on the base."""
    cur = changes_values(new_rpt, traces)
    old = changes_values(base_rpt, traces)
    new, base = new_rpt.prof, base_rpt.prof
    rpt = new_rpt
    unit = rpt.options.sample_unit
    out_unit = rpt.options.output_unit
    if out_unit == "minimum":
        out_unit = "auto"

    def fmt(v: int) -> str:
        return measurement.scaled_label(v, unit, out_unit)

    rows = []
    for key in set(cur) | set(old):
        a, b = old.get(key, 0), cur.get(key, 0)
        if a == b:
            continue
        rows.append((key, a, b, b - a))
    rows.sort(key=lambda r: (-abs(r[3]), _is_library(r[0][0]), r[0]))
    total = len(rows)
    if nodecount > 0:
        rows = rows[:nodecount]
    kind = "stacks" if traces else "functions"
    lines = [
        f"Base: {_label(base_names, base)}",
        f"New:  {_label(new_names, new)}",
        f"Type: {rpt.options.sample_type}",
    ]
    if rpt.options.active_filters:
        lines.append("Active filters:")
        lines.extend("   " + f for f in rpt.options.active_filters)
    lines.append(
        f"Showing {len(rows)} of {total} {kind} that changed, sorted by |delta|"
        + ("" if traces else " of cum")
    )
    lines.append(
        f"{'base':>10s} {'new':>10s} {'delta':>10s} {'change':>8s}  "
        + ("stack" if traces else "function")
    )
    for key, a, b, d in rows:
        if a == 0:
            change = "new"
        elif b == 0:
            change = "gone"
        else:
            change = f"{(b - a) * 100 / abs(a):+.0f}%"
        sign = "+" if d > 0 else "-"
        delta = sign + fmt(abs(d))
        if traces:
            lines.append(f"{fmt(a):>10s} {fmt(b):>10s} {delta:>10s} {change:>8s}  {key[0]}")
            lines.extend(f"{'':>43s}{name}" for name in key[1:])
            lines.append("-" * 11)
        else:
            lines.append(f"{fmt(a):>10s} {fmt(b):>10s} {delta:>10s} {change:>8s}  {key[0]}")
    out.write("\n".join(lines) + "\n")
