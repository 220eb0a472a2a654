"""Legacy profile parsing and the raw dump, against `go tool pprof -raw` (Go 1.19).

The goldens in tests/golden/legacy/ are Go's output, written by regen.sh:
  <name>.raw           for each file in pprof's own profile/testdata (read from the
                       golang-github-google-pprof-dev install; not copied here)
  fixtures/<name>.raw  for tests/fixtures/profiles/*.debug1.txt, with their inputs'
                       sha256 in fixtures/SHA256SUMS
`-raw` prints the profile after pprof's driver has run over it: a fake mapping
when there is none, Merge (which compacts), RemoveUninteresting, a proto round
trip, and applyFocus, which drops samples without locations. _raw below runs
the same to our parse through pprofsh's session and raw report.

Go runtime debug=1 text is where we deliberately differ (we keep the `#` frame
and label comments). For those the comparison is made with that information
stripped again, and the symbolization is checked on its own.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import re
import struct
from pathlib import Path

import pytest

from pprofsh.errors import ProfileError
from pprofsh.options import Config
from pprofsh.profile.dump import go_duration_string, go_time_string, profile_string
from pprofsh.profile.legacy import _go_exp, _scale_heap_sample, parse_legacy
from pprofsh.profile.model import (
    Location,
    Profile,
)
from pprofsh.session import UI, Session, SourceSpec, prepare

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "legacy"
TESTDATA = Path("/usr/share/gocode/src/github.com/google/pprof/profile/testdata")
FIXTURES = HERE / "fixtures" / "profiles"

# --- the raw report, through the session as `pprofsh -raw` runs it ----------------------


def _raw(p: Profile) -> str:
    """`-raw` of an already parsed profile: session.prepare (pprof's fetchProfiles: fake
    mapping, merge, RemoveUninteresting) and the raw report (applyFocus drops samples
    without locations)."""
    ui = UI(io.StringIO(), io.StringIO())
    prepared = prepare(p, SourceSpec([], symbolize="none"), ui)
    out = io.StringIO()
    Session(prepared, Config(), ui).run("raw", [], out)
    return out.getvalue()


def _strip_go_text(p: Profile) -> Profile:
    """Our parse of Go runtime text without the `#` comments Go ignores."""
    p = copy.deepcopy(p)
    for loc in p.locations:
        loc.lines = []
    p.functions = []
    for s in p.samples:
        s.labels = None
    return p


# --- pprof's testdata ---------------------------------------------------------------------


def _testdata_files() -> list[str]:
    if not TESTDATA.is_dir():
        return []
    return sorted(f.name for f in TESTDATA.iterdir() if not f.name.endswith(".string"))


needs_testdata = pytest.mark.skipif(
    not TESTDATA.is_dir(),
    reason=f"{TESTDATA} is absent (install golang-github-google-pprof-dev)",
)


@needs_testdata
def test_every_testdata_file_has_a_golden() -> None:
    missing = [n for n in _testdata_files() if not (GOLDEN / f"{n}.raw").is_file()]
    assert not missing, f"run tests/golden/legacy/regen.sh; no golden for {missing}"


@needs_testdata
@pytest.mark.parametrize("name", _testdata_files() or ["(none)"])
def test_testdata_raw_matches_go(name: str) -> None:
    golden = GOLDEN / f"{name}.raw"
    if not golden.is_file():
        pytest.skip(f"no golden for {name}; run tests/golden/legacy/regen.sh")
    p = parse_legacy((TESTDATA / name).read_bytes())
    if "#\t0x" in (TESTDATA / name).read_text(errors="replace"):
        p = _strip_go_text(p)
    assert _raw(p) == golden.read_text()


# --- Go runtime debug=1 text from tests/fixtures ----------------------------------------


def _fixture_sums() -> dict[str, str]:
    sums = GOLDEN / "fixtures" / "SHA256SUMS"
    if not sums.is_file():
        return {}
    out = {}
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        out[name] = digest
    return out


def _fixture_names() -> list[str]:
    return sorted(_fixture_sums()) or ["(none)"]


def _fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != _fixture_sums()[name]:
        pytest.skip(f"{name} changed since its golden was made; run tests/golden/legacy/regen.sh")
    return data


@pytest.mark.parametrize("name", _fixture_names())
def test_fixture_debug1_matches_go_when_unsymbolized(name: str) -> None:
    if name == "(none)":
        pytest.skip("no fixture goldens; run tests/golden/legacy/regen.sh")
    data = _fixture(name)
    golden = (GOLDEN / "fixtures" / f"{name}.raw").read_text()
    if golden.startswith("error: "):
        with pytest.raises(ProfileError) as e:
            parse_legacy(data)
        assert "parsing profile: " + str(e.value) == golden.removeprefix("error: ").strip()
        return
    assert _raw(_strip_go_text(parse_legacy(data))) == golden


_FRAME = re.compile(r"^#\t+0x([0-9a-f]+)\t+(.*)\+0x[0-9a-f]+\t+(.*):([0-9]+)$")


@pytest.mark.parametrize("name", _fixture_names())
def test_fixture_debug1_symbolization(name: str) -> None:
    """Every `#` frame line is on the location of its address, labels are kept."""
    if name == "(none)":
        pytest.skip("no fixture goldens; run tests/golden/legacy/regen.sh")
    data = _fixture(name)
    try:
        p = parse_legacy(data)
    except ProfileError:
        return  # Go cannot read it either; the other test checks the message
    text = data.decode()
    # The first run of `#` lines for an address gives its frames, innermost first.
    expected: dict[int, list[tuple[str, str, int]]] = {}
    run_addr = None
    for line in text.splitlines():
        m = _FRAME.match(line)
        if not m:
            run_addr = None
            continue
        addr = int(m.group(1), 16)
        if addr != run_addr:
            run_addr = addr
            if addr in expected:
                run_addr = -1  # a later run for a known address: ignored
                continue
            expected[addr] = []
        if run_addr == addr:
            expected[addr].append((m.group(2), m.group(3), int(m.group(4))))
    assert expected
    by_addr = {loc.address: loc for loc in p.locations}
    for addr, want in expected.items():
        loc = by_addr[addr]
        got = [(ln.function.name, ln.function.filename, ln.line) for ln in loc.lines]
        assert got == want, hex(addr)
    for loc in p.locations:
        for ln in loc.lines:
            assert ln.function in p.functions
    assert [f.id for f in p.functions] == list(range(1, len(p.functions) + 1))
    assert len({(f.name, f.filename) for f in p.functions}) == len(p.functions)
    nlabels = sum(1 for line in text.splitlines() if line.startswith("# labels: "))
    assert sum(1 for s in p.samples if s.labels) == nlabels


# --- hand-written Go runtime text ----------------------------------------------------------

_GOROUTINE = """\
goroutine profile: total 5
3 @ 0x438b36 0x40570c 0x4f0445 0x4650e1
# labels: {"role":"producer", "shard":"7", "q\\"x":"a\\tb\\u00e9"}
#	0x4f0444	main.sender+0x24	/src/main.go:39

