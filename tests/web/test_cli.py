"""-http and -no_browser on the command line, and the shell's `http`."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from pprofsh.cli import main
from pprofsh.errors import PprofshError
from pprofsh.web.server import shell_http
from tests.web.conftest import PROFILES, ROOT, make_session

EXAMPLE = str(ROOT / "pprofsh" / "examples" / "handshake-after.pb.gz")


def test_http_flag_serves_until_interrupted():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen(
        [sys.executable, "-m", "pprofsh", "-http=127.0.0.1:0", "-no_browser", EXAMPLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert p.stderr is not None
        line = p.stderr.readline()
        m = re.fullmatch(r"Serving web UI on (http://127\.0\.0\.1:\d+)\n", line)
        assert m, line
        with urllib.request.urlopen(m.group(1) + "/ui/top", timeout=30) as r:
            body = r.read().decode()
        assert r.status == 200 and "main.(*conn).handshakeWorker" in body
    finally:
        p.terminate()
        p.wait(timeout=30)


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["-http=:0", "-top", EXAMPLE], "-http is not compatible with an output format"),
        (["-no_browser", EXAMPLE], "-no_browser only makes sense with -http"),
        (["-http=bad", "-no_browser", EXAMPLE], "could not split http address"),
        (["-http=localhost:x", "-no_browser", EXAMPLE], "invalid port number"),
    ],
)
def test_http_flag_errors_are_pprofs(argv, msg):
    code, err = run(argv)
    assert code == 1 and msg in err, err


def test_shell_http_starts_shows_and_stops():
    s = make_session([str(PROFILES / "cpu.pb.gz")])
    s.web_server = shell_http
    err = io.StringIO()
    s.ui.err = err
    s.run("http", ["127.0.0.1:0"])
    url = re.search(r"Serving web UI on (\S+)", err.getvalue()).group(1)  # type: ignore[union-attr]
    try:
        with urllib.request.urlopen(url + "/ui/top", timeout=30) as r:
            assert r.status == 200
        s.run("http", [])
        assert err.getvalue().count(f"Serving web UI on {url}") == 2
    finally:
        s.run("http", ["off"])
    assert f"Stopped the web UI on {url}" in err.getvalue()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/ui/top", timeout=5)


def test_shell_http_without_the_web_layer_says_so():
    s = make_session([str(PROFILES / "cpu.pb.gz")])
    with pytest.raises(PprofshError, match="the web UI is not available here"):
        s.run("http", [])
