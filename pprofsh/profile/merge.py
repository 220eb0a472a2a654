"""Merging profiles the way pprof's profile.Merge does.

`go tool pprof` passes every loaded profile through Merge, even a single one:
samples with equal stacks and labels are combined, all-zero samples dropped,
and ids renumbered in order of first use. Reports (traces, raw) show that
order, so pprofsh reproduces it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pprofsh.errors import ProfileError
from pprofsh.go import go_int64, go_round
from pprofsh.profile.columns import (
    LabelSet,
    SampleSet,
    _ranges,
    dedupe_stacks,
    profile_columns,
)
from pprofsh.profile.model import Function, Line, Location, Mapping, Profile, Sample, ValueType


def _vt(v: ValueType | None) -> str:
    if v is None:
        return "<nil>"
    return "{" + f"{v.type} {v.unit}" + "}"


def _vts(vs: list[ValueType]) -> str:
    return "[" + " ".join(_vt(v) for v in vs) + "]"


def compatible(a: Profile, b: Profile) -> str:
    """'' when b can be merged into a, else Go's error text."""
    pa, pb = a.period_type or ValueType("", ""), b.period_type or ValueType("", "")
    if (pa.type, pa.unit) != (pb.type, pb.unit):
        return f"incompatible period types {_vt(a.period_type)} and {_vt(b.period_type)}"
    if len(a.sample_types) != len(b.sample_types) or any(
        (x.type, x.unit) != (y.type, y.unit) for x, y in zip(a.sample_types, b.sample_types)
    ):
        return f"incompatible sample types {_vts(a.sample_types)} and {_vts(b.sample_types)}"
    return ""


def _headers(srcs: list[Profile]) -> Profile:
    for s in srcs[1:]:
        err = compatible(srcs[0], s)
        if err:
            raise ProfileError(err)
    time_nanos = 0
    duration = 0
    period = 0
    comments: list[str] = []
    seen: set[str] = set()
    default = ""
    for s in srcs:
        if time_nanos == 0 or s.time_nanos < time_nanos:
            time_nanos = s.time_nanos
        duration += s.duration_nanos
        if period == 0 or period < s.period:
            period = s.period
        for c in s.comments:
            if c not in seen:
                seen.add(c)
                comments.append(c)
        if not default:
            default = s.default_sample_type
    first = srcs[0]
    return Profile(
        sample_types=[ValueType(v.type, v.unit) for v in first.sample_types],
        default_sample_type=default,
        drop_frames=first.drop_frames,
        keep_frames=first.keep_frames,
        time_nanos=time_nanos,
        duration_nanos=duration,
        period_type=first.period_type,
        period=period,
        comments=comments,
    )


def _mapping_key(m: Mapping) -> tuple[int, int, str]:
    size = m.limit - m.start
    size = (size + 0xFFF) & ~0xFFF if size >= 0 else size
    return size, m.offset, m.build_id or m.file


def labels_key(s: Sample) -> tuple[Any, ...]:
    lab = tuple(sorted((k, tuple(v)) for k, v in s.labels.items())) if s.labels else ()
    if s.num_labels:
        units = s.num_units or {}
        num = tuple(sorted((k, tuple(v), tuple(units.get(k, ()))) for k, v in s.num_labels.items()))
    else:
        num = ()
    return lab, num


