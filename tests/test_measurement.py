"""pprofsh.measurement against Go 1.19's pprof (cmd/vendor/github.com/google/pprof).

Where the expected values come from (none is computed by the code under test):

* [pprof] seen in the output of `go tool pprof` (Go 1.19.8) on tiny profiles
  written with pprofsh/profile/profile_pb2.py: one function per sample,
  sample types and period as noted next to each case.
* [go] printed by Go 1.19's internal/measurement/measurement.go itself: the
  package (and the profile package it imports) copied out of
  $GOROOT/src/cmd/vendor into a scratch module, since it is internal and
  cannot be imported, and called from a small main package; floats were
  printed with strconv.FormatFloat(f, 'g', -1, 64), which reads back exactly.
"""

from __future__ import annotations

import pytest

from pprofsh.errors import ProfileError
from pprofsh.measurement import (
    common_value_type,
    compatible_value_types,
    is_memory_unit,
    is_time_unit,
    label,
    percentage,
    scale,
    scale_profiles,
    scaled_label,
)
from pprofsh.profile.model import Profile, Sample, ValueType

# [go] Scale(value, from, to) and ScaledLabel(value, from, to):
# (value, from, to, scaled value, unit, label)
SCALE = [
    (1536, "bytes", "auto", 1.5, "kB", "1.50kB"),
    (1024, "bytes", "auto", 1, "kB", "1kB"),
    (1023, "bytes", "auto", 1023, "B", "1023B"),
    (0, "bytes", "auto", 0, "B", "0"),
    (-1536, "bytes", "auto", -1.5, "kB", "-1.50kB"),
    (3221225472, "B", "minimum", 3, "GB", "3GB"),
    (1125899906842624, "bytes", "auto", 1, "PB", "1PB"),
    (1152921504606846976, "bytes", "auto", 1024, "PB", "1024PB"),
    (1536, "bytes", "kb", 1.5, "kB", "1.50kB"),
    (1536, "bytes", "MB", 0.00146484375, "MB", "0"),
    (1536, "bytes", "megabytes", 0.00146484375, "MB", "0"),
    # Not an alias: falls back to the family's default unit.
    (1536, "bytes", "KiB", 1536, "B", "1536B"),
    (1536, "bytes", "seconds", 1536, "B", "1536B"),
    (1536, "bytes", "", 1536, "B", "1536B"),
    (3, "kilobytes", "bytes", 3072, "B", "3072B"),
    (3, "mbytes", "kbyte", 3072, "kB", "3072kB"),
    (1234567, "nanoseconds", "auto", 1.234567, "ms", "1.23ms"),
    (999, "nanoseconds", "auto", 999, "ns", "999ns"),
    (1000, "nanoseconds", "auto", 1, "us", "1us"),
    (1234567, "nanoseconds", "ms", 1.234567, "ms", "1.23ms"),
    (1234567, "nanoseconds", "us", 1234.567, "us", "1234.57us"),
    # "μs" is three bytes long, so sniffing drops its "s" and it matches nothing.
    (1234567, "nanoseconds", "μs", 0.001234567, "s", "0"),
    (1234567, "nanoseconds", "μss", 1234.567, "us", "1234.57us"),
    (2, "μs", "auto", 2, "", "2"),
    (2, "μss", "auto", 2, "us", "2us"),
    (2, "us", "auto", 2, "us", "2us"),
    (7200000000000, "nanoseconds", "auto", 2, "hrs", "2hrs"),
    (7200000000000, "ns", "hours", 2, "hrs", "2hrs"),
    (7200000000000, "ns", "hrs", 2, "hrs", "2hrs"),
    (7200000000000, "ns", "h", 7200, "s", "7200s"),
    (90, "minutes", "auto", 90, "", "90"),
    (3, "Seconds", "auto", 3, "s", "3s"),
    (3, "SECS", "ms", 3000, "ms", "3000ms"),
    (3, "sec", "auto", 3, "s", "3s"),
    (3, "s", "auto", 3, "s", "3s"),
    (3, "hour", "auto", 3, "hrs", "3hrs"),
    (3, "hr", "s", 10800, "s", "10800s"),
    (3, "mss", "auto", 3, "ms", "3ms"),
    (8001, "nanogcu", "auto", 8.001000000000001, "u*GCU", "8u*GCU"),
    # Canonical GCU names are not aliases: "u*GCU" means the default, GCU.
    (8001, "nanogcu", "u*GCU", 8.001e-06, "GCU", "0"),
    (8001, "nanogcu", "microgcu", 8.001000000000001, "u*GCU", "8u*GCU"),
    (1, "microgcu", "nanogcu", 999.9999999999999, "n*GCU", "1000n*GCU"),
    (5, "petagcu", "auto", 5, "P*GCU", "5P*GCU"),
    (5, "gcus", "kilogcu", 0.005, "k*GCU", "0.01k*GCU"),
    (42, "count", "auto", 42, "", "42"),
    (42, "count", "minimum", 42, "", "42"),
    (42, "count", "count", 42, "", "42"),
    (42, "count", "sample", 42, "", "42"),
    (42, "count", "unit", 42, "", "42"),
    (42, "count", "ms", 42, "ms", "42ms"),
    (42, "objects", "objects", 42, "objects", "42objects"),
    (42, "", "", 42, "", "42"),
    (42, "cycles", "auto", 42, "", "42"),
    (-42, "count", "auto", -42, "", "-42"),
    # MinInt64 cannot be negated, so it is not auto-scaled.
    (-9223372036854775808, "bytes", "auto", -9.223372036854776e18, "B", "-9223372036854775808B"),
    (-9223372036854775807, "bytes", "auto", -8192, "PB", "-8192PB"),
    (9223372036854775807, "bytes", "auto", 8192, "PB", "8192PB"),
    (9223372036854775807, "ns", "auto", 2.5620477880152157e06, "hrs", "2562047.79hrs"),
    (5, "nanoseconds", "seconds", 5e-09, "s", "0"),
    (4999999, "nanoseconds", "seconds", 0.004999999, "s", "0"),
    (5000000, "nanoseconds", "seconds", 0.005, "s", "0.01s"),
    (-4000000, "nanoseconds", "seconds", -0.004, "s", "0"),  # "-0.00" prints as "0"
    (9007199254740993, "count", "", 9.007199254740992e15, "", "9007199254740992"),
]


