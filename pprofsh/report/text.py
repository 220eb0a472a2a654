"""Text reports: top/text, traces, tree/peek, tags, comments, raw."""

from __future__ import annotations

import time
from collections.abc import Iterator
from copy import copy
from typing import TextIO

from pprofsh import measurement
from pprofsh.errors import CommandError
from pprofsh.go import go_base, go_int64, wrap_int64
from pprofsh.graph import (
    Graph,
    GraphOptions,
    Tag,
    _InfoMaker,
    abs64,
    printable_name,
    sort_edges,
    sort_tags,
)
from pprofsh.profile.dump import profile_string
from pprofsh.profile.model import Profile
from pprofsh.report import Report

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_time(nanos: int) -> str:
    """Go's time layout "Jan 2, 2006 at 3:04pm (MST)" in the local zone."""
    t = time.localtime(nanos // 1_000_000_000)
    hour = t.tm_hour % 12 or 12
    ampm = "pm" if t.tm_hour >= 12 else "am"
    return (
        f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday}, {t.tm_year} at {hour}:{t.tm_min:02d}{ampm} "
        f"({t.tm_zone})"
    )


def profile_labels(rpt: Report) -> list[str]:
    """The File/Build ID/comments/Type/Time/Duration header lines."""
    p, o = rpt.prof, rpt.options
    out = []
    if p.mappings:
        if p.mappings[0].file:
            out.append("File: " + go_base(p.mappings[0].file))
        if p.mappings[0].build_id:
            out.append("Build ID: " + p.mappings[0].build_id)
    out.extend(c for c in p.comments if not c.startswith("#"))
    if o.sample_type:
        out.append("Type: " + o.sample_type)
    if p.time_nanos:
        out.append("Time: " + format_time(p.time_nanos))
    if p.duration_nanos:
        duration = measurement.label(p.duration_nanos, "nanoseconds")
        total_nanos, total_unit = measurement.scale(rpt.total, o.sample_unit, "nanoseconds")
        ratio = ""
        if total_unit == "ns" and total_nanos != 0:
            ratio = "(" + measurement.percentage(int(total_nanos), p.duration_nanos) + ")"
        out.append(f"Duration: {duration}, Total samples = {rpt.format_value(rpt.total)} {ratio}")
    return out


def report_labels(
    rpt: Report,
    g: Graph,
    orig_count: int,
    dropped_nodes: int,
    dropped_edges: int,
    full_headers: bool,
) -> list[str]:
    o = rpt.options
    out: list[str] = []
    if o.profile_labels:
        out.extend(o.profile_labels)
    elif full_headers or not o.compact_labels:
        out.extend(profile_labels(rpt))
    flat_sum = wrap_int64(sum(n.flat_value() for n in g.nodes))  # Go sums int64s
    if o.active_filters:
        out.append("Active filters:")
        for f in o.active_filters:
            out.append("   " + (f[:80] + "…" if len(f.encode()) > 80 else f))
    out.append(
        f"Showing nodes accounting for {rpt.format_value(flat_sum)}, "
        f"{measurement.percentage(flat_sum, rpt.total).strip()} of "
        f"{rpt.format_value(rpt.total)} total"
    )
    if rpt.total != 0:
        if dropped_nodes > 0:
            out.append(
                _dropped(
                    dropped_nodes,
                    "node",
                    "cum",
                    rpt.format_value(abs64(go_int64(rpt.total * o.node_fraction))),
                )
            )
        if dropped_edges > 0:
            out.append(
                _dropped(
                    dropped_edges,
                    "edge",
                    "freq",
                    rpt.format_value(abs64(go_int64(rpt.total * o.edge_fraction))),
                )
            )
        if 0 < len(g.nodes) < orig_count:
            out.append(f"Showing top {len(g.nodes)} nodes out of {orig_count}")
    if full_headers:
        out.append("\nSee https://git.io/JfYMW for how to read the graph")
    return out


def _dropped(d: int, n: str, what: str, value: str) -> str:
    return f"Dropped {d} {n + 's' if d > 1 else n} ({what} <= {value})"


def text_items(rpt: Report) -> tuple[list[tuple[str, str, int, int]], list[str]]:
    g, orig, dropped, _ = rpt.trimmed_graph()
    rpt.select_output_unit(g)
    labels = report_labels(rpt, g, orig, dropped, 0, False)
    items = []
    for n in g.nodes:
        inline = noinline = False
        for e in n.in_.values():
            if e.inline:
                inline = True
            else:
                noinline = True
        inl = ""
        if inline:
            inl = " (partial-inline)" if noinline else " (inline)"
        items.append((n.name, inl, n.flat_value(), n.cum_value()))
    return items, labels


