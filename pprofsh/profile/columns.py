"""Samples as columns: distinct stacks in CSR arrays, sample groups as rows.

A profile with a million samples has a few hundred thousand distinct stacks
and a few thousand label sets; nothing here makes a Python object per sample.

- ``starts``/``locs``: stack ``s`` is ``locs[starts[s]:starts[s + 1]]``, indices
  into ``locations`` (leaf first, as in profile.proto).
- ``stack``/``labels``/``values``: one row per sample group (samples whose
  encodings are byte-identical, their values summed): its stack id, its label
  set id (-1: none) and its values (an int64 matrix, one column per sample
  type).
- ``label_sets``: (labels, numeric labels, numeric units) dicts per label set,
  shared with every Sample made from it (never edit them in place).

Summing byte-identical samples is invisible to every report: pprof's Merge
(which `go tool pprof` applies to every profile) sums them too.

``decode_samples`` reads the raw bytes of profile.proto Sample messages with
vectorised varint decoding: every field of a Sample (packed or not, labels
included) is made of varints, so the whole buffer is cut into varints at once
and the fields are then walked for all samples together.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pprofsh.profile.model import Location, Profile, Sample

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]

LabelSet = tuple[
    dict[str, list[str]] | None, dict[str, list[int]] | None, dict[str, list[str]] | None
]

NO_LABELS: LabelSet = (None, None, None)


class Malformed(Exception):
    """The sample bytes are not a valid profile.proto encoding."""


@dataclass(eq=False)
class SampleSet:
    """Samples as columns over one location table (see the module docstring)."""

    locations: list[Location]
    starts: I64
    locs: I32
    stack: I32
    labels: I32
    values: I64
    label_sets: list[LabelSet] = field(default_factory=list)
    # Check_valid's complaint about a sample ('' when none), found while decoding.
    invalid: str = ""
    # What graph building derives from this view (per granularity), kept with it.
    cache: dict[tuple[object, ...], object] = field(default_factory=dict)
    # When this view is a subset of another one's stacks (same locations, stacks
    # unchanged): that view, and the ids there of this view's stacks (ascending),
    # so that what was derived for it can be cut down instead of made again.
    parent: SampleSet | None = None
    parent_stacks: I64 | None = None
    _samples: list[Sample] | None = None
    _tuples: list[tuple[Location, ...]] | None = None

    @property
    def num_groups(self) -> int:
        return len(self.stack)

    @property
    def num_stacks(self) -> int:
        return len(self.starts) - 1

    def stack_tuples(self) -> list[tuple[Location, ...]]:
        """Each distinct stack as a tuple of Location objects (leaf first)."""
        if self._tuples is None:
            table = self.locations
            flat = [table[i] for i in self.locs.tolist()]
            bounds = self.starts.tolist()
            self._tuples = [tuple(flat[a:b]) for a, b in zip(bounds, bounds[1:])]
        return self._tuples

    def to_samples(self) -> list[Sample]:
        """The object model: one Sample per group; equal stacks share one tuple."""
        if self._samples is None:
            tuples = self.stack_tuples()
            sets = self.label_sets
            self._samples = [
                Sample(tuples[s], v, *(sets[li] if li >= 0 else NO_LABELS))
                for s, li, v in zip(self.stack.tolist(), self.labels.tolist(), self.values.tolist())
            ]
        return self._samples

    def select(self, keep: npt.NDArray[np.bool_]) -> SampleSet:
        """The groups where keep is True, over the stacks they use (same locations and
        label sets; stacks and groups keep their order)."""
        if bool(keep.all()):
            return self
        stack = self.stack[keep]
        used = np.zeros(self.num_stacks, bool)
        used[stack] = True
        renum = np.cumsum(used) - 1
        lens = np.diff(self.starts)[used]
        starts = np.zeros(len(lens) + 1, np.int64)
        np.cumsum(lens, out=starts[1:])
        locs = self.locs[_ranges(self.starts[:-1][used], self.starts[1:][used])]
        return SampleSet(
            self.locations,
            starts,
            locs,
            renum[stack].astype(np.int32),
            self.labels[keep],
            self.values[keep],
            self.label_sets,
            parent=self,
            parent_stacks=np.flatnonzero(used),
        )

    def used_label_sets(self) -> list[int]:
        """Ids of the label sets the groups use, in order (-1 first when a group has none)."""
        labels: list[int] = np.unique(self.labels).tolist()
        return labels

    def stack_lengths(self) -> I64:
        return np.diff(self.starts)


def from_samples(samples: Sequence[Sample], ntypes: int) -> SampleSet:
    """Columns for a list of Sample objects (legacy formats, merged profiles...)."""
    loc_index: dict[int, int] = {}
    locations: list[Location] = []
    stack_index: dict[int, int] = {}
    stack_lists: list[tuple[Location, ...]] = []
    set_index: dict[tuple[int, int, int], int] = {}
    sets: list[LabelSet] = []
    stack_col: list[int] = []
    label_col: list[int] = []
    rows: list[list[int]] = []
    for s in samples:
        st = s.locations
        si = stack_index.get(id(st))
        if si is None:
            si = stack_index[id(st)] = len(stack_lists)
            stack_lists.append(st)
        stack_col.append(si)
        if s.labels or s.num_labels:
            key = (id(s.labels), id(s.num_labels), id(s.num_units))
            li = set_index.get(key)
            if li is None:
                li = set_index[key] = len(sets)
                sets.append((s.labels or None, s.num_labels or None, s.num_units or None))
            label_col.append(li)
        else:
            label_col.append(-1)
        rows.append(s.values)
    flat: list[int] = []
    lengths = [0]
    for st in stack_lists:
        for loc in st:
            i = loc_index.get(id(loc))
            if i is None:
                i = loc_index[id(loc)] = len(locations)
                locations.append(loc)
            flat.append(i)
        lengths.append(len(st))
    values = np.array(rows, dtype=np.int64) if rows else np.zeros((0, ntypes), np.int64)
    values = values.reshape(len(rows), ntypes)
    out = SampleSet(
        locations,
        np.cumsum(np.array(lengths, dtype=np.int64)),
        np.array(flat, dtype=np.int32),
        np.array(stack_col, dtype=np.int32),
        np.array(label_col, dtype=np.int32),
        values,
        sets,
    )
    out._samples = list(samples)
    out._tuples = stack_lists
    return out


def profile_columns(p: Profile) -> SampleSet:
    """p's samples as columns: the decoder's, or made from p's list of samples."""
    cols = p.columns_if_unmaterialized()
    if cols is not None:
        return cols
    return from_samples(p.samples, len(p.sample_types))


