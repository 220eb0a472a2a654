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


def read_limited(f, limit: int | None = None) -> bytes:
    """Read a whole file object, refusing more than the limit (a FIFO or /dev/zero ends too)."""
    limit = max_size() if limit is None else limit
    data = f.read(limit + 1)
    if len(data) > limit:
        raise ProfileError(too_large("profile", limit))
    return data
