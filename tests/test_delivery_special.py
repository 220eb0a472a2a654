"""`>f` naming a device or a FIFO writes into it; it is never renamed over.

(An atomic rename over `>/dev/null`, run as root, replaced /dev/null with a
regular file.)"""

from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from pprofsh.cli import main

PROFILE = Path(__file__).resolve().parent / "fixtures" / "profiles" / "goroutine.pb.gz"


@pytest.mark.skipif(sys.platform == "win32", reason="needs mkfifo")
def test_report_into_a_fifo_keeps_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["-folded", f"-output={fifo}", str(PROFILE)]) == 0
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b"main.sender;runtime.chansend1" in got[0]
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