def print_text(rpt: Report) -> str:
    items, labels = text_items(rpt)
    pct = measurement.percentage
    total = rpt.total
    fv = rpt.format_value
    out = ["\n".join(labels), f"{'flat':>10s} {'flat':>5s}% {'sum':>5s}% {'cum':>10s} {'cum':>5s}%"]
    flat_sum = 0
    for name, inl, flat, cum in items:
        flat_sum = wrap_int64(flat_sum + flat)
        out.append(
            f"{fv(flat):>10s} {pct(flat, total)} {pct(flat_sum, total)} "
            f"{fv(cum):>10s} {pct(cum, total)}  {name}{inl}"
        )
    return "\n".join(out) + "\n"


def print_traces(rpt: Report, out: TextIO) -> None:
    """pprof's traces, written as it is made (the text of a big profile runs to hundreds
    of MB and is never held whole)."""
    for chunk in _traces_chunks(rpt):
        out.write(chunk)


def _traces_chunks(rpt: Report) -> Iterator[str]:

    o = rpt.options
    sep = "-----------+-------------------------------------------------------\n"
    maker = _InfoMaker(
        GraphOptions(sample_value=o.sample_value, granularity=o.granularity, noinlines=o.noinlines)
    )
    names: dict[int, list[str]] = {}
    # Per stack: (first frame, the other frames' lines); per label dict: its lines.
    stacks: dict[int, tuple[str, str] | None] = {}
    label_text: dict[tuple[int, int], str] = {}
    values: dict[int, str] = {}
    div = o.sample_mean_divisor
    indent = " " * 13
    out = ["\n".join(profile_labels(rpt)) + "\n"]
    for s in rpt.samples:
        st = s.locations
        if id(st) not in stacks:
            frames: list[str] = []
            for loc in st:
                lines = names.get(id(loc))
                if lines is None:
                    infos = maker.infos(loc)
                    last = len(infos) - 1
                    lines = [
                        printable_name(info) + (" (inline)" if i != last else "")
                        for i, info in enumerate(infos)
                    ]
                    names[id(loc)] = lines
                frames.extend(lines)
            stacks[id(st)] = (
                (frames[0], "".join(indent + f + "\n" for f in frames[1:])) if frames else None
            )
        got = stacks[id(st)]
        if got is None:
            continue
        out.append(sep)
        if s.labels or s.num_labels:
            lk = (id(s.labels), id(s.num_labels))
            text = label_text.get(lk)
            if text is None:
                rows = []
                if s.labels:
                    rows.extend(sorted(f"{k:>10s}:  {' '.join(v)}\n" for k, v in s.labels.items()))
                if s.num_labels:
                    rows.extend(
                        sorted(
                            f"{k:>10s}:  "
                            + " ".join(
                                measurement.label(v, o.num_label_units.get(k, "")) for v in vals
                            )
                            + "\n"
                            for k, vals in s.num_labels.items()
                        )
                    )
                text = label_text[lk] = "".join(rows)
            out.append(text)
        v = o.sample_value(s.values)
        d = div(s.values) if div else 0
        if d != 0:
            q = abs(v) // abs(d)
            v = q if (v >= 0) == (d >= 0) else -q
        first = values.get(v)
        if first is None:
            first = values[v] = f"{rpt.format_value(v):>10s}   "
        out.append(first + got[0] + "\n" + got[1])
        if len(out) > 4096:
            yield "".join(out)
            out = []
    out.append(sep)
    yield "".join(out)


