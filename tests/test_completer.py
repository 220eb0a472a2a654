"""Completion for the (pprof) shell, without a terminal: Document + CompleteEvent."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from pprofsh import commands as cmds
from pprofsh import options as opts
from pprofsh.completer import NameIndex, PprofCompleter, quote_regex
from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.profile.model import Function, Profile, ValueType
from pprofsh.session import UI, Session, SourceSpec, load

PROFILES = Path(__file__).parent / "fixtures" / "profiles"


def interp_for(name: str) -> Interpreter:
    spec = SourceSpec([str(PROFILES / name)])
    ui = UI()
    return Interpreter(Session(load(spec, ui), Config(), ui, spec))


@pytest.fixture(scope="module")
def completer() -> PprofCompleter:
    return PprofCompleter(interp_for("goroutine.pb.gz"))


def complete(c: PprofCompleter, text: str) -> list:
    return list(c.get_completions(Document(text), CompleteEvent(completion_requested=True)))


def texts(c: PprofCompleter, text: str) -> list[str]:
    return [x.text for x in complete(c, text)]


def test_first_word_commands_and_choices(completer):
    got = complete(completer, "li")
    assert [x.text for x in got] == ["list", "lines"]
    assert all(x.start_position == -2 for x in got)
    assert got[0].display_meta_text == cmds.BY_NAME["list"].description
    assert "granularity=lines" in got[1].display_meta_text


def test_first_word_everything(completer):
    got = texts(completer, "")
    for c in cmds.COMMANDS:
        assert c.name in got
    for w in ("o", "options", "help", "quit", "exit", ":", "cum", "flat", "lines"):
        assert w in got
    # Option names: bools as is, the rest with '=' to go on with the value.
    assert "mean" in got and "nodecount=" in got and "sample_index=" in got
    # Sample-type shortcuts of this profile.
    assert {"goroutine", "total_goroutine", "mean_goroutine"} <= set(got)
    # Every completion has a meta text.
    assert all(x.display_meta_text for x in complete(completer, ""))


def test_help_topics(completer):
    assert texts(completer, "help gr") == ["granularity"]
    assert set(texts(completer, "help no")) == {
        "noinlines",
        "nodecount",
        "nodefraction",
        "normalize",
    }
    assert "top" in texts(completer, "help ")
    assert texts(completer, "help top ") == []


def test_option_values(completer):
    assert texts(completer, "mean=") == ["true", "false"]
    assert texts(completer, "trim=f") == ["false"]
    assert texts(completer, "cum=") == ["true", "false"]
    assert texts(completer, "granularity=f") == ["functions", "filefunctions", "files"]
    assert texts(completer, "sort=") == ["cum", "flat"]
    assert texts(completer, "sample_index=") == ["goroutine"]
    units = texts(completer, "unit=")
    assert {"minimum", "auto", "mb", "kb", "ms", "s", "ns"} <= set(units)
    assert texts(completer, "unit=megab") == ["megabyte"]
    assert texts(completer, "nodecount=") == []
    assert texts(completer, "bogus=") == []


def test_function_names_substring(completer):
    got = complete(completer, "peek nilRec")
    assert [x.text for x in got] == ["main.nilReceiver"]
    assert got[0].start_position == -len("nilRec")
    assert got[0].display_meta_text == "function"
    # Prefix matches come first, then other names containing the text.
    got = texts(completer, "list main.")
    assert got[0].startswith("main.") and "runtime.main" not in got
    got = texts(completer, "list main")
    assert got.index("main.main") < got.index("runtime.main")
    # Case-insensitive.
    assert "main.nilReceiver" in texts(completer, "list NILRECEIVER")


def test_function_names_are_regex_quoted(completer):
    assert texts(completer, "list (*F") == [r"internal/poll.\(\*FD\).Accept"]
    # An already quoted word matches too.
    assert texts(completer, r"list \(\*FD") == [r"internal/poll.\(\*FD\).Accept"]
    assert quote_regex("sync.(*Mutex).Lock") == r"sync.\(\*Mutex\).Lock"


def test_function_names_in_report_words(completer):
    got = complete(completer, "top 5 -runtime.gop")
    assert [x.text for x in got] == ["-runtime.gopark", "-runtime.goparkunlock"]
    assert got[0].start_position == -len("-runtime.gop")
    assert "-cum" in texts(completer, "top -c")
    assert "-cum" not in texts(completer, "peek x -c")
    assert texts(completer, "top 10") == []
    assert texts(completer, "top >out") == []
    assert texts(completer, "top10 nilRec") == ["main.nilReceiver"]
    assert texts(completer, "bogus nilRec") == []


@pytest.mark.parametrize("name", ["focus", "ignore", "hide", "show", "show_from", "prune_from"])
def test_regex_options(completer, name):
    assert texts(completer, f"{name}=nilRec") == ["main.nilReceiver"]


def test_regex_option_alternatives(completer):
    got = complete(completer, "focus=main.main|nilRec")
    assert [x.text for x in got] == ["main.nilReceiver"]
    assert got[0].start_position == -len("nilRec")


def test_tag_filters(completer):
    got = texts(completer, "tagfocus=")
    assert got[:2] == ["role=", "shard="]
    assert {"role=consumer", "role=producer", "shard=7"} <= set(got)
    assert texts(completer, "tagignore=sh") == ["shard=", "shard=7"]
    assert texts(completer, "tagfocus=role=prod") == ["role=producer"]
    assert texts(completer, "tags sh") == ["shard=", "shard=7"]
    assert texts(completer, "tags -sh") == ["-shard=", "-shard=7"]
    assert texts(completer, "tagroot=r") == ["role"]
    assert texts(completer, "tagleaf=role,s") == ["shard"]


def test_output_path(completer, tmp_path, monkeypatch):
    (tmp_path / "report.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert texts(completer, "output=rep") == ["ort.txt"]


def test_every_option_value_kind_is_known():
    for o in opts.OPTIONS:
        assert o.completion in ("", "regex", "tags", "tagkeys", "units", "sample_types", "path")


def test_name_index_big_profile_is_fast():
    n = 200_000
    p = Profile(sample_types=[ValueType("cpu", "nanoseconds")])
    p.functions = [Function(i + 1, f"pkg{i % 977}.(*T{i}).method{i % 13}") for i in range(n)]
    session = Session(p, Config(), UI())
    interp = Interpreter.__new__(Interpreter)
    interp.session = session
    interp.sample_types = ["cpu"]
    c = PprofCompleter(interp)
    t0 = time.perf_counter()
    texts(c, "list method7")  # builds the index once
    t1 = time.perf_counter()
    for w in ("T1999", "pkg12.", "method", "zzz", "T199999"):
        got = texts(c, "list " + w)
        assert len(got) <= 200
    t2 = time.perf_counter()
    i = 199_999
    assert texts(c, "list T199999") == [rf"pkg{i % 977}.\(\*T{i}\).method{i % 13}"]
    assert t1 - t0 < 5
    assert (t2 - t1) / 5 < 0.2


def test_name_index():
    idx = NameIndex(["b.x", "a.x", "a.x", "c.ax", ""])
    assert idx.names == ["a.x", "b.x", "c.ax"]
    assert idx.search("a") == ["a.x", "c.ax"]
    assert idx.search("x", limit=2) == ["a.x", "b.x"]
    assert idx.search("") == ["a.x", "b.x", "c.ax"]
    assert idx.search("q") == []
