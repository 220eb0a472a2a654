"""Sample filters: focus/ignore/hide/show, show_from, prune_from, tag filters.

Each filter takes a list of samples and returns a new one; the loaded profile
is never modified. Where pprof edits a location's lines (hide, show,
show_from), a changed copy of that location is made and stacks that use it are
rebuilt, so unchanged stacks keep sharing their tuples.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

from pprofsh.errors import CommandError
from pprofsh.profile.model import Location, Sample
from pprofsh.regexps import BACKTRACK_MESSAGE, may_backtrack

Warn = Callable[[str], None]


def compile_regex(what: str, value: str) -> re.Pattern[str] | None:
    """Compile an option's regexp; errors read like Go's."""
    if not value:
        return None
    return go_regexp(value, f"parsing {what} regexp: ")


def go_regexp(expr: str, prefix: str = "") -> re.Pattern[str]:
    """Compile a Go (RE2) regexp with Python's re; errors worded as Go's.

    RE2 matches in linear time; Python's re backtracks, so a pattern whose
    repetition can match the same text in many ways (`(a+)+$`, `(a|a)*b`,
    `(.*x)*`) can take exponential time on a long function name. Such patterns
    are refused here (see docs/robustness.md): a repetition whose body holds
    another variable-length repetition, or alternatives that are not told apart
    by distinct first characters, unless the body has a literal that the inner
    repetitions cannot match (`(\\w+\\.)*` is fine: every round ends at a dot).
    """
    try:
        with warnings.catch_warnings():
            # Python's "Possible nested set" FutureWarning: RE2 has no such notion.
            warnings.simplefilter("ignore")
            rx = re.compile(_translate(expr))
            if len(expr) > MAX_REGEXP_LEN:
                raise CommandError(prefix + "error parsing regexp: expression too large")
            if may_backtrack(rx.pattern):
                raise CommandError(prefix + BACKTRACK_MESSAGE.format(expr=expr))
            return rx
    except (re.error, OverflowError, RecursionError) as e:
        raise CommandError(prefix + go_regexp_error(expr, e)) from None


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


def _fn_matches(loc: Location, rx: re.Pattern[str]) -> bool:
    for ln in loc.lines:
        fn = ln.function
        if fn is not None and (rx.search(fn.name) or rx.search(fn.filename)):
            return True
    m = loc.mapping
    return m is not None and rx.search(m.file) is not None


def _line_matches(ln, rx: re.Pattern[str]) -> bool:
    fn = ln.function
    return fn is not None and (rx.search(fn.name) is not None or rx.search(fn.filename) is not None)


def _with_lines(loc: Location, lines) -> Location:
    return Location(loc.id, loc.mapping, loc.address, list(lines), loc.is_folded)


def all_locations(samples: list[Sample]) -> list[Location]:
    seen: dict[int, Location] = {}
    stacks: set[int] = set()
    for s in samples:
        st = s.locations
        if id(st) in stacks:
            continue
        stacks.add(id(st))
        for loc in st:
            seen.setdefault(id(loc), loc)
    return list(seen.values())


def filter_by_name(samples: list[Sample], locations: list[Location], focus, ignore, hide, show):
    """pprof's FilterSamplesByName. Returns (samples, fm, im, hm, hnm)."""
    fm = im = hm = hnm = False
    focus_or_ignore: dict[int, bool] = {}
    hidden: set[int] = set()
    replaced: dict[int, Location] = {}
    for loc in locations:
        if ignore is not None and _fn_matches(loc, ignore):
            im = True
            focus_or_ignore[id(loc)] = False
        elif focus is None or _fn_matches(loc, focus):
            fm = True
            focus_or_ignore[id(loc)] = True
        cur = loc
        if hide is not None and _fn_matches(cur, hide):
            hm = True
            m = cur.mapping
            if m is not None and hide.search(m.file):
                lines = []
            else:
                lines = [ln for ln in cur.lines if not _line_matches(ln, hide)]
            cur = _with_lines(cur, lines)
            if not lines:
                hidden.add(id(loc))
        if show is not None:
            m = cur.mapping
            if m is not None and show.search(m.file):
                lines = list(cur.lines)
            else:
                lines = [ln for ln in cur.lines if ln.function is None or _line_matches(ln, show)]
            cur = _with_lines(cur, lines)
            if not lines:
                hidden.add(id(loc))
            else:
                hnm = True
        if cur is not loc:
            replaced[id(loc)] = cur
    out = []
    rebuilt: dict[int, tuple[Location, ...] | None] = {}
    for s in samples:
        st = s.locations
        focused = False
        ok = True
        for loc in st:
            v = focus_or_ignore.get(id(loc))
            if v is None:
                continue
            if v:
                focused = True
            else:
                ok = False
                break
        if not ok or not focused:
            continue
        if hidden or replaced:
            new = rebuilt.get(id(st), st)
            if new is st and id(st) not in rebuilt:
                locs = tuple(replaced.get(id(loc), loc) for loc in st if id(loc) not in hidden)
                new = locs if locs else None
                if new is not None and len(new) == len(st) and all(a is b for a, b in zip(new, st)):
                    new = st
                rebuilt[id(st)] = new
            if new is None:
                continue
            if new is not st:
                s = _resample(s, new)
        out.append(s)
    return out, fm, im, hm, hnm


