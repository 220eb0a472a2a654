"""Issue #16 items 8 and 10: internal errors turned into Go's one-line messages, and
differences from Go fixed (int64 wrapping, a repeated comment, the save error's
`open PATH:`). Every profile here is a real fixture with one field changed; the
expected text is go tool pprof's (checked live when Go is installed).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pprofsh import cli
from pprofsh.go import wrap_int64
from pprofsh.profile import profile_pb2
from pprofsh.profile.parse import parse

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "profiles"
GOROUTINE = FIXTURES / "goroutine.pb.gz"
GO = shutil.which("go")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def go_stdout(args: list[str]) -> str | None:
    if not GO:
        return None
    r = subprocess.run([GO, "tool", "pprof", *args], capture_output=True, text=True, timeout=120)
    return r.stdout


def fixture_message() -> profile_pb2.Profile:
    m = profile_pb2.Profile()
    m.ParseFromString(gzip.decompress(GOROUTINE.read_bytes()))
    return m


@pytest.fixture
def huge(tmp_path) -> Path:
    """Every one of the fixture's 12 samples at MaxInt64: sums wrap to -12."""
    m = fixture_message()
    for s in m.sample:
        s.value[0] = (1 << 63) - 1
    p = tmp_path / "huge.pb"
    p.write_bytes(m.SerializeToString())
    return p


@pytest.mark.parametrize(
    "args", [["-top"], ["-top", "-cum"], ["-tree"], ["-tags"], ["-top", "-nodefraction=nan"]]
)
def test_sums_past_int64_wrap_as_in_go(huge, args):
    rc, out, err = run_cli([*args, str(huge)])
    assert rc == 0, err
    if args[0] != "-tags":
        assert "Showing nodes accounting for -12, 100% of -12 total" in out
    else:
        assert " role: Total -4.0\n" in out
    want = go_stdout([*args, str(huge)])
    if want is not None:
        assert out == want


def test_proto_of_values_past_int64_is_a_profile(huge, tmp_path):
    out = tmp_path / "out.pb.gz"
    rc, _, err = run_cli(["-proto", "-output", str(out), str(huge)])
    assert rc == 0, err
    p = parse(out.read_bytes())
    assert all(-(1 << 63) <= s.values[0] < 1 << 63 for s in p.samples)
    assert wrap_int64(sum(s.values[0] for s in p.samples)) == -12


def test_debug2_dump_with_numbers_past_int64(tmp_path):
    text = (FIXTURES / "goroutine.debug2.txt").read_text()
    text = text.replace(
        "goroutine 1 [running]:", "goroutine 1 [chan receive, 99999999999999999999 minutes]:", 1
    )
    text = text.replace("main.go:102 +0xdb", "main.go:99999999999999999999 +0xdb", 1)
    src = tmp_path / "huge.debug2.txt"
    src.write_text(text)
    out = tmp_path / "out.pb.gz"
    rc, _, err = run_cli(["-proto", "-output", str(out), str(src)])
    assert rc == 0, err
    p = parse(out.read_bytes())
    assert len(p.samples) == 16
    assert not any(s.num_labels for s in p.samples)  # no wait past int64 was kept


def test_invalid_utf8_in_focus_and_in_a_shell_word(tmp_path):
    """Bytes as Go prints them: the message quotes from the bad byte on, raw."""
    cmd = [sys.executable, "-m", "pprofsh"]
    env = {"PYTHONPATH": str(HERE.parent), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    r = subprocess.run(
        [*cmd, "-top", b"-focus=a\xff".decode("utf-8", "surrogateescape"), str(GOROUTINE)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == (
        b"parsing focus regexp: error parsing regexp: invalid UTF-8: `\xff`"
    )
    r = subprocess.run(
        [*cmd, str(GOROUTINE)], input=b"top \xffb\ntop\n", capture_output=True, env=env, timeout=120
    )
    assert r.returncode == 0
    assert b"invalid UTF-8: `\xffb`\n" in r.stderr and b"runtime.gopark" in r.stdout
    assert b"Traceback" not in r.stderr and b"internal error" not in r.stderr


def test_a_repeated_comment_prints_once(tmp_path):
    m = fixture_message()
    m.string_table.append("built by ci")
    m.comment.extend([len(m.string_table) - 1] * 2)
    p = tmp_path / "c.pb"
    p.write_bytes(m.SerializeToString())
    rc, out, _ = run_cli(["-comments", str(p)])
    assert rc == 0 and out == "built by ci\n"
    want = go_stdout(["-comments", str(p)])
    if want is not None:
        assert out == want


class _One(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a) -> None:
        pass


@pytest.mark.parametrize("field", ["sample type", "mapping file"])
def test_nul_in_a_fetched_profiles_names_is_gos_save_error(tmp_path, monkeypatch, field):
    m = fixture_message()
    if field == "sample type":
        m.string_table[m.sample_type[0].type] = "gorou\x00tine"
        name = "pprof.goroutine.gorou\x00tine.001.pb.gz"
    else:
        m.string_table[m.mapping[0].filename] = "/bin/go\x00routine"
        name = "pprof.go\x00routine.goroutine.001.pb.gz"
    _One.body = gzip.compress(m.SerializeToString())
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _One)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    try:
        rc, out, err = run_cli(["-top", f"http://127.0.0.1:{srv.server_port}/goroutine"])
    finally:
        srv.shutdown()
        srv.server_close()
    assert rc == 0
    assert f"Could not save profile: open {tmp_path}/{name}: invalid argument\n" in err
    assert "Showing nodes accounting for 16, 100% of 16 total" in out
