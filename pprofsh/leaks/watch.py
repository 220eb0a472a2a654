"""`pprofsh -watch URL`: poll a goroutine endpoint, show the top sites live, then report leaks."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pprofsh.errors import PprofshError
from pprofsh.go import is_terminal
from pprofsh.leaks.analyze import NOT_BLOCKED, LeakReport, analyze
from pprofsh.profile.model import Profile
from pprofsh.ui import UI, sanitize

SPARKS = "▁▂▃▄▅▆▇█"
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(s: str) -> float:
    """Go's time.ParseDuration subset: '10s', '500ms', '1m30s'; a bare number is seconds."""
    s = s.strip()
    if re.fullmatch(r"\d+(?:\.\d*)?", s):
        return float(s)
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise PprofshError(f'time: invalid duration "{s}"')
    return total


def goroutine_url(src: str) -> str:
    """host:port or a URL without a path -> its /debug/pprof/goroutine endpoint."""
    if "://" not in src:
        src = "http://" + src
    u = urlsplit(src)
    path = u.path
    if path in ("", "/"):
        path = "/debug/pprof/goroutine"
    return urlunsplit((u.scheme, u.netloc, path, u.query, u.fragment))


def sparkline(values: list[int]) -> str:
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[(v - lo) * (len(SPARKS) - 1) // (hi - lo)] for v in values)


def watch(
    src: str,
    values: dict[str, Any],
    ui: UI,
    source_roots: list[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_errors: int = 3,
) -> LeakReport | None:
    """Collect snapshots until -count or Ctrl-C; returns the LeakReport (None if nothing came)."""
    from pprofsh import fetch

    url = goroutine_url(src)
    interval = parse_duration(str(values.get("interval") or "10s"))
    count = int(values.get("count") or 0)
    # Each poll is an instant snapshot: -seconds does not apply, -timeout and -tls_* do.
    spec = fetch.SourceSpec.from_flags({**values, "seconds": -1}, [url])
    live = ui.err
    tty = is_terminal(live)
    ui.print_err(
        f"Watching {url} every {values.get('interval') or '10s'}"
        + (f" for {count} snapshots" if count else "")
        + " (Ctrl-C to stop)"
    )
    snaps: list[tuple[str, Profile]] = []
    totals: list[int] = []
    saved: list[str] = []
    errors = 0
    drawn = 0
    attempt = 0
    try:
        while True:
            attempt += 1
            quiet = UI(io.StringIO(), io.StringIO())
            try:
                f = fetch.fetch_source(url, spec, quiet)
            except PprofshError as e:
                errors += 1
                ui.print_err(f"{url}: {e}")
                if errors >= max_errors:
                    ui.print_err(f"giving up after {errors} failed fetches")
                    break
            else:
                errors = 0
                p = f.profile
                if not p.time_nanos:
                    p.time_nanos = time.time_ns()
                path = fetch.save_fetched(f, quiet)
                if path:
                    saved.append(path)
                snaps.append((path or f"{url}#{len(snaps) + 1}", p))
                rep = analyze([(url, p)], source_roots=source_roots)
                totals.append(rep.snapshots[0].total)
                top = [s for s in rep.sites if s.op not in NOT_BLOCKED][:5]
                stamp = time.strftime("%H:%M:%S")
                if tty:
                    lines = [
                        f"{stamp}  #{len(snaps)}  goroutines {totals[-1]}  "
                        f"{sparkline(totals[-40:])}"
                    ]
                    lines += [
                        f"  {s.counts[0]:>7d}  {s.op:<20s} {s.function} {s.where()}" for s in top
                    ]
                    if drawn:
                        live.write(f"\x1b[{drawn}F\x1b[J")  # ours; names are sanitized
                    live.write(sanitize("\n".join(lines) + "\n"))
                    drawn = len(lines)
                else:
                    tops = ", ".join(f"{s.function} {s.op} {s.counts[0]}" for s in top[:3])
                    live.write(f"{stamp} #{len(snaps)} goroutines {totals[-1]}; top: {tops}\n")
                live.flush()
            if count and attempt >= count:
                break
            sleep(interval)
    except KeyboardInterrupt:
        ui.print_err("")
    if saved:
        ui.print_err(f"Saved {len(saved)} snapshots in {_common_dir(saved)}")
    if not snaps:
        return None
    return analyze(snaps, source_roots=source_roots)


def _common_dir(paths: list[str]) -> str:
    import os

    return os.path.dirname(os.path.commonprefix(paths)) or "."