@pytest.mark.parametrize(("value", "from_unit", "to_unit", "want", "unit", "lbl"), SCALE)
def test_scale(value, from_unit, to_unit, want, unit, lbl):
    got, got_unit = scale(value, from_unit, to_unit)
    assert (got, got_unit) == (float(want), unit)
    assert type(got) is float
    assert scaled_label(value, from_unit, to_unit) == lbl


def test_scale_negative_zero_sign():
    # [go] Scale(-0, ...) is the int 0, so the float is +0; a negative value
    # that scales to zero keeps its sign in the float, not in the label.
    assert str(scale(0, "bytes", "auto")[0]) == "0.0"
    assert str(scale(-1, "nanoseconds", "hours")[0]).startswith("-")


# [go] Label(value, unit)
@pytest.mark.parametrize(
    ("value", "unit", "want"),
    [
        (1536, "bytes", "1.50kB"),
        (0, "nanoseconds", "0"),
        (10000000, "nanoseconds", "10ms"),
        (2000000000, "nanoseconds", "2s"),
        (5, "count", "5"),
        (-1234, "ms", "-1.23s"),
        (1500, "kilobytes", "1.46MB"),
    ],
)
def test_label(value, unit, want):
    assert label(value, unit) == want


# [go] Percentage(value, total)
@pytest.mark.parametrize(
    ("value", "total", "want"),
    [
        (0, 0, "    0%"),
        (5, 0, "    0%"),
        (1, 1, "  100%"),
        (9995, 10000, "  100%"),
        (9994, 10000, "99.94%"),
        (10005, 10000, "  100%"),
        (10006, 10000, "100.06%"),
        (-1, 1, "  100%"),
        (1, -2, "50.00%"),
        (1, 100, " 1.00%"),
        (99, 10000, " 0.99%"),
        (1, 10000, " 0.01%"),
        (1, 1000000000, "1e-07%"),
        (5, 1102732856837, "4.5e-10%"),
        (2048, 1102732856837, "1.9e-07%"),
        (3, 1000, "  0.3%"),
        (999, 100000, "    1%"),
        (1, 3, "33.33%"),
        (2, 3, "66.67%"),
        (12345, 1000, "1234.50%"),
        (-12345, 1000, "1234.50%"),
        (0, 7, "    0%"),
        (1, 200, "  0.5%"),
        (1, 2000, " 0.05%"),
        (995, 100000, "    1%"),
        (996, 100000, "    1%"),
    ],
)
def test_percentage(value, total, want):
    assert percentage(value, total) == want


