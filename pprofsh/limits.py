"""Resource limits for hostile input (see docs/robustness.md).

PPROFSH_MAX_SIZE (bytes; suffixes K, M, G accepted, powers of 1024) bounds a
profile file read from disk, an HTTP response body, and a profile's size after
gzip decompression. The default, 1 GiB, is far above real profiles (the largest
production profiles are tens of MiB decompressed) and far below what would
exhaust a workstation. pprofsh adds this limit; Go's pprof has none, so the
limit is not an option (the OPTIONS table stays Go's).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from pprofsh.errors import ProfileError

DEFAULT_MAX_SIZE = 1 << 30
ENV = "PPROFSH_MAX_SIZE"


def max_size() -> int:
    """The limit in bytes: $PPROFSH_MAX_SIZE when it is a valid size, else 1 GiB."""
    raw = os.environ.get(ENV, "").strip()
    m = re.fullmatch(r"([0-9]{1,15})\s*([kKmMgG]?)(?:i?[bB])?", raw)
    if not m:
        return DEFAULT_MAX_SIZE
    n = int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]
    return n if n > 0 else DEFAULT_MAX_SIZE


def describe(limit: int) -> str:
    if limit >= 1 << 20 and limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    return f"{limit} bytes"


def too_large(what: str, limit: int) -> str:
    return f"{what} larger than {describe(limit)} (pprofsh's limit; set {ENV} to change it)"


CHUNK = 1 << 20  # bytes read (or decompressed) and charged at a time


class Budget:
    """One memory budget for every load in the process: the bytes held at once by
    all the sources being read, fetched and decompressed (in parallel, up to 64),
    never more than PPROFSH_MAX_SIZE in total.

    A load runs inside `scope()`; `charge(n)` counts n more bytes held by the
    current load (raising Go-worded ProfileError when the total would pass the
    limit) and the scope gives them all back when the load ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.used = 0  # bytes held by the loads in progress
        self.peak = 0  # the most ever held at once (for tests and measurements)

    def charge(self, n: int, what: str, limit: int | None = None) -> None:
        limit = max_size() if limit is None else limit
        held = getattr(self._local, "held", None)
        with self._lock:
            if self.used + n > limit:
                mine = (held[0] if held else 0) + n
                raise ProfileError(
                    too_large(what if mine > limit else "profiles being loaded together", limit)
                )
            self.used += n
            self.peak = max(self.peak, self.used)
        if held is not None:
            held[0] += n
        else:  # no load in progress: a bounded check only
            self.release(n)

    def release(self, n: int) -> None:
        with self._lock:
            self.used -= n

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Charges made inside (on this thread) are given back when it ends; nested
        scopes belong to the outermost."""
        if getattr(self._local, "held", None) is not None:
            yield
            return
        self._local.held = held = [0]
        try:
            yield
        finally:
            self._local.held = None
            self.release(held[0])


BUDGET = Budget()


def read_limited(f: BinaryIO, limit: int | None = None) -> bytes:
    """Read a whole file object, refusing more than the limit (a FIFO or /dev/zero ends
    too); the bytes are charged to the global budget."""
    limit = max_size() if limit is None else limit
    data = bytearray()
    while True:
        chunk = f.read(min(CHUNK, limit + 1 - len(data)))
        if not chunk:
            return data  # type: ignore[return-value]  # bytes-like: read once, never copied
        if len(data) + len(chunk) > limit:
            raise ProfileError(too_large("profile", limit))
        BUDGET.charge(len(chunk), "profile", limit)
        data += chunk


# bufio.MaxScanTokenSize: Go's bufio.Scanner refuses a line this long or longer.
MAX_LINE = 64 * 1024


def source_lines(path: str, limit: int | None = None) -> list[str]:
    """The lines of a file named by a profile (a source file for `list` or a leak
    report's excerpt), as Go's bufio.Scanner gives them, with bounds:

    * a line of 64 KiB or more ends the file, as Go's `bufio.Scanner: token too
      long` does (so /dev/zero gives no lines, at once, as in `go tool pprof`);
    * at most `limit` bytes (PPROFSH_MAX_SIZE) are read (an endless device with
      newlines, /dev/urandom, ends there; Go reads it forever);
    * the file is opened non-blocking, so a FIFO with no writer is an empty file
      (Go's open blocks forever) and a read that would block ends the file.

    OSError from opening propagates; a read error ends the lines read so far."""
    limit = max_size() if limit is None else limit
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    lines: list[bytes] = []
    pending = b""
    total = 0
    try:
        while total < limit:
            try:
                chunk = os.read(fd, min(MAX_LINE, limit - total))
            except OSError:  # EAGAIN from a FIFO or a socket, EIO, EISDIR...
                break
            if not chunk:
                break
            total += len(chunk)
            parts = (pending + chunk).split(b"\n")
            pending = parts.pop()
            lines.extend(parts)
            if len(pending) >= MAX_LINE or (parts and len(parts[-1]) >= MAX_LINE):
                break  # token too long: Go keeps the lines before it
        else:
            pending = b""  # the limit cut the file: its last line is not whole
    finally:
        os.close(fd)
    lines.append(pending)
    out = []
    for ln in lines:
        if len(ln) >= MAX_LINE:
            break
        out.append(ln.removesuffix(b"\r").decode("utf-8", errors="replace"))
    if out and not lines[-1] and len(out) == len(lines):
        out.pop()  # the newline at the end of the file ends the last line, no more
    return out
