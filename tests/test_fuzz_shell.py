"""The shell grammar and option parser under random lines: the prompt always comes back.

Random lines are built from command and option names, regexp metacharacters,
huge numbers, `=`, `//:` and `>file` (into a temporary directory) and fed to
Interpreter.execute on a real fixture session. The property: execute returns
(a bool), never raises, never takes long, and every message it prints is one
line, with no traceback and no "internal error".

Quick run: QUICK_EXAMPLES lines; `PPROFSH_FUZZ=nightly` runs NIGHTLY_EXAMPLES.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiles_util import one_function_profile

from pprofsh import commands as cmds
from pprofsh.errors import CommandError
from pprofsh.filters import go_regexp
from pprofsh.interactive import Interpreter
from pprofsh.options import OPTIONS, Config
from pprofsh.profile import profile_pb2
from pprofsh.regexps import LinearRegex, Unsupported
from pprofsh.session import UI, Session, SourceSpec, load

QUICK_EXAMPLES = 300
NIGHTLY_EXAMPLES = 20000
NIGHTLY = os.environ.get("PPROFSH_FUZZ", "") == "nightly"
FUZZ = settings(
    max_examples=NIGHTLY_EXAMPLES if NIGHTLY else QUICK_EXAMPLES,
    deadline=None,
    derandomize=not NIGHTLY,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
# The longest one line may take (a report on the fixture takes milliseconds).
LINE_SECONDS = 10

HERE = Path(__file__).parent
PROFILE = HERE / "fixtures" / "profiles" / "goroutine.pb.gz"
HEAP = HERE / "fixtures" / "profiles" / "heap.pb.gz"

# Commands that start a viewer, Graphviz or the network are left out of the random
# lines (they are tested elsewhere): the fuzzer must not open windows or dial out.
_SKIP = {
    "web",
    "weblist",
    "disasm",
    "gv",
    "evince",
    "eog",
    "kcachegrind",
    "fetch",
    "load",
    "base",
    "svg",
    "png",
    "pdf",
    "ps",
    "gif",
    "dot",
}
NAMES = sorted(
    (
        {c.name for c in cmds.COMMANDS}
        | {o.name for o in OPTIONS}
        | {c for o in OPTIONS for c in o.choices}
        | {"o", "options", "help", ":", "goroutine", "mean_goroutine", "total_goroutine"}
    )
    - _SKIP
)
REGEX_BITS = [
    # issue #16: sequential and nested unbounded repetitions, matched linearly
    ".*.*.*.*.*.*x",
    "a*a*a*a*a*a*b",
    "(.*)*x",
    "((a*)*)*b",
    "(x+x+)+y",
    "(a+)+$",
    "(a|a)*b",
    "(.*a){20}",
    "[",
    "(",
    ")",
    "*",
    "+?",
    "\\",
    "\\z",
    ".*",
    "^$",
    "a{1000000}",
    "a{2,1}",
    "(?P<x>",
    "\\Q",
    "[[:alpha:]]",
    "\\pL",
    "(?i)main",
    "x**",
    "[^",
    "(?",
    "|",
    "runtime\\.",
    "main",
    "gopark",
    "$",
]
OTHER = [
    "=",
    "//:",
    ">",
    "-cum",
    "--cum",
    "-",
    "99999999999999999999",
    "-1",
    "0",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "2147483648",
    "-2147483649",
    "#1",
    "#0",
    "off",
    "traces",
    "1kb:",
    "mb=1:2",
    "key=val",
    "'",
    '"',
    "\x1b[31m",
    "\x00",
    "\t",
    "\u202e",
    "\u2066",
    "\udcff",  # a byte that was not UTF-8 (surrogateescape)
    "9223372036854775808",
    "-9223372036854775809",
    "1e-400",
    "NaN",
    ";",
    "1kb:10kb",
    "state=chan",
    "goid=1",
    "true",
    "false",
    "T",
    "yes",
]
TOKEN = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(REGEX_BITS),
    st.sampled_from(OTHER),
    st.sampled_from([">out.txt", ">sub/none/x", ">", ">/dev/null/x"]),
    st.text(max_size=6),
)
SEP = st.sampled_from([" ", "", "=", " ", "  ", "\t"])


@st.composite
def lines(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        parts.append(draw(TOKEN))
        parts.append(draw(SEP))
    return "".join(parts)


class _Slow(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds: int):
    def alarm(signum, frame):
        raise _Slow(f"line took more than {seconds}s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


class Shell:
    """One session on a fixture, in a temporary working directory."""

    def __init__(self, profile: Path = PROFILE, directory: Path | None = None) -> None:
        self.dir = str(directory) if directory is not None else _TMP.name
        self.out, self.err = io.StringIO(), io.StringIO()
        self.ui = UI(self.out, self.err, interactive=True)
        self.messages: list[str] = []
        plain = self.ui.print_err

        def record(msg: str) -> None:
            self.messages.append(msg)
            plain(msg)

        self.ui.print_err = record  # type: ignore[method-assign]
        spec = SourceSpec([str(profile)])
        cfg = Config()
        cfg.compact_labels = True
        self.session = Session(load(spec, self.ui), cfg, self.ui, spec)
        self.interp = Interpreter(self.session)
        self.pristine = self.session.config.copy()

    def run(self, line: str) -> bool:
        self.out.seek(0)
        self.out.truncate()
        self.err.seek(0)
        self.err.truncate()
        self.messages.clear()
        cwd = os.getcwd()
        os.chdir(self.dir)
        try:
            with time_bound(LINE_SECONDS), warnings.catch_warnings():
                warnings.simplefilter("error")  # a Python warning is not a pprof message
                return self.interp.execute(line)
        finally:
            os.chdir(cwd)

    def check(self, line: str) -> None:
        words = line.split()
        r = self.run(line)
        assert isinstance(r, bool)
        err = self.err.getvalue()
        assert "Traceback" not in err and "internal error" not in err, (line, err)
        if not words or words[0] not in ("o", "options"):
            for m in self.messages:
                assert "\n" not in m, (line, m)


_TMP = tempfile.TemporaryDirectory(prefix="pprofsh-shellfuzz-")
_SHELL: Shell | None = None


def shell() -> Shell:
    global _SHELL
    if _SHELL is None:
        _SHELL = Shell()
    # options persist between lines, as in a session, but a runaway nodecount
    # or output file from one line should not slow every later one
    _SHELL.session.config = _SHELL.pristine.copy()
    return _SHELL


@FUZZ
@given(lines())
def test_random_lines_always_return(line):
    shell().check(line)


@FUZZ
@given(st.lists(lines(), min_size=2, max_size=5))
def test_random_sessions_always_return(script):
    """Several lines in a row: assignments made by one line feed the next."""
    sh = shell()
    for line in script:
        sh.check(line)


# ------------------------------------------------------------------ regexps


CATASTROPHIC = (
    "(a+)+$",
    "(a|a)*b",
    "(a*)*",
    "(.*a){20}",
    "(x+x+)+y",
    "(a|aa)+$",
    ".*.*.*.*.*.*x",
    "a*a*a*a*a*a*b",
    ".*a.*b",
)


def test_catastrophic_regexps_are_matched_by_the_linear_automaton():
    """Go accepts these and matches them in linear time: so does pprofsh (issue #16 item 6)."""
    for expr in CATASTROPHIC:
        rx = go_regexp(expr, "parsing focus regexp: ")
        assert isinstance(rx, LinearRegex), expr
        for subject in ("a" * 3000, "a" * 3000 + "!", "ab" * 1500 + "x"):
            before = rx.steps
            rx.search(subject)
            # work: at most one step per character per instruction of the automaton
            assert rx.steps - before <= (len(subject) + 1) * len(rx._prog), expr


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from(CATASTROPHIC + ("a|b", "^a+$", "(ab|a)(c|bcd)", r"\ba.", "x{2,4}y?")),
    st.text(alphabet="abxy!.", max_size=12),
)
def test_linear_automaton_matches_what_re_matches(expr, subject):
    rx = LinearRegex(expr)
    want = re.compile(expr)
    assert bool(rx.search(subject)) == (want.search(subject) is not None)
    assert bool(rx.fullmatch(subject)) == (want.fullmatch(subject) is not None)