class _Merger:
    def __init__(self, p: Profile) -> None:
        self.p = p
        self.locations: dict[tuple[Any, ...], Location] = {}
        self.functions: dict[tuple[Any, ...], Function] = {}
        self.mappings: dict[tuple[Any, ...], Mapping] = {}

    def start_source(self) -> None:
        self.loc_by_src: dict[int, Location] = {}
        self.fn_by_src: dict[int, Function] = {}
        self.map_by_src: dict[int, tuple[Mapping | None, int]] = {}

    def mapping(self, src: Mapping | None) -> tuple[Mapping | None, int]:
        if src is None:
            return None, 0
        got = self.map_by_src.get(id(src))
        if got is not None:
            return got
        key = _mapping_key(src)
        m = self.mappings.get(key)
        if m is not None:
            got = (m, m.start - src.start)
        else:
            m = Mapping(
                len(self.p.mappings) + 1,
                src.start,
                src.limit,
                src.offset,
                src.file,
                src.build_id,
                src.has_functions,
                src.has_filenames,
                src.has_line_numbers,
                src.has_inline_frames,
            )
            self.p.mappings.append(m)
            self.mappings[key] = m
            got = (m, 0)
        self.map_by_src[id(src)] = got
        return got

    def function(self, src: Function | None) -> Function | None:
        if src is None:
            return None
        f = self.fn_by_src.get(id(src))
        if f is not None:
            return f
        key = (src.start_line, src.name, src.system_name, src.filename)
        f = self.functions.get(key)
        if f is None:
            f = Function(
                len(self.p.functions) + 1, src.name, src.system_name, src.filename, src.start_line
            )
            self.functions[key] = f
            self.p.functions.append(f)
        self.fn_by_src[id(src)] = f
        return f

    def location(self, src: Location) -> Location:
        loc = self.loc_by_src.get(id(src))
        if loc is not None:
            return loc
        m, offset = self.mapping(src.mapping)
        address = (src.address + offset) & 0xFFFFFFFFFFFFFFFF
        lines = [Line(self.function(ln.function), ln.line) for ln in src.lines]
        key = (
            (address - m.start) & 0xFFFFFFFFFFFFFFFF if m else address,
            m.id if m else 0,
            tuple((ln.function.id if ln.function else 0, ln.line) for ln in lines),
            src.is_folded,
        )
        loc = self.locations.get(key)
        if loc is None:
            loc = Location(len(self.p.locations) + 1, m, address, lines, src.is_folded)
            self.locations[key] = loc
            self.p.locations.append(loc)
        self.loc_by_src[id(src)] = loc
        return loc


def merge(srcs: list[Profile]) -> Profile:
    """Go's profile.Merge: raises ProfileError with Go's text for incompatible inputs.

    Samples are merged as columns (profile/columns.py): each source location is
    mapped once, in the order a walk of the samples would first meet it (so ids
    come out as Go numbers them), equal stacks and equal label sets (by content)
    get one id each, and the values of samples with both equal are summed."""
    if not srcs:
        raise ProfileError("no profiles to merge")
    p = _headers(srcs)
    pm = _Merger(p)
    ntypes = len(p.sample_types)
    sets: list[LabelSet] = []
    canon: dict[tuple[Any, ...], int] = {}
    lens_parts, flat_parts, gstack_parts, glab_parts, gval_parts = [], [], [], [], []
    nstacks = 0
    for src in srcs:
        pm.start_source()
        if not pm.mappings and src.mappings:
            pm.mapping(src.mappings[0])
        cols = profile_columns(src)
        live = cols.values.any(axis=1) if cols.num_groups else np.zeros(0, bool)
        g_stack = cols.stack[live].astype(np.int64)
        # Stacks in order of first use, then their locations in walk order (leaf first).
        ust, ufirst = np.unique(g_stack, return_index=True)
        used = ust[np.argsort(ufirst, kind="stable")]
        lens = np.diff(cols.starts)[used]
        ent = cols.locs[_ranges(cols.starts[:-1][used], cols.starts[1:][used])]
        ul, lfirst = np.unique(ent, return_index=True)
        loc_map = np.full(len(cols.locations) + 1, -1, np.int64)
        table = cols.locations
        for li in ul[np.argsort(lfirst, kind="stable")].tolist():
            loc_map[li] = pm.location(table[li]).id - 1
        flat_parts.append(loc_map[ent])
        lens_parts.append(lens)
        renum = np.full(cols.num_stacks + 1, -1, np.int64)
        renum[used] = np.arange(len(used)) + nstacks
        nstacks += len(used)
        gstack_parts.append(renum[g_stack])
        lab_map = np.full(len(cols.label_sets) + 1, -1, np.int64)
        g_lab = cols.labels[live].astype(np.int64)
        for li in np.unique(g_lab).tolist():
            if li < 0:
                continue
            ls = cols.label_sets[li]
            key = labels_key(Sample((), [], *ls))
            cid = canon.get(key)
            if cid is None:
                cid = canon[key] = len(sets)
                sets.append(ls)
            lab_map[li] = cid
        glab_parts.append(lab_map[g_lab])
        gval_parts.append(cols.values[live])
    lens_all = np.concatenate(lens_parts) if lens_parts else np.zeros(0, np.int64)
    flat_all = np.concatenate(flat_parts).astype(np.int32) if flat_parts else np.zeros(0, np.int32)
    starts, locs, stack_id = dedupe_stacks(lens_all, flat_all)
    gstack = stack_id[np.concatenate(gstack_parts)].astype(np.int64) if gstack_parts else None
    if gstack is None or not len(gstack):
        p.columns = SampleSet(
            p.locations,
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros((0, ntypes), np.int64),
            sets,
        )
        return p
    glab = np.concatenate(glab_parts)
    gval = np.concatenate(gval_parts)
    gkey = gstack * (len(sets) + 1) + (glab + 1)
    uk, kfirst, inv = np.unique(gkey, return_index=True, return_inverse=True)
    order = np.argsort(kfirst, kind="stable")
    rank = np.empty(len(uk), np.int64)
    rank[order] = np.arange(len(uk))
    inv = rank[inv.reshape(-1)]
    first = kfirst[order]
    values = np.zeros((len(uk), ntypes), np.int64)
    np.add.at(values, inv, gval)  # int64 sums wrap around, as Go's do
    p.columns = SampleSet(
        p.locations,
        starts,
        locs,
        gstack[first].astype(np.int32),
        glab[first].astype(np.int32),
        values,
        sets,
    )
    if bool((~values.any(axis=1)).any()):
        return merge([p])
    return p