2 @ 0x438b36 0x4f0600 0x4f0445 0x4650e1
#	0x4f05ff	main.inner+0x1f		/src/inner.go:7
#	0x4f05ff	main.middle+0x1f	/src/main.go:20
#	0x4f05ff	main.outer+0x1f		/src/main.go:30
#	0x4f0444	main.sender+0x24	/src/main.go:39
#	0x46
"""


def test_goroutine_text_symbolized() -> None:
    p = parse_legacy(_GOROUTINE.encode())
    assert [(st.type, st.unit) for st in p.sample_types] == [("goroutine", "count")]
    s0, s1 = p.samples
    assert s0.values == [3] and s1.values == [2]
    assert s0.labels == {"role": ["producer"], "shard": ["7"], 'q"x': ["a\tb\u00e9"]}
    assert s1.labels is None

    def lines(loc: Location) -> list[tuple[str, str, int]]:
        return [(ln.function.name, ln.function.filename, ln.line) for ln in loc.lines]

    # Leading runtime frames are not printed by the runtime: they stay addresses.
    assert s0.locations[0].address == 0x438B35 and s0.locations[0].lines == []
    assert lines(s0.locations[2]) == [("main.sender", "/src/main.go", 39)]
    # Several lines for one address: one location, innermost first.
    assert s1.locations[1].address == 0x4F05FF
    assert lines(s1.locations[1]) == [
        ("main.inner", "/src/inner.go", 7),
        ("main.middle", "/src/main.go", 20),
        ("main.outer", "/src/main.go", 30),
    ]
    assert s1.locations[2] is s0.locations[2]
    assert [f.name for f in p.functions] == [
        "main.sender",
        "main.inner",
        "main.middle",
        "main.outer",
    ]
    assert [f.id for f in p.functions] == [1, 2, 3, 4]
    assert profile_string(p) == (
        "PeriodType: goroutine count\n"
        "Period: 1\n"
        "Samples:\n"
        "goroutine/count\n"
        "          3: 1 2 3 4 \n"
        '                q"x:[a\tb\u00e9] role:[producer] shard:[7]\n'
        "          2: 1 5 3 4 \n"
        "Locations\n"
        "     1: 0x438b35 M=1 \n"
        "     2: 0x40570b M=1 \n"
        "     3: 0x4f0444 M=1 main.sender /src/main.go:39 s=0\n"
        "     4: 0x4650e0 M=1 \n"
        "     5: 0x4f05ff M=1 main.inner /src/inner.go:7 s=0\n"
        "             main.middle /src/main.go:20 s=0\n"
        "             main.outer /src/main.go:30 s=0\n"
        "Mappings\n"
        "1: 0x0/0xffffffffffffffff/0x0   \n"
    )


def test_cpp_text_is_not_symbolized() -> None:
    data = b"heap profile: 1: 2 [ 1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x10 0x20\n# 0x10 foo\n"
    p = parse_legacy(data)
    assert all(not loc.lines for loc in p.locations)
    assert p.functions == []


def test_mutex_text_symbolized() -> None:
    data = (
        b"--- mutex:\ncycles/second=2000000000\nsampling period=5\n"
        b"100 3 @ 0x4bd905 0x4637e1\n"
        b"#\t0x4bd904\tsync.(*Mutex).Unlock+0x64\t/go/src/sync/mutex.go:223\n"
        b"#\t0x4637e0\truntime.goexit+0x0\t/go/src/runtime/asm_amd64.s:1594\n\n"
    )
    p = parse_legacy(data)
    (s,) = p.samples
    assert s.values == [15, 250]
    assert [ln.function.name for loc in s.locations for ln in loc.lines] == [
        "sync.(*Mutex).Unlock",
        "runtime.goexit",
    ]
    assert p.drop_frames.startswith("RecordLockProfileData|")


# --- error behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "unrecognized profile format"),
        (b"hello\nworld\n", "unrecognized profile format"),
        (b"goroutine profile: total 1\n1 @\n", "malformed profile format"),
        (b"goroutine profile: total 1\n09 @ 0x1\n", "malformed profile format"),
        (
            b"heap profile: 1: 2 [1: 2] @ heap/2\nbad\n",
            "unexpected number of sample values: got 0, want 6",
        ),
        (
            b"heap profile: 1: 2 [1: 2] @ heap/2\n0: 5 [0: 0] @ 0x1\n",
            "inuse count was 0 but inuse bytes was 5",
        ),
        (
            b"--- contention:\n99999999999999999999 1 @ 0x1\n",
            'malformed sample: 99999999999999999999 1 @ 0x1: strconv.ParseInt: parsing "99999999999999999999": value out of range',  # noqa: E501
        ),
        (b"x" * 70000, "bufio.Scanner: token too long"),
        (
            b"--- heapz 1 ---\nformat = java\n 1 0 @ 0x1\n",
            "parsing sample 1 0 @ 0x1: second value must be non-zero",
        ),  # noqa: E501
        (b"--- heapz 1 ---\nformat = java\n 1 1 @ 0x1\n", "missing sample type information"),
    ],
)
def test_errors(data: bytes, message: str) -> None:
    with pytest.raises(ProfileError) as e:
        parse_legacy(data)
    assert str(e.value) == message


def test_go_count_octal_count() -> None:
    p = parse_legacy(b"threadcreate profile: total 8\n010 @ 0x10\n")
    assert p.samples[0].values == [8]


# --- binary CPU profiles in every word format -----------------------------------------------


@pytest.mark.parametrize("fmt", ["<I", ">I", "<Q", ">Q"])
def test_cpu_word_formats(fmt: str) -> None:
    words = [0, 3, 0, 1000, 0]  # header: 1ms period
    words += [5, 3, 0x1000, 0x2001, 0x3001]
    words += [2, 2, 0x1100, 0x2101]
    words += [0, 1, 0]  # end marker
    data = b"".join(struct.pack(fmt, w) for w in words)
    data += b"00001000-00004000 r-xp 00000000 00:00 0 /bin/prog\n"
    p = parse_legacy(data)
    assert p.period == 1_000_000
    assert [s.values for s in p.samples] == [[5, 5_000_000], [2, 2_000_000]]
    assert [hex(loc.address) for loc in p.samples[0].locations] == ["0x1000", "0x2000", "0x3000"]
    assert [loc.id for loc in p.locations] == [1, 2, 3, 4, 5]
    assert [m.file for m in p.mappings] == ["/bin/prog"]
    assert all(loc.mapping is p.mappings[0] for loc in p.locations)
    assert p.drop_frames.startswith("ProfileData::Add|")


def test_gzip_is_not_ours() -> None:
    # Decompression belongs to the caller (Go's ParseData); raw gzip is not a legacy format.
    with pytest.raises(ProfileError):
        parse_legacy(gzip.compress(b"goroutine profile: total 0\n"))


# --- dump helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ns, want",
    [
        (0, "0s"),
        (1, "1ns"),
        (1500, "1.5\u00b5s"),
        (2_000_000, "2ms"),
        (1_000_000_000, "1s"),
        (90_000_000_000, "1m30s"),
        (3_723_400_000_000, "1h2m3.4s"),
        (-1_500_000, "-1.5ms"),
        (16_502_830_000_000, "4h35m2.83s"),
    ],
)
def test_duration_string(ns: int, want: str) -> None:
    assert go_duration_string(ns) == want


def test_time_string_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert go_time_string(1_600_000_000_123_000_000) == "2020-09-13 12:26:40.123 +0000 UTC"
        assert go_time_string(0) == "1970-01-01 00:00:00 +0000 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "x_bits, want_bits",
    [  # Go 1.19's math.Exp on amd64 (FMA); libm's exp differs in the last bit on these.
        (0xC03E3BA6D4E71ED2, 0x3D34DD51667C8B53),
        (0xC0353B5C2680D1B0, 0x3E04A95E05EE3D6C),
        (0xBFD85CAFF8C1E239, 0x3FE5DE831DC049E7),
        (0xC021539D9E59910B, 0x3F26A69363E82662),
    ],
)
def test_go_exp(x_bits: int, want_bits: int) -> None:
    x = struct.unpack("<d", struct.pack("<Q", x_bits))[0]
    want = struct.unpack("<d", struct.pack("<Q", want_bits))[0]
    assert _go_exp(x) == want


def test_scale_heap_sample() -> None:
    # scaleHeapSample results printed by Go 1.19.
    assert _scale_heap_sample(53430, 18207447960, 524288) == (111792, 38095749889)
    assert _scale_heap_sample(95524, 20525432928, 524288) == (284094, 61043853577)
    assert _scale_heap_sample(3, 7, 1) == (3, 7)
    assert _scale_heap_sample(0, 7, 100) == (0, 0)