def _resample(s: Sample, stack: tuple[Location, ...]) -> Sample:
    return Sample(stack, s.values, s.labels, s.num_labels, s.num_units)


def show_from(samples: list[Sample], locations: list[Location], rx):
    """pprof's ShowFrom. Returns (samples, matched)."""
    if rx is None:
        return samples, False
    matched = False
    show_locs: dict[int, Location] = {}
    for loc in locations:
        m = loc.mapping
        if m is not None and rx.search(m.file):
            show_locs[id(loc)] = loc
            matched = True
            continue
        for i in range(len(loc.lines) - 1, -1, -1):
            if _line_matches(loc.lines[i], rx):
                show_locs[id(loc)] = (
                    _with_lines(loc, loc.lines[: i + 1]) if i + 1 != len(loc.lines) else loc
                )
                matched = True
                break
    out = []
    cache: dict[int, tuple[Location, ...] | None] = {}
    for s in samples:
        st = s.locations
        if id(st) in cache:
            new = cache[id(st)]
        else:
            new = None
            for i in range(len(st) - 1, -1, -1):
                if id(st[i]) in show_locs:
                    new = tuple(show_locs.get(id(loc), loc) for loc in st[: i + 1])
                    break
            cache[id(st)] = new
        if new is not None:
            out.append(s if new == st else _resample(s, new))
    return out, matched


def prune_from(samples: list[Sample], locations: list[Location], rx) -> list[Sample]:
    """pprof's PruneFrom: drop the frames beneath the lowest match, keeping the match."""
    from pprofsh.profile.prune import simplify_func

    pruned: dict[int, Location] = {}
    for loc in locations:
        for i, ln in enumerate(loc.lines):
            fn = ln.function
            if fn is not None and fn.name and rx.search(simplify_func(fn.name)):
                pruned[id(loc)] = _with_lines(loc, loc.lines[i:]) if i else loc
                break
    if not pruned:
        return samples
    out = []
    for s in samples:
        st = s.locations
        for i, loc in enumerate(st):
            if id(loc) in pruned:
                new = tuple(pruned.get(id(x), x) for x in st[i:])
                s = _resample(s, new)
                break
        out.append(s)
    return out


_RANGE_RX = re.compile(r"([+-]?[0-9]+)([a-zA-Z]+)?")


def parse_tag_filter_range(flt: str):
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

    def f(val: int, u: str) -> bool:
        sv, su = measurement.scale(val, u, unit)
        return su == unit and scaled <= sv <= scaled2

    return f


def compile_tag_filter(what: str, value: str, num_label_units: dict[str, str], warn: Warn):
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


def filter_by_tag(samples: list[Sample], focus, ignore):
    fm = im = False
    out = []
    for s in samples:
        focused = focus(s) if focus is not None else True
        ignored = ignore(s) if ignore is not None else False
        fm = fm or focused
        im = im or ignored
        if focused and not ignored:
            out.append(s)
    return out, fm, im


def filter_tags_by_name(samples: list[Sample], show, hide):
    sm = hm = False

    def remove(name: str) -> bool:
        nonlocal sm, hm
        ms = show is None or show.search(name) is not None
        mh = hide is not None and hide.search(name) is not None
        sm = sm or ms
        hm = hm or mh
        return not ms or mh

    out = []
    for s in samples:
        labels = s.labels
        nums = s.num_labels
        if labels:
            labels = {k: v for k, v in labels.items() if not remove(k)}
        if nums:
            nums = {k: v for k, v in nums.items() if not remove(k)}
        if labels is not s.labels or nums is not s.num_labels:
            s = Sample(s.locations, s.values, labels, nums, s.num_units)
        out.append(s)
    return out, sm, hm
