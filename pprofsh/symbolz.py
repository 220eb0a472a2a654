"""Name the runtime's bare addresses of a live service's debug=1 text with its symbol endpoint.

A ``?debug=1`` goroutine (or heap/mutex/block) profile written by the Go runtime gives
``#`` lines for the frames it wants readers to see and bare addresses for its own
(``runtime.gopark``, ``runtime.chansend1``, ``runtime.goexit``). A service that serves
``net/http/pprof`` also serves ``/debug/pprof/symbol``: POST ``0xA+0xB+...`` and it
answers ``0xA name`` per address it knows. pprof's symbolz does the same for proto
profiles; pprofsh asks it for exactly the addresses the text left unnamed, before they
would be folded into their neighbours (see pprofsh.profile.fold).
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit, urlunsplit

from pprofsh.profile.fold import unnamed
from pprofsh.profile.model import Function, Line, Profile

# One answer line: the address as the client sent it (Go's %#x) and the function name.
_ANSWER = re.compile(r"^(0x[0-9a-fA-F]{1,16})\s+(\S.*)$")
# A symbol answer larger than this is not a symbol answer.
_MAX_ANSWER = 16 << 20


def symbol_url(source: str) -> str:
    """The symbol endpoint of a profile URL ('' when there is none), as pprof derives it."""
    u = urlsplit(source)
    if not u.netloc:
        return ""
    if "/debug/pprof/" in u.path:
        path = posixpath.normpath(u.path + "/../symbol")
    else:
        path = "/symbolz"
    return urlunsplit((u.scheme, u.netloc, path, "", ""))


def parse_answer(text: str) -> dict[int, str]:
    """'0x438af5 runtime.gopark' lines -> {address: name}; other lines are ignored."""
    out: dict[int, str] = {}
    for line in text.splitlines():
        m = _ANSWER.match(line.strip())
        if m:
            out[int(m.group(1), 16)] = m.group(2).strip()
    return out


def name_unnamed(p: Profile, names: dict[int, str]) -> int:
    """Give every unnamed location whose address has a name one line of that function.

    Returns how many locations were named. Functions are shared by name; new ones get
    the next ids, so the profile stays valid.
    """
    by_name = {(f.name, f.filename): f for f in p.functions}
    count = 0
    for loc in p.locations:
        if not unnamed(loc):
            continue
        name = names.get(loc.address)
        if not name:
            continue
        fn = by_name.get((name, ""))
        if fn is None:
            fn = Function(id=len(p.functions) + 1, name=name, system_name=name)
            p.functions.append(fn)
            by_name[(name, "")] = fn
        loc.lines = [Line(fn, 0)]
        count += 1
    return count


def symbolize_remote(p: Profile, source_url: str, timeout: float, verify: object) -> int:
    """POST the unnamed addresses of p to the service's symbol endpoint and name them.

    Best effort, as pprof's symbolz: a service without the endpoint, or any error,
    leaves the addresses as they were (they fold into their named neighbours). Returns
    the number of locations named.
    """
    addrs = sorted({loc.address for loc in p.locations if unnamed(loc)})
    url = symbol_url(source_url)
    if not addrs or not url:
        return 0
    import httpx

    body = "+".join(f"{a:#x}" for a in addrs).encode()
    try:
        with httpx.Client(verify=verify, timeout=timeout, trust_env=False) as client:  # type: ignore[arg-type]
            with client.stream("POST", url, content=body) as resp:
                if resp.status_code != 200:
                    return 0
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > _MAX_ANSWER:
                        return 0
                    chunks.append(chunk)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError):
        return 0
    return name_unnamed(p, parse_answer(b"".join(chunks).decode("utf-8", "replace")))
