"""The prompt_toolkit shell driven through a pipe input and a dummy output."""

from __future__ import annotations

import io
import stat
import threading
import time
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from pprofsh.interactive import Interpreter
from pprofsh.options import Config
from pprofsh.prompt import history_path, run_prompt, toolbar_text
from pprofsh.session import UI, Session, SourceSpec, load

PROFILE = Path(__file__).parent / "fixtures" / "profiles" / "goroutine.pb.gz"


def make_interp() -> tuple[Interpreter, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    ui = UI(out, err, interactive=True)
    spec = SourceSpec([str(PROFILE)])
    cfg = Config()
    cfg.compact_labels = True
    return Interpreter(Session(load(spec, ui), cfg, ui, spec)), out, err


def drive(keys: list[str], history: Path, pause: float = 0.0) -> tuple[int | None, str, str]:
    """Run run_prompt on keys; with pause, send them one chunk at a time (for Tab)."""
    interp, out, err = make_interp()
    result: list[int] = []
    with create_pipe_input() as inp:
        if not pause:
            inp.send_text("".join(keys))
            inp.close()  # end of input after the keys
            result.append(
                run_prompt(
                    interp, "(pprof) ", input=inp, output=DummyOutput(), history_file=history
                )
            )
        else:
            t = threading.Thread(
                target=lambda: result.append(
                    run_prompt(
                        interp, "(pprof) ", input=inp, output=DummyOutput(), history_file=history
                    )
                ),
                daemon=True,
            )
            t.start()
            for k in keys:
                time.sleep(pause)
                inp.send_text(k)
            t.join(10)
            assert not t.is_alive(), "run_prompt did not return"
    return (result[0] if result else None), out.getvalue(), err.getvalue()


@pytest.fixture
def hist(tmp_path) -> Path:
    return tmp_path / "state" / "pprofsh" / "history"


def test_top_then_ctrl_d(hist):
    rc, out, err = drive(["top\r", "\x04"], hist)
    assert rc == 0
    assert "Showing nodes accounting for 16, 100% of 16 total" in out
    assert "runtime.gopark" in out
    assert err == ""


def test_end_of_input_exits_0(hist):
    rc, out, _ = drive(["top\r"], hist)
    assert rc == 0 and "runtime.gopark" in out


def test_quit(hist):
    rc, out, _ = drive(["quit\r", "top\r"], hist)
    assert rc == 0 and out == ""


def test_ctrl_c_cancels_the_line(hist):
    rc, out, err = drive(["traces", "\x03", "top\r", "\x04"], hist)
    assert rc == 0
    assert "-----------+-------" not in out  # traces never ran
    assert "runtime.gopark" in out
    assert hist.read_text().count("\n+") == 1  # only `top` was recorded


def test_ctrl_d_mid_line_does_not_exit(hist):
    rc, out, _ = drive(["topx", "\x02", "\x04", "\r", "\x04"], hist)  # Ctrl-B, Ctrl-D deletes x
    assert rc == 0 and "runtime.gopark" in out


def test_errors_keep_the_session(hist):
    rc, out, err = drive(["bogus\r", "nodecount=x\r", "top\r", "\x04"], hist)
    assert rc == 0
    assert 'unrecognized command: "bogus"' in err
    assert "runtime.gopark" in out


def test_history_file_private_and_persistent(hist):
    drive(["nodecount=3\r", "top\r", "\x04"], hist)
    assert stat.S_IMODE(hist.stat().st_mode) == 0o600
    text = hist.read_text()
    assert "+top\n" in text and "+nodecount=3\n" in text
    # Up arrow recalls the previous session's last command (history loads in the background).
    rc, out, _ = drive(["\x1b[A", "\r", "\x04"], hist, pause=0.2)
    assert rc == 0
    assert "runtime.gopark" in out
    assert hist.read_text() == text  # a repeat of the last entry is not stored again


def test_history_existing_file_kept(hist):
    hist.parent.mkdir(parents=True)
    hist.write_text("\n# old\n+traces\n")
    hist.chmod(0o600)
    rc, out, _ = drive(["\x1b[A", "\r", "\x04"], hist, pause=0.2)
    assert "main.sleeper" in out  # traces ran
    assert hist.read_text().startswith("\n# old\n+traces\n")
    assert stat.S_IMODE(hist.stat().st_mode) == 0o600


def test_history_path(tmp_path):
    assert history_path({"XDG_STATE_HOME": "/s", "HOME": "/h"}) == Path("/s/pprofsh/history")
    assert history_path({"HOME": "/h"}) == Path("/h/.pprofsh_history")
    assert history_path({"XDG_STATE_HOME": "", "HOME": "/h"}) == Path("/h/.pprofsh_history")


def test_tab_completes_command(hist):
    # li<Tab> opens the menu (list, lines); Tab again selects list.
    rc, out, err = drive(["li", "\t", "\t", "\r", "\x04"], hist, pause=0.15)
    assert rc == 0
    assert "command list requires an argument" in err


def test_tab_completes_function_name(hist):
    rc, out, err = drive(["peek nilRec", "\t", "\r", "\x04"], hist, pause=0.15)
    assert rc == 0
    assert "| main.nilReceiver" in out
    assert "+peek main.nilReceiver" in hist.read_text()


def test_keyboard_interrupt_in_report_returns_to_prompt(hist, monkeypatch):
    interp, out, err = make_interp()
    calls = []

    def slow(*a, **k):
        calls.append(a)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return original(*a, **k)

    original = interp.session.run
    monkeypatch.setattr(interp.session, "run", slow)
    with create_pipe_input() as inp:
        inp.send_text("top\rtop\r\x04")
        rc = run_prompt(interp, "(pprof) ", input=inp, output=DummyOutput(), history_file=hist)
    assert rc == 0
    assert err.getvalue() == "interrupted\n"
    assert out.getvalue().count("runtime.gopark") == 1
    assert len(calls) == 2


def test_toolbar():
    interp, _, _ = make_interp()
    assert toolbar_text(interp) == " goroutine.pb.gz │ goroutine │ no filters"
    interp.execute("focus=main")
    interp.execute("tagignore=role=producer")
    interp.execute("mean_goroutine")
    assert toolbar_text(interp) == (
        " goroutine.pb.gz │ mean_goroutine │ focus=main tagignore=role=producer"
    )
    interp.execute(":")
    assert toolbar_text(interp).endswith("│ no filters")


def test_history_file_that_cannot_be_written_keeps_the_shell_up(tmp_path):
    """Issue #16 item 8: a full disk made prompt_toolkit print a traceback and "Press
    ENTER to continue..." after every line. /dev/full is a history file whose every
    write fails with ENOSPC."""
    rc, out, err = drive(["top\r", "traces\r", "\x04"], Path("/dev/full"))
    assert rc == 0
    assert "runtime.gopark" in out and "main.sleeper" in out  # both lines ran
    assert err == "could not save history: write /dev/full: no space left on device\n"
