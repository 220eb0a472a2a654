"""The bundled example (pprofsh/examples, made by tests/fixtures/regen_example.sh) works
end to end from the root of a checkout: README's first command, then top, traces, list
(the shipped source shows the blocked line) and leaks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pprofsh.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "pprofsh" / "examples"
BEFORE = "pprofsh/examples/handshake-before.pb.gz"
DURING = "pprofsh/examples/handshake-during.pb.gz"
AFTER = "pprofsh/examples/handshake-after.pb.gz"


def test_shipped_source_is_the_fixture_program():
    shipped = (EXAMPLES / "rpcserver" / "main.go").read_text()
    assert shipped == (ROOT / "tests" / "fixtures" / "src" / "rpcserver" / "main.go").read_text()
    assert (EXAMPLES / "go.mod").read_text().startswith("module pprofsh/examples\n")


def _checkout(tmp_path: Path, name: str) -> Path:
    """A directory laid out as a fresh clone (called name) holding the examples."""
    root = tmp_path / name
    shutil.copytree(EXAMPLES, root / "pprofsh" / "examples")
    return root


@pytest.mark.parametrize("clone", ["pprofsh", "work"])
def test_list_shows_the_blocked_line(clone, tmp_path, monkeypatch, capsys):
    # the clone's own directory name must not matter (pprof guesses a -trim_path from
    # the search path's base name: a clone called pprofsh is the usual case)
    monkeypatch.chdir(_checkout(tmp_path, clone))
    assert main(["-list", "handshakeWorker", "-base", BEFORE, AFTER]) == 0
    out, err = capsys.readouterr()
    assert "ROUTINE ======================== main.(*conn).handshakeWorker in " in out
    assert "pprofsh/examples/rpcserver/main.go" in out
    blocked = [ln for ln in out.splitlines() if ln.rstrip().endswith("121:\tdone <- err")]
    assert len(blocked) == 1 and blocked[0].split()[:2] == [".", "100"], out


def test_readme_workflow_top_traces_list_leaks(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    cmds = "top; traces; list handshakeWorker; leaks"
    assert main(["-c", cmds, "-base", BEFORE, AFTER]) == 0
    out, err = capsys.readouterr()
    assert "100   100%   100%        100   100%  runtime.gopark" in out
    assert "main.(*conn).handshakeWorker" in out and "121:\tdone <- err" in out
    # two snapshots, one step: a suspect, with what to capture next
    assert "0 leaks, 1 suspect" in out and "next: capture another snapshot" in out
    assert main(["-c", f"load {DURING}; leaks", "-base", BEFORE, AFTER]) == 0
    out, err = capsys.readouterr()
    report = out[out.index("Goroutine leak report") :]
    assert "leak     chan send  0 0 100" in report
    assert "main.(*conn).handshakeWorker pprofsh/examples/rpcserver/main.go:121" in report
    assert "make(chan error, 1)" in report and "1 leak among" in report


def test_readme_session_is_what_pprofsh_prints(monkeypatch, capsys):
    """Every line of README's example session (but the elisions and the prompt echoes) is
    a line pprofsh prints for those commands."""
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("$ pprofsh -base pprofsh/examples") :]
    block = block[: block.index("```")]
    monkeypatch.chdir(ROOT)
    printed: list[str] = []
    for cmds in ("top; traces; list handshakeWorker; leaks", f"load {DURING}; leaks"):
        assert main(["-c", cmds, "-base", BEFORE, AFTER]) == 0
        out, err = capsys.readouterr()
        printed += out.splitlines() + err.splitlines()
    lines = block.splitlines()[1:]
    assert len(lines) > 40
    for line in lines:
        if line == "..." or line.startswith("(pprof)") or line.startswith("Entering"):
            continue
        assert line in printed, line