# [pprof] Values printed by `go tool pprof -top [-unit=U]`, on
#  cpu.pb.gz: samples/count, cpu/nanoseconds, period cpu/nanoseconds 10000000,
#             samples (1, 10000000), (3, 30000000), (1, 1234567), duration 2s;
#  mem.pb.gz: alloc_objects/count, alloc_space/bytes, samples (1, 1536),
#             (2, 2048), (1, 5), (7, 3221225472), (1, 1099511627776), run with
#             -sample_index=alloc_space -nodefraction=0.
# The report picks the output unit; these check the labels it then prints.
@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "want"),
    [
        (41234567, "nanoseconds", "ms", "41.23ms"),  # -top: "Total samples = 41.23ms"
        (1234567, "nanoseconds", "ms", "1.23ms"),
        (30000000, "nanoseconds", "ms", "30ms"),
        (41234567, "nanoseconds", "s", "0.04s"),  # -unit=s
        (1234567, "nanoseconds", "s", "0"),  # -unit=s: flat of fn2 is "0"
        (41234567, "nanoseconds", "us", "41234.57us"),  # -unit=us
        (41234567, "nanoseconds", "μs", "0.04s"),  # -unit=μs prints seconds
        (41234567, "nanoseconds", "hours", "0"),  # -unit=hours
        (41234567, "nanoseconds", "kb", "0.04s"),  # -unit=kb: not a time unit
        (1102732856837, "bytes", "TB", "1TB"),  # default unit: "1TB total"
        (1102732856837, "bytes", "kb", "1076887555.50kB"),  # -unit=kb
        (1102732856837, "bytes", "MB", "1051648MB"),  # -unit=MB
        (1102732856837, "bytes", "megabytes", "1051648MB"),
        (1099511627776, "bytes", "s", "1099511627776B"),  # -unit=s on bytes
        (3221225472, "bytes", "bytes", "3221225472B"),  # -unit=bytes
    ],
)
def test_labels_seen_in_pprof_top(value, from_unit, to_unit, want):
    assert scaled_label(value, from_unit, to_unit) == want


@pytest.mark.parametrize(
    ("value", "total", "want"),
    [
        (41234567, 2000000000, " 2.06%"),  # cpu.pb.gz: "Total samples = 41.23ms ( 2.06%)"
        (30000000, 41234567, "72.75%"),
        (1234567, 41234567, " 2.99%"),
        (2048, 1102732856837, "1.9e-07%"),  # mem.pb.gz
        (5, 1102732856837, "4.5e-10%"),
        (3221225472, 1102732856837, " 0.29%"),
        (3221225472, 3221229061, "  100%"),  # the same without the 1TB sample
        (2048, 3221229061, "6.4e-05%"),
        (5, 3221229061, "1.6e-07%"),
    ],
)
def test_percentages_seen_in_pprof_top(value, total, want):
    assert percentage(value, total) == want


@pytest.mark.parametrize(
    ("unit", "memory", "time"),
    [
        ("bytes", True, False),
        ("B", True, False),
        ("kilobytes", True, False),
        ("KiB", False, False),
        ("nanoseconds", False, True),
        ("hrs", False, True),
        ("μs", False, False),  # the byte-length quirk again ([go] Scale gives unit "")
        ("count", False, False),
    ],
)
def test_unit_families(unit, memory, time):
    assert is_memory_unit(unit) is memory
    assert is_time_unit(unit) is time


def _vt(t: str, u: str) -> ValueType:
    return ValueType(t, u)


def test_common_value_type():
    # [go] CommonValueType
    assert common_value_type([]) is None
    assert common_value_type([_vt("cpu", "nanoseconds")]) is None
    a, b = _vt("cpu", "milliseconds"), _vt("cpu", "nanoseconds")
    got = common_value_type([a, b])
    assert (got.type, got.unit) == ("cpu", "nanoseconds")
    assert got is not b
    got = common_value_type([b, a])
    assert (got.type, got.unit) == ("cpu", "nanoseconds")
    # A trailing "s" of the type is ignored; the first of equal units wins.
    got = common_value_type([_vt("wall", "seconds"), _vt("walls", "s")])
    assert (got.type, got.unit) == ("wall", "seconds")
    assert compatible_value_types(None, _vt("x", "y"))
    assert not compatible_value_types(_vt("x", "count"), _vt("x", "counts"))


