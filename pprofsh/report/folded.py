"""The `folded` report: Brendan Gregg's collapsed stacks.

One line per distinct stack of the report (after its filters, sample index,
granularity and base): the frames root first joined by `;`, a space, and the
stack's summed sample value in the profile's own unit (nanoseconds, bytes,
counts). flamegraph.pl, inferno and speedscope read it. With a base the values
are deltas and may be negative, as in `top`; under -mean they are per-stack
means. Lines are sorted, as stackcollapse tools sort them.
"""

from __future__ import annotations

import re

from pprofsh.report import Report
from pprofsh.report.calltree import report_stacks

# `;` separates frames and a line ends at the newline: names keep neither.
_UNSAFE = re.compile(r"[;\x00-\x1f\x7f]")


def folded_name(name: str) -> str:
    """A frame name safe inside a folded line: `;` becomes `:`, control characters `?`."""
    return _UNSAFE.sub(lambda m: ":" if m.group() == ";" else "?", name)


def folded_lines(rpt: Report) -> list[tuple[str, int]]:
    """(stack text, value) per distinct stack text, sorted, zero values left out."""
    st = report_stacks(rpt)
    names = [folded_name(n) for n in st.names]
    sums: dict[str, list[int]] = {}
    offsets = st.offsets.tolist()
    ids = st.ids.tolist()
    values = st.values.tolist()
    divs = st.divs.tolist()
    for k in range(len(values)):
        text = ";".join([names[i] for i in ids[offsets[k] : offsets[k + 1]]])
        got = sums.get(text)
        if got is None:
            sums[text] = [values[k], divs[k]]
        else:
            got[0] += values[k]
            got[1] += divs[k]
    out = []
    for text in sorted(sums):
        v, d = sums[text]
        if st.mean and d != 0:
            q = abs(v) // abs(d)
            v = q if (v >= 0) == (d >= 0) else -q
        if v != 0:
            out.append((text, v))
    return out


def print_folded(rpt: Report) -> str:
    return "".join(f"{text} {v}\n" for text, v in folded_lines(rpt))