def num_label_units(view: SampleSet) -> tuple[dict[str, str], dict[str, list[str]]]:
    """pprof's NumLabelUnits over the label sets in use: the unit of each numeric
    label key, and the units ignored (the first unit seen wins)."""
    units: dict[str, str] = {}
    ignored: dict[str, set[str]] = {}
    keys: set[str] = set()
    sets = view.label_sets
    for li in view.used_label_sets():
        if li < 0:
            continue
        _labels, nums, num_units = sets[li]
        if not nums:
            continue
        for k in nums:
            keys.add(k)
            for u in (num_units or {}).get(k, ()):
                if not u:
                    continue
                want = units.get(k)
                if want is None:
                    units[k] = u
                elif want != u:
                    ignored.setdefault(k, set()).add(u)
    for k in keys:
        if not units.get(k):
            units[k] = "bytes" if k in ("alignment", "request") else k
    return units, {k: sorted(v) for k, v in ignored.items()}


def total(view: SampleSet, index: int, mean: bool) -> int:
    """pprof's report total: sum of |value| (of the pprof::base side only, when a
    diff base is in play), divided by the summed -mean divisor."""
    if not view.num_groups:
        return 0
    v = np.abs(view.values[:, index])
    d = view.values[:, 0] if mean else np.zeros(view.num_groups, np.int64)
    tot, div = int(v.sum()), int(d.sum())
    base = np.zeros(len(view.label_sets) + 1, bool)
    for li in view.used_label_sets():
        labels = view.label_sets[li][0] if li >= 0 else None
        base[li] = bool(labels) and "true" in (labels or {}).get("pprof::base", ())
    on = base[view.labels]
    if bool(on.any()):
        dt = int(v[on].sum())
        if dt > 0:
            tot, div = dt, int(d[on].sum())
    if div != 0:
        q = abs(tot) // abs(div)
        return q if (tot >= 0) == (div >= 0) else -q
    return tot


