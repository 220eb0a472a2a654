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


class _Malformed(Exception):
    pass


def gunzip(data: bytes, limit: int | None = None) -> bytes:
    """Decompress every gzip member of data, as Go's gzip.Reader does, up to the limit
    (default: pprofsh.limits.max_size(), i.e. $PPROFSH_MAX_SIZE)."""
    from pprofsh import limits

    if limit is None:
        limit = limits.max_size()
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
            raise ProfileError("decompressing profile: " + limits.too_large("profile", limit))
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
    """Decode profile.proto. Samples are split off and decoded by _SampleScanner; upb
    decodes everything else."""
    scan = _SampleScanner()
    rest = scan.split(data)
    msg = profile_pb2.Profile()
    msg.ParseFromString(rest)
    st = [_utf8(b) for b in scan.strings]
    if not st or st[0] != "":
        raise _Malformed("string_table[0] must be ''")
    return from_message(msg, st, scan)


def _utf8(b: bytes) -> str:
    """A string table entry; invalid UTF-8 shows as U+FFFD (Go keeps the raw bytes)."""
    try:
        return b.decode()
    except UnicodeDecodeError:
        return b.decode("utf-8", "replace")


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[i]
        result |= (b & 0x7F) << shift
        i += 1
        if b < 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise _Malformed("malformed varint")


class _SampleScanner:
    """Walks the top-level fields of a profile once.

    Sample messages are cut into their stack, values and labels bytes; equal
    byte strings are decoded once (most samples repeat a stack, a value vector
    and a label set seen before). Other fields are handed on to upb.
    """

    def __init__(self) -> None:
        self.stack_index: dict[bytes | tuple[int, ...], int] = {}
        self.stack_ids: list[tuple[int, ...]] = []
        self.label_index: dict[bytes, int] = {}
        self.label_raw: list[list[tuple[int, int, int, int]]] = []
        self.samples: list[tuple[int, tuple[int, ...], int]] = []
        self.strings: list[bytes] = []

    def split(self, data: bytes) -> bytes:
        rest = []
        strings = self.strings
        n = len(data)
        i = 0
        samples = self.samples
        append = samples.append
        stack_index = self.stack_index
        values_cache: dict[bytes, tuple[int, ...]] = {}
        label_index = self.label_index
        try:
            while i < n:
                start = i
                t = data[i]
                if t < 0x80:
                    i += 1
                else:
                    t, i = _varint(data, i)
                wt = t & 7
                if wt == 2:
                    ln = data[i]
                    if ln < 0x80:
                        i += 1
                    else:
                        ln, i = _varint(data, i)
                    end = i + ln
                    if end > n:
                        raise _Malformed("truncated field")
                    if t == 0x32:
                        # string_table entries: kept as bytes, since Go's decoder does
                        # not insist on UTF-8 (upb would refuse the whole profile).
                        strings.append(data[i:end])
                        i = end
                        continue
                    if t != 0x12:
                        rest.append(data[start:end])
                        i = end
                        continue
                    # A sample: canonical layout is packed ids (1), packed values (2), labels (3).
                    j = i
                    if j < end and data[j] == 0x0A:
                        ln = data[j + 1]
                        if ln < 0x80:
                            j += 2
                        else:
                            ln, j = _varint(data, j + 1)
                        sk = data[j : j + ln]
                        j += ln
                        if j < end and data[j] == 0x12:
                            ln = data[j + 1]
                            if ln < 0x80:
                                j += 2
                            else:
                                ln, j = _varint(data, j + 1)
                            vk = data[j : j + ln]
                            j += ln
                            if j <= end:
                                si = stack_index.get(sk)
                                if si is None:
                                    si = self._new_stack(sk, data[i:end])
                                vals = values_cache.get(vk)
                                if vals is None:
                                    vals = values_cache[vk] = self._values(data[i:end])
                                if j == end:
                                    append((si, vals, -1))
                                else:
                                    lk = data[j:end]
                                    li = label_index.get(lk)
                                    if li is None:
                                        li = self._new_labels(lk, data[i:end])
                                    append((si, vals, li))
                                i = end
                                continue
                    self._generic(data[i:end])
                    i = end
                elif wt == 0:
                    _v, i = _varint(data, i)
                    rest.append(data[start:i])
                elif wt == 1:
                    i += 8
                    rest.append(data[start:i])
                elif wt == 5:
                    i += 4
                    rest.append(data[start:i])
                else:
                    raise _Malformed("bad wire type")
            if i != n:
                raise _Malformed("truncated field")
        except IndexError:
            raise _Malformed("truncated field") from None
        return b"".join(rest)

    @staticmethod
    def _decode(payload: bytes) -> profile_pb2.Sample:
        return profile_pb2.Sample.FromString(payload)

    def _stack_for_ids(self, ids: tuple[int, ...]) -> int:
        si = self.stack_index.get(ids)
        if si is None:
            si = self.stack_index[ids] = len(self.stack_ids)
            self.stack_ids.append(ids)
        return si

    def _new_stack(self, key: bytes, payload: bytes) -> int:
        si = self._stack_for_ids(tuple(self._decode(payload).location_id))
        self.stack_index[key] = si
        return si

    def _values(self, payload: bytes) -> tuple[int, ...]:
        return tuple(self._decode(payload).value)

    def _new_labels(self, key: bytes, payload: bytes) -> int:
        li = self.label_index[key] = len(self.label_raw)
        self.label_raw.append(
            [(lab.key, lab.str, lab.num, lab.num_unit) for lab in self._decode(payload).label]
        )
        return li

    def _generic(self, payload: bytes) -> None:
        """Any other layout (unpacked fields, other field order): let upb decode it."""
        m = self._decode(payload)
        si = self._stack_for_ids(tuple(m.location_id))
        li = -1
        if m.label:
            li = len(self.label_raw)
            self.label_raw.append([(lab.key, lab.str, lab.num, lab.num_unit) for lab in m.label])
        self.samples.append((si, tuple(m.value), li))


