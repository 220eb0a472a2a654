"""Sample filters: focus/ignore/hide/show, show_from, prune_from, tag filters.

Each filter takes a view of samples as columns (profile/columns.SampleSet) and
returns a new one; the loaded profile is never modified. Regexps are tested
once per function, mapping or location, label filters once per label set, and
the results become masks over stacks and sample groups. Where pprof edits a
location's lines (hide, show, show_from, prune_from), a changed copy of that
location is appended to the view's location table.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from pprofsh.errors import CommandError
from pprofsh.profile.columns import I64, NO_LABELS, SampleSet, _ranges
from pprofsh.profile.model import Line, Location, Sample
from pprofsh.regexps import BACKTRACK_MESSAGE, LinearRegex, Unsupported, needs_linear

Warn = Callable[[str], None]


def compile_regex(what: str, value: str) -> re.Pattern[str] | None:
    """Compile an option's regexp; errors read like Go's."""
    if not value:
        return None
    return go_regexp(value, f"parsing {what} regexp: ")


def go_regexp(expr: str, prefix: str = "") -> re.Pattern[str]:
    """Compile a Go (RE2) regexp with Python's re; errors worded as Go's.

    RE2 matches in linear time; Python's re backtracks, so a pattern whose
    repetitions can match the same text in many ways (`(a+)+$`, `(a|a)*b`,
    `.*.*.*x`, `a*a*a*b`) can take exponential or high polynomial time on a long
    function name. Such patterns are matched by pprofsh.regexps.LinearRegex, an
    automaton simulation as RE2's (see docs/robustness.md); the rare one that also
    uses Python-only syntax (a back-reference, lookaround) is refused.
    """
    bad = _invalid_utf8(expr)
    if bad >= 0:
        # A byte that is not UTF-8 (a command-line argument or shell word decoded with
        # surrogateescape): Go's regexp/syntax refuses it, quoting from that byte on.
        raise CommandError(prefix + f"error parsing regexp: invalid UTF-8: `{expr[bad:]}`")
    try:
        with warnings.catch_warnings():
            # Python's "Possible nested set" FutureWarning: RE2 has no such notion.
            warnings.simplefilter("ignore")
            rx = re.compile(_translate(expr))
            if len(expr) > MAX_REGEXP_LEN:
                raise CommandError(prefix + "error parsing regexp: expression too large")
            if needs_linear(rx.pattern):
                try:
                    return LinearRegex(rx.pattern)  # type: ignore[return-value]
                except Unsupported:
                    raise CommandError(prefix + BACKTRACK_MESSAGE.format(expr=expr)) from None
            return rx
    except (re.error, OverflowError, RecursionError) as e:
        raise CommandError(prefix + go_regexp_error(expr, e)) from None


def _invalid_utf8(s: str) -> int:
    """The index of the first byte that was not UTF-8 (a surrogateescape), or -1."""
    for i, c in enumerate(s):
        if "\udc80" <= c <= "\udcff":
            return i
    return -1


# RE2's default program size limit is reached by expressions of a few thousand
# characters; Go reports "expression too large".
MAX_REGEXP_LEN = 10000


def _translate(expr: str) -> str:
    # RE2's \z is Python's \Z; (?P<name>) works in both; \Q..\E is rare: not supported.
    return expr.replace(r"\z", r"\Z")


def go_regexp_error(expr: str, e: Exception) -> str:
    """Go's regexp/syntax wording for the common mistakes."""
    msg = str(e)
    if "missing ), unterminated subpattern" in msg:
        return f"error parsing regexp: missing closing ): `{expr}`"
    if "unbalanced parenthesis" in msg:
        return f"error parsing regexp: unexpected ): `{expr}`"
    if "unterminated character set" in msg:
        pos = getattr(e, "pos", None) or 0
        return f"error parsing regexp: missing closing ]: `{expr[pos:]}`"
    if "nothing to repeat" in msg:
        pos = getattr(e, "pos", None) or 0
        return f"error parsing regexp: missing argument to repetition operator: `{expr[pos]}`"
    if "multiple repeat" in msg:
        pos = getattr(e, "pos", None) or 0
        start = pos - 1 if pos > 0 else 0
        return (
            f"error parsing regexp: invalid nested repetition operator: `{expr[start : pos + 1]}`"
        )
    if "bad escape" in msg:
        pos = getattr(e, "pos", None) or 0
        return f"error parsing regexp: invalid escape sequence: `{expr[pos : pos + 2]}`"
    return f"error parsing regexp: {msg}: `{expr}`"


