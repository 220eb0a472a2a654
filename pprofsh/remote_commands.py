"""For the shell's `fetch [endpoint]` (Session.fetch): which URL, and endpoint-name completion.

    fetch                 re-fetch the session's URL
    fetch heap            another endpoint of the same service (/debug/pprof/heap)
    fetch /debug/x?y=1    another path of the same service
    fetch host:port/...   any URL

The fetched profile is saved (as every remote fetch is), becomes a new snapshot
and the current profile; the base, if any, stays.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from pprofsh.errors import CommandError
from pprofsh.fetch import ENDPOINTS, adjust_url, is_url

PPROF_PREFIX = "/debug/pprof/"


def session_url(sources: list[str]) -> str:
    """The first URL among a session's sources (its current snapshot's first)."""
    for src in sources:
        if is_url(src):
            return adjust_url(src)[0]
    return ""


def endpoint_url(sources: list[str], arg: str) -> str:
    """What `fetch ARG` fetches, as a URL (before -seconds is applied)."""
    arg = arg.strip()
    base = session_url(sources)
    if arg and ("/" not in arg or arg.startswith("/")) and not re.match(r"^[\w.-]+:\d", arg):
        if not base:
            raise CommandError(
                "fetch: this session has no URL source; "
                "give one, e.g. fetch localhost:6060/debug/pprof/heap"
            )
        u = urlsplit(base)
        path, _, query = arg.partition("?")
        if not path.startswith("/"):
            path = PPROF_PREFIX + path
        return urlunsplit((u.scheme, u.netloc, path, query, ""))
    if arg:
        if not is_url(arg):
            raise CommandError(f"fetch: {arg} is not a URL or a /debug/pprof/ endpoint name")
        return arg
    if not base:
        raise CommandError(
            "fetch: this session has no URL source; "
            "give one, e.g. fetch localhost:6060/debug/pprof/heap"
        )
    return base


def endpoint_completions(text: str) -> list[str]:
    """Completions of /debug/pprof/ endpoint names.

    After `host:port/` (with or without a scheme) the whole word is completed
    (`localhost:6060/debug/pprof/he` -> `localhost:6060/debug/pprof/heap`); a bare
    word completes to endpoint names (`fetch go` -> `goroutine`)."""
    m = re.match(r"^((?:[a-z][a-z0-9+.-]*://)?[^/\s]+(?::\d*)?/)(.*)$", text)
    if m is None:
        if "/" in text or ":" in text:
            return []
        return [e for e in ENDPOINTS if e.startswith(text)]
    prefix, rest = m.group(1), m.group(2)
    out = []
    for e in ENDPOINTS:
        cand = PPROF_PREFIX[1:] + e
        if cand.startswith(rest):
            out.append(prefix + cand)
    return out