def test_python_only_syntax_in_a_risky_regexp_is_refused_in_go_words():
    # a back-reference (not RE2 syntax) where backtracking is also possible
    with pytest.raises(CommandError) as e:
        go_regexp(r"(a+)+\1", "parsing focus regexp: ")
    assert str(e.value).startswith("parsing focus regexp: error parsing regexp: ")


def test_invalid_utf8_in_a_regexp_is_gos_message():
    bad = b"a\xff".decode("utf-8", "surrogateescape")
    with pytest.raises(CommandError) as e:
        go_regexp(bad, "parsing focus regexp: ")
    # Go quotes the expression from the first bad byte on
    assert str(e.value) == f"parsing focus regexp: error parsing regexp: invalid UTF-8: `{bad[1:]}`"


def test_ordinary_regexps_still_compile():
    for expr in (
        r"main\.",
        r"(\w+\.)*foo",
        r"runtime\.(gopark|chansend)",
        "(foo|bar)*",
        r"main\.\(\*conn\)\.\w+",
        r"([^.]+\.)+go",
        "(a{2})+",
        "(ab|ac)*",
        ".*x.*",
    ):
        go_regexp(expr)


@settings(
    max_examples=2000 if NIGHTLY else 200, deadline=None, derandomize=not NIGHTLY, database=None
)
@given(st.text(alphabet="a.()|*+?{}2,^$[]\\w", max_size=14))
def test_accepted_regexps_are_fast_on_long_names(expr):
    """Whatever go_regexp accepts finds what the linear automaton finds, on
    300-character names; a LinearRegex in bounded work, an re pattern (at most one
    unbounded repetition, nothing nested) with a backstop against a hang."""
    try:
        rx = go_regexp(expr)
    except CommandError:
        return
    try:
        oracle = LinearRegex(rx.pattern)
    except Unsupported:
        oracle = None
    with time_bound(30):
        for subject in ("a" * 300 + "!", "a." * 150 + "!", "." * 300):
            before = getattr(rx, "steps", 0)
            got = rx.search(subject) is not None
            if isinstance(rx, LinearRegex):
                assert rx.steps - before <= (len(subject) + 1) * len(rx._prog)
            if oracle is not None:
                assert got == (oracle.search(subject) is not None), expr


