"""Smoke tests of the shell on a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip(
    "pexpect", reason="pexpect is needed for the pty tests (pip install -e '.[test]')"
)

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "tests" / "fixtures" / "profiles" / "goroutine.pb.gz"
PROMPT = "(pprof)"  # prompt_toolkit draws the trailing space as a cursor move
TIMEOUT = 10

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        {
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm",
            "HOME": str(tmp_path / "home"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "PYTHONPATH": str(ROOT) + os.pathsep + e.get("PYTHONPATH", ""),
            "COLUMNS": "120",
            "LINES": "40",
        }
    )
    (tmp_path / "home").mkdir()
    return e


def spawn(env):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pprofsh", str(PROFILE)],
        env=env,
        cwd=str(ROOT),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    child.expect_exact("Entering interactive mode")
    child.expect_exact(PROMPT)
    return child


def finish(child) -> int:
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_start_top_and_ctrl_d(env):
    child = spawn(env)
    child.sendline("top")
    child.expect_exact("Showing nodes accounting for 16, 100% of 16 total")
    child.expect_exact("runtime.gopark")
    child.expect_exact(PROMPT)
    assert finish(child) == 0


def test_tab_completes_command(env):
    child = spawn(env)
    child.send("lis")
    child.expect_exact("lis")
    child.send("\t")
    time.sleep(0.2)
    child.send("\r")
    # Only the completed line `list` (not `lis`) gets this answer: the proof of the Tab.
    child.expect_exact("command list requires an argument")
    child.expect_exact(PROMPT)
    # li<Tab> shows the menu (list, lines); Tab again selects list.
    child.send("li")
    child.send("\t")
    child.expect_exact("Output annotated source")  # the menu's meta text
    child.send("\t")
    time.sleep(0.3)
    child.send("\r")
    child.expect_exact("command list requires an argument")
    child.expect_exact(PROMPT)
    assert finish(child) == 0


def test_tab_completes_function_name(env):
    child = spawn(env)
    child.send("peek nilRec")
    child.send("\t")
    child.expect_exact("main.nilReceiver")
    child.send("\r")
    child.expect_exact("runtime.chanrecv1")
    child.expect_exact(PROMPT)
    assert finish(child) == 0


def test_ctrl_c_mid_line_keeps_session(env):
    child = spawn(env)
    child.send("traces")
    child.sendcontrol("c")
    child.expect_exact(PROMPT)
    child.sendline("top")
    child.expect_exact("runtime.gopark")
    child.expect_exact(PROMPT)
    assert child.isalive()
    assert finish(child) == 0


def test_history_survives_restart(env, tmp_path):
    child = spawn(env)
    child.sendline("nodecount=3")
    child.expect_exact(PROMPT)
    child.sendline("peek nilReceiver")
    child.expect_exact("runtime.chanrecv1")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
    hist = tmp_path / "state" / "pprofsh" / "history"
    assert "+peek nilReceiver" in hist.read_text()
    assert oct(hist.stat().st_mode & 0o777) == oct(0o600)

    child = spawn(env)
    # prompt_toolkit loads the history file in a thread: an Up pressed before it is
    # loaded does nothing, so press again until the line appears (once loaded, the
    # first Up is the last line, `peek nilReceiver`).
    for _ in range(20):
        child.send("\x1b[A")  # Up
        try:
            child.expect_exact("peek nilReceiver", timeout=1)
            break
        except pexpect.TIMEOUT:
            continue
    else:
        raise AssertionError("Up never recalled the history")
    child.send("\r")
    child.expect_exact("runtime.chanrecv1")
    child.expect_exact(PROMPT)
    assert finish(child) == 0