@pytest.mark.parametrize(
    ("types", "message"),
    [
        # [pprof] go tool pprof -top c1.pb.gz c2.pb.gz, sample types samples/count
        # and samples/counts: "problem fetching source profiles: sample types: ..."
        (
            [_vt("samples", "count"), _vt("samples", "counts")],
            "incompatible types: {samples count 0 0} {samples counts 0 0}",
        ),
        # [pprof] wall/μs and wall/ns profiles merged
        ([_vt("wall", "μs"), _vt("wall", "ns")], "incompatible types: {wall μs 0 0} {wall ns 0 0}"),
        # [go]
        (
            [_vt("cpu", "nanoseconds"), _vt("cpu", "ns"), _vt("space", "bytes")],
            "incompatible types: {cpu nanoseconds 0 0} {space bytes 0 0}",
        ),
    ],
)
def test_common_value_type_errors(types, message):
    with pytest.raises(ProfileError) as exc:
        common_value_type(types)
    assert str(exc.value) == message


def _profile(types, period=None, period_value=0, values=()) -> Profile:
    return Profile(
        sample_types=[_vt(t, u) for t, u in types],
        period_type=None if period is None else _vt(*period),
        period=period_value,
        samples=[Sample((), list(v)) for v in values],
    )


def _state(p: Profile):
    pt = None if p.period_type is None else (p.period_type.type, p.period_type.unit)
    return (
        [(t.type, t.unit) for t in p.sample_types],
        pt,
        p.period,
        [s.values for s in p.samples],
    )


def test_scale_profiles_cpu_ns_and_ms():
    # [pprof] go tool pprof -raw cpu.pb.gz cpums.pb.gz (cpu.pb.gz as above;
    # cpums.pb.gz: samples/count, cpu/milliseconds, period cpu/milliseconds 10,
    # samples (1, 10), (5, 0), (2, 7)) prints the merge: fn0 2 20000000,
    # fn1 3 30000000, fn2 3 8234567, period 10000000 cpu/nanoseconds. So the
    # (5, 0) sample is dropped: its only scaled value is 0.
    p1 = _profile(
        [("samples", "count"), ("cpu", "nanoseconds")],
        ("cpu", "nanoseconds"),
        10000000,
        [(1, 10000000), (3, 30000000), (1, 1234567)],
    )
    p2 = _profile(
        [("samples", "count"), ("cpu", "milliseconds")],
        ("cpu", "milliseconds"),
        10,
        [(1, 10), (5, 0), (2, 7)],
    )
    scale_profiles([p1, p2])
    types = [("samples", "count"), ("cpu", "nanoseconds")]
    # p1 needs no scaling, so even a sample of zeros would stay.
    assert _state(p1) == (
        types,
        ("cpu", "nanoseconds"),
        10000000,
        [[1, 10000000], [3, 30000000], [1, 1234567]],
    )
    assert _state(p2) == (types, ("cpu", "nanoseconds"), 10000000, [[1, 10000000], [2, 7000000]])


def test_scale_profiles_keeps_unscaled_zero_samples():
    # [go] ScaleProfiles: p1's ratios are all 1, so its (3, 0) sample stays.
    p1 = _profile([("n", "count"), ("cpu", "nanoseconds")], None, 0, [(3, 0)])
    p2 = _profile([("n", "count"), ("cpu", "milliseconds")], None, 0, [(5, 0), (0, 7), (-2, -3)])
    scale_profiles([p1, p2])
    assert _state(p1)[3] == [[3, 0]]
    assert _state(p2)[3] == [[0, 7000000], [-2, -3000000]]


