"""Issue #16: bounded reading of everything that comes from outside.

Items 3 (files named by a profile), 4 (HTTP bodies of any status, the deadline
over the whole exchange), 7 (gzip members), 9 (one memory budget across parallel
sources) and 10's response-header size. Servers bind 127.0.0.1 and every loop in
them is bounded. The assertions are on outcomes that do not depend on a clock:
bytes read (the kernel's count in /proc/self/io), bytes a server managed to send,
work done, memory held, and Go's messages.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pprofsh import cli, fetch, limits
from pprofsh.errors import FetchError, PprofshError
from pprofsh.profile import parse as parse_mod
from pprofsh.profile import profile_pb2
from pprofsh.profile.parse import gunzip, parse
from pprofsh.session import UI, SourceSpec

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "profiles"
GOROUTINE = FIXTURES / "goroutine.pb.gz"
GO = shutil.which("go")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def rchar() -> int:
    """Bytes this process has read with read(2) so far (the kernel's count)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def with_source_file(name: str, fixture: Path = GOROUTINE) -> bytes:
    """A real fixture with its main package's functions moved to file `name`."""
    m = profile_pb2.Profile()
    m.ParseFromString(gzip.decompress(fixture.read_bytes()))
    m.string_table.append(name)
    for f in m.function:
        if m.string_table[f.filename].endswith("/main.go"):
            f.filename = len(m.string_table) - 1
    return m.SerializeToString()


# ------------------------------------------------------------------ 3: files named by a profile


def test_list_of_a_function_in_dev_zero_reads_one_line_and_prints_what_go_prints(tmp_path):
    prof = tmp_path / "zero.pb"
    prof.write_bytes(with_source_file("/dev/zero"))
    before = rchar()
    rc, out, err = run_cli(["-list", "main.sender", str(prof)])
    read = rchar() - before
    assert rc == 0, err
    # Go's bufio.Scanner gives up on the first 64 KiB "line": the routine, no lines.
    assert out.splitlines()[1:] == [
        "ROUTINE ======================== main.sender in /dev/zero",
        "         0          3 (flat, cum) 18.75% of Total",
    ]
    assert read < 1 << 20  # the old code read until memory ran out
    if GO:
        go = subprocess.run(
            [GO, "tool", "pprof", "-list", "main.sender", str(prof)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out == go.stdout


def test_endless_device_with_newlines_stops_at_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "4M")
    prof = tmp_path / "urandom.pb"
    prof.write_bytes(with_source_file("/dev/urandom"))
    before = rchar()
    rc, out, err = run_cli(["-list", "main.sender", str(prof)])
    read = rchar() - before
    assert rc == 0, err
    assert 64 << 10 <= read < (4 << 20) + (1 << 20)


def test_fifo_named_by_a_profile_does_not_block(tmp_path):
    fifo = tmp_path / "src.go"
    os.mkfifo(fifo)  # no writer: Go's open would block forever
    prof = tmp_path / "fifo.pb"
    prof.write_bytes(with_source_file(str(fifo)))
    rc, out, err = run_cli(["-list", "main.sender", str(prof)])
    assert rc == 0, err
    assert f"ROUTINE ======================== main.sender in {fifo}" in out


def test_source_lines_are_gos_scanner_lines(tmp_path):
    f = tmp_path / "a.go"
    f.write_bytes(b"one\r\ntwo\n" + b"x" * 65535 + b"\nthree\n" + b"y" * 65536 + b"\nfour\n")
    lines = limits.source_lines(str(f))
    assert lines == ["one", "two", "x" * 65535, "three"]  # Go stops at the 64 KiB line
    f.write_bytes(b"a\nb")
    assert limits.source_lines(str(f)) == ["a", "b"]
    f.write_bytes(b"a\n\n")
    assert limits.source_lines(str(f)) == ["a", ""]


class ProfileServer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies: list[bytes] = []
    sent: dict[str, int] = {}

    def log_message(self, *args) -> None:
        pass

    def _head(self, code: int, ctype: str, extra: dict[str, str] | None = None, length=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        sent = 0
        try:
            if path == "/debug/pprof/goroutine":
                body = ProfileServer.bodies.pop(0)
                self._head(200, "application/octet-stream", length=len(body))
                self.wfile.write(body)
            elif path == "/error-flood":
                # an endless 500 body that Go's statusCodeError would read whole
                self._head(500, "text/plain", {"X-Go-Pprof": "1"})
                block = b"e" * 65536
                for _ in range(4096):  # 256 MiB at most: bounded even if the client is not
                    self.wfile.write(block)
                    sent += len(block)
            elif path == "/error-trickle":
                self._head(500, "text/plain", {"X-Go-Pprof": "1"})
                for _ in range(600):  # a byte every 0.1 s, for a minute at most
                    self.wfile.write(b"e")
                    self.wfile.flush()
                    sent += 1
                    threading.Event().wait(0.1)
            elif path == "/header-trickle":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-A: ")
                for _ in range(600):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    sent += 1
                    threading.Event().wait(0.1)
            elif path == "/big-headers":
                # 1.6 MB of headers: Go's Transport accepts up to 10 MiB
                self._head(
                    200,
                    "application/octet-stream",
                    {f"X-Pad-{i}": "p" * 16000 for i in range(100)},
                    length=len(GOROUTINE.read_bytes()),
                )
                self.wfile.write(GOROUTINE.read_bytes())
            self.wfile.flush()
        except OSError:  # the client hung up: the point of most cases
            pass
        finally:
            ProfileServer.sent[path] = sent


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


@pytest.fixture
def server():
    ProfileServer.sent = {}
    httpd = _Quiet(("127.0.0.1", 0), ProfileServer)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_leak_report_excerpt_from_a_remote_profile_naming_dev_zero(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    # a leaking server's snapshots, its source file now /dev/zero
    ProfileServer.bodies = [
        gzip.compress(with_source_file("/dev/zero", FIXTURES / f"handshake-{when}.pb.gz"))
        for when in ("before", "during", "after")
    ]
    url = server + "/debug/pprof/goroutine"
    before = rchar()
    rc, out, err = run_cli(["-leaks", url, url, url])
    read = rchar() - before
    assert rc == 0, err
    assert "handshakeWorker" in out and "/dev/zero" in out
    assert read < 4 << 20  # the two profiles, a few fixture files, 64 KiB of zeros


# ------------------------------------------------------------------ 4: HTTP bodies of any status


def _fetch_error(url: str, timeout: int = 30) -> str:
    with pytest.raises(FetchError) as e:
        fetch.fetch_source(
            url, SourceSpec([url], timeout=timeout), UI(io.StringIO(), io.StringIO())
        )
    return str(e.value)


def test_endless_error_body_stops_at_the_size_limit(server, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "2M")
    url = server + "/error-flood"
    assert _fetch_error(url) == (
        f'Get "{url}": response body larger than 2 MiB (pprofsh\'s limit; set '
        "PPROFSH_MAX_SIZE to change it)"
    )
    with contextlib.suppress(Exception):
        threading.Event().wait(0.5)
    # what the server got out before the client hung up: the limit plus socket buffers
    assert ProfileServer.sent.get("/error-flood", 0) < 64 << 20


def test_trickling_error_body_stops_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(fetch, "HEADER_GRACE", 0.0)
    url = server + "/error-trickle"
    assert _fetch_error(url, timeout=1) == (
        f'Get "{url}": context deadline exceeded (Client.Timeout or context '
        "cancellation while reading body)"
    )


def test_trickling_headers_stop_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(fetch, "HEADER_GRACE", 0.0)
    url = server + "/header-trickle"
    assert (
        _fetch_error(url, timeout=1) == f'Get "{url}": net/http: timeout awaiting response headers'
    )


# ------------------------------------------------------------------ 10: 1.6 MB of headers


def test_large_response_headers_are_fetched_as_go_does(server):
    url = server + "/big-headers"
    f = fetch.fetch_source(url, SourceSpec([url]), UI(io.StringIO(), io.StringIO()))
    assert len(f.profile.samples) == len(parse(GOROUTINE.read_bytes()).samples)


# ------------------------------------------------------------------ 7: gzip members


class _CountingZlib:
    """zlib as parse.gunzip sees it, counting the input bytes handed to zlib."""

    def __init__(self) -> None:
        self.fed = 0
        self.error = zlib.error
        self.MAX_WBITS = zlib.MAX_WBITS

    def decompressobj(self, wbits: int):
        outer = self
        d = zlib.decompressobj(wbits)

        class Counted:
            def decompress(self, data, max_length=0):
                outer.fed += len(data)
                return d.decompress(data, max_length)

            def __getattr__(self, name):
                return getattr(d, name)

        return Counted()


def test_many_empty_gzip_members_cost_linear_work(monkeypatch):
    # 200,000 members (4 MB; the 1M is the same shape, `-top` on it takes
    # about 3 s): the old loop handed zlib 4 * 10^11 bytes, this hands it ~4 * 10^6
    real = GOROUTINE.read_bytes()
    data = gzip.compress(b"", mtime=0) * 200_000 + real
    counting = _CountingZlib()
    monkeypatch.setattr(parse_mod, "zlib", counting)
    out = gunzip(data)
    assert bytes(out) == gzip.decompress(real)
    # each byte is handed to zlib about once (windows overlap by what a member leaves)
    assert counting.fed < 4 * len(data)


def test_many_members_with_data_still_decompress(monkeypatch):
    parts = [os.urandom(n) for n in (0, 1, 100, 70000, 3 << 20, 5)]
    data = b"".join(gzip.compress(p, mtime=0) for p in parts)
    assert bytes(gunzip(data)) == b"".join(parts)
    with pytest.raises(PprofshError, match="unexpected EOF"):
        gunzip(data[:-3])
    with pytest.raises(PprofshError, match="gzip: invalid header"):
        gunzip(data + b"junk")


# ------------------------------------------------------------------ 9: one budget


def _bomb(tmp_path: Path, name: str, size: int) -> Path:
    p = tmp_path / name
    p.write_bytes(gzip.compress(b"\0" * size, compresslevel=9))
    return p


def test_budget_is_global_across_parallel_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("PPROFSH_MAX_SIZE", "64M")
    bombs = [str(_bomb(tmp_path, f"b{i}.gz", 48 << 20)) for i in range(4)]
    limits.BUDGET.peak = limits.BUDGET.used
    rc, out, err = run_cli(["-top", *bombs])
    assert rc == 1
    assert limits.BUDGET.used == 0  # every load gave its bytes back
    assert limits.BUDGET.peak <= 64 << 20  # four loads at once never held more
    assert "larger than 64 MiB (pprofsh's limit; set PPROFSH_MAX_SIZE to change it)" in err


def test_one_bomb_peaks_at_the_limit_not_twice(tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setenv("PPROFSH_MAX_SIZE", "64M")
    bomb = _bomb(tmp_path, "b.gz", 60 << 20).read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(PprofshError):
            parse(bomb)  # 60 MiB of zeros is not a profile: it decompresses, then fails
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < (60 << 20) * 1.3  # the old join held the chunks and the copy: 2x
