"""Property-based robustness of every parser, and of the reports on what they load.

Each input is a mutated real fixture: bit flips, truncation, byte insertion and
deletion, gzip re-framing, and (for profile.proto) structural mutations made with
profile_pb2: duplicated and missing ids, out-of-range string indices, negative and
huge values, cycles, empty profiles, zero sample types. The property:

* ``parse(data)`` returns a Profile or raises PprofshError, nothing else;
* ``pprofsh -top|-traces|-raw|-tree|-tags FILE`` then ends with an exit status,
  never a traceback or an "internal error", and a failure is one line on stderr.

Quick run (the normal test suite): QUICK_EXAMPLES examples per parser test.
Nightly run: ``PPROFSH_FUZZ=nightly python -m pytest tests/test_fuzz_parsers.py``
(NIGHTLY_EXAMPLES per parser test). See docs/robustness.md.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from profiles_util import one_function_profile

from pprofsh import cli
from pprofsh.errors import PprofshError
from pprofsh.profile import profile_pb2
from pprofsh.profile.model import Profile
from pprofsh.profile.parse import parse

GO = shutil.which("go")
QUICK_EXAMPLES = 50
NIGHTLY_EXAMPLES = 5000
NIGHTLY = os.environ.get("PPROFSH_FUZZ", "") == "nightly"

FUZZ = settings(
    max_examples=NIGHTLY_EXAMPLES if NIGHTLY else QUICK_EXAMPLES,
    deadline=None,
    derandomize=not NIGHTLY,  # the quick run is the same every time
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    database=None,
)

HERE = Path(__file__).parent
PROFILES = sorted((HERE / "fixtures" / "profiles").glob("*")) + sorted(
    (HERE / "leakfixtures" / "profiles").glob("*")
)
GO_TESTDATA = Path("/usr/share/gocode/src/github.com/google/pprof/profile/testdata")
GO_INPUTS = (
    sorted(p for p in GO_TESTDATA.glob("*") if not p.name.endswith(".string"))
    if GO_TESTDATA.is_dir()
    else []
)
REGRESSIONS = sorted((HERE / "fuzz_regressions").glob("*.bin"))

REPORTS = ("-top", "-traces", "-raw", "-tree", "-tags")


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


PROTO = [p for p in PROFILES if p.name.endswith(".pb.gz")]
DEBUG1 = [p for p in PROFILES if p.name.endswith(".debug1.txt")]
DEBUG2 = [p for p in PROFILES if p.name.endswith(".debug2.txt")]
# Legacy heap / contention text: the Go runtime's debug=1 heap, mutex and block
# text, and pprof's own C++/Java testdata when installed.
LEGACY = [p for p in DEBUG1 if p.name.split(".")[0] in ("heap", "mutex", "block")]
_CACHE: dict[Path, bytes] = {}


def raw(path: Path) -> bytes:
    if path not in _CACHE:
        _CACHE[path] = _raw(path)
    return _CACHE[path]


_TMP = tempfile.TemporaryDirectory(prefix="pprofsh-fuzz-")


# ------------------------------------------------------------------ the property


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.pop("PPROFSH_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(argv)
    finally:
        if saved is not None:
            os.environ["PPROFSH_DEBUG"] = saved
    return rc, out.getvalue(), err.getvalue()


def check(data: bytes, reports: tuple[str, ...] = REPORTS) -> None:
    """parse loads or raises PprofshError; the reports end with a status, no traceback."""
    try:
        p = parse(data)
    except PprofshError as e:
        assert "\n" not in str(e), repr(str(e))
        loaded = False
    else:
        assert isinstance(p, Profile)
        loaded = True
    if currently_in_test_context():  # shown by --hypothesis-show-statistics
        event("loaded, reports run" if loaded else "refused with PprofshError")
    path = os.path.join(_TMP.name, "input.prof")
    with open(path, "wb") as f:
        f.write(data)
    for flag in reports if loaded else reports[:1]:
        rc, _out, err = run_cli([flag, path])
        assert rc in (0, 1), (flag, rc, err)
        assert "Traceback" not in err, (flag, err)
        assert "internal error" not in err, (flag, err)
        if not loaded:
            # Go's words: "SRC: parsing profile: ...", then "failed to fetch any source
            # profiles" when it was the only source.
            lines = err.splitlines()
            assert rc == 1 and lines, (flag, err)
            assert lines[1:] in ([], ["failed to fetch any source profiles"]), (flag, err)


# ------------------------------------------------------------------ byte mutations


@st.composite
def byte_mutations(draw, data: bytes) -> bytes:
    """Bit flips, truncation, insertion and deletion at drawn positions."""
    b = bytearray(data)
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 6]))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "set", "dup"]))
        if not b:
            break
        i = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del b[i : i + draw(st.integers(1, 64))]
        elif op == "set":
            b[i] = draw(st.sampled_from(b"\x00\xff\x7f\x80-:@ \n\t#[]()0x9"))
        else:
            j = draw(st.integers(i, min(len(b), i + 256)))
            b[j:j] = b[i:j]
    return bytes(b)


# Issue #16: the shapes that made Python's backtracking parsers super-linear, and
# numbers past int64, spliced into real text profiles.
RUN_CHARS = " \t0123456789abcdefx:+@#(/.[]-"
HUGE_INTS = [b"99999999999999999999", b"9223372036854775808", b"-9223372036854775809"]


@st.composite
def hostile_text(draw, paths: list[Path]) -> bytes:
    b = bytearray(raw(draw(st.sampled_from(paths))))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(b)))
        if draw(st.booleans()):
            # a long run (up to just under Go's 64 KiB line limit) of one or two characters
            unit = draw(st.text(alphabet=RUN_CHARS, min_size=1, max_size=2)).encode()
            b[i:i] = unit * (draw(st.integers(1000, 60000)) // len(unit))
        else:
            # a number past int64 in place of the digits at i
            j = i
            while j < len(b) and 0x30 <= b[j] <= 0x39:
                j += 1
            b[i:j] = draw(st.sampled_from(HUGE_INTS))
    return bytes(b)


def fixture_bytes(paths: list[Path]):
    return st.sampled_from(paths).map(raw).flatmap(byte_mutations)


@st.composite
def gzip_framings(draw) -> bytes:
    """Valid, broken and hostile gzip framings of a (possibly mutated) profile."""
    data = draw(st.sampled_from(PROTO + DEBUG1).map(raw))
    if draw(st.booleans()):
        data = draw(byte_mutations(data))
    z = gzip.compress(data, mtime=0)
    kind = draw(
        st.sampled_from(
            [
                "plain",
                "members",
                "truncated",
                "trailing",
                "nested",
                "flipped",
                "empty",
                "header-only",
                "raw-deflate",
                "many-members",
            ]
        )
    )
    if kind == "members":
        k = draw(st.integers(1, len(data) or 1))
        return gzip.compress(data[:k], mtime=0) + gzip.compress(data[k:], mtime=0)
    if kind == "many-members":
        # issue #16: thousands of members, empty or one byte each, around the data
        n = draw(st.integers(1000, 20000))
        pieces = [gzip.compress(data[i : i + 1], mtime=0) for i in range(min(len(data), 50))]
        empty = gzip.compress(b"", mtime=0)
        return empty * n + b"".join(pieces) + gzip.compress(data[50:], mtime=0) + empty * n
    if kind == "truncated":
        return z[: draw(st.integers(2, len(z) - 1))]
    if kind == "trailing":
        return z + draw(st.binary(min_size=1, max_size=16))
    if kind == "nested":
        return gzip.compress(z, mtime=0)
    if kind == "flipped":
        b = bytearray(z)
        i = draw(st.integers(2, len(b) - 1))
        b[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(b)
    if kind == "empty":
        return gzip.compress(b"", mtime=0)
    if kind == "header-only":
        return z[:10]
    if kind == "raw-deflate":
        return b"\x1f\x8b" + zlib.compress(data)[2:]
    return z


# ------------------------------------------------------------------ structural (proto)

_MSGS: dict[Path, profile_pb2.Profile] = {}


def message(path: Path) -> profile_pb2.Profile:
    if path not in _MSGS:
        m = profile_pb2.Profile()
        m.ParseFromString(raw(path))
        _MSGS[path] = m
    out = profile_pb2.Profile()
    out.CopyFrom(_MSGS[path])
    return out


I64 = st.sampled_from(
    [0, 1, -1, 7, -(1 << 63), (1 << 63) - 1, 1 << 62, 1 << 31, -(1 << 31), 10**18]
)
U64 = st.sampled_from([0, 1, 2, 5, 1 << 32, 1 << 63, (1 << 64) - 1])
HOSTILE_STRINGS = st.sampled_from(
    [
        "",
        "(a+)+$",
        "[",
        "\x1b[31mred\x1b[0m",
        "\x07bell",
        "\x1b]0;title\x07",
        "\x9b2J",
        "$(touch pwned)",
        "`id`",
        "; rm -rf /",
        "a" * 5000,
        "\x00",
        "%s%n",
        "\u202e",
        "\r",
    ]
)


@st.composite
def proto_mutations(draw) -> bytes:
    m = message(draw(st.sampled_from(PROTO)))
    ns = len(m.string_table)
    string_ix = st.one_of(
        st.integers(0, max(ns - 1, 0)), st.sampled_from([ns, ns + 1, 1 << 40, -1, -(1 << 40)])
    )

    def pick(seq):
        return seq[draw(st.integers(0, len(seq) - 1))] if len(seq) else None

    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 19))
        try:
            if op == 0 and m.sample:  # negative / huge values
                s = pick(m.sample)
                if s.value:
                    s.value[draw(st.integers(0, len(s.value) - 1))] = draw(I64)
            elif op == 1 and m.sample:  # a missing location id
                pick(m.sample).location_id.append(draw(U64))
            elif op == 2 and m.location:  # duplicated location ids
                pick(m.location).id = pick(m.location).id
            elif op == 3 and m.function:  # out-of-range string indices
                setattr(
                    pick(m.function),
                    draw(st.sampled_from(["name", "system_name", "filename"])),
                    draw(string_ix),
                )
            elif op == 4:  # zero sample types
                del m.sample_type[:]
            elif op == 5:  # an empty profile
                del m.sample[:]
                if draw(st.booleans()):
                    del m.location[:], m.function[:], m.mapping[:]
            elif op == 6 and m.location:  # a line naming a missing function
                loc = pick(m.location)
                if loc.line:
                    loc.line[0].function_id = draw(U64)
            elif op == 7 and m.sample:  # cycles: a stack that repeats itself
                s = pick(m.sample)
                s.location_id.extend(list(s.location_id) * draw(st.integers(1, 50)))
            elif op == 8 and m.sample:  # labels with bad keys, values, units
                lab = pick(m.sample).label.add()
                lab.key = draw(string_ix)
                if draw(st.booleans()):
                    lab.str = draw(string_ix)
                else:
                    lab.num = draw(I64)
                    lab.num_unit = draw(string_ix)
            elif op == 9:
                m.period = draw(I64)
                m.duration_nanos = draw(I64)
                m.time_nanos = draw(I64)
            elif op == 10:
                m.default_sample_type = draw(string_ix)
                m.drop_frames = draw(string_ix)
                m.keep_frames = draw(string_ix)
            elif op == 11 and ns:  # hostile names: regexps, escapes, shell syntax
                m.string_table[draw(st.integers(0, ns - 1))] = draw(HOSTILE_STRINGS)
            elif op == 12 and m.mapping:
                mp = pick(m.mapping)
                mp.id = draw(U64)
                mp.memory_start = draw(U64)
                mp.memory_limit = draw(U64)
                mp.filename = draw(string_ix)
            elif op == 13 and m.location:
                loc = pick(m.location)
                loc.address = draw(U64)
                loc.mapping_id = draw(U64)
                if loc.line:
                    loc.line[0].line = draw(I64)
            elif op == 14 and m.sample:  # value count not matching the sample types
                s = pick(m.sample)
                del s.value[:]
                s.value.extend(draw(st.lists(I64, max_size=3)))
            elif op == 15:  # an extra sample type with bad names
                t = m.sample_type.add()
                t.type = draw(string_ix)
                t.unit = draw(string_ix)
                for s in m.sample:
                    s.value.append(draw(I64))
            elif op == 16 and m.function:
                f = pick(m.function)
                f.id = draw(U64)
                f.start_line = draw(I64)
            elif op == 17 and m.location and m.function:  # location/function id cycles
                a, b = pick(m.location), pick(m.location)
                a.id, b.id = b.id, a.id
            elif op == 18:  # string table without its leading ""
                if ns:
                    m.string_table[0] = draw(HOSTILE_STRINGS.filter(bool))
            elif op == 19 and m.sample:  # an empty stack
                del pick(m.sample).location_id[:]
        except (ValueError, TypeError):  # not representable in the field
            pass
    return m.SerializeToString()


# ------------------------------------------------------------------ the tests


@FUZZ
@given(fixture_bytes(PROTO))
def test_proto_bytes(data):
    check(data)


@FUZZ
@given(gzip_framings())
def test_gzip_framing(data):
    check(data)


@FUZZ
@given(proto_mutations())
def test_proto_structure(data):
    check(data)


@FUZZ
@given(fixture_bytes(DEBUG1))
def test_debug1_text(data):
    check(data)


@FUZZ
@given(fixture_bytes(DEBUG2))
def test_debug2_goroutine_dump(data):
    check(data)


@FUZZ
@given(fixture_bytes(LEGACY))
def test_legacy_heap_contention_text(data):
    check(data)


@FUZZ
@given(hostile_text(DEBUG1 + DEBUG2 + LEGACY))
def test_hostile_runs_and_huge_ints_in_text(data):
    """Long runs of spaces, digits, hex, `+0x`, `(` and name characters, and numbers past
    int64, in debug=1, debug=2 and legacy text: a profile or one error, in linear time
    (the quick run's 50 inputs take seconds; the old parsers took minutes on one)."""
    check(data, ("-top", "-raw", "-traces"))


@pytest.mark.skipif(not GO_INPUTS, reason="pprof's profile/testdata is not installed")
@FUZZ
@given(st.data())
def test_go_testdata_legacy(data):
    check(data.draw(fixture_bytes(GO_INPUTS)))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_regressions(path):
    check(path.read_bytes())


def test_fixtures_themselves_load():
    for p in PROTO + DEBUG2:
        assert isinstance(parse(p.read_bytes()), Profile), p
    # threadcreate.debug1.txt has an empty stack ("9 @"): Go refuses it too
    # ("parsing profile: malformed profile format"); the others load.
    for p in DEBUG1:
        if p.name.startswith("threadcreate."):
            with pytest.raises(PprofshError, match="malformed profile format"):
                parse(p.read_bytes())
        else:
            assert isinstance(parse(p.read_bytes()), Profile), p
            check(p.read_bytes(), ("-top",))


# ------------------------------------------------------------------ hand-made hostile inputs


def test_empty_and_tiny_inputs():
    for data in (
        b"",
        b"\x1f",
        b"\x1f\x8b",
        b"\x00",
        b"\n",
        b"goroutine ",
        b"heap profile:",
        b"--- contention:\n",
        b"goroutine profile: total 1\n",
        b"\x0a\x00",
    ):
        check(data)


def test_empty_proto_message_is_an_empty_profile():
    m = profile_pb2.Profile()
    m.string_table.append("")
    check(m.SerializeToString())


def test_deep_location_cycle():
    """A sample whose stack is one location repeated 100k times (a cycle)."""
    m = message(PROTO[0])
    s = m.sample[0]
    s.location_id.extend([s.location_id[0]] * 100_000)
    check(m.SerializeToString(), ("-top", "-traces"))


def test_backtracking_drop_frames_from_the_profile_do_not_hang():
    """Hole found while fuzzing: drop_frames is a regexp the profile supplies; `(a+)+`
    against a long function name hung RemoveUninteresting (Python's re backtracks).
    Now matched by the linear automaton, as Go's RE2 does: the frame is kept."""
    m = one_function_profile("a" * 5000 + "!", "(a+)+")
    m.drop_frames = 4
    path = os.path.join(_TMP.name, "dropframes.pb")
    with open(path, "wb") as fh:
        fh.write(m.SerializeToString())
    rc, out, err = run_cli(["-top", path])
    assert rc == 0, err
    assert "a" * 5000 + "!" in out


def test_sequential_repetitions_in_drop_frames_load_and_prune_as_go():
    """Issue #16 item 6: a 130-byte profile whose drop_frames is `.*.*.*.*.*.*.*.*x`
    hung every load; item 10: `x\\1` (RE2 cannot compile it) made pprofsh refuse the
    profile, where Go ignores RemoveUninteresting's error and loads it unpruned."""
    # (a sole frame is never pruned: Prune removes the frames beneath a match)
    for drop in (".*.*.*.*.*.*.*.*x", ".*.*.*.*.*.*.*.*y", "x\\1"):
        m = one_function_profile("a" * 3000 + "x", drop)
        m.drop_frames = 4
        path = os.path.join(_TMP.name, "dropframes2.pb")
        with open(path, "wb") as fh:
            fh.write(m.SerializeToString())
        rc, out, err = run_cli(["-top", path])
        assert rc == 0, err
        assert "a" * 3000 + "x" in out, drop
        if GO:
            go = subprocess.run(
                [GO, "tool", "pprof", "-top", path], capture_output=True, text=True, timeout=120
            )
            assert out == go.stdout


def test_risky_drop_frames_prune_a_real_profile_as_go_does():
    m = profile_pb2.Profile()
    m.ParseFromString(_raw(HERE / "fixtures" / "profiles" / "goroutine.pb.gz"))
    m.string_table.append(r"runtime\..*.*.*(park|chansend)1?")
    m.drop_frames = len(m.string_table) - 1
    path = os.path.join(_TMP.name, "dropframes3.pb")
    with open(path, "wb") as fh:
        fh.write(m.SerializeToString())
    rc, out, err = run_cli(["-traces", path])
    assert rc == 0, err
    assert "         2   main.sender\n" in out  # gopark, chansend, chansend1 dropped
    if GO:
        go = subprocess.run(
            [GO, "tool", "pprof", "-traces", path], capture_output=True, text=True, timeout=120
        )
        assert out == go.stdout


def test_parse_itself_honours_pprofsh_max_size(monkeypatch):
    """parse() itself bounds decompression by PPROFSH_MAX_SIZE, read at call time."""
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "1M")
    bomb = gzip.compress(b"\0" * (4 << 20), mtime=0)
    with pytest.raises(PprofshError, match="larger than 1 MiB"):
        parse(bomb)


def test_invalid_utf8_in_string_table_loads_as_in_go():
    """Go's decoder keeps string_table entries as raw bytes and loads a profile with an
    invalid UTF-8 byte in a name; upb would refuse the whole message, so pprofsh cuts
    the string table out itself and shows the bad byte as U+FFFD."""
    data = bytearray(raw(HERE / "fixtures" / "profiles" / "goroutine.pb.gz"))
    i = data.find(b"runtime.gopark")
    data[i + 3] |= 0x80
    p = parse(bytes(data))
    assert len(p.samples) > 0
