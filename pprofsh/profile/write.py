"""The model back to profile.proto: gzipped bytes another pprof can read.

The string table is built in the order pprof's encoder (profile/encode.go,
preEncode) adds strings: "", sample types, sample labels (keys sorted),
mappings, functions, drop/keep frames, period type, comments, default type.
"""

from __future__ import annotations

import gzip
import io

from pprofsh.profile import profile_pb2
from pprofsh.profile.model import Function, Location, Mapping, Profile, Sample


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.index)
        return i

    def table(self) -> list[str]:
        return list(self.index)  # dicts keep insertion order: index i at position i


def _tables(
    p: Profile, samples: list[Sample]
) -> tuple[list[Mapping], list[Location], list[Function]]:
    """Mappings, locations and functions to write: the profile's, with any location the
    filters replaced (same id) or added (tag roots/leaves) taken from the samples."""
    used: dict[int, Location] = {}
    for s in samples:
        for loc in s.locations:
            if loc.id and loc.id not in used:
                used[loc.id] = loc
    locations = [used.get(loc.id, loc) for loc in p.locations]
    have = {loc.id for loc in p.locations}
    locations += [loc for i, loc in used.items() if i not in have]
    functions = list(p.functions)
    seen_f = {id(f) for f in functions}
    mappings = list(p.mappings)
    seen_m = {id(m) for m in mappings}
    for loc in locations:
        if loc.mapping is not None and id(loc.mapping) not in seen_m:
            seen_m.add(id(loc.mapping))
            mappings.append(loc.mapping)
        for ln in loc.lines:
            if ln.function is not None and id(ln.function) not in seen_f:
                seen_f.add(id(ln.function))
                functions.append(ln.function)
    return mappings, locations, functions


def to_message(
    p: Profile, samples: list[Sample] | None = None, locations: list[Location] | None = None
) -> profile_pb2.Profile:
    if samples is None:
        samples = p.samples
    if locations is None:
        mappings, locations, functions = _tables(p, samples)
    else:
        mappings = list(p.mappings)
        functions = list(p.functions)
    st = _Strings()
    msg = profile_pb2.Profile()
    for vt in p.sample_types:
        x = msg.sample_type.add()
        x.type = st.add(vt.type)
        x.unit = st.add(vt.unit)
    for s in samples:
        x = msg.sample.add()
        x.location_id.extend(loc.id for loc in s.locations)
        x.value.extend(s.values)
        labels = s.labels or {}
        for k in sorted(labels):
            for v in labels[k]:
                lab = x.label.add()
                lab.key = st.add(k)
                lab.str = st.add(v)
        num_labels = s.num_labels or {}
        for k in sorted(num_labels):
            key = st.add(k)
            units = (s.num_units or {}).get(k) or []
            for i, n in enumerate(num_labels[k]):
                lab = x.label.add()
                lab.key = key
                lab.num = n
                if units:
                    lab.num_unit = st.add(units[i])
    for m in mappings:
        x = msg.mapping.add()
        x.id = m.id
        x.memory_start = m.start
        x.memory_limit = m.limit
        x.file_offset = m.offset
        x.filename = st.add(m.file)
        x.build_id = st.add(m.build_id)
        x.has_functions = m.has_functions
        x.has_filenames = m.has_filenames
        x.has_line_numbers = m.has_line_numbers
        x.has_inline_frames = m.has_inline_frames
    for loc in locations:
        x = msg.location.add()
        x.id = loc.id
        x.mapping_id = loc.mapping.id if loc.mapping is not None else 0
        x.address = loc.address
        for ln in loc.lines:
            y = x.line.add()
            y.function_id = ln.function.id if ln.function is not None else 0
            y.line = ln.line
        x.is_folded = loc.is_folded
    for f in functions:
        x = msg.function.add()
        x.id = f.id
        x.name = st.add(f.name)
        x.system_name = st.add(f.system_name)
        x.filename = st.add(f.filename)
        x.start_line = f.start_line
    msg.drop_frames = st.add(p.drop_frames)
    msg.keep_frames = st.add(p.keep_frames)
    msg.time_nanos = p.time_nanos
    msg.duration_nanos = p.duration_nanos
    if p.period_type is not None:
        t, u = st.add(p.period_type.type), st.add(p.period_type.unit)
        if t or u:
            msg.period_type.type = t
            msg.period_type.unit = u
    msg.period = p.period
    msg.comment.extend(st.add(c) for c in p.comments)
    msg.default_sample_type = st.add(p.default_sample_type)
    msg.string_table.extend(st.table())
    return msg


def serialize(
    p: Profile, samples: list[Sample] | None = None, locations: list[Location] | None = None
) -> bytes:
    """Uncompressed profile.proto bytes."""
    data: bytes = to_message(p, samples, locations).SerializeToString()
    return data


def write(
    p: Profile, samples: list[Sample] | None = None, locations: list[Location] | None = None
) -> bytes:
    """Gzipped profile.proto bytes, as pprof's Profile.Write produces them."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as z:
        z.write(serialize(p, samples, locations))
    return buf.getvalue()
