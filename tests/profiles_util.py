"""Tiny hand-made profiles for tests that need a shape no Go program writes
(a pathological function name or drop_frames regexp)."""

from __future__ import annotations

from pprofsh.profile import profile_pb2


def one_function_profile(name: str, *extra: str) -> profile_pb2.Profile:
    """goroutine/count profile: one sample of 1 on one location in function `name`.
    Extra strings are appended to the string table (from index 4)."""
    m = profile_pb2.Profile()
    m.string_table.extend(["", "goroutine", "count", name, *extra])
    t = m.sample_type.add()
    t.type, t.unit = 1, 2
    f = m.function.add()
    f.id, f.name, f.system_name = 1, 3, 3
    loc = m.location.add()
    loc.id = 1
    loc.line.add().function_id = 1
    s = m.sample.add()
    s.location_id.append(1)
    s.value.append(1)
    return m
