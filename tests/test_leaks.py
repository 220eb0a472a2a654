"""The goroutine leak report on the committed rpcserver snapshots, in all three formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pprofsh.cli import main
from pprofsh.leaks import analyze, render_json, render_text
from pprofsh.leaks.analyze import SourceReader, is_stdlib, op_from_source
from pprofsh.profile.model import Function, Line, Location, Profile, Sample, ValueType
from pprofsh.profile.parse import parse

HERE = Path(__file__).parent
PROFILES = HERE / "fixtures" / "profiles"
SRC = HERE / "fixtures" / "src"
FORMATS = ["pb.gz", "debug1.txt", "debug2.txt"]
MAIN_GO = SRC / "rpcserver" / "main.go"


def _series(names, fmt):
    return [(n, parse((PROFILES / f"{n}.{fmt}").read_bytes())) for n in names]


def _line_of(text: str) -> int:
    lines = MAIN_GO.read_text().splitlines()
    return lines.index(text) + 1


HANDSHAKE = ["handshake-before", "handshake-during", "handshake-after"]
LEAK = ["leak-idle", "leak-busy", "leak-gone"]
FIXED = ["fixed-before", "fixed-during", "fixed-after"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_handshake_series_one_leak_at_the_send(fmt):
    r = analyze(_series(HANDSHAKE, fmt), source_roots=[str(SRC)])
    assert len(r.leaks) == 1
    s = r.leaks[0]
    assert s.verdict == "leak"
    assert s.function == "main.(*conn).handshakeWorker"
    assert s.file.endswith("/rpcserver/main.go")
    assert s.line == _line_of("\tdone <- err") == 121
    assert s.op == "chan send"
    assert s.counts == [0, 0, 100] and s.delta == 100
    assert "buffer the channel by one: make(chan error, 1)" in s.hint
    assert any(n == 121 and "done <- err" in t for n, t in s.source)
    if fmt == "debug2.txt":
        assert s.creator == "main.(*server).handleConn"
    if fmt == "pb.gz":
        assert s.rate_per_min is not None and s.rate_per_min > 0
    text = render_text(r)
    assert "main.(*conn).handshakeWorker" in text and "make(chan error, 1)" in text
    assert "1 leak among" in text
    # the healthy sites (handleConn, handshake in IO wait, acceptLoop) are not named
    assert "handleConn /" not in text.split("---")[0]
    assert "acceptLoop" not in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("names", [LEAK, FIXED], ids=["leak-idle-busy-gone", "fixed"])
def test_healthy_series_report_nothing(fmt, names):
    r = analyze(_series(names, fmt), source_roots=[str(SRC)])
    assert r.leaks == []
    assert r.max_growth() == 0
    text = render_text(r)
    assert "0 leaks among" in text
    verbose = render_text(r, verbose=True)
    assert "healthy" in verbose


@pytest.mark.parametrize("fmt", FORMATS)
def test_busy_sites_are_grouped(fmt):
    r = analyze(_series(LEAK, fmt), source_roots=[str(SRC)])
    by_func = {s.function: s for s in r.sites}
    assert by_func["main.(*conn).recvLoop"].op == "IO wait"
    assert by_func["main.(*conn).recvLoop"].counts == [0, 100, 0]
    assert by_func["main.(*conn).sendLoop"].op == "select"
    assert by_func["main.(*conn).timeoutCheck"].op == "select"
    assert by_func["main.(*server).acceptLoop"].counts == [1, 1, 1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_snapshot_suspects(fmt):
    r = analyze(_series(["handshake-after"], fmt), source_roots=[str(SRC)])
    assert [(s.verdict, s.function, s.line) for s in r.leaks] == [
        ("suspect", "main.(*conn).handshakeWorker", 121)
    ]
    assert "1 suspect" in render_text(r)
    r = analyze(_series(["handshake-after"], fmt), threshold=101)
    assert r.leaks == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_ops_of_the_goroutine_fixture(fmt):
    r = analyze(_series(["goroutine"], fmt), source_roots=[str(SRC)])
    ops = {}
    for s in r.sites:
        ops.setdefault(s.function, set()).add(s.op)
    expect = {
        "main.sender": {"chan send"},
        "main.selector": {"select"},
        "main.blockForever": {"select (no cases)"},
        "main.lockWaiter": {"sync.Mutex.Lock"},
        "main.wgWaiter": {"sync.WaitGroup.Wait"},
        "main.condWaiter": {"sync.Cond.Wait"},
        "main.sleeper": {"sleep"},
        "main.acceptor": {"IO wait"},
    }
    for fn, op in expect.items():
        assert ops[fn] == op, fn
    assert ops["main.receiver"] == {"chan receive"}
    assert ops["main.nilReceiver"] <= {"chan receive", "chan receive (nil chan)"}


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def _paths(names, fmt):
    return [str(PROFILES / f"{n}.{fmt}") for n in names]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_fail_on(capsys, fmt):
    src = ["-source_path", str(SRC)]
    rc, out, _ = _run(capsys, "-leaks", *src, *_paths(HANDSHAKE, fmt))
    assert rc == 0 and "handshakeWorker" in out
    rc, _, err = _run(capsys, "-leaks", "-fail_on=50", *src, *_paths(HANDSHAKE, fmt))
    assert rc == 3 and "fail_on" in err
    rc, _, _ = _run(capsys, "-leaks", "-fail_on=100", *src, *_paths(HANDSHAKE, fmt))
    assert rc == 0
    rc, _, _ = _run(capsys, "-leaks", "-fail_on=0", *src, *_paths(LEAK, fmt))
    assert rc == 0
    rc, _, _ = _run(capsys, "-leaks", "-fail_on=0", *src, *_paths(FIXED, fmt))
    assert rc == 0


def test_cli_verbose_lists_all(capsys):
    rc, out, _ = _run(capsys, "-leaks", "-v", *_paths(LEAK, "pb.gz"))
    assert rc == 0
    for fn in ("recvLoop", "sendLoop", "timeoutCheck", "acceptLoop"):
        assert fn in out


def test_cli_no_sources(capsys):
    rc, _, err = _run(capsys, "-leaks")
    assert rc == 1 and "-leaks" in err


def test_cli_missing_file(capsys):
    rc, _, err = _run(capsys, "-leaks", str(PROFILES / "nope.pb.gz"))
    assert rc == 1 and "nope.pb.gz" in err


def test_json_shape(capsys):
    rc, out, _ = _run(
        capsys, "-leaks", "-json", "-source_path", str(SRC), *_paths(HANDSHAKE, "debug2.txt")
    )
    assert rc == 0
    d = json.loads(out)
    assert set(d) == {"snapshots", "threshold", "sites", "summary"}
    assert [s["total"] for s in d["snapshots"]] == [2, 202, 102]
    assert d["summary"]["leaks"] == 1 and d["summary"]["max_growth"] == 100
    leak = d["sites"][0]
    assert set(leak) >= {
        "verdict",
        "op",
        "function",
        "file",
        "line",
        "creator",
        "counts",
        "delta",
        "rate_per_min",
        "wait_minutes",
        "hint",
        "stack",
        "source",
        "shape",
        "reason",
        "next",
        "work_loop",
    }
    assert leak["shape"] == "step" and leak["work_loop"] is False
    assert (leak["verdict"], leak["op"], leak["function"], leak["line"]) == (
        "leak",
        "chan send",
        "main.(*conn).handshakeWorker",
        121,
    )
    assert leak["counts"] == [0, 0, 100]
    assert leak["stack"][0] == {
        "function": "main.(*conn).handshakeWorker",
        "file": "/tmp/pprofsh-fixtures/src/rpcserver/main.go",
        "line": 121,
    }
    assert all(s["verdict"] in ("leak", "healthy", "not blocked") for s in d["sites"])
    # Without the source, one step (0 0 100) cannot be told from a pool that started late:
    # it is a suspect, with what to capture next.
    nosrc = json.loads(render_json(analyze(_series(HANDSHAKE, "pb.gz"))))
    assert nosrc["summary"]["leaks"] == 0 and nosrc["summary"]["suspects"] == 1
    assert nosrc["sites"][0]["next"].startswith("capture another snapshot")


def test_source_lookup_under_roots():
    r = SourceReader([str(SRC)])
    assert r.line("/somewhere/else/src/rpcserver/main.go", 121) == "\tdone <- err"
    assert r.line("/somewhere/else/nothing.go", 1) is None


def test_op_from_source_and_stdlib():
    assert op_from_source("\tdone <- err") == "chan send"
    assert op_from_source("\tcase out <- v:") == "select"
    assert op_from_source("\tv := <-in") == "chan receive"
    assert op_from_source("\tfor v := range jobs {") == "chan receive"
    assert op_from_source("\tmu.Lock()") == "sync.Mutex.Lock"
    assert op_from_source("\twg.Wait()") == "sync.WaitGroup.Wait"
    assert op_from_source("\tselect {}") == "select (no cases)"
    assert is_stdlib("net/http.(*persistConn).readLoop")
    assert is_stdlib("runtime.gopark")
    assert not is_stdlib("main.main")
    assert not is_stdlib("github.com/x/y.(*T).f")


def _synthetic(kind: str, n: int, func: str = "main.leaky", extra: list[str] = ()):
    p = Profile(sample_types=[ValueType(kind, "count")])
    fns = [Function(i + 1, name, name, "/x/main.go") for i, name in enumerate([*extra, func])]
    p.functions = fns
    p.locations = [Location(i + 1, None, 0, [Line(f, 10 + i)]) for i, f in enumerate(fns)]
    p.samples = [Sample(tuple(p.locations), [n])]
    return p


def test_goroutineleak_profile_is_certain():
    p = _synthetic("goroutineleak", 3, extra=["runtime.gopark", "runtime.chanrecv1"])
    r = analyze([("leak.pb.gz", p)])
    assert [(s.verdict, s.op, s.function) for s in r.leaks] == [
        ("certain", "chan receive", "main.leaky")
    ]


def test_stack_without_user_code_reported_at_first_non_runtime_frame():
    extra = ["runtime.gopark", "runtime.selectgo"]
    snaps = [
        (f"s{i}", _synthetic("goroutine", n, "net/http.(*persistConn).readLoop", extra))
        for i, n in enumerate([5, 50, 500])
    ]
    r = analyze(snaps)
    assert [(s.verdict, s.op, s.function) for s in r.leaks] == [
        ("leak", "select", "net/http.(*persistConn).readLoop")
    ]


def test_falling_and_fluctuating_are_healthy():
    extra = ["runtime.gopark", "runtime.chanrecv2"]
    for counts in ([64, 64, 64], [100, 50, 10], [1, 10, 5]):
        snaps = [(f"s{i}", _synthetic("goroutine", n, extra=extra)) for i, n in enumerate(counts)]
        assert analyze(snaps).leaks == []


# --- tests/leakfixtures: the classic leaks and healthy controls (patterns program) ---

LEAKFIX = HERE / "leakfixtures"
LSRC = LEAKFIX / "src"
PATTERNS_GO = LSRC / "patterns" / "main.go"


def _marker_line(path: Path, name: str) -> int:
    for i, text in enumerate(path.read_text().splitlines(), 1):
        if text.rstrip().endswith(f"// LEAK: {name}"):
            return i
    raise AssertionError(f"no marker {name}")


def _patterns(fmt):
    return [
        (f"patterns-{k}", parse((LEAKFIX / "profiles" / f"patterns-{k}.{fmt}").read_bytes()))
        for k in (1, 2, 3)
    ]


PATTERN_LEAKS = {
    # marker: (function, op, words in the hint)
    "ncast": ("main.ncast.func1", "chan send", "N senders, one receive"),
    "range": ("main.consume", "chan receive", "never closed"),
    "waitgroup": ("main.waitAll", "sync.WaitGroup.Wait", "WaitGroup never reaches zero"),
    "lock": ("main.(*store).get", "sync.Mutex.Lock", "lock never released"),
    "early": ("main.earlyReturn.func1", "chan send", "early return before the receive"),
    "timeout": ("main.timeoutSend.func1", "chan send", "make(chan error, 1)"),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_patterns_every_leak_at_its_line_and_no_control(fmt):
    r = analyze(_patterns(fmt), source_roots=[str(LSRC)])
    leaks = {(s.function, s.line): s for s in r.leaks}
    for marker, (func, op, hint) in PATTERN_LEAKS.items():
        line = _marker_line(PATTERNS_GO, marker)
        s = leaks.pop((func, line), None)
        assert s is not None, (marker, sorted(leaks))
        assert s.verdict == "leak" and s.op == op, marker
        assert hint in s.hint, (marker, s.hint)
        assert s.counts[0] < s.counts[1] < s.counts[2]
    # what remains is the net/http body leak, reported inside net/http (no user frame)
    assert leaks, "the unclosed response body leak is missing"
    for (func, _line), s in leaks.items():
        assert func.startswith("net/http."), func
        assert "Body.Close" in s.hint or "IdleTimeout" in s.hint
    assert any(f == "net/http.(*persistConn).readLoop" for f, _ in leaks)
    # the controls are examined and judged healthy
    by_func = {}
    for s in r.sites:
        by_func.setdefault(s.function, []).append(s)
    for control in ("main.workerPool.func1", "main.tickerLoop", "main.burst.func1"):
        assert [s.verdict for s in by_func[control]] == ["healthy"], control
    assert by_func["main.workerPool.func1"][0].counts == [64, 64, 64]
    assert by_func["main.burst.func1"][0].counts == [100, 0, 0]
    assert "getAndClose" not in render_text(r, verbose=True)


# --- -watch end to end against a real leaking Go server ---


def _go():
    import shutil

    return shutil.which("go")


@pytest.mark.skipif(_go() is None, reason="needs Go to build tests/leakfixtures/src/leakserver")
def test_watch_real_leaking_server(tmp_path, monkeypatch, capsys):
    import os
    import shutil
    import subprocess

    src = tmp_path / "src"
    shutil.copytree(LSRC, src)
    binary = tmp_path / "leakserver"
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    subprocess.run(
        [_go(), "build", "-o", str(binary), "./leakserver"],
        cwd=src,
        env=env,
        check=True,
        timeout=300,
    )
    proc = subprocess.Popen([str(binary), "-every", "10ms"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        addr = line.split()[-1]
        monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path / "saved"))
        rc = main(
            [
                "-watch",
                addr,
                "-interval",
                "300ms",
                "-count",
                "3",
                "-fail_on",
                "5",
                "-json",
                "-source_path",
                str(src),
            ]
        )
        out, err = capsys.readouterr()
    finally:
        proc.kill()
        proc.wait()
    assert rc == 3, err
    assert "Watching http://" in err and "#3 goroutines" in err
    d = json.loads(out)
    assert len(d["snapshots"]) == 3
    leak = [s for s in d["sites"] if s["verdict"] == "leak"]
    line = _marker_line(src / "leakserver" / "main.go", "watch")
    assert (leak[0]["function"], leak[0]["line"], leak[0]["op"]) == (
        "main.worker",
        line,
        "chan send",
    )
    assert leak[0]["delta"] > 20
    assert "make(chan error, 1)" in leak[0]["hint"]
    # goroutines caught in passing (the worker's 10ms sleep) can look like tiny growth
    assert all(s["delta"] <= 3 for s in leak[1:]), leak[1:]
    assert len(list((tmp_path / "saved").iterdir())) == 3


def test_watch_helpers():
    from pprofsh.leaks.watch import goroutine_url, parse_duration, sparkline

    assert parse_duration("10s") == 10 and parse_duration("1m30s") == 90
    assert parse_duration("500ms") == 0.5 and parse_duration("2") == 2
    with pytest.raises(Exception, match="invalid duration"):
        parse_duration("10x")
    assert goroutine_url("localhost:6060") == "http://localhost:6060/debug/pprof/goroutine"
    assert goroutine_url("https://h/x?debug=2") == "https://h/x?debug=2"
    assert sparkline([2, 202, 102]) == "▁█▄" and sparkline([5, 5]) == "▁▁"


def test_watch_series_served_over_http(tmp_path, monkeypatch):
    """-watch over a server that answers with the handshake snapshots in turn (no Go needed)."""
    import http.server
    import io
    import threading

    from pprofsh.leaks.watch import watch
    from pprofsh.session import UI

    files = [PROFILES / f"{n}.debug2.txt" for n in HANDSHAKE]
    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = files[min(len(served), len(files) - 1)].read_bytes()
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()

    class TTY(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    ui = UI(out=io.StringIO(), err=TTY())
    try:
        r = watch(
            f"127.0.0.1:{srv.server_port}",
            {"interval": "1ms", "count": 3},
            ui,
            source_roots=[str(SRC)],
        )
    finally:
        srv.shutdown()
    assert served == ["/debug/pprof/goroutine"] * 3
    assert [(s.function, s.line, s.counts) for s in r.leaks] == [
        ("main.(*conn).handshakeWorker", 121, [0, 0, 100])
    ]
    assert r.leaks[0].rate_per_min is not None  # watch stamps text snapshots
    live = ui.err.getvalue()
    assert "#3  goroutines 102" in live and "\x1b[" in live and "▁█▄" in live
    assert len(list(tmp_path.iterdir())) == 3