# -- decoding ------------------------------------------------------------------------------


def _varints(buf: npt.NDArray[np.uint8]) -> tuple[I64, I64, U64]:
    """Cut buf into varints: (start byte, end byte, value) of each."""
    term = buf < 0x80
    ends = np.flatnonzero(term).astype(np.int64)
    if len(buf) and not term[-1]:
        raise Malformed("truncated varint")
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    vals = buf[ends].astype(np.uint64)
    lens = ends - starts
    longest = int(lens.max()) if len(lens) else 0
    if longest >= 10:
        raise Malformed("varint overflow")
    if longest:
        for k in range(1, longest + 1):
            sel = np.flatnonzero(lens >= k)
            low = buf[ends[sel] - k].astype(np.uint64) & np.uint64(0x7F)
            vals[sel] = (vals[sel] << np.uint64(7)) | low
    return starts, ends, vals


def _ranges(a: I64, b: I64) -> I64:
    """Concatenation of arange(a[i], b[i]) for every i."""
    lens = b - a
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offs = np.cumsum(lens) - lens
    return np.repeat(a - offs, lens) + np.arange(total, dtype=np.int64)


@dataclass
class _Chunk:
    """Fields of the samples of one chunk, as token positions."""

    nsamples: int
    loc_counts: I64
    loc_ids: U64
    value_counts: I64
    value_bits: U64
    label_keys: list[bytes | None]
    # Per label (in sample order): its sample; per label field: its label, number, value.
    label_owner: I64
    label_which: I64
    label_fnum: U64
    label_fval: U64


