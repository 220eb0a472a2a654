"""The columnar sample decoder (profile/columns.py) against upb's own decoding."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from pprofsh.profile import columns, profile_pb2
from pprofsh.profile.columns import Malformed, decode_samples, dedupe_stacks
from pprofsh.profile.model import Location
from pprofsh.profile.parse import parse

PROFILES = Path(__file__).resolve().parent / "fixtures" / "profiles"


def _varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wt: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wt) + payload


def _unpacked(number: int, values: list[int]) -> bytes:
    return b"".join(_field(number, 0, _varint(v)) for v in values)


def _packed(number: int, values: list[int]) -> bytes:
    body = b"".join(_varint(v) for v in values)
    return _field(number, 2, _varint(len(body)) + body)


def _label(key: int, s: int = 0, num: int = 0, unit: int = 0) -> bytes:
    m = profile_pb2.Label(key=key, str=s, num=num, num_unit=unit).SerializeToString()
    return _field(3, 2, _varint(len(m)) + m)


STRINGS = ["", "k", "v", "bytes", "n", "w"]


def _locations(n: int) -> tuple[np.ndarray, list[Location]]:
    locs = [Location(i + 1) for i in range(n)]
    return np.arange(1, n + 1, dtype=np.uint64), locs


def _decode(raw: list[bytes], ntypes: int = 2, nlocs: int = 8) -> columns.SampleSet:
    ids, locs = _locations(nlocs)
    return decode_samples(raw, ntypes, ids, locs, STRINGS)


def _rows(ss: columns.SampleSet) -> list[tuple]:
    """(location ids, values, labels) per group, through the object model."""
    return [
        (
            tuple(loc.id for loc in s.locations),
            tuple(s.values),
            s.labels,
            s.num_labels,
            s.num_units,
        )
        for s in ss.to_samples()
    ]


def test_packed_and_unpacked_fields_decode_alike() -> None:
    packed = _packed(1, [3, 2, 1]) + _packed(2, [5, 500])
    # Go's encoder writes two or fewer values unpacked.
    unpacked = _unpacked(1, [3, 2, 1]) + _unpacked(2, [5, 500])
    ss = _decode([packed, unpacked])
    assert _rows(ss) == [
        ((3, 2, 1), (5, 500), None, None, None),
        ((3, 2, 1), (5, 500), None, None, None),
    ]
    # Each distinct encoding of a stack is decoded once; both give the same locations.
    a, b = ss.stack_tuples()
    assert a == b


def test_identical_samples_are_counted_and_summed() -> None:
    a = _packed(1, [1, 2, 3]) + _unpacked(2, [1, 10])
    b = _packed(1, [4]) + _unpacked(2, [1, 7])
    ss = _decode([a, b, a, a])
    assert ss.num_groups == 2
    assert ss.values.tolist() == [[3, 30], [1, 7]]


def test_large_and_negative_values() -> None:
    vals = [-1, (1 << 63) - 1, -(1 << 63), 300, 0]
    ss = _decode([_unpacked(1, [1]) + _packed(2, vals)], ntypes=5)
    assert ss.values.tolist() == [vals]


def test_labels_strings_numbers_and_units() -> None:
    raw = (
        _packed(1, [1, 2])
        + _unpacked(2, [1, 2])
        + _label(1, s=2)
        + _label(4, num=7, unit=3)
        + _label(4, num=-9)
        + _label(5, num=1)
    )
    (row,) = _rows(_decode([raw]))
    assert row[2] == {"k": ["v"]}
    assert row[3] == {"n": [7, -9], "w": [1]}
    assert row[4] == {"n": ["bytes", ""]}


def test_equal_label_sets_are_shared() -> None:
    lab = _label(1, s=2)
    a = _packed(1, [1, 2]) + _unpacked(2, [1, 2]) + lab
    b = _packed(1, [3]) + _unpacked(2, [4, 2]) + lab
    ss = _decode([a, b])
    assert len(ss.label_sets) == 1
    assert ss.labels.tolist() == [0, 0]


def test_fields_in_any_order_and_unknown_fields() -> None:
    odd = (
        _unpacked(2, [9, 8])
        + _field(7, 0, _varint(5))  # unknown varint field
        + _unpacked(1, [2])
        + _label(1, s=2)
        + _unpacked(1, [1])
    )
    fixed = _packed(1, [1]) + _field(9, 1, b"\0" * 8) + _unpacked(2, [1, 2])
    assert _rows(_decode([odd, fixed])) == [
        ((2, 1), (9, 8), {"k": ["v"]}, None, None),
        ((1,), (1, 2), None, None, None),
    ]


def test_errors_of_check_valid() -> None:
    assert _decode([_packed(1, [1]) + _unpacked(2, [1])]).invalid == (
        "mismatch: sample has 1 values vs. 2 types"
    )
    assert _decode([_packed(1, [99]) + _unpacked(2, [1, 1])]).invalid == ("sample has nil location")
    # The first bad sample decides.
    raw = [_packed(1, [1]) + _unpacked(2, [1, 1]), _packed(1, [99]) + _unpacked(2, [1, 1])]
    raw.append(_packed(1, [1]) + _unpacked(2, [1]))
    assert _decode(raw).invalid == "sample has nil location"


@pytest.mark.parametrize(
    "raw",
    [
        b"\x0a\x05\x01",  # length past the end
        b"\x08\x81",  # truncated varint
        b"\x08" + b"\xff" * 11 + b"\x01",  # over-long varint
    ],
)
def test_malformed(raw: bytes) -> None:
    with pytest.raises(Malformed):
        _decode([raw])


def test_dedupe_stacks() -> None:
    lengths = np.array([3, 2, 3, 0, 2, 0], np.int64)
    flat = np.array([1, 2, 3, 4, 5, 1, 2, 3, 4, 5], np.int32)
    starts, locs, stack = dedupe_stacks(lengths, flat)
    assert stack.tolist() == [0, 1, 0, 2, 1, 2]
    assert starts.tolist() == [0, 3, 5, 5]
    assert locs.tolist() == [1, 2, 3, 4, 5]
    # A prefix is not the same stack, nor is a permutation.
    starts, locs, stack = dedupe_stacks(
        np.array([2, 1, 2], np.int64), np.array([7, 8, 7, 8, 7], np.int32)
    )
    assert stack.tolist() == [0, 1, 2]


@pytest.mark.parametrize("name", sorted(p.name for p in PROFILES.glob("*.pb.gz")))
def test_go_written_profiles_match_upb(name: str) -> None:
    """Every Go-written fixture: columns == upb's per-sample decoding, merged alike."""
    data = gzip.decompress((PROFILES / name).read_bytes())
    msg = profile_pb2.Profile.FromString(data)
    st = list(msg.string_table)
    want: dict[tuple, list[int]] = {}
    for s in msg.sample:
        labs = tuple((st[lb.key], st[lb.str], lb.num, st[lb.num_unit]) for lb in s.label)
        key = (tuple(s.location_id), labs)
        acc = want.setdefault(key, [0] * len(s.value))
        for i, v in enumerate(s.value):
            acc[i] += v
    p = parse((PROFILES / name).read_bytes())
    got: dict[tuple, list[int]] = {}
    for s in p.samples:
        labs = []
        for k, vs in (s.labels or {}).items():
            labs += [(k, v, 0, "") for v in vs]
        for k, ns in (s.num_labels or {}).items():
            units = (s.num_units or {}).get(k) or [""] * len(ns)
            labs += [(k, "", n, u) for n, u in zip(ns, units)]
        key = (tuple(loc.id for loc in s.locations), tuple(sorted(labs)))
        acc = got.setdefault(key, [0] * len(s.values))
        for i, v in enumerate(s.values):
            acc[i] += v
    assert got == {(k[0], tuple(sorted(k[1]))): v for k, v in want.items()}
