"""Issue #16 item 5: the parsers' regexps run in linear time.

Go's RE2 is linear; Python's `re` backtracks. Each parser pattern that was
super-linear is now a linear pattern or a small function. Two kinds of test:

* equivalence: on short strings over the characters that matter, the linear
  matcher gives exactly what Go's original pattern gives (the original, run by
  Python's backtracking engine, is the oracle: on short strings Perl-style
  leftmost-first matching and RE2's agree);
* size: a real fixture with one hostile line of a few hundred KB parses. The
  old patterns took minutes (cubic or quadratic in the line); the bound of
  60 s is only a backstop for a hang, the sizes make the difference hours.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprofsh.errors import PprofshError
from pprofsh.profile import goroutine_dump as gd
from pprofsh.profile import legacy
from pprofsh.profile.parse import parse

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "profiles"

# Go's patterns (pprof's legacy_profile.go and pprofsh's own dump grammar), as the
# code had them before they were made linear: the oracle for the equivalence tests.
S = r"[\t\n\f\r ]"
X = r"[0-9A-Fa-f]"
GO_CONTENTION = re.compile(r"([0-9]+) *([0-9]+) @([ x0-9a-f]*)")
GO_HEAP_SAMPLE = re.compile(r"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @([ x0-9a-f]*)")
GO_ATTRIBUTE = re.compile(r"([0-9A-Za-z_ ]+)=([0-9A-Za-z_ ]+)")
_HEX = rf"(?:0x)?({X}+)"
GO_PROC_MAPS = re.compile(
    rf"^{S}*{_HEX}[\t\n\f\r -]?{S}*{_HEX}:?(?:{S}+([-rwxp]+))?(?:{S}+({X}+))?"
    rf"{S}+{X}+:{X}+{S}+[0-9]+(?:{S}+([^\t\n\f\r ]+))?"
)
GO_JAVA_FILE_LINE = re.compile(rf"^(.*){S}+\((.+):(-?[0-9]+)\)\Z")
GO_JAVA_PATH = re.compile(rf"^(.*){S}+\((.*)\)\Z")
GO_FRAME = re.compile(r"\A#\t+0x([0-9a-f]+)(?:\t+(.*)\+0x[0-9a-f]+\t+(.*):([0-9]+))?\Z")
DUMP_FILE_LINE = re.compile(r"^\s+(.*?):(\d+)(?:\s.*)?$")
DUMP_CREATED = re.compile(r"^created by (.+?)(?: in goroutine (\d+))?\s*$")

EQUIV = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def texts(alphabet: str, max_size: int = 14):
    return st.text(alphabet=alphabet, max_size=max_size)


def _all(m: re.Match[str] | None) -> tuple[str, ...] | None:
    return None if m is None else tuple(g or "" for g in m.groups())


@EQUIV
@given(texts("12 @x0a-:"))
def test_contention_sample_matches_gos_pattern(s):
    m = legacy._contention_sample_re.search(s)
    got = None if m is None else (m.group(1) or m.group(3), m.group(2) or m.group(4), m.group(5))
    assert got == _all(GO_CONTENTION.search(s))


@EQUIV
@given(texts("12-: []@x0a", 24))
def test_heap_sample_matches_gos_pattern(s):
    assert _all(legacy._heap_sample_re.search(s)) == _all(GO_HEAP_SAMPLE.search(s))


@EQUIV
@given(texts("a1_ =-"))
def test_attribute_matches_gos_pattern(s):
    assert _all(legacy._attribute_re.search(s)) == _all(GO_ATTRIBUTE.search(s))


@EQUIV
@given(texts("f0x- :rp9\t/", 30))
def test_proc_maps_matches_gos_pattern(s):
    assert _all(legacy._proc_maps_re.search(s)) == _all(GO_PROC_MAPS.search(s))


@EQUIV
@given(texts("a (:)-1\t"))
def test_java_locations_match_gos_patterns(s):
    assert legacy._java_location_file_line(s) == _all(GO_JAVA_FILE_LINE.search(s))
    assert legacy._java_location_path(s) == _all(GO_JAVA_PATH.search(s))


@EQUIV
@given(st.sampled_from(["#\t0x1", "#\t\t0xa\t", "#\t0x", "#0x1\t", ""]), texts("a+0x1\t:9 ", 18))
def test_go_frame_comment_matches_gos_pattern(head, tail):
    s = head + tail
    m = GO_FRAME.match(s)
    want = None if m is None else (m.group(1), m.group(2), m.group(3) or "", m.group(4) or "")
    assert legacy._go_frame(s) == want


@EQUIV
@given(texts(" \ta:1x\u00a0"))
def test_dump_file_line_matches_the_old_pattern(s):
    m = DUMP_FILE_LINE.match(s)
    assert gd._file_line(s) == (None if m is None else (m.group(1), int(m.group(2))))


@EQUIV
@given(texts("x in goroutine 12\t", 24))
def test_dump_created_by_matches_the_old_pattern(tail):
    s = "created by " + tail
    m = DUMP_CREATED.match(s)
    assert gd._created_by(s) == (None if m is None else (m.group(1), m.group(2) or ""))


# ---------------------------------------------------------------- sizes

# Legacy text is read line by line with Go's bufio.Scanner limit of 64 KiB a
# line (longer lines are Go's `bufio.Scanner: token too long`), so a hostile line
# is just under it: the old patterns took minutes to hours on such a line.
N = 60_000
GO_TESTDATA = Path("/usr/share/gocode/src/github.com/google/pprof/profile/testdata")


def _parse_bounded(data: bytes):
    t0 = time.perf_counter()
    try:
        result: object = parse(data)
    except PprofshError as e:
        result = e
    # A backstop against a hang only; linear parsing takes well under a second here.
    assert time.perf_counter() - t0 < 60
    return result


def _with_line(fixture: str, after: int, line: str) -> bytes:
    lines = (FIXTURES / fixture).read_text().split("\n")
    lines.insert(after, line)
    return "\n".join(lines).encode()


def _names(p) -> set[str]:
    return {ln.function.name for loc in p.locations for ln in loc.lines}


def test_contention_text_with_long_runs():
    # the old pattern was cubic in a digit run: 3 KB took 30 s, this would take days
    p = _parse_bounded(_with_line("mutex.debug1.txt", 3, "7" + " " * N + "9 @ 0x4bd905"))
    # contentions 9; 7 cycles become 2 ns at the fixture's cycles/second, as in Go's -raw
    assert [9, 2] in [s.values for s in p.samples]
    e = _parse_bounded(_with_line("mutex.debug1.txt", 3, "1" * N))
    assert str(e) == "parsing profile: unrecognized profile format"  # go tool pprof's words


def test_heap_text_with_long_sample_and_maps_lines():
    heap = (FIXTURES / "heap.debug1.txt").read_text()
    hostile = heap + "\nMAPPED_LIBRARIES:\n" + "f" * N + "\n" + "a" * N + "=b\n"
    p = _parse_bounded(hostile.encode())
    assert "main.allocLarge" in _names(p)
    e = _parse_bounded(_with_line("heap.debug1.txt", 1, "1" * N))
    assert str(e) == "parsing profile: unexpected number of sample values: got 0, want 6"


def test_debug1_frame_comments_with_many_offsets():
    # 40 lines of 60 KB (2.4 MB): the old pattern was quadratic in each line
    frame = "#\t0x4f0444\tmain.sender" + "+0x24\t" * (N // 6) + "x"
    lines = (FIXTURES / "goroutine.debug1.txt").read_text().split("\n")
    lines[3:3] = [frame] * 40
    p = _parse_bounded("\n".join(lines).encode())
    assert "main.sender" in _names(p)


def test_debug2_dump_with_long_whitespace_and_created_by_lines():
    n = 1_000_000  # a dump is not read by a bufio.Scanner: lines of any length
    dump = (FIXTURES / "goroutine.debug2.txt").read_text().split("\n")
    dump.insert(2, "\t" + " " * n + "x")
    dump.insert(4, "created by x" + " " * n + "y")
    p = _parse_bounded("\n".join(dump).encode())
    assert "created by x" + " " * n + "y" in _names(p)


@pytest.mark.skipif(not GO_TESTDATA.is_dir(), reason="pprof's profile/testdata is not installed")
def test_java_location_lines_with_many_parens():
    text = (GO_TESTDATA / "java.heap").read_text()
    hostile = " 0x00000003 com.example.f" + " (" * (N // 2) + ")\n"
    long_file = " 0x00000004 com.example.g" + " (a" * (N // 3) + ":7)\n"
    p = _parse_bounded((text + hostile + long_file).encode())
    names = _names(p)
    assert "com.example.f" + " (" * (N // 2 - 1) in names
    assert "com.example.g" + " (a" * (N // 3 - 1) in names