def _walk(blob: bytes, bounds: I64) -> _Chunk:
    """Decode samples blob[bounds[i]:bounds[i+1]] for all i at once."""
    buf = np.frombuffer(blob, dtype=np.uint8)
    n = len(bounds) - 1
    starts, ends, vals = _varints(buf)
    sample_lo = bounds[:-1]
    sample_hi = bounds[1:]
    nonempty = sample_hi > sample_lo
    if len(buf) and not bool(np.all(buf[sample_hi[nonempty] - 1] < 0x80)):
        raise Malformed("truncated varint")
    ntok = len(starts)
    # tok_before[b]: how many varints end before byte b (the index of the varint
    # starting at b, when one does).
    tok_before = np.zeros(len(buf) + 1, np.int64)
    np.cumsum(buf < 0x80, out=tok_before[1:])
    first_tok = tok_before[sample_lo]
    end_tok = tok_before[sample_hi]
    cur = first_tok[nonempty]
    owner = np.flatnonzero(nonempty)
    is_tag = np.zeros(ntok, bool)
    own_at = np.zeros(ntok, np.int64)
    next_at = np.zeros(ntok, np.int64)
    while len(cur):
        stop = end_tok[owner]
        if bool(np.any(cur + 1 >= stop)):
            raise Malformed("truncated field")
        tag = vals[cur]
        wt = tag & np.uint64(7)
        if bool(np.any((wt != 0) & (wt != 2))) or bool(np.any(tag < np.uint64(8))):
            raise Malformed("unexpected wire type")
        nxt = cur + 2
        ld = np.flatnonzero(wt == 2)
        if len(ld):
            lt = cur[ld] + 1
            length = vals[lt]
            room = (sample_hi[owner[ld]] - ends[lt] - 1).astype(np.uint64)
            if bool(np.any(length > room)):
                raise Malformed("truncated field")
            content_end = ends[lt] + 1 + length.astype(np.int64)
            if not bool(np.all(buf[content_end - 1] < 0x80)):
                raise Malformed("unexpected field content")
            nxt[ld] = tok_before[content_end]
        is_tag[cur] = True
        own_at[cur] = owner
        next_at[cur] = nxt
        more = nxt < stop
        cur = nxt[more]
        owner = owner[more]
    del tok_before
    tok = np.flatnonzero(is_tag)
    own = own_at[tok]
    nxt_all = next_at[tok]
    del is_tag, own_at, next_at
    tag = vals[tok]
    fnum = tag >> np.uint64(3)
    packed = (tag & np.uint64(7)) == 2

    def field_tokens(number: int) -> tuple[I64, I64]:
        sel = fnum == number
        t, o, x, p = tok[sel], own[sel], nxt_all[sel], packed[sel]
        lo = np.where(p, t + 2, t + 1)
        hi = np.where(p, x, t + 2)
        return _ranges(lo, hi), np.repeat(o, hi - lo)

    loc_tok, loc_owner = field_tokens(1)
    val_tok, val_owner = field_tokens(2)
    # Labels: each is a Label message, i.e. (tag, varint) pairs.
    lab = fnum == 3
    if bool(np.any(lab & ~packed)):
        raise Malformed("unexpected wire type")
    lt, lo_own, lnext = tok[lab], own[lab], nxt_all[lab]
    label_keys: list[bytes | None] = [None] * n
    which = np.zeros(0, np.int64)
    lfnum = lfval = np.zeros(0, np.uint64)
    if len(lt):
        pair_lo = lt + 2
        lens = lnext - pair_lo
        if bool(np.any(lens % 2)):
            raise Malformed("unexpected label content")
        pos = _ranges(pair_lo, lnext)[::2]
        which = np.repeat(np.arange(len(lt), dtype=np.int64), lens // 2)
        ltag = vals[pos]
        if bool(np.any((ltag & np.uint64(7)) != 0)):
            raise Malformed("unexpected wire type")
        lfnum = ltag >> np.uint64(3)
        lfval = vals[pos + 1]
        # A label set's key: the bytes from its first label to the end of its last.
        first = np.ones(len(lt), bool)
        first[1:] = lo_own[1:] != lo_own[:-1]
        last = np.ones(len(lt), bool)
        last[:-1] = lo_own[1:] != lo_own[:-1]
        key_lo = starts[lt[first]].tolist()
        last_next = lnext[last]
        key_hi = np.where(
            last_next < ntok, starts[np.minimum(last_next, ntok - 1)], len(buf)
        ).tolist()
        for o, a, b in zip(lo_own[first].tolist(), key_lo, key_hi):
            label_keys[o] = blob[a:b]
    return _Chunk(
        n,
        np.bincount(loc_owner, minlength=n).astype(np.int64),
        vals[loc_tok],
        np.bincount(val_owner, minlength=n).astype(np.int64),
        vals[val_tok],
        label_keys,
        lo_own,
        which,
        lfnum,
        lfval,
    )


def _canonical(payloads: list[bytes]) -> list[bytes]:
    """Re-encode samples through upb without unknown fields (rare encodings only)."""
    from google.protobuf.message import DecodeError

    from pprofsh.profile import profile_pb2

    out = []
    for b in payloads:
        try:
            m = profile_pb2.Sample.FromString(b)
        except DecodeError:
            raise Malformed("bad sample") from None
        m.DiscardUnknownFields()
        out.append(m.SerializeToString())
    return out


# Samples decoded together: bounds the size of the temporary arrays.
CHUNK_BYTES = 1 << 20


@dataclass
class _Decoded:
    """Decoded pieces: per piece its location ids, values and label set id."""

    loc_counts: I64
    loc_ids: U64
    value_counts: I64
    values: U64
    labels: I32


def decode_samples(
    raw: Sequence[bytes],
    ntypes: int,
    loc_ids: U64,
    locations: list[Location],
    strings: list[str],
) -> SampleSet:
    """Columns for the encoded Sample messages raw (profile.proto field 2).

    loc_ids[i] is the id of locations[i]. Identical encodings are counted and
    decoded once. Each sample is then cut where its leading location field(s)
    end (encoders write location_id first): the stack part and the rest
    (values, labels) are each deduplicated by their bytes, so each distinct
    stack and each distinct (values, labels) is decoded once. When location
    ids come after other fields, whole samples are decoded and equal stacks
    found by dedupe_stacks.
    """
    counts = Counter(raw)
    distinct = list(counts)
    n = len(distinct)
    mult = np.fromiter(counts.values(), dtype=np.int64, count=n)
    del counts
    label_sets: list[LabelSet] = []
    set_index: dict[bytes, int] = {}
    blob = b"".join(distinct)
    bounds = _bounds(distinct)
    lo, hi = bounds[:-1], bounds[1:]
    try:
        cut = _leading_field_end(np.frombuffer(blob, np.uint8), lo, hi, 1)
    except Malformed:
        cut = lo
    cut_l = cut.tolist()
    pidx, pkey = _intern(list(map(blob.__getitem__, map(slice, lo.tolist(), cut_l))))
    ridx, rkey = _intern(list(map(blob.__getitem__, map(slice, cut_l, hi.tolist()))))
    del blob, cut_l
    stacks = _decode_pieces(list(pidx), strings, set_index, label_sets)
    rest = _decode_pieces(list(ridx), strings, set_index, label_sets)
    del pidx, ridx
    split = True
    if (
        bool(rest.loc_counts.any())
        or bool(stacks.value_counts.any())
        or bool((stacks.labels >= 0).any())
    ):
        # Location ids after other fields: decode whole samples.
        split = False
        label_sets.clear()
        set_index.clear()
        stacks = rest = _decode_pieces(distinct, strings, set_index, label_sets)
        pkey = rkey = np.arange(n, dtype=np.int64)
    del distinct
    index = _location_index(loc_ids, stacks.loc_ids)
    invalid = _first_invalid(stacks.loc_counts, rest.value_counts, index, ntypes, pkey, rkey)
    if invalid:
        empty = np.zeros(0, np.int32)
        return SampleSet(
            locations,
            np.zeros(1, np.int64),
            empty,
            empty,
            empty,
            np.zeros((0, ntypes), np.int64),
            label_sets,
            invalid=invalid,
        )
    if split:
        # Distinct stack encodings are the stacks (an encoder writes one stack one way).
        starts = np.zeros(len(stacks.loc_counts) + 1, np.int64)
        np.cumsum(stacks.loc_counts, out=starts[1:])
        locs, stack_of = index, np.arange(len(stacks.loc_counts), dtype=np.int32)
    else:
        starts, locs, stack_of = dedupe_stacks(stacks.loc_counts, index)
    values = rest.values.view(np.int64).reshape(len(rest.value_counts), ntypes)
    return SampleSet(
        locations,
        starts,
        locs,
        stack_of[pkey],
        rest.labels[rkey],
        values[rkey] * mult[:, None],
        label_sets,
    )


def _intern(keys: list[bytes]) -> tuple[dict[bytes, int], I64]:
    """Distinct keys (in order of first use) with their numbers, and each key's number."""
    index = dict(zip(dict.fromkeys(keys), itertools.count()))
    return index, np.fromiter(map(index.__getitem__, keys), np.int64, len(keys))


def _bounds(pieces: list[bytes]) -> I64:
    bounds = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, pieces), np.int64, len(pieces)), out=bounds[1:])
    return bounds


