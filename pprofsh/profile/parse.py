"""Bytes -> Profile: gzip framing, profile.proto, then the legacy formats.

The protobuf message is turned into the resolved model here and dropped; no
layer above sees string-table indices.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from google.protobuf.message import DecodeError

from pprofsh.errors import ProfileError
from pprofsh.profile import columns, profile_pb2
from pprofsh.profile.model import (
    Function,
    Line,
    Location,
    Mapping,
    Profile,
    ValueType,
)


class _Malformed(Exception):
    pass


def gunzip(data: bytes, limit: int | None = None) -> bytes:
    """Decompress every gzip member of data, as Go's gzip.Reader does, up to the limit
    (default: pprofsh.limits.max_size(), i.e. $PPROFSH_MAX_SIZE).

    Bounded and linear: the output is charged to pprofsh.limits.BUDGET as it grows
    (one budget for all the sources being loaded at once) and kept in one
    bytearray (no second copy at the end, so a bomb peaks at the limit, not twice
    it); each member is fed to zlib through a window that starts small and doubles,
    so what zlib copies back as unused_data is bounded by the member's own size (a
    million empty members cost a million small steps, not a million copies of the
    rest of the input)."""
    from pprofsh import limits

    if limit is None:
        limit = limits.max_size()
    out = bytearray()
    view = memoryview(data)
    pos, n = 0, len(data)

    def take(chunk: bytes) -> None:
        if not chunk:
            return
        if len(out) + len(chunk) > limit:
            raise ProfileError("decompressing profile: " + limits.too_large("profile", limit))
        try:
            limits.BUDGET.charge(len(chunk), "profile", limit)
        except ProfileError as e:
            raise ProfileError(f"decompressing profile: {e}") from None
        out.extend(chunk)

    with limits.BUDGET.scope():
        while pos < n:
            if pos > 0 and data[pos : pos + 2] != b"\x1f\x8b":
                # Go's reader reports trailing garbage after a member as a bad header.
                raise ProfileError("decompressing profile: gzip: invalid header")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            window = 64
            while not d.eof:
                piece = view[pos : pos + window]
                pos += len(piece)
                window = min(window * 2, limits.CHUNK)
                try:
                    chunk = d.decompress(piece, min(limits.CHUNK, limit - len(out) + 1))
                    take(chunk)
                    # Input left over (the output was cut at CHUNK), or output still
                    # inside zlib after the last input: drain it a CHUNK at a time.
                    while (d.unconsumed_tail or (chunk and pos >= n)) and not d.eof:
                        chunk = d.decompress(
                            d.unconsumed_tail, min(limits.CHUNK, limit - len(out) + 1)
                        )
                        take(chunk)
                except zlib.error as e:
                    raise ProfileError(f"decompressing profile: {_zlib_message(e)}") from None
                if not d.eof and pos >= n:
                    raise ProfileError("decompressing profile: unexpected EOF")
            pos -= len(d.unused_data)
    return out  # type: ignore[return-value]  # bytes-like: every parser reads it as bytes


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
    """Decode profile.proto: upb reads the message with samples and strings left as
    bytes (RawProfile); the samples are decoded into columns (profile/columns.py)."""
    msg = profile_pb2.RawProfile.FromString(data)
    st = [_utf8(b) for b in msg.string_table]
    if not st or st[0] != "":
        raise _Malformed("string_table[0] must be ''")
    return from_message(msg, st)


def _utf8(b: bytes) -> str:
    """A string table entry; invalid UTF-8 shows as U+FFFD (Go keeps the raw bytes)."""
    try:
        return b.decode()
    except UnicodeDecodeError:
        return b.decode("utf-8", "replace")


def from_message(msg: profile_pb2.RawProfile, st: list[str]) -> Profile:
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
    for loc in msg.location:
        lines = [
            Line(functions.get(ln.function_id) if ln.function_id else None, ln.line)
            for ln in loc.line
        ]
        p.locations.append(
            Location(loc.id, mappings.get(loc.mapping_id), loc.address, lines, loc.is_folded)
        )
    p.sample_types = [
        ValueType(_strings(st, v.type), _strings(st, v.unit)) for v in msg.sample_type
    ]
    loc_ids = np.fromiter((loc.id for loc in p.locations), np.uint64, len(p.locations))
    try:
        p.columns = columns.decode_samples(
            msg.sample, len(p.sample_types), loc_ids, p.locations, st
        )
    except columns.Malformed as e:
        raise _Malformed(str(e)) from None
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


def check_valid(p: Profile, stacks: bool = True) -> str:
    """Go's Profile.CheckValid: '' when valid, else the reason.

    Unresolved location ids are found while decoding (SampleSet.invalid); stacks
    is kept for callers that said a profile has none to look for."""
    n = len(p.sample_types)
    cols = p.columns_if_unmaterialized()
    if cols is not None:
        if cols.invalid:
            return cols.invalid
        if cols.num_groups and n == 0:
            return "missing sample type information"
        if cols.num_groups and cols.values.shape[1] != n:
            return f"mismatch: sample has {cols.values.shape[1]} values vs. {n} types"
    elif n == 0 and p.samples:
        return "missing sample type information"
    for s in p.samples if cols is None else ():
        if len(s.values) != n:
            return f"mismatch: sample has {len(s.values)} values vs. {n} types"
    err = (
        _ids_error(p.mappings, "mapping", "ID")
        or _ids_error(p.functions, "function", "ID")
        or _ids_error(p.locations, "location", "id")
    )
    if err:
        return err
    for loc in p.locations:
        for ln in loc.lines:
            if ln.function is None:
                return f"location id: {loc.id} has a line with nil function"
    return ""


def _ids_error(items: Sequence[Mapping | Function | Location], what: str, id_word: str) -> str:
    """Go's reserved-id and duplicate-id checks, in its words (it spells ID two ways)."""
    seen: set[int] = set()
    for item in items:
        if item.id == 0:
            return f"found {what} with reserved {id_word}=0"
        if item.id in seen:
            return f"multiple {what}s with same id: {item.id}"
        seen.add(item.id)
    return ""


def read_file(path: str) -> Profile:
    with open(path, "rb") as f:
        data = f.read()
    return parse(data)


__all__ = ["parse", "parse_proto", "gunzip", "check_valid", "read_file"]