def print_tree(rpt: Report) -> str:
    sep = "----------------------------------------------------------+-------------"
    legend = "      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 "
    g, orig, dropped, _ = rpt.trimmed_graph()
    rpt.select_output_unit(g)
    fv = rpt.format_value
    pct = measurement.percentage
    out = ["\n".join(report_labels(rpt, g, orig, dropped, 0, False)), sep, legend]
    rx = rpt.options.symbol
    matched = 0
    flat_sum = 0
    for n in g.nodes:
        name, flat, cum = n.name, n.flat_value(), n.cum_value()
        if rx is not None and not rx.search(name):
            continue
        matched += 1
        out.append(sep)
        for e in sort_edges(n.in_.values()):
            inl = " (inline)" if e.inline else ""
            out.append(f"{fv(e.weight):>50s} {pct(e.weight, cum)} |   {e.src.name}{inl}")
        flat_sum = wrap_int64(flat_sum + flat)
        out.append(
            f"{fv(flat):>10s} {pct(flat, rpt.total)} {pct(flat_sum, rpt.total)} "
            f"{fv(cum):>10s} {pct(cum, rpt.total)}                | {name}"
        )
        for e in sort_edges(n.out.values()):
            inl = " (inline)" if e.inline else ""
            out.append(f"{fv(e.weight):>50s} {pct(e.weight, cum)} |   {e.dest.name}{inl}")
    if g.nodes:
        out.append(sep)
    if rx is not None and matched == 0:
        # pprof buffers the report and prints only the error.
        raise CommandError(f"no matches found for regexp: {rpt.options.symbol_text}")
    text = "\n".join(out) + "\n"
    return text


def print_tags(rpt: Report) -> str:
    o = rpt.options
    tag_map: dict[str, dict[str, int]] = {}
    for s in rpt.samples:
        v = o.sample_value(s.values)
        for key, vals in (s.labels or {}).items():
            m = tag_map.setdefault(key, {})
            for val in vals:
                m[val] = wrap_int64(m.get(val, 0) + v)  # Go sums int64s
        for key, nvals in (s.num_labels or {}).items():
            unit = o.num_label_units.get(key, "")
            m = tag_map.setdefault(key, {})
            for nv in nvals:
                val = measurement.scaled_label(nv, unit, o.output_unit)
                m[val] = wrap_int64(m.get(val, 0) + v)
    rows: list[list[str]] = []
    for key_tag in sort_tags([Tag(k) for k in tag_map], True):
        key = key_tag.name
        tags = [Tag(t, flat=c) for t, c in tag_map[key].items()]
        total = wrap_int64(sum(c for c in tag_map[key].values()))
        f, u = measurement.scale(total, o.sample_unit, o.output_unit)
        rows.append([f"{key}:", f" Total {f:.1f}{u}"])
        for t in sort_tags(tags, True):
            f, u = measurement.scale(t.flat_value(), o.sample_unit, o.output_unit)
            if total > 0:
                rows.append(
                    [
                        " ",
                        f"{f:.1f}{u} ({measurement.percentage(t.flat_value(), total)}):",
                        f" {t.name}",
                    ]
                )
            else:
                rows.append([" ", f"{f:.1f}{u}:", f" {t.name}"])
        rows.append([])
    return tabwrite_right(rows)


def tabwrite_right(rows: list[list[str]]) -> str:
    """text/tabwriter with AlignRight, padding 1, tab-terminated cells.

    Cells of a column block (consecutive lines that have that column) are right
    aligned to the widest; the last cell of a line is not a column and is
    printed as is.
    """
    n = len(rows)
    widths: list[list[int]] = [[0] * max(len(r) - 1, 0) for r in rows]
    # Column blocks: for column c, runs of consecutive rows having a cell c that is
    # terminated (i.e. c < len(row) - 1).
    max_cols = max((len(r) for r in rows), default=0)
    for c in range(max_cols):
        i = 0
        while i < n:
            if c < len(rows[i]) - 1:
                j = i
                w = 0
                while j < n and c < len(rows[j]) - 1:
                    w = max(w, len(rows[j][c]) + 1)
                    j += 1
                for k in range(i, j):
                    widths[k][c] = w
                i = j
            else:
                i += 1
    out = []
    for r, ws in zip(rows, widths):
        line = "".join(cell.rjust(w) for cell, w in zip(r, ws))
        if r:
            line += r[-1]
        out.append(line)
    return "\n".join(out) + ("\n" if rows else "")


def print_comments(rpt: Report) -> str:
    return "".join(c + "\n" for c in rpt.prof.comments)


def print_raw(rpt: Report) -> str:
    """pprof's raw report: the profile's text dump, of the filtered samples."""
    return profile_string(_raw_profile(rpt))


def _raw_profile(rpt: Report) -> Profile:
    """The profile as pprof's raw report sees it: filtered samples, same tables."""
    p = copy(rpt.prof)
    p.samples = rpt.samples
    # Locations made for -tagroot/-tagleaf are not in the loaded profile's table.
    known = {id(loc) for loc in p.locations}
    extra = {id(loc): loc for s in p.samples for loc in s.locations if id(loc) not in known}
    if extra:
        p.locations = p.locations + sorted(extra.values(), key=lambda loc: loc.id)
    return p
