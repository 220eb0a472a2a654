"""Verdicts on the shapes fixtures (tests/leakfixtures/src/shapes): real Go services whose
sites step, plateau, fluctuate or grow. Healthy populations must report no leak and no
suspect; every leak must be named as `function file:line` at its `// LEAK:` marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from pprofsh.leaks import analyze, render_text
from pprofsh.leaks.verdict import classify_shape, in_work_loop, judge
from pprofsh.profile.parse import parse

HERE = Path(__file__).parent
LEAKFIX = HERE / "leakfixtures"
SRC = LEAKFIX / "src"
SHAPES_GO = SRC / "shapes" / "main.go"
RECORDED = "/tmp/pprofsh-leakfixtures/src/shapes/main.go"
FORMATS = ["pb.gz", "debug1.txt", "debug2.txt"]

# scenario: (snapshots, {marker: counts}) -- the counts the Go program was built to make
HEALTHY = {
    "pool-late": (4, {"pool": [0, 64, 64, 64]}),
    "collectors": (4, {"collector": [0, 24, 24, 24]}),
    "pool-cap": (5, {"elastic": [0, 10, 32, 32, 32]}),
    "subscribers": (4, {"subscriber": [0, 20, 20, 20]}),
    "fluctuating": (5, {"inflight": [12, 30, 18, 26, 15]}),
    "keepalive": (4, {}),
}
LEAKY = {
    "bursts": (5, {"bursts": [0, 30, 30, 60, 60]}),
    "beside-pool": (4, {"beside": [0, 8, 16, 24]}),
    "late-leak": (5, {"late": [0, 0, 0, 20, 40]}),
}


def _marker(kind: str, name: str) -> int:
    for i, text in enumerate(SHAPES_GO.read_text().splitlines(), 1):
        if text.rstrip().endswith(f"// {kind}: {name}"):
            return i
    raise AssertionError(f"no marker {kind}: {name}")


def _series(scenario: str, n: int, fmt: str, ks=None):
    ks = ks or range(1, n + 1)
    return [
        (f"{scenario}-{k}", parse((LEAKFIX / "profiles" / f"{scenario}-{k}.{fmt}").read_bytes()))
        for k in ks
    ]


def _site(report, line: int):
    found = [s for s in report.sites if s.file == RECORDED and s.line == line]
    assert len(found) == 1, [(s.function, s.line, s.counts) for s in report.sites]
    return found[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("with_source", [True, False], ids=["source", "nosource"])
@pytest.mark.parametrize("scenario", sorted(HEALTHY))
def test_healthy_shapes_report_no_leak(scenario, with_source, fmt):
    n, sites = HEALTHY[scenario]
    roots = [str(SRC)] if with_source else []
    r = analyze(_series(scenario, n, fmt), source_roots=roots)
    assert r.leaks == [], [(s.verdict, s.function, s.counts, s.reason) for s in r.leaks]
    assert r.max_growth() == 0
    for marker, counts in sites.items():
        s = _site(r, _marker("HEALTHY", marker))
        assert s.counts == counts and s.verdict == "healthy", (s.counts, s.reason)
    assert "0 leaks among" in render_text(r)


@pytest.mark.parametrize("fmt", FORMATS)
def test_steady_keepalive_connections_are_healthy(fmt):
    r = analyze(_series("keepalive", 4, fmt))
    conn = [s for s in r.sites if s.function.startswith(("net/http.(*conn", "net/http.(*persist"))]
    # the server's conn.serve and the client's persistConn read and write loops, 8 each
    assert len(conn) == 3 and all(s.counts == [0, 8, 8, 8] for s in conn), [
        (s.function, s.counts) for s in conn
    ]
    assert all(s.verdict == "healthy" and s.work_loop for s in conn)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", sorted(LEAKY))
def test_leak_shapes_name_the_site(scenario, fmt):
    n, sites = LEAKY[scenario]
    r = analyze(_series(scenario, n, fmt), source_roots=[str(SRC)])
    text = render_text(r)
    for marker, counts in sites.items():
        line = _marker("LEAK", marker)
        s = _site(r, line)
        assert s.verdict == "leak" and s.counts == counts, (s.counts, s.reason)
        assert f"{s.function} {RECORDED}:{line}" in text
    assert [s.verdict for s in r.sites if s.reported] == ["leak"] * len(sites)


@pytest.mark.parametrize("fmt", FORMATS)
def test_leak_beside_a_pool_that_started_late(fmt):
    r = analyze(_series("beside-pool", 4, fmt), source_roots=[str(SRC)])
    pool = _site(r, _marker("HEALTHY", "pool"))
    assert pool.counts == [0, 64, 64, 64] and pool.verdict == "healthy"
    assert _site(r, _marker("LEAK", "beside")).verdict == "leak"
    assert r.max_growth() == 24


@pytest.mark.parametrize("fmt", FORMATS)
def test_unclosed_bodies_still_leak(fmt):
    r = analyze(_series("unclosed-body", 4, fmt))
    leaks = {s.function: s for s in r.leaks}
    assert "net/http.(*persistConn).readLoop" in leaks
    assert all(s.verdict == "leak" and s.counts == [0, 8, 16, 24] for s in leaks.values())
    assert "Body.Close" in leaks["net/http.(*persistConn).readLoop"].hint


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "scenario,ks,marker",
    [
        ("pool-late", (1, 2), ("HEALTHY", "pool")),
        ("bursts", (1, 2), ("LEAK", "bursts")),
        ("bursts", (1, 2, 3), ("LEAK", "bursts")),
        ("pool-cap", (1, 2), ("HEALTHY", "elastic")),
    ],
)
def test_one_step_is_suspect_with_what_to_capture(scenario, ks, marker, fmt):
    r = analyze(_series(scenario, 0, fmt, ks), source_roots=[str(SRC)])
    s = _site(r, _marker(*marker))
    assert s.verdict == "suspect", (s.counts, s.reason)
    assert s.next_step.startswith("capture another snapshot")
    text = render_text(r)
    assert "next: capture another snapshot" in text and "0 leaks, 1 suspect" in text


def test_shapes():
    cases = {
        (0, 64, 64, 64): "plateau",
        (0, 10, 32, 32, 32): "plateau",
        (0, 30, 30, 60, 60): "bursts",
        (0, 0, 0, 20, 40): "growing",
        (5, 10, 15): "growing",
        (0, 64): "step",
        (0, 0, 100): "step",
        (0, 30, 30): "step",
        (64, 64, 64): "steady",
        (100, 0, 0): "falling",
        (12, 30, 18, 26, 15): "fluctuating",
        (60, 64, 62, 64, 63): "fluctuating",
        (0, 50, 45, 100, 95): "noisy growth",
        (0, 10, 10, 32, 32, 32): "plateau",
    }
    for counts, name in cases.items():
        assert classify_shape(list(counts)).name == name, counts


def test_work_loop_from_source():
    src = [
        "func w(jobs <-chan int, quit chan struct{}, done chan error) {",  # 1
        "\tfor j := range jobs {",  # 2
        "\t\t_ = j",  # 3
        "\t}",  # 4
        "\tfor {",  # 5
        "\t\tselect {",  # 6
        "\t\tcase j := <-jobs: // a job",  # 7
        "\t\t\t_ = j",  # 8
        "\t\tcase <-quit:",  # 9
        "\t\t\treturn",  # 10
        "\t\t}",  # 11
        "\t}",  # 12
        "\tdone <- nil",  # 13
        "\t<-quit",  # 14
        "}",  # 15
    ]
    assert in_work_loop(src, 2, []) is True
    assert in_work_loop(src, 6, []) is True
    assert in_work_loop(src, 7, []) is True
    assert in_work_loop(src, 13, []) is False
    assert in_work_loop(src, 14, []) is False
    assert in_work_loop(None, 14, []) is None
    # a connection read inside a for loop waits for the next request
    conn = ["func (c *conn) serve() {", "\tfor {", "\t\tn, err := c.Read(buf)", "\t}", "}"]
    assert in_work_loop(conn, 3, [], "IO wait") is True
    assert in_work_loop(conn, 3, [], "") is False
    assert in_work_loop(["func f() {", "\tc.Read(buf)", "}"], 2, [], "IO wait") is False
    assert in_work_loop(None, 0, ["net/http.(*persistConn).writeLoop"]) is True


def test_wait_minutes_decide_a_plateau():
    at = [5.0, 5.0, 5.0]  # minutes between the snapshots
    # the same goroutines, aging: leaked once and still there
    aging = judge([0, 64, 64, 64], True, [None, 0, 5, 10], at)
    assert aging.verdict == "leak" and "wait minutes" in aging.reason
    # a pool whose workers get work: the youngest has waited under a minute
    busy = judge([0, 64, 64, 64], False, [None, 0, 0, 0], at)
    assert busy.verdict == "healthy"
    # without times or dumps the shape decides: a plateau outside any loop is a suspect
    assert judge([0, 64, 64, 64], False).verdict == "suspect"
    assert judge([0, 64, 64, 64], None).verdict == "healthy"
    # one step at the end, outside any loop (the handshake leak), is a leak
    assert judge([0, 0, 100], False).verdict == "leak"
    assert judge([0, 0, 100], True).verdict == "suspect"


def test_time_between_dumps_from_goroutines_that_kept_waiting():
    from pprofsh.leaks.analyze import gaps_from_dumps

    d1 = {"1": ("select", 3), "7": ("chan send", 0)}
    d2 = {"1": ("select", 5), "7": ("chan send", 2), "9": ("chan receive", 0)}
    d3 = {"9": ("chan receive", 0)}  # nobody waited through: the time is unknown
    d4 = {"9": ("chan receive", 1)}
    assert gaps_from_dumps([d1, d2, d3, d4]) == [2.0, None, 1.0]
    # a goroutine that went on to another wait says nothing
    assert gaps_from_dumps([{"1": ("select", 3)}, {"1": ("chan send", 4)}]) == [None]


@pytest.mark.parametrize("fmt", FORMATS)
def test_wait_minutes_of_real_dumps_a_minute_apart(fmt):
    """aging: 40 goroutines leaked once (0 40 40) beside 16 busy workers (0 16 16), dumps a
    minute apart. One step then one flat interval cannot decide; debug=2 wait minutes do:
    the leaked goroutines age (1, then 2 minutes), the workers never reach a minute."""
    r = analyze(_series("aging", 3, fmt), source_roots=[str(SRC)])
    leak = _site(r, _marker("LEAK", "aging"))
    pool = _site(r, _marker("HEALTHY", "busy"))
    assert leak.counts == [0, 40, 40] and pool.counts == [0, 16, 16]
    if fmt != "debug2.txt":
        assert (leak.verdict, pool.verdict) == ("suspect", "suspect")
        assert "debug=2 dumps a few minutes apart" in leak.next_step
        return
    assert leak.wait_min == [None, 1, 2] and pool.wait_min == [None, 0, 0]
    assert leak.verdict == "leak" and "kept waiting" in leak.reason
    assert pool.verdict == "healthy" and "they get work" in pool.reason