def test_focus_with_catastrophic_regexp_on_long_name_returns(tmp_path):
    """A function named 'aaaa…a!' and focus=(a+)+$: matched as Go matches it, at once."""
    m = one_function_profile("a" * 4000 + "!")
    path = tmp_path / "long.pb"
    path.write_bytes(m.SerializeToString())
    sh = Shell(path, tmp_path)
    for line in ("focus=(a+)+$", "top", "top (a|aa)+$", "peek (a*)*!", "tags (a+)+$"):
        sh.check(line)
    # (a+)+$ does not match a name ending in "!": Go's messages, no refusal
    assert all("exponential" not in m for m in sh.messages)
    sh.check("focus=(a*)*!")
    sh.check("top")
    assert sh.out.getvalue().count("aaaa") >= 1


_LONG: Shell | None = None


@settings(max_examples=60, deadline=None, derandomize=not NIGHTLY, database=None)
@given(
    st.sampled_from(["focus", "ignore", "hide", "show", "show_from", "prune_from"]),
    st.lists(
        st.sampled_from(REGEX_BITS[:8] + ["a", "!", ".", "|", "(", ")"]), min_size=1, max_size=6
    ),
    st.sampled_from(["top", "traces", "peek .", "tags", "list ."]),
)
def test_nested_quantifiers_on_long_names(option, bits, command):
    """Issue #16: sequential and nested repetitions as filters on a 3000-character name
    (hypothesis shapes: nested quantifiers, long runs of name characters)."""
    global _LONG
    if _LONG is None:
        m = one_function_profile("a" * 3000 + "!")
        path = Path(_TMP.name) / "long3000.pb"
        path.write_bytes(m.SerializeToString())
        _LONG = Shell(path, Path(_TMP.name))
    _LONG.session.config = _LONG.pristine.copy()
    _LONG.check(f"{option}={''.join(bits)}")
    _LONG.check(command)