class _Matcher:
    """A regexp over function names/files and mapping files, each tested once."""

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx = rx
        self._fn: dict[int, bool] = {}
        self._map: dict[int, bool] = {}

    def line(self, ln: Line) -> bool:
        fn = ln.function
        if fn is None:
            return False
        got = self._fn.get(id(fn))
        if got is None:
            rx = self.rx
            got = self._fn[id(fn)] = bool(rx.search(fn.name) or rx.search(fn.filename))
        return got

    def mapping(self, loc: Location) -> bool:
        m = loc.mapping
        if m is None:
            return False
        got = self._map.get(id(m))
        if got is None:
            got = self._map[id(m)] = self.rx.search(m.file) is not None
        return got

    def location(self, loc: Location) -> bool:
        return any(self.line(ln) for ln in loc.lines) or self.mapping(loc)


def _with_lines(loc: Location, lines: list[Line]) -> Location:
    return Location(loc.id, loc.mapping, loc.address, list(lines), loc.is_folded)


def _used(view: SampleSet) -> list[int]:
    """Indices of the locations the view's samples use."""
    used: list[int] = np.unique(view.locs).tolist()
    return used


def _entry_stack(view: SampleSet) -> I64:
    return np.repeat(np.arange(view.num_stacks, dtype=np.int64), np.diff(view.starts))