def _varint_at(
    buf: npt.NDArray[np.uint8], pos: I64, limit: I64
) -> tuple[U64, I64, npt.NDArray[np.bool_]]:
    """The varint starting at each pos: (value, end, ok); not ok when it runs past limit."""
    k = np.arange(10, dtype=np.int64)
    at = np.minimum(pos[:, None] + k, len(buf) - 1)
    b = buf[at]
    term = b < 0x80
    length = np.argmax(term, axis=1) + 1
    ok = term.any(axis=1) & (pos + length <= limit)
    use = k[None, :] < length[:, None]
    parts = (b & 0x7F).astype(np.uint64) << (np.uint64(7) * k.astype(np.uint64))
    value = np.where(use, parts, np.uint64(0)).sum(axis=1, dtype=np.uint64)
    return value, pos + length, ok


def _leading_field_end(buf: npt.NDArray[np.uint8], lo: I64, hi: I64, number: int) -> I64:
    """Where the run of fields numbered number at the start of each message ends."""
    pos: I64 = lo.copy()
    idx = np.flatnonzero(pos < hi)
    while len(idx):
        p, limit = pos[idx], hi[idx]
        tag, after, ok = _varint_at(buf, p, limit)
        wt = tag & np.uint64(7)
        mine = ok & ((tag >> np.uint64(3)) == number) & ((wt == 0) | (wt == 2))
        idx, after, wt, limit = idx[mine], after[mine], wt[mine], limit[mine]
        val, end, ok2 = _varint_at(buf, after, limit)
        ld = wt == 2
        room = (limit - end).astype(np.uint64)
        fits = ok2 & (~ld | (val <= room))
        idx, end, val, ld = idx[fits], end[fits], val[fits], ld[fits]
        new = np.where(ld, end + np.minimum(val, np.uint64(1 << 62)).astype(np.int64), end)
        pos[idx] = new
        idx = idx[new < hi[idx]]
    return pos