def test_a_long_match_can_be_interrupted():
    """Matching a risky pattern runs in Python, so Ctrl-C (KeyboardInterrupt in the main
    thread) stops it; Python's re does not check for signals while it backtracks."""
    import _thread
    import threading

    rx = go_regexp("(a|aa)+$")
    assert isinstance(rx, LinearRegex)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            rx.search("a" * 50_000_000 + "!")  # minutes of work: interrupted long before
    finally:
        timer.cancel()
    assert rx.steps < 50_000_000 * len(rx._prog)


def test_python_only_regexp_warnings_are_not_printed():
    sh = shell()
    sh.check("top [[:alpha:]]")  # FutureWarning "Possible nested set" under Python


# ------------------------------------------------------------------ regressions


def test_sample_index_after_loading_a_profile_with_other_types(tmp_path):
    """Crash found by the fuzzer: `load` of a profile with more sample types, then
    `sample_index=` raised IndexError (the shell kept the first profile's types)."""
    sh = Shell(PROFILE, tmp_path)
    sh.check(f"load {HEAP}")
    sh.check("sample_index=")
    assert sh.messages == []
    assert sh.session.config.sample_index == "inuse_space"
    sh.check("alloc_space")  # the shortcuts follow the loaded profile too
    assert sh.session.config.sample_index == "alloc_space"


def test_sample_index_on_a_profile_without_sample_types(tmp_path):
    m = profile_pb2.Profile()
    m.string_table.append("")
    path = tmp_path / "empty.pb"
    path.write_bytes(m.SerializeToString())
    sh = Shell(path, tmp_path)
    sh.check("sample_index=")
    assert sh.messages == ['invalid sample_index ""']


def test_output_file_name_with_nul_byte():
    """Crash found by the fuzzer: `topproto >a<NUL>` raised ValueError."""
    sh = shell()
    sh.check("top >a\x00b")
    assert sh.messages == ["Generating report in a\x00b", "open a\x00b: invalid argument"]


def test_load_name_with_nul_byte():
    """Crash found by the fuzzer: `load <NUL>(` raised ValueError."""
    sh = shell()
    sh.check("load \x00(")
    assert len(sh.messages) == 1 and sh.messages[0].endswith(": invalid argument")


def test_snapshot_numbers_below_one_are_refused():
    sh = shell()
    for ref in ("#0", "#-1"):
        sh.check(f"load {ref}")
        assert sh.messages == [f"no snapshot {ref} (see `snapshots`)"]


@pytest.mark.parametrize(
    "src",
    [
        "[[:alpha:]]=",
        "mb=1:2=[ * ",
        "http://[::1/x",
        "mb=1:299999999999999999999",
        "http://h:99999999999/x",
    ],
)
def test_sources_that_break_url_parsing(src, monkeypatch):
    """Crashes found by the fuzzer: `base SRC` raised ValueError/OverflowError from
    urllib/socket for these. No request may leave the machine: the fetch is stubbed."""
    import httpx

    def no_network(*a, **k):
        raise httpx.ConnectError("blocked by test")

    monkeypatch.setattr(httpx.Client, "send", no_network)
    sh = shell()
    sh.check(f"base {src}")
    assert len(sh.messages) >= 1


def test_redirect_into_tmp_dir_writes_one_file():
    sh = shell()
    sh.check("top >report.txt")
    files = os.listdir(sh.dir)
    assert "report.txt" in files
    assert not [f for f in files if "pprofsh-tmp" in f]
