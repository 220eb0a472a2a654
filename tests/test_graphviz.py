"""Graph images through Graphviz's `dot`, and Go's message when it is missing.

Needs Debian's graphviz package (installed by .ci/run); the rendering tests
are skipped, with the reason, on a machine without `dot`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPU = str(ROOT / "tests/fixtures/profiles/cpu.pb.gz")
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(
    not HAVE_DOT, reason="Graphviz `dot` is not installed (Debian: apt-get install graphviz)"
)


def pprofsh(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ if env is None else env)
    e["TZ"] = "UTC"
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "pprofsh", *args], cwd=ROOT, env=e, capture_output=True, timeout=120
    )


def hottest_function() -> str:
    r = pprofsh("-top", "-nodecount=1", CPU)
    last = r.stdout.decode().splitlines()[-1]
    return last.split()[-1]


@needs_dot
def test_svg_is_valid_and_names_the_hottest_function():
    r = pprofsh("-svg", CPU)
    assert r.returncode == 0, r.stderr
    svg = r.stdout.decode()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "100%" and root.get("viewBox") is None
    assert '<g id="viewport" transform="scale(0.5,0.5) translate(0,0)">' in svg
    assert "SVGPan library" in svg
    hot = hottest_function()
    assert hot in svg


@needs_dot
def test_png_signature():
    r = pprofsh("-png", CPU)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"\x89PNG\r\n\x1a\n")


@needs_dot
@pytest.mark.parametrize("flag,magic", [("-pdf", b"%PDF"), ("-ps", b"%!PS"), ("-gif", b"GIF8")])
def test_other_formats(flag: str, magic: bytes):
    r = pprofsh(flag, CPU)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(magic)


@needs_dot
def test_output_file(tmp_path: Path):
    out = tmp_path / "graph.svg"
    r = pprofsh("-svg", "-output", str(out), CPU)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b""
    assert r.stderr.decode() == f"Generating report in {out}\n"
    ET.fromstring(out.read_text())


@needs_dot
def test_web_without_browser_says_where_the_file_is(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("BROWSER", "DISPLAY")}
    env["PATH"] = str(tmp_path)  # no browsers, no xdg-open ...
    os.symlink(shutil.which("dot"), tmp_path / "dot")  # ... but Graphviz
    env["TMPDIR"] = str(tmp_path)
    r = pprofsh("-web", CPU, env=env)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    files = list(tmp_path.glob("pprof*.svg"))
    assert len(files) == 1
    assert str(files[0]) in err
    ET.fromstring(files[0].read_text())


def test_missing_dot_gives_gos_message(tmp_path: Path):
    env = dict(os.environ)
    env["PATH"] = str(tmp_path)  # an empty directory: no dot
    r = pprofsh("-svg", CPU, env=env)
    assert r.returncode == 1
    assert r.stdout == b""
    assert r.stderr.decode() == (
        "failed to execute dot. Is Graphviz installed? Error: "
        'exec: "dot": executable file not found in $PATH\n'
    )