def test_scale_profiles_period_truncates_values_round():
    # [pprof] go tool pprof -raw g1.pb.gz g2.pb.gz (x/microgcu, period
    # x/microgcu 1, samples 1 and 7; x/nanogcu, period 1, sample 1) prints
    # "Period: 999" and samples 1001, 7000: the ratio is 999.9999999999999.
    p1 = _profile([("x", "microgcu")], ("x", "microgcu"), 1, [(1,), (7,)])
    p2 = _profile([("x", "nanogcu")], ("x", "nanogcu"), 1, [(1,)])
    scale_profiles([p1, p2])
    assert _state(p1) == ([("x", "nanogcu")], ("x", "nanogcu"), 999, [[1000], [7000]])
    assert _state(p2) == ([("x", "nanogcu")], ("x", "nanogcu"), 1, [[1]])


def test_scale_profiles_drops_samples_whose_scaled_values_are_zero():
    # [pprof] go tool pprof -raw s1.pb.gz s2.pb.gz (wall/seconds, n/count with
    # samples (0, 4), (1, 0); wall/ms, n/count with (2, 2)) prints only
    # "1000 0" and "2 2".
    p1 = _profile([("wall", "seconds"), ("n", "count")], None, 0, [(0, 4), (1, 0)])
    p2 = _profile([("wall", "ms"), ("n", "count")], None, 0, [(2, 2)])
    scale_profiles([p1, p2])
    assert _state(p1) == ([("wall", "ms"), ("n", "count")], None, 0, [[1000, 0]])
    assert _state(p2) == ([("wall", "ms"), ("n", "count")], None, 0, [[2, 2]])


def test_scale_profiles_other_cases():
    # [go] ScaleProfiles
    p1 = _profile([("alloc_space", "kilobytes")], None, 0, [(1,), (3,)])
    p2 = _profile([("alloc_space", "bytes")], None, 0, [(5,)])
    scale_profiles([p1, p2])
    assert _state(p1) == ([("alloc_space", "bytes")], None, 0, [[1024], [3072]])

    # One period type only: nothing to unify, the period stays.
    p1 = _profile([("x", "microgcu")], ("x", "microgcu"), 3, [(1,), (7,)])
    p2 = _profile([("x", "nanogcu")], None, 1, [(1,)])
    scale_profiles([p1, p2])
    assert _state(p1) == ([("x", "nanogcu")], ("x", "microgcu"), 3, [[1000], [7000]])

    # A single profile is left alone.
    p = _profile([("x", "microgcu")], ("x", "microgcu"), 3, [(1,), (7,)])
    scale_profiles([p])
    assert _state(p) == ([("x", "microgcu")], ("x", "microgcu"), 3, [[1], [7]])
    scale_profiles([])

    p1 = _profile([("wall", "seconds")], None, 0, [(2,)])
    p2 = _profile([("walls", "hours")], None, 0, [(1,)])
    p3 = _profile([("wall", "ms")], None, 0, [(3,)])
    scale_profiles([p1, p2, p3])
    assert [_state(p)[3] for p in (p1, p2, p3)] == [[[2000]], [[3600000]], [[3]]]
    assert [p.sample_types[0].unit for p in (p1, p2, p3)] == ["ms", "ms", "ms"]

    # Past int64: Go's int64(float64) on amd64 gives MinInt64.
    p1 = _profile([("inuse", "megabytes")], None, 0, [(9007199254740993,)])
    p2 = _profile([("inuse", "b")], None, 0, [(1,)])
    scale_profiles([p1, p2])
    assert _state(p1)[3] == [[-9223372036854775808]]


@pytest.mark.parametrize(
    ("profiles", "message"),
    [
        # [pprof] go tool pprof -top a.pb.gz b.pb.gz (a CPU and a heap profile)
        (
            [
                _profile([("samples", "count")], ("cpu", "nanoseconds"), 1),
                _profile([("samples", "count")], ("space", "bytes"), 1),
            ],
            "period type: incompatible types: {cpu nanoseconds 0 0} {space bytes 0 0}",
        ),
        # [pprof] go tool pprof -top c1.pb.gz c3.pb.gz
        (
            [_profile([("samples", "count")]), _profile([("samples", "count"), ("cpu", "ns")])],
            "inconsistent samples type count: 1 != 2",
        ),
        # [pprof] see test_common_value_type_errors
        (
            [_profile([("samples", "count")]), _profile([("samples", "counts")])],
            "sample types: incompatible types: {samples count 0 0} {samples counts 0 0}",
        ),
    ],
)
def test_scale_profiles_errors(profiles, message):
    with pytest.raises(ProfileError) as exc:
        scale_profiles(profiles)
    assert str(exc.value) == message
