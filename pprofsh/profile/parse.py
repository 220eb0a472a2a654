"""Bytes -> Profile: gzip framing, profile.proto, then the legacy formats.

The protobuf message is turned into the resolved model here and dropped; no
layer above sees string-table indices.
"""

from __future__ import annotations

import zlib

from google.protobuf.message import DecodeError

from pprofsh.errors import ProfileError
from pprofsh.profile import profile_pb2
from pprofsh.profile.model import (
    Function,
    Line,
    Location,
    Mapping,
    Profile,
    Sample,
    ValueType,
)

# Decompressed size beyond which a profile is refused (a gzip bomb guard).
MAX_DECOMPRESSED = 4 << 30


class _Malformed(Exception):
    pass


def gunzip(data: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Decompress every gzip member of data, as Go's gzip.Reader does."""
    out = []
    total = 0
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(data, limit - total + 1)
        except zlib.error as e:
            raise ProfileError(f"decompressing profile: {_zlib_message(e)}") from None
        total += len(chunk)
        if total > limit or d.unconsumed_tail:
            raise ProfileError(f"decompressing profile: larger than {limit >> 20} MiB")
        out.append(chunk)
        if not d.eof:
            raise ProfileError("decompressing profile: unexpected EOF")
        data = d.unused_data
        if data and data[:2] != b"\x1f\x8b":
            # Go's reader reports trailing garbage after a member as a bad header.
            raise ProfileError("decompressing profile: gzip: invalid header")
    return b"".join(out)


def _zlib_message(e: zlib.error) -> str:
    text = str(e)
    if "incorrect header check" in text or "unknown compression method" in text:
        return "gzip: invalid header"
    if "invalid" in text:
        return "flate: corrupt input before offset 0"
    return text


def parse(data: bytes) -> Profile:
    """Parse a profile as `go tool pprof` does; errors carry Go's wording."""
    if len(data) >= 2 and data[0] == 0x1F and data[1] == 0x8B:
        data = gunzip(data)
    if not data:
        raise ProfileError("parsing profile: empty input file")
    try:
        p = parse_proto(data)
    except (_Malformed, DecodeError, RecursionError):
        from pprofsh.profile import goroutine_dump, legacy

        try:
            if goroutine_dump.looks_like_dump(data):
                p = goroutine_dump.parse_dump(data)
            else:
                p = legacy.parse_legacy(data)
        except ProfileError as e:
            raise ProfileError(f"parsing profile: {e}") from None
    err = check_valid(p)
    if err:
        raise ProfileError(f"malformed profile: {err}")
    return p


def _strings(table: list[str], i: int) -> str:
    if i < 0 or i >= len(table):
        raise _Malformed("malformed profile format")
    return table[i]


def parse_proto(data: bytes) -> Profile:
    msg = profile_pb2.Profile()
    msg.ParseFromString(data)
    st = list(msg.string_table)
    if not st or st[0] != "":
        raise _Malformed("string_table[0] must be ''")
    return from_message(msg, st)


def from_message(msg: profile_pb2.Profile, st: list[str]) -> Profile:
    p = Profile()
    mappings: dict[int, Mapping] = {}
    for m in msg.mapping:
        mm = Mapping(
            m.id,
            m.memory_start,
            m.memory_limit,
            m.file_offset,
            _strings(st, m.filename),
            _strings(st, m.build_id),
            m.has_functions,
            m.has_filenames,
            m.has_line_numbers,
            m.has_inline_frames,
        )
        p.mappings.append(mm)
        mappings.setdefault(m.id, mm)
    functions: dict[int, Function] = {}
    for f in msg.function:
        ff = Function(
            f.id,
            _strings(st, f.name),
            _strings(st, f.system_name),
            _strings(st, f.filename),
            f.start_line,
        )
        p.functions.append(ff)
        functions.setdefault(f.id, ff)
    locations: dict[int, Location] = {}
    for loc in msg.location:
        lines = [Line(functions.get(ln.function_id) if ln.function_id else None, ln.line)
                 for ln in loc.line]
        ll = Location(loc.id, mappings.get(loc.mapping_id), loc.address, lines, loc.is_folded)
        p.locations.append(ll)
        locations.setdefault(loc.id, ll)
    p.sample_types = [ValueType(_strings(st, v.type), _strings(st, v.unit))
                      for v in msg.sample_type]
    p.samples = _samples(msg, st, locations)
    p.drop_frames = _strings(st, msg.drop_frames)
    p.keep_frames = _strings(st, msg.keep_frames)
    pt = msg.period_type
    p.period_type = ValueType(_strings(st, pt.type), _strings(st, pt.unit))
    p.comments = [_strings(st, c) for c in msg.comment]
    p.default_sample_type = _strings(st, msg.default_sample_type)
    p.time_nanos = msg.time_nanos
    p.duration_nanos = msg.duration_nanos
    p.period = msg.period
    return p


def _samples(msg: profile_pb2.Profile, st: list[str],
             locations: dict[int, Location]) -> list[Sample]:
    """Resolve samples, sharing one stack tuple between samples with equal stacks."""
    stacks: dict[tuple[int, ...], tuple[Location, ...]] = {}
    get_stack = stacks.get
    missing = _MissingLocation()
    out = []
    append = out.append
    for s in msg.sample:
        ids = tuple(s.location_id)
        stack = get_stack(ids)
        if stack is None:
            stack = tuple(locations.get(i, missing) for i in ids)
            stacks[ids] = stack
        if s.label:
            labels, num_labels, num_units = _labels(s.label, st)
            append(Sample(stack, list(s.value), labels, num_labels, num_units))
        else:
            append(Sample(stack, list(s.value)))
    return out


class _MissingLocation(Location):
    """Stands for a sample's location id that names no location (reported by check_valid)."""

    def __init__(self) -> None:
        super().__init__(0)


def _labels(raw, st: list[str]):
    labels: dict[str, list[str]] = {}
    nums: dict[str, list[int]] = {}
    units: dict[str, list[str]] = {}
    for lab in raw:
        key = _strings(st, lab.key)
        if lab.str:
            labels.setdefault(key, []).append(_strings(st, lab.str))
        elif lab.num or lab.num_unit:
            vals = nums.setdefault(key, [])
            if lab.num_unit:
                u = units.setdefault(key, [])
                u.extend([""] * (len(vals) - len(u)))
                u.append(_strings(st, lab.num_unit))
            vals.append(lab.num)
    for key, u in units.items():
        if u:
            u.extend([""] * (len(nums[key]) - len(u)))
    return labels or None, nums or None, (units or None) if nums else None


def check_valid(p: Profile) -> str:
    """Go's Profile.CheckValid: '' when valid, else the reason."""
    n = len(p.sample_types)
    if n == 0 and p.samples:
        return "missing sample type information"
    for s in p.samples:
        if len(s.values) != n:
            return f"mismatch: sample has {len(s.values)} values vs. {n} types"
        for loc in s.locations:
            if isinstance(loc, _MissingLocation):
                return "sample has nil location"
    seen: set[int] = set()
    for m in p.mappings:
        if m.id == 0:
            return "found mapping with reserved ID=0"
        if m.id in seen:
            return f"multiple mappings with same id: {m.id}"
        seen.add(m.id)
    seen = set()
    for f in p.functions:
        if f.id == 0:
            return "found function with reserved ID=0"
        if f.id in seen:
            return f"multiple functions with same id: {f.id}"
        seen.add(f.id)
    seen = set()
    for loc in p.locations:
        if loc.id == 0:
            return "found location with reserved id=0"
        if loc.id in seen:
            return f"multiple locations with same id: {loc.id}"
        seen.add(loc.id)
        for ln in loc.lines:
            if ln.function is None:
                return f"location id: {loc.id} has a line with nil function"
    return ""


def read_file(path: str) -> Profile:
    with open(path, "rb") as f:
        data = f.read()
    return parse(data)


__all__ = ["parse", "parse_proto", "gunzip", "check_valid", "read_file"]
