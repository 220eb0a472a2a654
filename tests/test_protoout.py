"""-proto and -topproto: the written file, re-read, reports as Go's own file does.

For each case, `go tool pprof -output G ARGS` and `pprofsh -output P ARGS` write
gzipped profiles. `-raw` and `-top` of P read by pprofsh (and by Go) must equal
`-raw` and `-top` of G read by Go. Needs `go tool pprof` (Go 1.19).
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
P = "tests/fixtures/profiles/"
needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="`go tool pprof` not installed")

CASES = {
    "proto_cpu": f"-proto {P}cpu.pb.gz",
    "proto_heap_divide": f"-proto -divide_by=3 {P}heap.pb.gz",
    "proto_cpu_filters": f"-proto -focus=callerA -hide=runtime {P}cpu.pb.gz",
    "proto_cpu_tagfocus": f"-proto -tagfocus=worker=b -show_from=main {P}cpu.pb.gz",
    "proto_goroutine": f"-proto {P}goroutine.pb.gz",
    "proto_diff": f"-proto -diff_base {P}handshake-before.pb.gz {P}handshake-after.pb.gz",
    "proto_merge": f"-proto {P}leak-busy.pb.gz {P}leak-idle.pb.gz",
    "topproto_cpu": f"-topproto {P}cpu.pb.gz",
    "topproto_heap_lines": f"-topproto -lines {P}heap.pb.gz",
    "topproto_block_n5": f"-topproto -nodecount=5 {P}block.pb.gz",
}


def _env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PPROF")}
    e.update(TZ="UTC", PPROF_TMPDIR="/tmp/pprofsh-golden-tmp")
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def _go(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["go", "tool", "pprof", *args], cwd=ROOT, env=_env(), capture_output=True, timeout=120
    )


def _py(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pprofsh", *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        timeout=120,
    )


@needs_go
@pytest.mark.parametrize("name", list(CASES))
def test_reread(name: str, tmp_path: Path) -> None:
    args = CASES[name].split()
    gfile, pfile = tmp_path / "go.pb.gz", tmp_path / "py.pb.gz"
    r = _go("-output", str(gfile), *args)
    assert r.returncode == 0, r.stderr
    r = _py("-output", str(pfile), *args)
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().endswith(f"Generating report in {pfile}\n")
    gzip.decompress(pfile.read_bytes())  # a valid gzip stream
    for report in ("-raw", "-top"):
        want = _go(report, str(gfile))
        got_py = _py(report, str(pfile))
        got_go = _go(report, str(pfile))
        assert got_py.stdout.decode() == want.stdout.decode(), report
        assert got_go.stdout.decode() == want.stdout.decode(), report


def test_string_table_order() -> None:
    """Strings are numbered in the order pprof's encoder meets them."""
    from pprofsh.profile import profile_pb2
    from pprofsh.profile.model import Function, Line, Location, Mapping, Profile, Sample, ValueType
    from pprofsh.profile.write import write

    m = Mapping(1, 0x1000, 0x2000, 0, "/bin/x", "abc")
    f = Function(1, "main.f", "main.f", "x.go", 3)
    loc = Location(1, m, 0x1010, [Line(f, 7)])
    p = Profile(
        sample_types=[ValueType("samples", "count")],
        samples=[Sample((loc,), [5], {"k": ["v"]}, {"n": [2]}, {"n": ["bytes"]})],
        mappings=[m],
        locations=[loc],
        functions=[f],
        period_type=ValueType("cpu", "nanoseconds"),
        period=10,
        comments=["hi"],
    )
    msg = profile_pb2.Profile()
    msg.ParseFromString(gzip.decompress(write(p)))
    assert list(msg.string_table) == [
        "",
        "samples",
        "count",
        "k",
        "v",
        "n",
        "bytes",
        "/bin/x",
        "abc",
        "main.f",
        "x.go",
        "cpu",
        "nanoseconds",
        "hi",
    ]
    assert msg.sample[0].location_id == [1]
    assert msg.location[0].line[0].line == 7
