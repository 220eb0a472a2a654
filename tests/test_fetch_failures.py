"""What a Go server won't do: slow, failing, non-profile and broken responses.

A Python http.server on 127.0.0.1 in a thread serves each case; pprofsh runs
in-process. Every failure must be Go's message on one line (checked against
`go tool pprof` on the same server when Go is installed), exit status 1, no
traceback, and nothing at all left in PPROF_TMPDIR.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pprofsh.cli import main

GO = shutil.which("go")
PROFILE = (Path(__file__).parent / "fixtures" / "profiles" / "goroutine.pb.gz").read_bytes()


class _QuietServer(ThreadingHTTPServer):
    """Client hang-ups are the point of these tests: print no tracebacks into the
    stderr the test is reading."""

    def handle_error(self, request, client_address) -> None:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(
        self,
        code: int,
        body: bytes,
        ctype: str = "application/octet-stream",
        length: int | None = None,
        headers: dict | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/ok":
            self._send(200, PROFILE)
        elif path == "/slow":
            time.sleep(8)  # past -timeout 1 (+5 s, as Go)
            self._send(200, PROFILE)
        elif path == "/500":
            self._send(500, b"oops\n", "text/plain")
        elif path == "/pprof-error":
            self._send(
                500,
                b"Could not enable CPU profiling: cpu profiling already in use\n",
                "text/plain; charset=utf-8",
                headers={"X-Go-Pprof": "1"},
            )
        elif path == "/html":
            self._send(
                200, b"<html><body><h1>Welcome</h1></body></html>\n", "text/html; charset=utf-8"
            )
        elif path == "/truncated-gzip":
            self._send(200, PROFILE[: len(PROFILE) // 2])
        elif path == "/midbody":
            self._send(200, PROFILE[:100], length=len(PROFILE))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")


@pytest.fixture(scope="module")
def server():
    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def refused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(args: list[str], tmp: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp))
    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def go_error(args: list[str], tmp: Path) -> list[str]:
    env = dict(os.environ, PPROF_TMPDIR=str(tmp / "go"))
    r = subprocess.run(
        [GO, "tool", "pprof", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode != 0
    return r.stderr.splitlines()


CASES = [
    ("500", [], "server response: 500 Internal Server Error"),
    (
        "pprof-error",
        [],
        "server response: 500 Internal Server Error - "
        "Could not enable CPU profiling: cpu profiling already in use",
    ),
    ("missing", [], "server response: 404 Not Found"),
    ("html", [], "parsing profile: unrecognized profile format"),
    ("truncated-gzip", [], "decompressing profile: unexpected EOF"),
    ("midbody", [], "unexpected EOF"),
    ("slow", ["-timeout", "1"], 'Get "{url}": net/http: timeout awaiting response headers'),
]


@pytest.mark.parametrize("path,flags,message", CASES, ids=[c[0] for c in CASES])
def test_failure_is_one_go_line(server, path, flags, message, tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{server}/{path}"
    save_dir = tmp_path / "save"
    rc, out, err = run(["-top", *flags, url], save_dir, monkeypatch, capsys)
    expected = [
        f"Fetching profile over HTTP from {url}",
        f"{url}: " + message.format(url=url),
        "failed to fetch any source profiles",
    ]
    assert (rc, out) == (1, "")
    assert err.splitlines() == expected
    assert "Traceback" not in err
    assert not save_dir.exists() or os.listdir(save_dir) == []
    if GO is not None and path != "slow":  # the slow case is checked once, below
        assert go_error(["-top", *flags, url], tmp_path) == expected


@pytest.mark.skipif(
    GO is None,
    reason="the system `go` is not installed: no `go tool pprof` "
    "to compare the timeout message with",
)
def test_timeout_message_is_gos(server, tmp_path):
    url = f"http://127.0.0.1:{server}/slow"
    assert go_error(["-top", "-timeout", "1", url], tmp_path)[1] == (
        f'{url}: Get "{url}": net/http: timeout awaiting response headers'
    )


def test_connection_refused(refused_port, tmp_path, monkeypatch, capsys):
    src = f"127.0.0.1:{refused_port}/debug/pprof/heap"
    url = "http://" + src
    rc, out, err = run(["-top", src], tmp_path, monkeypatch, capsys)
    expected = [
        f"Fetching profile over HTTP from {url}",
        f'{src}: Get "{url}": dial tcp 127.0.0.1:{refused_port}: connect: connection refused',
        "failed to fetch any source profiles",
    ]
    assert (rc, out) == (1, "")
    assert err.splitlines() == expected
    assert os.listdir(tmp_path) == []
    if GO is not None:
        assert go_error(["-top", src], tmp_path) == expected


def test_partial_failure_saves_only_what_came(server, refused_port, tmp_path, monkeypatch, capsys):
    ok = f"http://127.0.0.1:{server}/ok"
    bad = f"http://127.0.0.1:{refused_port}/x"
    rc, out, err = run(["-top", ok, bad], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    lines = err.splitlines()
    assert "Fetched 1 source profiles out of 2" in lines
    [name] = os.listdir(tmp_path)
    assert name.startswith("pprof.") and name.endswith(".goroutine.001.pb.gz")
    assert (tmp_path / name).read_bytes() == PROFILE  # saved as it came
    assert gzip.decompress(PROFILE)


def test_tls_key_without_cert(server, tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{server}/ok"
    rc, out, err = run(["-top", "-tls_key", "k.pem", url], tmp_path, monkeypatch, capsys)
    assert rc == 1
    assert f"{url}: -tls_key is specified, so -tls_cert must also be specified" in err.splitlines()
