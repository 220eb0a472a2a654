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