def from_message(msg: profile_pb2.Profile, st: list[str], scan: _SampleScanner) -> Profile:
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
        lines = [
            Line(functions.get(ln.function_id) if ln.function_id else None, ln.line)
            for ln in loc.line
        ]
        ll = Location(loc.id, mappings.get(loc.mapping_id), loc.address, lines, loc.is_folded)
        p.locations.append(ll)
        locations.setdefault(loc.id, ll)
    p.sample_types = [
        ValueType(_strings(st, v.type), _strings(st, v.unit)) for v in msg.sample_type
    ]
    p.samples = _samples(scan, st, locations)
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


def _samples(scan: _SampleScanner, st: list[str], locations: dict[int, Location]) -> list[Sample]:
    """Resolve samples; samples with equal stacks share one tuple, equal labels one dict."""
    missing = _MissingLocation()
    get = locations.get
    stacks = []
    for ids in scan.stack_ids:
        stack = tuple(map(get, ids))
        if None in stack:
            stack = tuple(loc or missing for loc in stack)
        stacks.append(stack)
    labels = [_labels(raw, st) for raw in scan.label_raw]
    none3 = (None, None, None)
    return [
        Sample(stacks[si], list(vals), *(labels[li] if li >= 0 else none3))
        for si, vals, li in scan.samples
    ]


class _MissingLocation(Location):
    """Stands for a sample's location id that names no location (reported by check_valid)."""

    def __init__(self) -> None:
        super().__init__(0)


def _labels(raw: list[tuple[int, int, int, int]], st: list[str]):
    """Label dicts of one sample. They are shared between samples: never mutate them."""
    labels: dict[str, list[str]] = {}
    nums: dict[str, list[int]] = {}
    units: dict[str, list[str]] = {}
    for key_x, str_x, num, unit_x in raw:
        key = _strings(st, key_x)
        if str_x:
            labels.setdefault(key, []).append(_strings(st, str_x))
        elif num or unit_x:
            vals = nums.setdefault(key, [])
            if unit_x:
                u = units.setdefault(key, [])
                u.extend([""] * (len(vals) - len(u)))
                u.append(_strings(st, unit_x))
            vals.append(num)
    for key, u in units.items():
        if u:
            u.extend([""] * (len(nums[key]) - len(u)))
    return labels or None, nums or None, (units or None) if nums else None


def check_valid(p: Profile, stacks: bool = True) -> str:
    """Go's Profile.CheckValid: '' when valid, else the reason.

    stacks=False skips the search for unresolved location ids, which only a
    freshly decoded profile can have."""
    n = len(p.sample_types)
    if n == 0 and p.samples:
        return "missing sample type information"
    seen_stacks: set[int] = set()
    for s in p.samples:
        if len(s.values) != n:
            return f"mismatch: sample has {len(s.values)} values vs. {n} types"
        st = s.locations
        if not stacks:
            continue
        if id(st) not in seen_stacks:
            seen_stacks.add(id(st))
            for loc in st:
                if isinstance(loc, _MissingLocation):
                    return "sample has nil location"
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


def _ids_error(items, what: str, id_word: str) -> str:
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