def _any_by_stack(view: SampleSet, entry_flag: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    out = np.zeros(view.num_stacks, bool)
    out[_entry_stack(view)[entry_flag]] = True
    return out


def rewrite(
    view: SampleSet,
    added: list[Location],
    remap: I64,
    keep_entry: npt.NDArray[np.bool_] | None,
    keep_group: npt.NDArray[np.bool_],
    drop_empty: bool,
) -> SampleSet:
    """A view whose stacks keep the entries keep_entry says (all when None), with each
    location i replaced by remap[i] (indices past the table are `added`), over the
    groups keep_group says (and, with drop_empty, whose stack is not left empty).
    Stacks no kept group uses are dropped; the order of stacks and groups stays."""
    locs = view.locs
    lens = np.diff(view.starts)
    if keep_entry is not None:
        es = _entry_stack(view)
        locs = locs[keep_entry]
        lens = np.bincount(es[keep_entry], minlength=view.num_stacks).astype(np.int64)
    locs = remap[locs].astype(np.int32)
    if drop_empty:
        keep_group = keep_group & (lens[view.stack] > 0)
    stack = view.stack[keep_group]
    used = np.zeros(view.num_stacks, bool)
    used[stack] = True
    renum = np.cumsum(used) - 1
    starts = np.zeros(view.num_stacks + 1, np.int64)
    np.cumsum(lens, out=starts[1:])
    ul = lens[used]
    new_starts = np.zeros(len(ul) + 1, np.int64)
    np.cumsum(ul, out=new_starts[1:])
    sel = _ranges(starts[:-1][used], starts[1:][used])
    unchanged = (
        keep_entry is None
        and not added
        and bool((remap[: len(view.locations)] == np.arange(len(view.locations))).all())
    )
    return SampleSet(
        view.locations + added if added else view.locations,
        new_starts,
        locs[sel],
        renum[stack].astype(np.int32),
        view.labels[keep_group],
        view.values[keep_group],
        view.label_sets,
        parent=view if unchanged else None,
        parent_stacks=np.flatnonzero(used) if unchanged else None,
    )


def filter_by_name(
    view: SampleSet,
    focus: re.Pattern[str] | None,
    ignore: re.Pattern[str] | None,
    hide: re.Pattern[str] | None,
    show: re.Pattern[str] | None,
) -> tuple[SampleSet, bool, bool, bool, bool]:
    """pprof's FilterSamplesByName. Returns (view, fm, im, hm, hnm)."""
    fm = im = hm = hnm = False
    table = view.locations
    n = len(table)
    state = np.zeros(n, np.int8)  # 1: focused, -1: ignored
    remap = np.arange(n, dtype=np.int64)
    gone = np.zeros(n, bool)
    added: list[Location] = []
    fo = _Matcher(focus) if focus is not None else None
    ig = _Matcher(ignore) if ignore is not None else None
    hi = _Matcher(hide) if hide is not None else None
    sh = _Matcher(show) if show is not None else None
    for li in _used(view):
        loc = table[li]
        if ig is not None and ig.location(loc):
            im = True
            state[li] = -1
        elif fo is None or fo.location(loc):
            fm = True
            state[li] = 1
        cur = loc
        if hi is not None and hi.location(cur):
            hm = True
            if hi.mapping(cur):
                lines: list[Line] = []
            else:
                lines = [ln for ln in cur.lines if not hi.line(ln)]
            cur = _with_lines(cur, lines)
            if not lines:
                gone[li] = True
        if sh is not None:
            if sh.mapping(cur):
                lines = list(cur.lines)
            else:
                lines = [ln for ln in cur.lines if ln.function is None or sh.line(ln)]
            cur = _with_lines(cur, lines)
            if not lines:
                gone[li] = True
            else:
                hnm = True
        if cur is not loc:
            remap[li] = n + len(added)
            added.append(cur)
    es_state = state[view.locs]
    ignored = _any_by_stack(view, es_state < 0)
    focused = _any_by_stack(view, es_state > 0)
    ok_stack = focused & ~ignored
    keep_group = ok_stack[view.stack]
    edit = bool(gone.any()) or bool(added)
    keep_entry = ~gone[view.locs] if bool(gone.any()) else None
    out = rewrite(view, added, remap, keep_entry, keep_group, edit)
    return out, fm, im, hm, hnm


def drop_frameless(view: SampleSet) -> SampleSet:
    """The samples that have a stack (pprof's name filter drops the others)."""
    lens = np.diff(view.starts)
    if bool((lens[view.stack] > 0).all()):
        return view
    n = len(view.locations)
    return rewrite(view, [], np.arange(n), None, lens[view.stack] > 0, True)


def show_from(view: SampleSet, rx: re.Pattern[str]) -> tuple[SampleSet, bool]:
    """pprof's ShowFrom: each stack cut above its outermost match. Returns (view, matched)."""
    matched = False
    table = view.locations
    n = len(table)
    shown = np.zeros(n, bool)
    remap = np.arange(n, dtype=np.int64)
    added: list[Location] = []
    m = _Matcher(rx)
    for li in _used(view):
        loc = table[li]
        if m.mapping(loc):
            shown[li] = True
            matched = True
            continue
        for i in range(len(loc.lines) - 1, -1, -1):
            if m.line(loc.lines[i]):
                shown[li] = True
                matched = True
                if i + 1 != len(loc.lines):
                    remap[li] = n + len(added)
                    added.append(_with_lines(loc, loc.lines[: i + 1]))
                break
    es = _entry_stack(view)
    pos = np.arange(len(view.locs), dtype=np.int64)
    last = np.full(view.num_stacks, -1, np.int64)
    hit = shown[view.locs]
    np.maximum.at(last, es[hit], pos[hit])
    keep_entry = pos <= last[es]
    out = rewrite(view, added, remap, keep_entry, last[view.stack] >= 0, True)
    return out, matched


def prune_from(view: SampleSet, rx: re.Pattern[str]) -> SampleSet:
    """pprof's PruneFrom: drop the frames beneath the lowest match, keeping the match."""
    from pprofsh.profile.prune import simplify_func

    table = view.locations
    n = len(table)
    pruned = np.zeros(n, bool)
    remap = np.arange(n, dtype=np.int64)
    added: list[Location] = []
    for li in _used(view):
        loc = table[li]
        for i, ln in enumerate(loc.lines):
            fn = ln.function
            if fn is not None and fn.name and rx.search(simplify_func(fn.name)):
                pruned[li] = True
                if i:
                    remap[li] = n + len(added)
                    added.append(_with_lines(loc, loc.lines[i:]))
                break
    if not pruned.any():
        return view
    es = _entry_stack(view)
    pos = np.arange(len(view.locs), dtype=np.int64)
    first = np.full(view.num_stacks, len(pos), np.int64)
    hit = pruned[view.locs]
    np.minimum.at(first, es[hit], pos[hit])
    # Stacks without a match are kept whole (and their locations unchanged).
    has = first < len(pos)
    keep_entry = (pos >= first[es]) | ~has[es]
    remap_entries = np.where(has[es], remap[view.locs], view.locs)
    ident = np.arange(n + len(added), dtype=np.int64)
    tmp = SampleSet(
        view.locations,
        view.starts,
        remap_entries.astype(np.int32),
        view.stack,
        view.labels,
        view.values,
        view.label_sets,
    )
    return rewrite(tmp, added, ident, keep_entry, np.ones(view.num_groups, bool), False)


_RANGE_RX = re.compile(r"([+-]?[0-9]+)([a-zA-Z]+)?")


def parse_tag_filter_range(flt: str) -> Callable[[int, str], bool] | None:
    """pprof's parseTagFilterRange: a numeric range predicate, or None."""
    from pprofsh import measurement

    ranges = _RANGE_RX.findall(flt)[:2]
    ms = list(_RANGE_RX.finditer(flt))[:2]
    if not ranges:
        return None
    v = int(ranges[0][0])
    scaled, unit = measurement.scale(v, ranges[0][1], ranges[0][1])
    match0 = ms[0].group(0)
    if len(ranges) == 1:
        if flt == match0:

            def f(val: int, u: str) -> bool:
                sv, su = measurement.scale(val, u, unit)
                return su == unit and sv == scaled

            return f
        if flt == match0 + ":":

            def f(val: int, u: str) -> bool:
                sv, su = measurement.scale(val, u, unit)
                return su == unit and sv >= scaled

            return f
        if flt == ":" + match0:

            def f(val: int, u: str) -> bool:
                sv, su = measurement.scale(val, u, unit)
                return su == unit and sv <= scaled

            return f
        return None
    if flt != match0 + ":" + ms[1].group(0):
        return None
    scaled2, unit2 = measurement.scale(int(ranges[1][0]), ranges[1][1], unit)
    if unit != unit2:
        return None

    def between(val: int, u: str) -> bool:
        sv, su = measurement.scale(val, u, unit)
        return su == unit and scaled <= sv <= scaled2

    return between


def compile_tag_filter(
    what: str, value: str, num_label_units: dict[str, str], warn: Warn
) -> Callable[[Sample], bool] | None:
    if not value:
        return None
    want_key = ""
    if "=" in value:
        want_key, value = value.split("=", 1)
    num = parse_tag_filter_range(value)
    if num is not None:
        warn(f"{what}:Interpreted '{value}' as range, not regexp")

        def label_filter(vals: list[int], unit: str) -> bool:
            return any(num(v, unit) for v in vals)

        if not want_key:
            return lambda s: any(
                label_filter(vals, num_label_units.get(k, ""))
                for k, vals in (s.num_labels or {}).items()
            )
        return lambda s: (
            s.num_labels is not None
            and want_key in s.num_labels
            and label_filter(s.num_labels[want_key], num_label_units.get(want_key, ""))
        )
    rxs = [go_regexp(t, f"parsing {what} regexp: ") for t in value.split(",")]
    if not want_key:

        def match_any(s: Sample) -> bool:
            for rx in rxs:
                if not any(
                    rx.search(k + ":" + v) for k, vs in (s.labels or {}).items() for v in vs
                ):
                    return False
            return True

        return match_any

    def match_key(s: Sample) -> bool:
        vals = (s.labels or {}).get(want_key)
        if vals is None:
            return False
        return any(rx.search(v) for rx in rxs for v in vals)

    return match_key


def _label_views(view: SampleSet) -> tuple[list[int], list[Sample]]:
    """The label set ids the view's groups use (-1: none), each as a Sample to test."""
    ids = np.unique(view.labels).tolist()
    sets = view.label_sets
    return ids, [Sample((), [], *(sets[i] if i >= 0 else NO_LABELS)) for i in ids]


def filter_by_tag(
    view: SampleSet, focus: Callable[[Sample], bool] | None, ignore: Callable[[Sample], bool] | None
) -> tuple[SampleSet, bool, bool]:
    """pprof's FilterSamplesByTag, once per label set. Returns (view, fm, im)."""
    fm = im = False
    ids, probes = _label_views(view)
    ok = np.zeros(len(view.label_sets) + 1, bool)  # index -1: no labels
    for li, s in zip(ids, probes):
        focused = focus(s) if focus is not None else True
        ignored = ignore(s) if ignore is not None else False
        fm = fm or focused
        im = im or ignored
        ok[li] = focused and not ignored
    return view.select(ok[view.labels]), fm, im


def filter_tags_by_name(
    view: SampleSet, show: re.Pattern[str] | None, hide: re.Pattern[str] | None
) -> tuple[SampleSet, bool, bool]:
    """pprof's tagshow/taghide: label keys removed from every label set."""
    sm = hm = False

    def remove(name: str) -> bool:
        nonlocal sm, hm
        ms = show is None or show.search(name) is not None
        mh = hide is not None and hide.search(name) is not None
        sm = sm or ms
        hm = hm or mh
        return not ms or mh

    sets = list(view.label_sets)
    for li in np.unique(view.labels).tolist():
        if li < 0:
            continue
        labels, nums, units = sets[li]
        if labels:
            labels = {k: v for k, v in labels.items() if not remove(k)}
        if nums:
            nums = {k: v for k, v in nums.items() if not remove(k)}
        sets[li] = (labels, nums, units)
    out = SampleSet(
        view.locations, view.starts, view.locs, view.stack, view.labels, view.values, sets
    )
    return out, sm, hm