def scale(p: Profile, ratio: float) -> None:
    """Go's Profile.Scale: multiply every value, truncating toward zero."""
    if ratio == 1:
        return
    scale_n(p, [ratio] * len(p.sample_types))


def scale_n(p: Profile, ratios: list[float]) -> None:
    if len(ratios) != len(p.sample_types):
        raise ProfileError(
            f"mismatched scale ratios, got {len(ratios)}, want {len(p.sample_types)}"
        )
    if all(r == 1 for r in ratios):
        return
    keep = []
    for s in p.samples:
        keep_it = False
        vals = s.values
        for i, r in enumerate(ratios):
            if r != 1:
                vals[i] = v = go_int64(go_round(vals[i] * r))
                keep_it = keep_it or v != 0
        if keep_it:
            keep.append(s)
    p.samples = keep


def normalize(p: Profile, base: Profile) -> None:
    """Go's Profile.Normalize: scale p so its totals equal base's."""
    err = compatible(p, base)
    if err:
        raise ProfileError(err)
    n = len(p.sample_types)
    base_vals = [0] * n
    for s in base.samples:
        for i, v in enumerate(s.values):
            base_vals[i] += v
    src_vals = [0] * n
    for s in p.samples:
        for i, v in enumerate(s.values):
            src_vals[i] += v
    scale_n(p, [0.0 if src_vals[i] == 0 else base_vals[i] / src_vals[i] for i in range(n)])


def set_label(p: Profile, key: str, value: list[str]) -> None:
    # Label dicts are shared between samples: replace them, never edit them in place.
    cache: dict[int, dict[str, list[str]]] = {}
    for s in p.samples:
        old = s.labels
        new = cache.get(id(old))
        if new is None:
            new = cache[id(old)] = {**(old or {}), key: list(value)}
        s.labels = new


def merge_one(p: Profile) -> Profile:
    """What pprof's Merge of a single profile means for reports, done lazily.

    Merging one profile renumbers ids and sums samples with equal stacks and
    labels; no graph report can tell, so only the all-zero samples are dropped
    now and the full merge waits for a report that lists samples (merged()).
    A profile with drop_frames is merged at once: pprof prunes after merging.
    """
    if p.drop_frames:
        return merge([p])
    # Merge's headers keep each comment once (a profile may repeat one)
    p.comments = list(dict.fromkeys(p.comments))
    cols = p.columns_if_unmaterialized()
    if cols is not None:
        p.columns = cols.select(np.asarray(cols.values.any(axis=1)))
    elif not all(any(s.values) for s in p.samples):
        p.samples = [s for s in p.samples if any(s.values)]
    p.unmerged = True
    return p


def merged(p: Profile) -> Profile:
    """p with pprof's Merge applied (cached)."""
    if not p.unmerged:
        return p
    if p.merged_cache is None:
        p.merged_cache = merge([p])
    return p.merged_cache
