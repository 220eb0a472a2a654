"""Scheduler traces: what ``GODEBUG=schedtrace=N[,scheddetail=1]`` makes a Go program print.

Every N milliseconds the runtime writes one ``SCHED`` line to stderr::

    SCHED 105ms: gomaxprocs=2 idleprocs=0 threads=6 spinningthreads=0 idlethreads=0 runqueue=0 [0 4]

(threads, idle and spinning threads, the global run queue and, in brackets, each P's local
run queue). With ``scheddetail=1`` the brackets are replaced by one line per P (``runqsize``),
per M and per G (``G12: status=4(chan send) m=-1 lockedm=-1``): the goroutines per status
and wait reason. The program's own stderr may be interleaved; lines that are not part of the
trace are skipped.

``parse`` reads such text into ticks; ``render`` prints a compact table and one trend line per
series (a sparkline on a terminal, plain numbers when piped) and flags goroutine and thread
counts that only grow, the signature of a leak.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pprofsh.errors import PprofshError
from pprofsh.go import errno_text

_SCHED = re.compile(r"^SCHED (\d+)ms: (.*)$")
_KV = re.compile(r"(\w+)=(-?\d+)")
_LOCAL = re.compile(r"\[([\d ]*)\]\s*$")
_P = re.compile(r"^\s+P(\d+): .*?\brunqsize=(\d+)")
# The wait reason may itself hold parentheses ("force gc (idle)"): up to the last ") m=".
_G = re.compile(r"^\s+G(\d+): status=(\d+)\((.*)\) m=(-?\d+)")
_M = re.compile(r"^\s+M(\d+): ")

# runtime/runtime2.go goroutine statuses (the scan bit 0x1000 masked off).
_STATUS = {
    0: "idle",
    1: "runnable",
    2: "running",
    3: "syscall",
    4: "waiting",
    6: "dead",
    8: "copystack",
    9: "preempted",
}
_MAX_TICKS = 1_000_000


@dataclass
class Tick:
    ms: int
    gomaxprocs: int = 0
    idleprocs: int = 0
    threads: int = 0
    spinning: int = 0
    idle_threads: int = 0
    runqueue: int = 0
    local: list[int] = field(default_factory=list)
    # scheddetail=1 only: live goroutines by "status" or "waiting: reason"
    statuses: Counter[str] | None = None
    ms_count: int = 0  # M lines seen (scheddetail)

    @property
    def goroutines(self) -> int | None:
        return None if self.statuses is None else sum(self.statuses.values())


@dataclass
class SchedTrace:
    name: str
    ticks: list[Tick]
    detail: bool


def _status_key(code: int, reason: str) -> str:
    name = _STATUS.get(code & ~0x1000, f"status {code}")
    if name == "waiting" and reason:
        return f"waiting: {reason}"
    return name


def parse(text: str, name: str = "") -> SchedTrace:
    """The ticks of a scheduler trace; PprofshError when there is none."""
    ticks: list[Tick] = []
    detail = False
    for line in text.splitlines():
        m = _SCHED.match(line)
        if m:
            if len(ticks) >= _MAX_TICKS:
                break
            kv = {k: int(v) for k, v in _KV.findall(m.group(2))}
            t = Tick(
                int(m.group(1)),
                kv.get("gomaxprocs", 0),
                kv.get("idleprocs", 0),
                kv.get("threads", 0),
                kv.get("spinningthreads", 0),
                kv.get("idlethreads", 0),
                kv.get("runqueue", 0),
            )
            loc = _LOCAL.search(m.group(2))
            if loc:
                t.local = [int(x) for x in loc.group(1).split()]
            ticks.append(t)
            continue
        if not ticks or not line.startswith((" ", "\t")):
            continue
        t = ticks[-1]
        g = _G.match(line)
        if g:
            detail = True
            if t.statuses is None:
                t.statuses = Counter()
            key = _status_key(int(g.group(2)), g.group(3))
            if key != "dead":
                t.statuses[key] += 1
            continue
        p = _P.match(line)
        if p:
            detail = True
            t.local.append(int(p.group(2)))
            continue
        if _M.match(line):
            t.ms_count += 1
    if not ticks:
        raise PprofshError(
            f"{name or 'input'}: no scheduler trace (SCHED lines) found; run the program "
            "with GODEBUG=schedtrace=1000 and give its stderr"
        )
    if detail:
        for t in ticks:
            if t.statuses is None:
                t.statuses = Counter()
    return SchedTrace(name, ticks, detail)


def read(path: str) -> SchedTrace:
    from pprofsh.limits import read_limited

    try:
        with open(path, "rb") as f:
            data = read_limited(f)
    except IsADirectoryError:
        raise PprofshError(f"read {path}: is a directory") from None
    except OSError as e:
        raise PprofshError(f"open {path}: {errno_text(e)}") from None
    return parse(data.decode("utf-8", "replace"), path)


# ---- the report ----------------------------------------------------------------------

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int], width: int = 40) -> str:
    if not values:
        return ""
    if len(values) > width:  # each character the max of its bucket
        step = len(values) / width
        values = [
            max(values[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)])
            for i in range(width)
        ]
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[(v - lo) * (len(SPARKS) - 1) // (hi - lo)] for v in values)


def only_grows(values: list[int]) -> bool:
    """Never falls, ends higher, and rises in at least half of the intervals."""
    if len(values) < 3 or values[-1] <= values[0]:
        return False
    if any(b < a for a, b in zip(values, values[1:])):
        return False
    rises = sum(1 for a, b in zip(values, values[1:]) if b > a)
    return rises * 2 >= len(values) - 1


@dataclass
class Series:
    name: str
    values: list[int]
    watch: bool = False  # flag it when it only grows (goroutines, threads)

    @property
    def grows(self) -> bool:
        return self.watch and only_grows(self.values)


def series(tr: SchedTrace) -> list[Series]:
    ts = tr.ticks
    out = [
        Series("threads", [t.threads for t in ts], watch=True),
        Series("idle threads", [t.idle_threads for t in ts]),
        Series("spinning threads", [t.spinning for t in ts]),
        Series("idle Ps", [t.idleprocs for t in ts]),
        Series("global runq", [t.runqueue for t in ts]),
        Series("local runq (sum)", [sum(t.local) for t in ts]),
    ]
    if tr.detail:
        out.append(Series("goroutines", [t.goroutines or 0 for t in ts], watch=True))
        keys: Counter[str] = Counter()
        for t in ts:
            keys.update(t.statuses or {})
        for key, _n in sorted(keys.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(Series(key, [t.statuses[key] if t.statuses else 0 for t in ts], watch=True))
    return out


def _ms(ms: int) -> str:
    return f"{ms / 1000:g}s" if ms >= 10_000 else f"{ms}ms"


def _shown_ticks(n: int, rows: int) -> list[int]:
    if n <= rows:
        return list(range(n))
    return sorted({round(i * (n - 1) / (rows - 1)) for i in range(rows)})


def render(tr: SchedTrace, terminal: bool = False, rows: int = 20) -> str:
    ts = tr.ticks
    out: list[str] = []
    span = ts[-1].ms - ts[0].ms
    every = f", every ~{_ms(round(span / (len(ts) - 1)))}" if len(ts) > 1 else ""
    procs = sorted({t.gomaxprocs for t in ts})
    out.append(
        f"Scheduler trace: {tr.name or 'input'}: {len(ts)} ticks over {_ms(span)}{every}, "
        f"gomaxprocs={'/'.join(str(p) for p in procs)}" + (" (scheddetail)" if tr.detail else "")
    )
    head = ["time", "threads", "idle", "spin", "idleP", "runq", "local runq"]
    if tr.detail:
        head.append("goroutines")
    table = [head]
    for i in _shown_ticks(len(ts), rows):
        t = ts[i]
        row = [
            _ms(t.ms),
            str(t.threads),
            str(t.idle_threads),
            str(t.spinning),
            str(t.idleprocs),
            str(t.runqueue),
            " ".join(str(x) for x in t.local) or "-",
        ]
        if tr.detail:
            row.append(str(t.goroutines))
        table.append(row)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    out.append("")
    for r in table:
        cells = [r[i].rjust(widths[i]) if i != 6 else r[i].ljust(widths[i]) for i in range(len(r))]
        out.append("  ".join(cells).rstrip())
    if len(ts) > rows:
        out.append(f"({rows} of {len(ts)} ticks shown, evenly spaced)")
    out.append("")
    out.append("Trends (first -> last, min..max):")
    ss = series(tr)
    wname = max(len(s.name) for s in ss)
    flagged = []
    for s in ss:
        v = s.values
        nums = f"{v[0]} -> {v[-1]} ({min(v)}..{max(v)})"
        line = f"  {s.name.ljust(wname)}  "
        if terminal:
            line += f"{sparkline(v)}  "
        line += nums
        if s.grows:
            line += "  only grows"
            flagged.append(s)
        out.append(line)
    out.append("")
    if flagged:
        for s in flagged:
            what = "goroutines" if s.name in ("goroutines",) or ":" in s.name else s.name
            rate = (s.values[-1] - s.values[0]) / (span / 1000) if span else 0.0
            out.append(
                f"{s.name}: only grows, {s.values[0]} -> {s.values[-1]}"
                + (f" ({rate:+.1f}/s)" if span else "")
                + f": a leak of {what}?"
            )
        hints = []
        if any(s.name == "threads" for s in flagged):
            hints.append(
                "threads that only grow: goroutines locked to their thread "
                "(runtime.LockOSThread without Unlock) or blocking syscalls/cgo calls"
            )
        if any(s.name != "threads" for s in flagged):
            hints.append(
                "goroutines that only grow: take goroutine snapshots "
                "(/debug/pprof/goroutine) and run `pprofsh -leaks` on them to find the site"
            )
        elif not tr.detail:
            hints.append("add scheddetail=1 to GODEBUG to count goroutines by wait reason")
        out.extend(f"hint: {h}" for h in hints)
    else:
        out.append("No goroutine or thread count only grows.")
    return "\n".join(out) + "\n"
