"""`flame` on a real pseudo-terminal: open it from the shell on a real Go profile, move,
zoom, search, leave with `f`, and check that the focus took effect."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip(
    "pexpect", reason="pexpect is needed for the pty tests (pip install -e '.[test]')"
)

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "tests" / "fixtures" / "profiles"
PROMPT = "(pprof)"
TIMEOUT = 15

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        {
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm-256color",
            "HOME": str(tmp_path / "home"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "PYTHONPATH": str(ROOT) + os.pathsep + e.get("PYTHONPATH", ""),
            "COLUMNS": "120",
            "LINES": "40",
        }
    )
    e.pop("NO_COLOR", None)
    (tmp_path / "home").mkdir()
    return e


def drawn(text: str) -> str:
    """A regexp for text as prompt_toolkit draws it: it may move the cursor over spaces."""
    return r"(?:\s|\x1b\[\d*C)+".join(re.escape(w) for w in text.split())


def spawn(env: dict[str, str], *args: str):  # noqa: ANN201 - pexpect.spawn
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pprofsh", *args],
        env=env,
        cwd=str(ROOT),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    return child


def test_flame_move_zoom_search_and_focus(env: dict[str, str]) -> None:
    child = spawn(env, str(PROFILES / "cpu.pb.gz"))
    child.expect_exact("Entering interactive mode")
    child.expect_exact(PROMPT)
    child.sendline("flame")
    child.expect(drawn("root  2.25s (100%)"))
    # Down twice: runtime.main, then main.main; its file shows in the status line.
    child.send("jj")
    child.expect_exact("cpu/main.go")
    child.send("\r")  # zoom to main.main
    child.send("/main.fib$\r")
    child.expect("[0-9.]+% matches")
    child.send("f")
    child.expect_exact("focus=^main\\.fib$")
    child.expect_exact(PROMPT)
    child.sendline("top")
    child.expect_exact("Active filters:")
    child.expect_exact("focus=^main\\.fib$")
    child.expect_exact("main.fib")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_flame_callers_help_and_quit(env: dict[str, str], tmp_path: Path) -> None:
    child = spawn(env, str(PROFILES / "cpu.pb.gz"))
    child.expect_exact(PROMPT)
    child.sendline("flame")
    child.expect(drawn("root  2.25s (100%)"))
    child.send("?")
    child.expect(drawn("callers of the selected function"))
    child.send(" ")
    child.send("jjc")
    child.expect(drawn("callers of main.main"))
    # A resize lays the boxes out again for the new width and redraws them.
    child.setwinsize(30, 70)
    child.expect(drawn("root  750ms (33.33%)"))
    child.send("q")
    child.expect_exact(PROMPT)
    child.sendline(f"folded main.fib >{tmp_path / 'fib.folded'}")
    child.expect_exact("Generating report in")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "fib.folded").read_text().startswith("runtime.main;main.main;")


def test_one_shot_flame_with_a_base(env: dict[str, str]) -> None:
    child = spawn(
        env,
        "-flame",
        "-base",
        str(PROFILES / "handshake-during.pb.gz"),
        str(PROFILES / "handshake-after.pb.gz"),
    )
    child.expect_exact("root")
    child.send("jj")  # handshakeWorker, then its heaviest child
    child.expect("delta [+-]100")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_flame_without_a_terminal_says_so(env: dict[str, str], tmp_path: Path) -> None:
    import subprocess

    r = subprocess.run(
        [sys.executable, "-m", "pprofsh", "-flame", str(PROFILES / "cpu.pb.gz")],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 1
    assert "flame needs a terminal" in r.stderr
    assert "Traceback" not in r.stderr


def test_readme_example_then_flame(env: dict[str, str]) -> None:
    """The README's first command, then `flame`: one red column, 100 goroutines grew."""
    examples = ROOT / "pprofsh" / "examples"
    child = spawn(
        env,
        "-base",
        str(examples / "handshake-before.pb.gz"),
        str(examples / "handshake-after.pb.gz"),
    )
    child.expect_exact(PROMPT)
    child.sendline("flame")
    child.expect(drawn("main.(*conn).handshakeWorker  100 (100%)"))
    child.send("jj")
    child.expect(drawn("delta +100"))
    child.send("L")
    child.expect_exact("list ^runtime\\.chansend1$")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_one_shot_flame_reopens_filtered(env: dict[str, str]) -> None:
    child = spawn(env, "-flame", str(PROFILES / "cpu.pb.gz"))
    child.expect(drawn("root  2.25s (100%)"))
    child.send("jj")  # main.main
    child.send("\r")  # zoom: main.main alone on its row
    child.send("\x7f")  # Backspace: zoom out again
    child.send("l")  # the box right of main.main: runtime/pprof.Do
    child.send("f")
    child.expect_exact("focus=^runtime/pprof\\.Do$")
    # Opened again with the focus: pprof.Do's 1.48s is now everything shown.
    child.expect(drawn("root  1.48s (65.78%)"))
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
