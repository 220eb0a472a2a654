"""Comparing snapshots in one shell session, and the `changes` report (issue 5)."""

from __future__ import annotations

import io

from pprofsh.cli import main
from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, load_sides

P = "tests/fixtures/profiles/"


def _session(*sources: str) -> tuple[Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    ui = UI(out, err, interactive=True)
    spec = SourceSpec(list(sources))
    p, _, _ = load_sides(spec, ui)
    return Session(p, Config(), ui, spec, p), out, err


def test_before_during_after_in_one_session(monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    s, out, err = _session(P + "handshake-before.pb.gz")
    interp = Interpreter(s)
    for line in (
        f"load {P}handshake-during.pb.gz",
        f"load {P}handshake-after.pb.gz",
        "base #1",
        "top",
        "changes",
        "snapshots",
    ):
        assert interp.execute(line)
    text = out.getvalue()
    assert err.getvalue() == ""
    # top after `base #1` equals `-base before after`.
    assert "Showing nodes accounting for 100, 100% of 100 total" in text
    changes = text[text.index("Base: ") :]
    first = changes.splitlines()[5]
    assert first.split() == ["0", "100", "+100", "new", "main.(*conn).handshakeWorker"]
    assert "b #1" in text and "* #3" in text


def test_base_off_and_diff_base(monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    s, out, err = _session(P + "leak-busy.pb.gz")
    interp = Interpreter(s)
    interp.execute(f"base -diff_base {P}leak-idle.pb.gz")
    interp.execute("top 1")
    interp.execute("base off")
    interp.execute("top 1")
    text = out.getvalue()
    assert "of 2 total" in text  # -diff_base: the total is the base's
    assert "of 302 total" in text  # base off: the profile alone
    interp.execute("load #9")
    assert "no snapshot #9" in err.getvalue()


def test_changes_one_shot_nets_identical_stacks_under_diff_base(capsys, monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    rc = main(["-changes", "-diff_base", P + "leak-idle.pb.gz", P + "leak-gone.pb.gz"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Showing 0 of 0 functions that changed" in out


def test_changes_without_base_is_one_line(capsys, monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    rc = main(["-changes", P + "leak-idle.pb.gz"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.count("\n") == 1 and "changes needs a base profile" in err


def test_changes_to_a_file_writes_the_file_and_nothing_to_stdout(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    s, out, err = _session(P + "handshake-before.pb.gz")
    interp = Interpreter(s)
    interp.execute(f"load {P}handshake-after.pb.gz")
    interp.execute("base #1")
    interp.execute("changes")
    on_stdout = out.getvalue()
    out.truncate(0)
    out.seek(0)
    dest = tmp_path / "changes.txt"
    assert interp.execute(f"changes >{dest}")
    assert out.getvalue() == ""
    assert err.getvalue() == f"Generating report in {dest}\n"
    assert dest.read_text() == on_stdout
    assert on_stdout.startswith("Base: ")


def test_changes_flag_and_shell_print_the_same(capsys, monkeypatch) -> None:
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    args = ["-base", P + "handshake-before.pb.gz", P + "handshake-after.pb.gz"]
    assert main(["-changes", *args]) == 0
    flag = capsys.readouterr().out
    assert main(["-c", "changes", *args]) == 0
    shell = capsys.readouterr().out
    assert flag.startswith("Base: ")
    assert flag in shell
