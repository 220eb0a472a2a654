"""Resource limits, file writing, TLS defaults and terminal safety (docs/robustness.md)."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import ssl
import stat
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pprofsh import cli, fetch, limits
from pprofsh.delivery import write_file
from pprofsh.errors import FetchError, ProfileError
from pprofsh.profile import profile_pb2
from pprofsh.profile.parse import parse
from pprofsh.report import highlight
from pprofsh.session import UI, SourceSpec

HERE = Path(__file__).parent
PROFILE = HERE / "fixtures" / "profiles" / "goroutine.pb.gz"


class _QuietServer(ThreadingHTTPServer):
    """Client hang-ups are the point of these tests: print no tracebacks into the
    stderr the test is reading."""

    def handle_error(self, request, client_address) -> None:
        pass


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ sizes


def test_default_limit_is_one_gib(monkeypatch):
    monkeypatch.delenv("PPROFSH_MAX_SIZE", raising=False)
    assert limits.max_size() == 1 << 30
    for raw, want in (
        ("2M", 2 << 20),
        ("512k", 512 << 10),
        ("3GiB", 3 << 30),
        ("1000", 1000),
        ("junk", 1 << 30),
        ("0", 1 << 30),
        ("-5", 1 << 30),
    ):
        monkeypatch.setenv("PPROFSH_MAX_SIZE", raw)
        assert limits.max_size() == want, raw


def test_gzip_bomb_stops_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "1M")
    bomb = tmp_path / "bomb.pb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (8 << 20), mtime=0))  # 8 KiB expanding to 8 MiB
    assert bomb.stat().st_size < 64 << 10
    rc, out, err = run_cli(["-top", str(bomb)])
    assert rc == 1 and out == ""
    assert err.splitlines() == [
        f"{bomb}: decompressing profile: profile larger than 1 MiB (pprofsh's limit; set "
        "PPROFSH_MAX_SIZE to change it)",
        "failed to fetch any source profiles",
    ]


def test_multi_member_gzip_bomb_counts_every_member(monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "1M")
    member = gzip.compress(b"\0" * (600 << 10), mtime=0)
    with pytest.raises(ProfileError, match="larger than 1 MiB"):
        parse(member * 2)


def test_nested_gzip_is_not_decompressed_twice(monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "1M")
    inner = gzip.compress(b"\0" * (4 << 20), mtime=0)
    # Decompressed twice, the inner 4 MiB of zeros would be refused as too large;
    # decompressed once, it is a gzip stream that is no profile format.
    with pytest.raises(ProfileError, match="larger than 1 MiB"):
        parse(inner)
    with pytest.raises(ProfileError, match="^parsing profile: unrecognized profile format$"):
        parse(gzip.compress(inner, mtime=0))


def test_file_larger_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "1000")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    rc, _, err = run_cli(["-top", str(big)])
    assert rc == 1
    assert err.splitlines()[0] == (
        f"{big}: profile larger than 1000 bytes (pprofsh's limit; "
        "set PPROFSH_MAX_SIZE to change it)"
    )


def test_real_profiles_load_under_the_default_limit():
    rc, out, err = run_cli(["-top", str(PROFILE)])
    assert rc == 0 and err == "", err


# ------------------------------------------------------------------ servers that never finish


class Endless(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            if self.path.startswith("/flood"):
                chunk = b"\0" * 65536
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            elif self.path.startswith("/trickle"):
                while True:
                    self.wfile.write(b"1\r\n\0\r\n")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif self.path.startswith("/stall"):
                self.wfile.flush()
                time.sleep(30)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


@pytest.fixture(scope="module")
def endless():
    httpd = _QuietServer(("127.0.0.1", 0), Endless)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _fetch(url: str, timeout: int):
    spec = SourceSpec([url], timeout=timeout)
    ui = UI(io.StringIO(), io.StringIO())
    t = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch.fetch_source(url, spec, ui)
    return str(e.value), time.monotonic() - t


def test_endless_stream_stops_at_the_size_limit(endless, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "2M")
    url = f"http://127.0.0.1:{endless}/flood"
    msg, took = _fetch(url, 30)
    assert msg == (
        f'Get "{url}": response body larger than 2 MiB (pprofsh\'s limit; set '
        "PPROFSH_MAX_SIZE to change it)"
    )
    assert took < 20


def test_trickling_server_stops_at_the_timeout(endless, monkeypatch):
    monkeypatch.setattr(fetch, "HEADER_GRACE", 0.0)
    url = f"http://127.0.0.1:{endless}/trickle"
    msg, took = _fetch(url, 1)
    assert msg == (
        f'Get "{url}": context deadline exceeded (Client.Timeout or context '
        "cancellation while reading body)"
    )
    assert 0.9 < took < 5


def test_stalled_body_stops_at_the_timeout(endless, monkeypatch):
    monkeypatch.setattr(fetch, "HEADER_GRACE", 0.0)
    url = f"http://127.0.0.1:{endless}/stall"
    msg, took = _fetch(url, 1)
    assert "\n" not in msg and took < 5


# ------------------------------------------------------------------ writing files


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o027])
def test_saved_profiles_honour_the_umask_and_never_overwrite(tmp_path, mask):
    existing = tmp_path / "pprof.x.001.pb.gz"
    existing.write_bytes(b"keep me")
    with umask(mask):
        path = fetch.save_atomically(str(tmp_path), "pprof.x.", ".pb.gz", b"data")
    assert path == str(tmp_path / "pprof.x.002.pb.gz")
    assert existing.read_bytes() == b"keep me"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
    assert sorted(os.listdir(tmp_path)) == ["pprof.x.001.pb.gz", "pprof.x.002.pb.gz"]


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_generated_reports_honour_the_umask_and_leave_no_temp_file(tmp_path, mask):
    out = tmp_path / "report.txt"
    with umask(mask):
        write_file(str(out), b"hello\n", UI(io.StringIO(), io.StringIO()))
    assert out.read_text() == "hello\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert os.listdir(tmp_path) == ["report.txt"]


def test_failed_report_write_leaves_nothing(tmp_path):
    from pprofsh.errors import CommandError

    with pytest.raises(CommandError):
        write_file(str(tmp_path / "no" / "such" / "dir"), b"x", UI(io.StringIO(), io.StringIO()))
    assert os.listdir(tmp_path) == []


def test_temp_report_names_are_never_reused(tmp_path):
    from pprofsh.go import new_temp_file

    a = new_temp_file(str(tmp_path), "profile", ".svg")
    b = new_temp_file(str(tmp_path), "profile", ".svg")
    assert a != b and os.path.exists(a) and os.path.exists(b)


# ------------------------------------------------------------------ TLS


class _UI:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def print_err(self, msg: str) -> None:
        self.messages.append(msg)


def test_tls_is_verified_by_default():
    ui = _UI()
    ctx = fetch._ssl_context("https://example.invalid/x", ("", "", ""), ui)
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ui.messages == []


def test_https_insecure_is_the_only_way_to_skip_verification_and_says_so():
    ui = _UI()
    ctx = fetch._ssl_context("https+insecure://example.invalid/x", ("", "", ""), ui)
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    assert ui.messages == ["Warning: https+insecure: the server's TLS certificate is not verified"]


def test_environment_cannot_turn_verification_off(monkeypatch):
    for k, v in (
        ("PYTHONHTTPSVERIFY", "0"),
        ("SSL_CERT_FILE", "/dev/null"),
        ("CURL_CA_BUNDLE", ""),
        ("REQUESTS_CA_BUNDLE", ""),
    ):
        monkeypatch.setenv(k, v)
    ctx = fetch._ssl_context("https://example.invalid/x", ("", "", ""), _UI())
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


# ------------------------------------------------------------------ nothing runs, nothing escapes

HOSTILE = [
    "$(touch PWNED1)",
    "`touch PWNED2`",
    '"; touch PWNED3; "',
    "'; touch PWNED4 #",
    "a\x1b[2J\x1b]0;owned\x07b",
    "c\x9b31md",
    "e\rf",
]


def hostile_profile(path: Path) -> Path:
    m = profile_pb2.Profile()
    m.string_table.extend(["", "goroutine", "count", *HOSTILE])
    t = m.sample_type.add()
    t.type, t.unit = 1, 2
    for i, _name in enumerate(HOSTILE, start=1):
        f = m.function.add()
        f.id, f.name, f.system_name, f.filename = i, i + 2, i + 2, i + 2
        loc = m.location.add()
        loc.id = i
        loc.line.add().function_id = i
        s = m.sample.add()
        s.location_id.append(i)
        s.value.append(i)
    path.write_bytes(m.SerializeToString())
    return path


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _session(p: Path, out: io.StringIO):
    from pprofsh.options import Config
    from pprofsh.session import Session, load

    ui = UI(out, io.StringIO())
    return Session(load(SourceSpec([str(p)]), ui), Config(), ui)


def test_escape_sequences_never_reach_a_terminal(tmp_path, monkeypatch):
    p = hostile_profile(tmp_path / "h.pb")
    monkeypatch.delenv("NO_COLOR", raising=False)
    for cmd in ("top", "traces", "tree", "raw", "tags"):
        piped = io.StringIO()
        _session(p, piped).run(cmd)
        out = TTY()
        _session(p, out).run(cmd)
        text = out.getvalue()
        # Only pprofsh's own colour codes (ESC [ digits ; m) may be present.
        import re

        stripped = re.sub(r"\x1b\[[0-9;]*m", "", text)
        assert not any(
            ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F for c in stripped
        ), (cmd, text)
        if cmd in ("top", "traces", "raw"):
            assert "\\x1b]0;owned\\x07" in text, (cmd, text)
            assert "\x1b]0;owned\x07" in piped.getvalue(), (cmd, piped.getvalue())


def test_piped_output_is_left_as_go_prints_it(tmp_path):
    p = hostile_profile(tmp_path / "h.pb")
    out = io.StringIO()  # not a terminal
    _session(p, out).run("top")
    assert "\x1b]0;owned\x07" in out.getvalue()


def test_messages_to_a_terminal_are_sanitised():
    err = TTY()
    UI(io.StringIO(), err).print_err("no matches found for regexp: \x1b[2J")
    assert err.getvalue() == "no matches found for regexp: \\x1b[2J\n"
    piped = io.StringIO()
    UI(io.StringIO(), piped).print_err("x\x1b[2J")
    assert piped.getvalue() == "x\x1b[2J\n"


def test_toolbar_is_sanitised(tmp_path):
    from pprofsh.interactive import Interpreter
    from pprofsh.options import Config
    from pprofsh.prompt import toolbar_text
    from pprofsh.session import Session, load

    p = PROFILE
    ui = UI(io.StringIO(), io.StringIO())
    spec = SourceSpec([str(p) + "\x1b]0;x\x07"])
    s = Session(load(SourceSpec([str(p)]), ui), Config(), ui, spec)
    s.config.focus = "\x1b[2J"
    text = toolbar_text(Interpreter(s))
    assert "\x1b" not in text and "\x07" not in text
    assert "focus=\\x1b[2J" in text


def test_sanitize_keeps_printable_text():
    assert highlight.sanitize("main.(*T).f µs\ttab\n") == "main.(*T).f µs\ttab\n"
    assert highlight.sanitize("\x1b\x07\x9b\x00\x7f") == "\\x1b\\x07\\x9b\\x00\\x7f"


def test_viewers_get_argument_lists_not_a_shell(tmp_path, monkeypatch):
    """Browser and Graphviz are started with argv lists; profile strings are never in them."""
    from pprofsh import delivery as dot

    calls = []

    class FakeProc:
        returncode = 0

        def wait(self):
            return 0

    def fake_popen(args, *a, **k):
        calls.append((args, k))
        return FakeProc()

    def fake_run(args, *a, **k):
        calls.append((args, k))
        return subprocess.CompletedProcess(args, 0, stdout=b"<svg></svg>")

    monkeypatch.setattr(dot.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(dot.subprocess, "run", fake_run)
    monkeypatch.setattr(dot.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setenv("BROWSER", "mybrowser --new-window")
    monkeypatch.setattr(dot.tempfile, "gettempdir", lambda: str(tmp_path))
    p = hostile_profile(tmp_path / "h.pb")
    _session(p, io.StringIO()).run("web")
    assert calls, "nothing was started"
    for args, kwargs in calls:
        assert isinstance(args, list)
        assert not kwargs.get("shell")
        for a in args:
            assert not any(h in a for h in HOSTILE), args
    assert calls[0][0] == ["/usr/bin/dot", "-Tsvg"]
    assert calls[-1][0][:2] == ["mybrowser", "--new-window"]


@pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz not installed")
def test_graphviz_on_hostile_names_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = hostile_profile(tmp_path / "h.pb")
    rc, out, err = run_cli(["-svg", "-output", str(tmp_path / "g.svg"), str(p)])
    assert rc == 0, err
    assert not [f for f in os.listdir(tmp_path) if f.startswith("PWNED")]
    assert not [f for f in os.listdir("/tmp") if f.startswith("PWNED")]
