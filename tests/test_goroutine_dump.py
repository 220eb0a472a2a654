"""debug=2 goroutine dumps (and panic/SIGQUIT tracebacks) loaded as goroutine count profiles."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pprofsh.errors import ProfileError
from pprofsh.profile.goroutine_dump import looks_like_dump, parse_dump
from pprofsh.profile.parse import check_valid, parse

PROFILES = Path(__file__).parent / "fixtures" / "profiles"


def _load(name: str):
    return parse((PROFILES / name).read_bytes())


def _funcs(sample):
    return [ln.function.name for loc in sample.locations for ln in loc.lines]


def test_goroutine_fixture_states_and_labels():
    p = _load("goroutine.debug2.txt")
    assert check_valid(p) == ""
    assert [(t.type, t.unit) for t in p.sample_types] == [("goroutine", "count")]
    assert len(p.samples) == 16
    assert all(s.values == [1] for s in p.samples)
    states = Counter(s.labels["state"][0] for s in p.samples)
    assert states == {
        "chan send": 3,
        "semacquire": 3,
        "chan receive": 2,
        "select": 2,
        "IO wait": 1,
        "chan receive (nil chan)": 1,
        "running": 1,
        "select (no cases)": 1,
        "sleep": 1,
        "sync.Cond.Wait": 1,
    }
    goids = [s.labels["goid"][0] for s in p.samples]
    assert len(set(goids)) == 16 and "1" in goids


def test_frames_and_creator_root():
    p = _load("handshake-after.debug2.txt")
    assert len(p.samples) == 102
    worker = [s for s in p.samples if s.labels["state"] == ["chan send"]]
    assert len(worker) == 100
    s = worker[0]
    assert _funcs(s) == ["main.(*conn).handshakeWorker", "created by main.(*server).handleConn"]
    leaf = s.locations[0].lines[0]
    assert leaf.function.filename == "/tmp/pprofsh-fixtures/src/rpcserver/main.go"
    assert leaf.line == 121
    root = s.locations[-1].lines[0]
    assert root.line == 95
    # samples with equal stacks share one tuple
    assert len({id(w.locations) for w in worker}) == 1
    main = [x for x in p.samples if x.labels["state"] == ["running"]][0]
    assert _funcs(main)[0] == "runtime/pprof.writeGoroutineStacks"
    assert "created by" not in _funcs(main)[-1]


@pytest.mark.parametrize(
    "name,total",
    [
        ("leak-idle", 2),
        ("leak-busy", 302),
        ("leak-gone", 2),
        ("handshake-before", 2),
        ("handshake-during", 202),
        ("handshake-after", 102),
        ("fixed-before", 2),
        ("fixed-during", 202),
        ("fixed-after", 2),
    ],
)
def test_totals_match_proto(name, total):
    d2 = _load(f"{name}.debug2.txt")
    pb = _load(f"{name}.pb.gz")
    assert sum(s.values[0] for s in d2.samples) == total
    assert sum(s.values[0] for s in pb.samples) == total


DUMP = b"""panic: boom

goroutine 7 [chan receive, 12 minutes, locked to thread]:
main.worker(0xc000010000, {0x4a, 0x5})
\t/src/app/worker.go:42 +0x25 fp=0xc0000 sp=0xc0001 pc=0x4551
main.(*pool).run[...](...)
\t/src/app/pool.go:10
...additional frames elided...
created by main.start in goroutine 1
\t/src/app/main.go:30 +0x70

goroutine 1 gp=0xc000002380 m=0 mp=0x5a1b40 [running]:
main.main()
\t/src/app/main.go:20 +0x1d
exit status 2

goroutine 9 [select]:
main.loop()
\t/src/app/loop.go:5 +0x1
main.trunc"""


def test_panic_output_with_minutes_locked_elided_truncated():
    assert looks_like_dump(DUMP)
    p = parse(DUMP)
    assert len(p.samples) == 3
    w, m, t = p.samples
    assert w.labels == {
        "state": ["chan receive"],
        "goid": ["7"],
        "locked_to_thread": ["true"],
        "creator_goid": ["1"],
    }
    assert w.num_labels == {"wait_minutes": [12]}
    assert w.num_units == {"wait_minutes": ["minutes"]}
    assert _funcs(w) == ["main.worker", "main.(*pool).run[...]", "created by main.start"]
    assert [loc.lines[0].line for loc in w.locations] == [42, 10, 30]
    assert m.labels["state"] == ["running"] and _funcs(m) == ["main.main"]
    # the truncated last frame is kept, without a file
    assert _funcs(t) == ["main.loop", "main.trunc"]
    assert t.locations[-1].lines[0].function.filename == ""


def test_not_a_dump():
    assert not looks_like_dump(b"goroutine profile: total 3\n")
    assert not looks_like_dump(b"heap profile: 1: 2 [3: 4] @ heap/2\n")
    with pytest.raises(ProfileError):
        parse_dump(b"nothing here\n")


def test_debug1_still_goes_to_legacy():
    p = _load("goroutine.debug1.txt")
    assert sum(s.values[0] for s in p.samples) == 16
    assert not any((s.labels or {}).get("state") for s in p.samples)
