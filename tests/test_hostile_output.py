"""Issue #16 item 2: -output and >file write through the path as Go's os.Create does.

The old code renamed a temp file over the target: a 0600 file became 0644, a hard
link was split, a symlink, FIFO or device was replaced by a regular file (as root,
`-output /dev/null` turned /dev/null into a file) and `-output /proc/self/fd/1`
failed. Each test checks the file's mode, inode, type and content afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pprofsh import cli

HERE = Path(__file__).parent
GOROUTINE = str(HERE / "fixtures" / "profiles" / "goroutine.pb.gz")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def top_text() -> str:
    rc, out, _ = run_cli(["-top", GOROUTINE])
    assert rc == 0
    return out


def test_existing_private_file_keeps_mode_and_inode(tmp_path):
    f = tmp_path / "report.txt"
    f.write_text("old contents, longer than nothing\n" * 100)
    f.chmod(0o600)
    ino = f.stat().st_ino
    rc, _, err = run_cli(["-top", "-output", str(f), GOROUTINE])
    assert rc == 0, err
    assert f.read_text() == top_text()  # truncated, then written
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert f.stat().st_ino == ino


def test_hard_link_is_written_through_not_split(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old\n")
    os.link(a, b)
    rc, _, err = run_cli(["-top", "-output", str(b), GOROUTINE])
    assert rc == 0, err
    assert a.read_text() == b.read_text() == top_text()
    assert a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2


def test_symlink_is_followed(tmp_path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old\n")
    link.symlink_to(target)
    rc, _, err = run_cli(["-top", "-output", str(link), GOROUTINE])
    assert rc == 0, err
    assert link.is_symlink() and target.read_text() == top_text()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "created-by-go.txt")
    rc, _, err = run_cli(["-top", "-output", str(dangling), GOROUTINE])
    assert rc == 0, err
    assert dangling.is_symlink() and (tmp_path / "created-by-go.txt").read_text() == top_text()


def test_fifo_is_written_to(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # The reading end is open first: Go's os.Create opens a FIFO O_RDWR without
    # waiting for a reader, so a reader that came later would find nothing.
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        rc, _, err = run_cli(["-top", "-output", str(fifo), GOROUTINE])
        chunks = []
        while True:
            try:
                chunk = os.read(rfd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
    assert rc == 0, err
    assert b"".join(chunks) == top_text().encode()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dev_null_stays_a_device():
    rc, _, err = run_cli(["-top", "-output", "/dev/null", GOROUTINE])
    assert rc == 0, err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_proc_self_fd_1_is_the_output():
    r = subprocess.run(
        [sys.executable, "-m", "pprofsh", "-top", "-output", "/proc/self/fd/1", GOROUTINE],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == top_text()
    assert r.stderr == "Generating report in /proc/self/fd/1\n"


def test_new_file_is_created_atomically_with_gos_mode(tmp_path):
    old = os.umask(0o027)
    try:
        out = tmp_path / "new.txt"
        rc, _, err = run_cli(["-top", "-output", str(out), GOROUTINE])
    finally:
        os.umask(old)
    assert rc == 0, err
    assert out.read_text() == top_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["new.txt"]  # no temp file left


@pytest.mark.parametrize(
    "path, message",
    [
        ("/dev/full", "write /dev/full: no space left on device"),
        ("/nonexistent-dir/x", "open /nonexistent-dir/x: no such file or directory"),
    ],
)
def test_errors_are_gos(path, message):
    rc, _, err = run_cli(["-top", "-output", path, GOROUTINE])
    assert rc == 1
    assert err == f"Generating report in {path}\n{message}\n"  # as go tool pprof prints


def test_shell_redirection_writes_through(tmp_path):
    from pprofsh.interactive import Interpreter
    from pprofsh.options import Config
    from pprofsh.session import UI, Session, SourceSpec, load

    f = tmp_path / "r.txt"
    f.write_text("old\n")
    f.chmod(0o600)
    ino = f.stat().st_ino
    ui = UI(io.StringIO(), io.StringIO(), interactive=True)
    spec = SourceSpec([GOROUTINE])
    interp = Interpreter(Session(load(spec, ui), Config(), ui, spec))
    interp.execute(f"top >{f}")
    assert "runtime.gopark" in f.read_text()
    assert stat.S_IMODE(f.stat().st_mode) == 0o600 and f.stat().st_ino == ino
