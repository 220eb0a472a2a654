"""The `flame` command through Session.run: the view it hands to the screen follows
the session's options (filters, sample index, granularity, -mean, base)."""

from __future__ import annotations

import io
import os

import pytest

from pprofsh.errors import PprofshError
from pprofsh.options import Config
from pprofsh.report.flameview import FlameView
from pprofsh.session import UI, Session, SourceSpec, combine_sides, finish, load_sides

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(ROOT, "tests", "fixtures", "profiles", "")


class TerminalUI(UI):
    def out_is_terminal(self) -> bool:
        return True


def session(src: str, base: str | None = None, terminal: bool = True) -> Session:
    ui = (TerminalUI if terminal else UI)(io.StringIO(), io.StringIO(), interactive=True)
    spec = SourceSpec([P + src], [P + base] if base else [])
    new, old, _ = load_sides(spec, ui)
    prof = combine_sides(new, old, False, False) if old is not None else new
    return Session(finish(prof, spec, ui), Config(), ui, spec, new, old)


def shown(s: Session, *args: str) -> FlameView:
    got: list[FlameView] = []
    s.flame_screen = got.append
    s.run("flame", list(args))
    assert len(got) == 1
    return got[0]


def names(v: FlameView) -> set[str]:
    return {v.tree.name(i) for i in range(1, len(v.tree))}


def test_options_reach_the_view() -> None:
    s = session("cpu.pb.gz")
    v = shown(s)
    assert "main.fib" in names(v) and not v.flip and not v.stacks.diff
    assert shown(s, "flip").flip
    # Words are filters for this run only, as for top.
    assert "main.fib" not in names(shown(s, "callerA"))
    assert "main.fib" in names(shown(s))
    s.config["focus"] = "callerB"
    assert "main.callerA" not in names(shown(s))
    s.config["focus"] = ""
    s.config["granularity"] = "lines"
    assert any(n.startswith("main.fib ") and ".go:" in n for n in names(shown(s)))
    s.config["granularity"] = "functions"
    s.config["tagfocus"] = "worker=a"
    assert "main.callerB" not in names(shown(s)) and "main.callerA" in names(shown(s))


def test_sample_index_and_mean() -> None:
    s = session("block.pb.gz")
    s.config["sample_index"] = "contentions"
    counts = shown(s)
    s.config["sample_index"] = "delay"
    delay = shown(s)
    assert int(counts.tree.total[0]) < int(delay.tree.total[0])
    s.config["mean"] = True
    mean = shown(s)
    i = mean.tree.children(0)[0]
    assert mean.tree.value(i) == int(mean.tree.total[i]) // int(mean.tree.total_div[i])


def test_a_base_colours_by_change() -> None:
    s = session("handshake-after.pb.gz", "handshake-before.pb.gz")
    v = shown(s)
    assert v.stacks.diff
    assert all(b.kind.startswith(("grow", "root")) for row in v.layout(80) for b in row)
    s.set_base(None)
    assert not shown(s).stacks.diff


def test_no_terminal_no_flame() -> None:
    s = session("cpu.pb.gz", terminal=False)
    s.flame_screen = lambda _v: None
    with pytest.raises(PprofshError, match="flame needs a terminal"):
        s.run("flame")
    s = session("cpu.pb.gz")
    with pytest.raises(PprofshError, match="flame needs a terminal"):
        s.run("flame")  # nothing set a screen
    s.flame_screen = lambda _v: None
    with pytest.raises(PprofshError, match="use folded >f"):
        s.run("flame", [">out.txt"])


def test_leaving_a_file_box_focuses_the_file() -> None:
    s = session("cpu.pb.gz")
    s.config["granularity"] = "files"
    v = shown(s)
    node = next(i for i in range(1, len(v.tree)) if v.tree.name(i).endswith("cpu/main.go"))
    v.select(node)
    line = v.leave("f")
    assert line is not None and line.startswith("focus=") and line.endswith("main\\.go$")
    f = int(v.tree.frame[node])
    _flat, cum = v.frame_totals(f)
    s.config["focus"] = line.split("=", 1)[1]
    focused = shown(s)
    # Every stack left goes through the file.
    assert int(focused.tree.total[0]) == cum < int(v.tree.total[0])
    assert v.leave("l") is None
