"""debug=1 text written by the Go runtime: the runtime's own frames have no `#` line. They
fold into the nearest named frame for the named reports, and stay as addresses in -raw
and -addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pprofsh.cli import main
from pprofsh.profile.fold import fold_unnamed
from pprofsh.profile.parse import parse

PROFILES = Path(__file__).parent / "fixtures" / "profiles"
TEXTS = [
    "goroutine.debug1.txt",
    "handshake-after.debug1.txt",
    "heap.debug1.txt",
    "mutex.debug1.txt",
    "block.debug1.txt",
]


def _run(capsys, *args: str) -> str:
    rc = main(list(args))
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


@pytest.mark.parametrize("name", TEXTS)
@pytest.mark.parametrize("report", ["-top", "-traces", "-tree", "-peek=.", "-text", "-lines"])
def test_no_unknown_row(capsys, name, report):
    args = [report] if report != "-lines" else ["-top", "-lines"]
    out = _run(capsys, *args, str(PROFILES / name))
    assert "<unknown>" not in out
    assert "main." in out


def test_goroutine_leaf_is_the_blocked_user_frame(capsys):
    out = _run(capsys, "-top", str(PROFILES / "handshake-after.debug1.txt"))
    rows = out.splitlines()
    first = next(r for r in rows if r.strip().endswith("main.(*conn).handshakeWorker"))
    assert first.split()[:2] == ["100", "98.04%"]  # flat: the 100 parked goroutines


def test_heap_text_keeps_its_user_frames(capsys):
    # runtime.main matches the heap text's drop regexp (runtime\..*): with the bare
    # runtime.goexit address below it counted as a user frame, every stack was cut to it
    out = _run(capsys, "-top", str(PROFILES / "heap.debug1.txt"))
    assert "main.allocLarge" in out.splitlines()[4]


@pytest.mark.parametrize("name", ["handshake-after.debug1.txt", "heap.debug1.txt"])
def test_raw_and_addresses_keep_the_addresses(capsys, name):
    p = parse((PROFILES / name).read_bytes())
    bare = [loc for loc in p.locations if not loc.lines]
    assert bare
    raw = _run(capsys, "-raw", str(PROFILES / name))
    for loc in bare:
        assert f"{loc.id:6d}: {loc.address:#x} M=1" in raw
    addrs = _run(capsys, "-top", "-addresses", "-nodefraction=0", str(PROFILES / name))
    assert any(f"{loc.address:016x}" in addrs for loc in bare)


def test_fold_keeps_shared_stacks_and_unnamed_only_stacks():
    p = parse((PROFILES / "handshake-after.debug1.txt").read_bytes())
    folded = fold_unnamed(p.samples)
    assert folded is not p.samples and len(folded) == len(p.samples)
    for before, after in zip(p.samples, folded):
        assert all(loc.lines for loc in after.locations)
        assert [loc for loc in before.locations if loc.lines] == list(after.locations)
        assert after.values is before.values
    # a profile without bare addresses comes back as it is
    pb = parse((PROFILES / "handshake-after.pb.gz").read_bytes())
    assert fold_unnamed(pb.samples) is pb.samples


def test_symbol_url_and_answer():
    from pprofsh.symbolz import parse_answer, symbol_url

    assert symbol_url("http://h:1/debug/pprof/goroutine?debug=1") == "http://h:1/debug/pprof/symbol"
    assert symbol_url("https://h/x/debug/pprof/heap") == "https://h/x/debug/pprof/symbol"
    assert symbol_url("http://h:1/profilez") == "http://h:1/symbolz"
    assert symbol_url("file.txt") == ""
    got = parse_answer("num_symbols: 1\n0x438af5 runtime.gopark\n0x4056cb runtime.chansend\nbad\n")
    assert got == {0x438AF5: "runtime.gopark", 0x4056CB: "runtime.chansend"}


def test_server_without_symbol_endpoint_still_folds(capsys, tmp_path, monkeypatch):
    """A plain HTTP server (no /debug/pprof/symbol: 404): the frames fold, no error."""
    import http.server
    import threading

    body = (PROFILES / "handshake-after.debug1.txt").read_bytes()
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            asked.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
        port = srv.server_address[1]
        out = _run(capsys, "-top", f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=1")
    finally:
        srv.shutdown()
        srv.server_close()
    assert asked == ["/debug/pprof/symbol"]
    assert "<unknown>" not in out and "main.(*conn).handshakeWorker" in out