def _decode_pieces(
    pieces: list[bytes], strings: list[str], set_index: dict[bytes, int], label_sets: list[LabelSet]
) -> _Decoded:
    """Decode encoded Sample messages (or parts of them), in chunks of CHUNK_BYTES."""
    bounds = _bounds(pieces)
    parts: list[tuple[I64, U64, I64, U64, I32]] = []
    i = 0
    n = len(pieces)
    while i < n:
        j = int(np.searchsorted(bounds, bounds[i] + CHUNK_BYTES, side="right")) - 1
        j = min(max(j, i + 1), n)
        part = pieces[i:j]
        try:
            chunk = _decode_chunk(part)
        except Malformed:
            chunk = _decode_chunk(_canonical(part))
        labels = _label_ids(chunk, set_index, label_sets, strings)
        parts.append(
            (chunk.loc_counts, chunk.loc_ids, chunk.value_counts, chunk.value_bits, labels)
        )
        i = j
    return _Decoded(
        _cat([x[0] for x in parts], np.int64),
        _cat([x[1] for x in parts], np.uint64),
        _cat([x[2] for x in parts], np.int64),
        _cat([x[3] for x in parts], np.uint64),
        _cat([x[4] for x in parts], np.int32),
    )


def _decode_chunk(part: list[bytes]) -> _Chunk:
    return _walk(b"".join(part), _bounds(part))


def _label_ids(
    chunk: _Chunk, set_index: dict[bytes, int], label_sets: list[LabelSet], strings: list[str]
) -> I32:
    ids = np.full(chunk.nsamples, -1, np.int32)
    nlab = len(chunk.label_owner)
    if not nlab:
        return ids
    # Per label: key, str, num, num_unit (proto3: a later field overrides an earlier one).
    cols = np.zeros((5, nlab), np.uint64)
    fnum = chunk.label_fnum
    known = (fnum >= 1) & (fnum <= 4)
    cols[fnum[known].astype(np.int64), chunk.label_which[known]] = chunk.label_fval[known]
    kk = cols[1].tolist()
    ss = cols[2].tolist()
    nn = cols[3].view(np.int64).tolist()
    uu = cols[4].tolist()
    # Labels are grouped by sample, in sample order.
    per_sample = np.bincount(chunk.label_owner, minlength=chunk.nsamples)
    hi_arr = np.cumsum(per_sample)
    lo = (hi_arr - per_sample).tolist()
    hi = hi_arr.tolist()
    for o, key in enumerate(chunk.label_keys):
        if key is None:
            continue
        got = set_index.get(key)
        if got is None:
            got = set_index[key] = len(label_sets)
            label_sets.append(
                _label_set([(kk[x], ss[x], nn[x], uu[x]) for x in range(lo[o], hi[o])], strings)
            )
        ids[o] = got
    return ids


def _string(strings: list[str], i: int) -> str:
    if i < 0 or i >= len(strings):
        raise Malformed("malformed profile format")
    return strings[i]


def _label_set(raw: list[tuple[int, int, int, int]], strings: list[str]) -> LabelSet:
    labels: dict[str, list[str]] = {}
    nums: dict[str, list[int]] = {}
    units: dict[str, list[str]] = {}
    for key_x, str_x, num, unit_x in raw:
        key = _string(strings, key_x)
        if str_x:
            labels.setdefault(key, []).append(_string(strings, str_x))
        elif num or unit_x:
            vals = nums.setdefault(key, [])
            if unit_x:
                u = units.setdefault(key, [])
                u.extend([""] * (len(vals) - len(u)))
                u.append(_string(strings, unit_x))
            vals.append(num)
    for key, u in units.items():
        if u:
            u.extend([""] * (len(nums[key]) - len(u)))
    return labels or None, nums or None, (units or None) if nums else None


