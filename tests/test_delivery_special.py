"""`>f` naming a device or a FIFO writes into it; it is never renamed over.

(An atomic rename over `>/dev/null`, run as root, replaced /dev/null with a
regular file.)"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from pprofsh.cli import main

PROFILE = Path(__file__).resolve().parent / "fixtures" / "profiles" / "goroutine.pb.gz"


@pytest.mark.skipif(sys.platform == "win32", reason="needs mkfifo")
def test_report_into_a_fifo_keeps_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # The reading end is open before the report is written: Go's os.Create opens a
    # FIFO O_RDWR, which does not wait for a reader, so a reader that came later
    # would find the pipe gone (the report is small enough for the pipe's buffer).
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert main(["-folded", f"-output={fifo}", str(PROFILE)]) == 0
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
    got = b"".join(chunks)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b"main.sender;runtime.chansend1" in got
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
