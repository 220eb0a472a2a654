"""`leaks`, `watch` and `schedtrace` in the shell, and `pprofsh -schedtrace`."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from pprofsh.cli import main
from pprofsh.completer import PprofCompleter
from pprofsh.errors import CommandError
from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, load

HERE = Path(__file__).parent
LEAKFIX = HERE / "leakfixtures"
SHAPES = LEAKFIX / "profiles"
SRC = LEAKFIX / "src"
TRACES = LEAKFIX / "schedtrace"


def _session(first: str) -> Session:
    spec = SourceSpec([first])
    ui = UI(out=io.StringIO(), err=io.StringIO())
    cfg = Config()
    cfg["source_path"] = str(SRC)
    return Session(load(spec, ui), cfg, ui, spec)


def _out(s: Session, command: str, *args: str) -> str:
    buf = io.StringIO()
    s.run(command, list(args), buf)
    return buf.getvalue()


def _paths(scenario: str, n: int) -> list[str]:
    return [str(SHAPES / f"{scenario}-{k}.pb.gz") for k in range(1, n + 1)]


def test_leaks_in_the_shell_is_the_leaks_report(capsys):
    paths = _paths("beside-pool", 4)
    s = _session(paths[0])
    for p in paths[1:]:
        s.run("load", [p])
    shell = _out(s, "leaks")
    assert main(["-leaks", "-source_path", str(SRC), *paths]) == 0
    flag, _ = capsys.readouterr()
    assert shell == flag
    assert "1 leak among" in shell and "main.validate.func1" in shell
    verbose = _out(s, "leaks", "-v")
    assert "healthy main.poolWorker" in verbose and "reached 64" in verbose


def test_leaks_on_chosen_snapshots_and_errors(tmp_path):
    paths = _paths("bursts", 5)
    s = _session(paths[0])
    for p in paths[1:]:
        s.run("load", [p])
    two = _out(s, "leaks", "#1", "#2")
    assert "Goroutine leak report: 2 snapshots" in two and "0 leaks, 1 suspect" in two
    assert "next: capture another snapshot" in two
    assert "1 leak among" in _out(s, "leaks")
    with pytest.raises(CommandError, match="no snapshot #9"):
        s.run("leaks", ["#9"])
    with pytest.raises(CommandError, match="unexpected"):
        s.run("leaks", ["bogus"])
    s.run("leaks", ["-json", f">{tmp_path / 'l.json'}"])
    assert '"summary"' in (tmp_path / "l.json").read_text()
    heap = _session(str(HERE / "fixtures" / "profiles" / "heap.pb.gz"))
    with pytest.raises(CommandError, match="no goroutine snapshot"):
        heap.run("leaks", [])


def test_help_and_completion():
    paths = _paths("pool-late", 2)
    s = _session(paths[0])
    s.run("load", [paths[1]])
    interp = Interpreter(s)

    def help_text(topic: str) -> str:
        mark = len(s.ui.out.getvalue()) + len(s.ui.err.getvalue())
        interp.execute(f"help {topic}")
        return (s.ui.out.getvalue() + s.ui.err.getvalue())[mark:]

    assert "leaks [#N ...] [-v] [-json] [>f]" in help_text("leaks")
    assert "watch [interval] [count]" in help_text("watch")
    assert "schedtrace FILE" in help_text("schedtrace")
    listing = help_text("pprofsh")
    assert all(w in listing for w in ("leaks", "watch", "schedtrace"))
    comp = PprofCompleter(interp)

    def texts(line: str) -> list[str]:
        ev = CompleteEvent(completion_requested=True)
        return [c.text for c in comp.get_completions(Document(line), ev)]

    assert "leaks" in texts("lea")
    assert texts("leaks #") == ["#1", "#2"]
    assert texts("leaks #1 #") == ["#2"]
    assert texts("leaks -") == ["-v", "-json"]
    tr = str(TRACES) + "/schedl"
    assert {c for c in texts(f"schedtrace {tr}")} >= {"eak.txt", "eak-detail.txt"}


# --- scheduler traces: tests/leakfixtures/schedtrace.sh recorded src/schedleak -----------


def test_schedtrace_flag_flags_what_only_grows(capsys):
    assert main(["-schedtrace", str(TRACES / "schedleak.txt")]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("Scheduler trace: ")
    assert "threads: only grows" in out and "LockOSThread" in out
    assert "▁" not in out  # piped: plain numbers
    assert main(["-schedtrace", str(TRACES / "schedleak-detail.txt")]) == 0
    out, _ = capsys.readouterr()
    flagged = [ln.split(":")[0] for ln in out.splitlines() if ": only grows" in ln]
    assert flagged[:2] == ["threads", "goroutines"]
    assert any(ln.startswith("waiting: chan send: only grows") for ln in out.splitlines())
    assert "(scheddetail)" in out and "pprofsh -leaks" in out


def test_schedtrace_healthy_program_flags_nothing(capsys):
    assert main(["-schedtrace", str(TRACES / "schedfixed-detail.txt")]) == 0
    out, _ = capsys.readouterr()
    assert ": only grows" not in out and "  only grows" not in out
    assert out.rstrip().endswith("No goroutine or thread count only grows.")


def test_schedtrace_parse_details():
    from pprofsh import schedtrace

    text = (TRACES / "schedleak-detail.txt").read_text()
    tr = schedtrace.parse(text, "t")
    assert tr.detail and len(tr.ticks) == text.count("SCHED ")
    last = tr.ticks[-1]
    g_lines = text.split("SCHED ")[-1].count("\n  G")
    dead = text.split("SCHED ")[-1].count("status=6(")
    assert last.goroutines == g_lines - dead
    assert len(last.local) == last.gomaxprocs
    # the program's own stderr between the lines does not matter
    noisy = text.replace("\nSCHED ", "\nlog: something happened\nSCHED ")
    again = schedtrace.parse(noisy, "t")
    assert [t.goroutines for t in again.ticks] == [t.goroutines for t in tr.ticks]
    assert "▁" in schedtrace.render(tr, terminal=True)
    many = schedtrace.parse((TRACES / "schedleak.txt").read_text() * 3, "x")
    assert "(20 of 45 ticks shown, evenly spaced)" in schedtrace.render(many)
    with pytest.raises(Exception, match="no scheduler trace"):
        schedtrace.parse("hello\n", "x")
    assert schedtrace.only_grows([1, 2, 3]) and not schedtrace.only_grows([1, 2, 2, 2, 2, 3])
    assert not schedtrace.only_grows([3, 4, 3, 5])


def test_schedtrace_errors(capsys, tmp_path):
    assert main(["-schedtrace", str(tmp_path / "none.txt")]) == 1
    _, err = capsys.readouterr()
    assert err.strip() == f"open {tmp_path / 'none.txt'}: no such file or directory"
    (tmp_path / "x.txt").write_text("not a trace\n")
    assert main(["-schedtrace", str(tmp_path / "x.txt")]) == 1
    _, err = capsys.readouterr()
    assert "no scheduler trace (SCHED lines) found" in err and "Traceback" not in err


def test_schedtrace_in_the_shell(tmp_path):
    s = _session(_paths("pool-late", 1)[0])
    out = _out(s, "schedtrace", str(TRACES / "schedleak.txt"))
    assert "threads: only grows" in out
    s.run("schedtrace", [str(TRACES / "schedleak.txt"), f">{tmp_path / 's.txt'}"])
    assert (tmp_path / "s.txt").read_text() == out
    with pytest.raises(CommandError, match="no such file"):
        s.run("schedtrace", [str(tmp_path / "nope")])
    with pytest.raises(CommandError, match="requires one argument"):
        s.run("schedtrace", [])


# --- watch against a real leaking Go server ----------------------------------------------


@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go to build the leakserver")
def test_watch_in_the_shell(tmp_path, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    binary = tmp_path / "leakserver"
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    subprocess.run(
        [shutil.which("go") or "go", "build", "-o", str(binary), "./leakserver"],
        cwd=src,
        env=env,
        check=True,
        timeout=300,
    )
    proc = subprocess.Popen([str(binary), "-every", "10ms"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("listening on "), line
        monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path / "saved"))
        url = f"http://{line.split()[-1]}/debug/pprof/goroutine"
        s = _session(url)
        s.config["source_path"] = str(src)
        before = len(s.snapshots.items)
        out = _out(s, "watch", "200ms", "3")
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    assert len(s.snapshots.items) == before + 3
    err = s.ui.err.getvalue()
    assert "Watching http://" in err and f"#{before + 3} goroutines" in err
    assert "Goroutine leak report: 3 snapshots" in out
    assert "leak     chan send" in out and "main.worker" in out
    # the session's first fetch and the three of watch, each saved
    assert len(list((tmp_path / "saved").iterdir())) == before + 3


def test_schedtrace_sparklines_on_a_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    root = HERE.parent
    env = dict(os.environ, PYTHONPATH=str(root), TERM="xterm", HOME=str(tmp_path))
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pprofsh", "-schedtrace", str(TRACES / "schedleak.txt")],
        env=env,
        cwd=str(root),
        encoding="utf-8",
        timeout=20,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = child.before or ""
    threads = next(ln for ln in out.splitlines() if ln.strip().startswith("threads "))
    assert "▁" in threads and "█" in threads and "only grows" in threads