def _location_index(loc_ids: U64, ids: U64) -> I32:
    """Index into the location table of each id (the first of equal ids), -1 if none."""
    n = len(loc_ids)
    if n == 0:
        return np.full(len(ids), -1, np.int32)
    top = int(loc_ids.max())
    if top < 4 * n + 4096:
        table = np.full(top + 1, -1, np.int32)
        table[loc_ids[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int32)
        inside = ids <= np.uint64(top)
        return np.where(inside, table[np.where(inside, ids, 0)], -1).astype(np.int32)
    order = np.argsort(loc_ids, kind="stable")
    sorted_ids = loc_ids[order]
    pos = np.minimum(np.searchsorted(sorted_ids, ids), n - 1)
    found = sorted_ids[pos] == ids
    return np.where(found, order[pos], -1).astype(np.int32)


def _cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    if not parts:
        return np.zeros(0, dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


def _first_invalid(
    loc_counts: I64, value_counts: I64, index: I32, ntypes: int, pkey: I64, rkey: I64
) -> str:
    """check_valid's complaint about the first bad sample ('' when none)."""
    n = len(pkey)
    if n and ntypes == 0:
        return "missing sample type information"
    bad_values = (value_counts != ntypes)[rkey]
    missing = index < 0
    bad_stack = np.zeros(len(loc_counts), bool)
    if bool(missing.any()):
        owner = np.repeat(np.arange(len(loc_counts)), loc_counts)
        bad_stack[owner[missing]] = True
    bad = np.flatnonzero(bad_values | bad_stack[pkey])
    if not len(bad):
        return ""
    first = int(bad[0])
    if bad_values[first]:
        return f"mismatch: sample has {int(value_counts[rkey[first]])} values vs. {ntypes} types"
    return "sample has nil location"


_P1 = np.uint64(0x9E3779B97F4A7C15)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)


def dedupe_stacks(lengths: I64, flat: I32) -> tuple[I64, I32, I32]:
    """Equal location sequences -> one stack id each, in order of first use.

    Returns (starts, locs, stack of each sequence). Sequences are compared by
    two polynomial hashes and their length, then checked element by element;
    a hash collision falls back to comparing the bytes.
    """
    n = len(lengths)
    offs = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=offs[1:])
    if n == 0:
        return offs[:1].copy(), flat[:0].copy(), np.zeros(0, np.int32)
    pos = np.arange(len(flat), dtype=np.int64) - np.repeat(offs[:-1], lengths)
    longest = int(lengths.max())
    with np.errstate(over="ignore"):
        pw1 = np.cumprod(np.full(longest + 1, _P1, np.uint64))
        pw2 = np.cumprod(np.full(longest + 1, _P2, np.uint64))
        x: U64 = flat.astype(np.uint64) + np.uint64(1)
        h1 = _segment_sum(x * pw1[pos], offs)
        h2 = _segment_sum(x * pw2[pos], offs)
        keys = h1 ^ (h2 >> np.uint64(17)) ^ (lengths.astype(np.uint64) * _P2)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    # Renumber in order of first use.
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    stack = rank[inverse]
    rep = np.sort(first)
    # Check: every sequence equals its representative's.
    rep_of = rep[stack]
    mine = flat
    theirs = flat[np.repeat(offs[rep_of], lengths) + pos]
    if not bool(np.array_equal(mine, theirs)):
        return _dedupe_exact(lengths, flat, offs)
    rep_len = lengths[rep]
    starts = np.zeros(len(rep) + 1, np.int64)
    np.cumsum(rep_len, out=starts[1:])
    locs = flat[_ranges(offs[rep], offs[rep] + rep_len)]
    return starts, locs.astype(np.int32), stack.astype(np.int32)


def _segment_sum(x: npt.NDArray[Any], offs: I64) -> U64:
    c = np.zeros(len(x) + 1, np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(x, out=c[1:])
        return c[offs[1:]] - c[offs[:-1]]


def _dedupe_exact(lengths: I64, flat: I32, offs: I64) -> tuple[I64, I32, I32]:
    index: dict[bytes, int] = {}
    stack = np.empty(len(lengths), np.int32)
    reps: list[int] = []
    bounds = offs.tolist()
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        key = flat[a:b].tobytes()
        s = index.get(key)
        if s is None:
            s = index[key] = len(reps)
            reps.append(i)
        stack[i] = s
    rep = np.array(reps, np.int64)
    rep_len = lengths[rep]
    starts = np.zeros(len(rep) + 1, np.int64)
    np.cumsum(rep_len, out=starts[1:])
    locs = flat[_ranges(offs[rep], offs[rep] + rep_len)]
    return starts, locs.astype(np.int32), stack
