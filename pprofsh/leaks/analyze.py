"""Group blocked goroutines by leak site and judge each site across snapshots.

A leak site is (blocking operation, first frame outside the runtime and standard
library as function file:line, creator). The operation comes from the runtime
frames (proto, debug=1 via the stdlib frames it keeps), from the ``state`` label
of a debug=2 dump, or, when the runtime frames were hidden (debug=1), from the
source line of the blocking frame.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from pprofsh.leaks.verdict import in_work_loop, judge
from pprofsh.limits import source_lines
from pprofsh.profile.model import Profile, Sample

# Top-level packages of the Go standard library (import path's first element).
STDLIB = frozenset(
    """
archive arena bufio bytes cmp compress container context crypto database debug embed encoding
errors expvar flag fmt go hash html image index internal io iter log maps math mime net os path
plugin reflect regexp runtime slices sort strconv strings structs sync syscall testing text time
unicode unique unsafe vendor weak
""".split()
)

# Operations that are not blocking: never a leak site.
NOT_BLOCKED = frozenset({"running", "runnable", "syscall", "profiler", "no stack"})
# Operations LeakProf counts with one snapshot: channel and sync waits.
CHAN_SYNC_PREFIXES = ("chan ", "select", "semacquire", "sync.")

# runtime/stdlib function -> op. The outermost match among the leading stdlib frames wins
# (sync.(*WaitGroup).Wait over runtime.semacquire1, IO wait over runtime.gopark).
_FRAME_OPS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^runtime\.chansend1?$"), "chan send"),
    (re.compile(r"^runtime\.chanrecv[12]?$"), "chan receive"),
    (re.compile(r"^runtime\.selectgo$"), "select"),
    (re.compile(r"^runtime\.block$"), "select (no cases)"),
    (
        re.compile(
            r"^(runtime\.semacquire.*|sync\.runtime_Semacquire.*|"
            r"internal/sync\.runtime_Semacquire.*)$"
        ),
        "semacquire",
    ),
    (re.compile(r"^(sync|internal/sync)\.\(\*Mutex\)\.(Lock|lockSlow)$"), "sync.Mutex.Lock"),
    (re.compile(r"^sync\.\(\*RWMutex\)\.Lock$"), "sync.RWMutex.Lock"),
    (re.compile(r"^sync\.\(\*RWMutex\)\.RLock$"), "sync.RWMutex.RLock"),
    (re.compile(r"^sync\.\(\*WaitGroup\)\.Wait$"), "sync.WaitGroup.Wait"),
    (re.compile(r"^(sync\.\(\*Cond\)\.Wait|sync\.runtime_notifyListWait)$"), "sync.Cond.Wait"),
    (re.compile(r"^internal/poll\.runtime_pollWait$"), "IO wait"),
    (re.compile(r"^time\.Sleep$"), "sleep"),
    (re.compile(r"^os/signal\.signal_recv$"), "signal wait"),
    (re.compile(r"^syscall\.(Syscall6?|RawSyscall6?)$|^internal/runtime/syscall\."), "syscall"),
]
_PROFILER = re.compile(r"^(runtime\.goroutineProfileWithLabels|runtime/pprof\.)")


@dataclass
class Frame:
    function: str
    file: str = ""
    line: int = 0

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "?"


@dataclass
class Snapshot:
    name: str
    time_nanos: int = 0
    total: int = 0
    kind: str = "goroutine"  # or goroutineleak


@dataclass
class Site:
    op: str
    function: str
    file: str
    line: int
    creator: str = ""
    creator_where: str = ""
    counts: list[int] = field(default_factory=list)
    wait_minutes: list[int | None] = field(default_factory=list)
    # the youngest goroutine's wait per snapshot (debug=2 dumps: no label means < 1 minute)
    wait_min: list[int | None] = field(default_factory=list)
    stack: list[Frame] = field(default_factory=list)
    certain: bool = False
    verdict: str = "healthy"
    delta: int = 0
    rate_per_min: float | None = None
    hint: str = ""
    source: list[tuple[int, str]] = field(default_factory=list)
    shape: str = ""
    reason: str = ""
    next_step: str = ""
    work_loop: bool | None = None

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (self.op, self.function, self.file, self.line, self.creator)

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "?"

    @property
    def reported(self) -> bool:
        return self.verdict in ("leak", "suspect", "certain")


@dataclass
class LeakReport:
    snapshots: list[Snapshot]
    sites: list[Site]
    threshold: int

    @property
    def leaks(self) -> list[Site]:
        return [s for s in self.sites if s.reported]

    def max_growth(self) -> int:
        """The largest growth of a leak (for -fail_on); certain sites count whole.

        Only sites judged leaks count: a pool that started between the snapshots grew too,
        and a CI gate must not fail on it.
        """
        best = 0
        for s in self.sites:
            if s.verdict not in ("leak", "certain"):
                continue
            g = s.counts[-1] if s.certain else s.delta
            best = max(best, g)
        return best


def package_of(func: str) -> str:
    """'net/http.(*persistConn).readLoop' -> 'net/http'; 'created by main.f' -> 'main'."""
    if func.startswith("created by "):
        func = func[len("created by ") :]
    slash = func.rfind("/")
    dot = func.find(".", slash + 1)
    return func[:dot] if dot >= 0 else func


def is_stdlib(func: str) -> bool:
    pkg = package_of(func)
    first = pkg.split("/", 1)[0]
    if pkg == "main" or "." in first:
        return False
    return first in STDLIB


def is_runtime(func: str) -> bool:
    pkg = package_of(func)
    return pkg == "runtime" or pkg.startswith("runtime/") or pkg.startswith("internal/runtime")


def _frames(s: Sample) -> tuple[list[Frame], int]:
    """Frames leaf first, inlined frames expanded; and how many leaf locations had no symbol."""
    out: list[Frame] = []
    hidden = 0
    for loc in s.locations:
        if not loc.lines:
            if not out:
                hidden += 1
            continue
        for ln in loc.lines:
            f = ln.function
            out.append(Frame(f.name if f else "?", f.filename if f else "", ln.line))
    return out, hidden


def op_from_frames(frames: list[Frame]) -> str:
    """The blocking op from the leading runtime/stdlib frames ('' when none is known)."""
    op = ""
    for f in frames:
        if not is_stdlib(f.function):
            break
        if _PROFILER.match(f.function):
            return "profiler"
        for pat, name in _FRAME_OPS:
            if pat.match(f.function):
                if not (op and name == "semacquire"):
                    op = name
                break
    return op


_SEND = re.compile(r"^\s*(?:case\s+)?([\w.\[\]()*]+)\s*<-")
_RECV = re.compile(r"<-\s*([\w.\[\]()*]+)")


def op_from_source(line: str) -> str:
    """Guess the blocking op of a user frame from its source line (debug=1 hides runtime)."""
    code = line.split("//", 1)[0].strip()
    if not code:
        return ""
    if code.startswith("select") and code.rstrip().endswith("{}"):
        return "select (no cases)"
    if code.startswith("select") or code.startswith("case "):
        return "select"
    if _SEND.match(code):
        return "chan send"
    if re.search(r"\brange\s+[\w.]+\s*\{?$", code) or _RECV.search(code):
        return "chan receive"
    if re.search(r"\.(RLock)\(\)", code):
        return "sync.RWMutex.RLock"
    if re.search(r"\.Lock\(\)", code):
        return "sync.Mutex.Lock"
    if re.search(r"\.Wait\(\)", code):
        return "sync.WaitGroup.Wait"
    if "time.Sleep" in code:
        return "sleep"
    return ""


class SourceReader:
    """Finds source files as `list` does: the recorded path, then under each search root."""

    def __init__(self, roots: list[str] | None = None) -> None:
        self.roots = [r for r in (roots or []) if r]
        self._cache: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if not path:
            return None
        if path in self._cache:
            return self._cache[path]
        found = None
        candidates = [path]
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        for root in self.roots:
            for i in range(len(parts)):
                candidates.append(os.path.join(root, *parts[i:]))
        for c in candidates:
            try:
                # bounded: a profile from a server can name /dev/zero or a FIFO
                found = source_lines(c)
                break
            except (OSError, ValueError):
                continue
        self._cache[path] = found
        return found

    def line(self, path: str, n: int) -> str | None:
        ls = self.lines(path)
        if ls is None or n < 1 or n > len(ls):
            return None
        return ls[n - 1]


# Packages that only carry a wait for their callers; a stack with no user code is reported
# at its first frame outside them (e.g. net/http.(*persistConn).readLoop).
_PLUMBING = (
    "runtime",
    "internal",
    "sync",
    "syscall",
    "bufio",
    "io",
    "os",
    "net",
    "time",
    "context",
    "crypto/tls",
)


def _plumbing(func: str) -> bool:
    pkg = package_of(func)
    return any(pkg == p or pkg.startswith(p + "/") for p in _PLUMBING) and not pkg.startswith(
        "net/http"
    )


def _site_frame(frames: list[Frame]) -> Frame | None:
    real = [f for f in frames if not f.function.startswith("created by ")]
    for f in real:
        if not is_stdlib(f.function):
            return f
    for f in real:
        if not _plumbing(f.function):
            return f
    for f in real:
        if not is_runtime(f.function):
            return f
    return real[0] if real else None


def _value_index(p: Profile) -> int:
    for name in ("goroutineleak", "goroutine"):
        i = p.sample_type_index(name)
        if i >= 0:
            return i
    return 0


def analyze(
    snapshots: list[tuple[str, Profile]],
    threshold: int = 100,
    source_roots: list[str] | None = None,
    min_growth: int = 1,
) -> LeakReport:
    """Judge every leak site over the snapshots (oldest first)."""
    reader = SourceReader(source_roots)
    n = len(snapshots)
    sites: dict[tuple[Any, ...], Site] = {}
    snaps: list[Snapshot] = []
    # debug=2 dumps: goroutine id -> (state, wait minutes), to tell the time between dumps
    ages: list[dict[str, tuple[str, int]]] = []
    for k, (name, p) in enumerate(snapshots):
        vi = _value_index(p)
        leak_kind = any(st.type == "goroutineleak" for st in p.sample_types)
        snap = Snapshot(name, p.time_nanos, 0, "goroutineleak" if leak_kind else "goroutine")
        snaps.append(snap)
        age: dict[str, tuple[str, int]] = {}
        ages.append(age)
        for s in p.samples:
            lb = s.labels or {}
            if "goid" in lb and "state" in lb:
                wm_label = (s.num_labels or {}).get("wait_minutes")
                age[lb["goid"][0]] = (lb["state"][0], wm_label[0] if wm_label else 0)
            v = s.values[vi] if vi < len(s.values) else 0
            if v == 0:
                continue
            snap.total += v
            frames, hidden = _frames(s)
            site = _classify(frames, hidden, s, reader)
            key = site.key
            cur = sites.get(key)
            if cur is None:
                site.counts = [0] * n
                site.wait_minutes = [None] * n
                site.wait_min = [None] * n
                sites[key] = cur = site
            cur.counts[k] += v
            if leak_kind:
                cur.certain = True
            if len(frames) < len(cur.stack) or not cur.stack:
                cur.stack = frames
            wm = (s.num_labels or {}).get("wait_minutes")
            if wm:
                prev = cur.wait_minutes[k]
                cur.wait_minutes[k] = max(wm) if prev is None else max(prev, max(wm))
            if (s.labels or {}).get("state"):  # a debug=2 dump: the label says < 1 minute
                youngest = min(wm) if wm else 0
                prev = cur.wait_min[k]
                cur.wait_min[k] = youngest if prev is None else min(prev, youngest)
    t0, t1 = snaps[0].time_nanos if snaps else 0, snaps[-1].time_nanos if snaps else 0
    minutes = (t1 - t0) / 60e9 if n > 1 and t0 and t1 and t1 > t0 else 0.0
    # minutes between consecutive snapshots: from their times, else told by the dumps
    gaps: list[float | None] = [
        (b.time_nanos - a.time_nanos) / 60e9 if a.time_nanos and b.time_nanos else None
        for a, b in zip(snaps, snaps[1:])
    ]
    if any(g is None for g in gaps):
        told = gaps_from_dumps(ages)
        gaps = [g if g is not None else t for g, t in zip(gaps, told)]
    for site in sites.values():
        c = site.counts
        site.delta = c[-1] - c[0]
        if minutes > 0:
            site.rate_per_min = site.delta / minutes
        _judge(site, n, threshold, min_growth, reader, gaps)
        gained = snaps[-1].total - snaps[0].total if n > 1 else 0
        if site.verdict == "leak" and site.delta > 0 and gained > 0:
            # the process total, for scale: is this site the growth, or a part of it?
            site.reason += f"; {site.delta} of the {gained} goroutines the process gained"
        if site.reported:
            site.hint = hint_for(site, reader)
            if site.hint and site.verdict == "suspect" and site.work_loop:
                site.hint = "if it keeps growing: " + site.hint
            site.source = _excerpt(reader, site.file, site.line)
    order = {"certain": 0, "leak": 1, "suspect": 2, "healthy": 3, "not blocked": 4}
    ranked = sorted(
        sites.values(),
        key=lambda s: (order[s.verdict], -s.delta, -s.counts[-1], s.function, s.line, s.op),
    )
    return LeakReport(snaps, ranked, threshold)


def _classify(frames: list[Frame], hidden: int, s: Sample, reader: SourceReader) -> Site:
    state = ((s.labels or {}).get("state") or [""])[0]
    fop = op_from_frames(frames)
    if state:
        op = state
        if fop.startswith("sync.") and (state == "semacquire" or state.startswith("sync.")):
            op = fop
    else:
        op = fop
    sf = _site_frame(frames)
    if not op and sf is not None and frames and frames[0] is sf:
        # runtime frames were hidden (debug=1): read the blocking line
        text = reader.line(sf.file, sf.line)
        op = op_from_source(text) if text is not None else ""
        if not op:
            op = "blocked" if hidden else "unknown"
    if not op:
        op = "unknown"
    if any(_PROFILER.match(f.function) for f in frames[:8]) and op in ("running", "unknown"):
        op = "profiler"
    creator, cwhere = "", ""
    for f in frames:
        if f.function.startswith("created by "):
            creator = f.function[len("created by ") :]
            cwhere = f.where()
    if sf is None:
        # a goroutine not started yet (or a dump cut before its first frame)
        return Site("no stack" if op == "unknown" else op, "?", "", 0, creator, cwhere)
    return Site(op, sf.function, sf.file, sf.line, creator, cwhere)


def gaps_from_dumps(ages: list[dict[str, tuple[str, int]]]) -> list[float | None]:
    """Minutes between consecutive debug=2 dumps, told by goroutines that kept waiting.

    A dump has no time stamp, but a goroutine that is in both of two dumps, in the same
    wait, has aged by the time between them: the largest such growth of its wait minutes
    is that time (to the minute, a lower bound). None for a pair no goroutine spans.
    """
    out: list[float | None] = []
    for prev, cur in zip(ages, ages[1:]):
        grew = [
            cur[g][1] - prev[g][1]
            for g in cur.keys() & prev.keys()
            if cur[g][0] == prev[g][0] and cur[g][1] >= prev[g][1] and cur[g][1] > 0
        ]
        out.append(float(max(grew)) if grew else None)
    return out


def _judge(
    site: Site,
    n: int,
    threshold: int,
    min_growth: int,
    reader: SourceReader,
    gaps: list[float | None],
) -> None:
    """Set the site's verdict, shape, reason and next step."""
    if site.op in NOT_BLOCKED:
        site.verdict = "not blocked"
        return
    if site.certain:
        site.verdict = "certain"
        site.reason = "the runtime proved these goroutines unreachable (goroutineleak profile)"
        return
    c = site.counts
    if n >= 2:
        site.work_loop = in_work_loop(
            reader.lines(site.file), site.line, [f.function for f in site.stack], site.op
        )
        j = judge(c, site.work_loop, site.wait_min, gaps, min_growth)
        site.verdict, site.shape, site.reason, site.next_step = (
            j.verdict,
            j.shape,
            j.reason,
            j.next_step,
        )
        return
    site.shape = "one snapshot"
    if c[0] >= threshold and site.op.startswith(CHAN_SYNC_PREFIXES):
        site.verdict = "suspect"
        site.reason = f"{c[0]} goroutines blocked on {site.op} in one snapshot"
        site.next_step = "capture more snapshots under load to see whether the count grows"
    else:
        site.verdict = "healthy"


def _excerpt(reader: SourceReader, path: str, line: int, around: int = 3) -> list[tuple[int, str]]:
    ls = reader.lines(path)
    if not ls or line < 1 or line > len(ls):
        return []
    lo, hi = max(1, line - around), min(len(ls), line + around)
    return [(i, ls[i - 1]) for i in range(lo, hi + 1)]


# --- hints ----------------------------------------------------------------------------------


def _func_body(ls: list[str], line: int) -> tuple[int, int]:
    """1-based [start, end] of the top-level func around line (by 'func ' at column 0)."""
    start = line
    while start > 1 and not ls[start - 1].startswith("func "):
        start -= 1
    end = line
    while end < len(ls) and ls[end - 1] != "}":
        end += 1
    return start, end


def _chan_name(expr: str) -> str:
    return re.split(r"[.\])]", expr.rstrip(")"))[-1] if expr else ""


def hint_for(site: Site, reader: SourceReader) -> str:
    ls = reader.lines(site.file)
    text = reader.line(site.file, site.line) or ""
    code = text.split("//", 1)[0]
    op = site.op
    funcs = [f.function for f in site.stack]
    if any(f.startswith("net/http.(*persistConn)") for f in funcs):
        return (
            "HTTP client connection kept alive by a response body that was never closed: "
            "defer resp.Body.Close() (and drain it) after every request"
        )
    if any(f.startswith("net/http.(*conn).serve") for f in funcs):
        return (
            "HTTP server connection held open by its client (keep-alive, unclosed client "
            "bodies): close bodies on the client, set Server.IdleTimeout/ReadTimeout"
        )
    if op.startswith("chan send"):
        m = _SEND.match(code)
        name = _chan_name(m.group(1)) if m else ""
        if name and ls:
            make_pat = re.compile(
                r"\b"
                + re.escape(name)
                + r"\s*(?::=|=|:)\s*make\(\s*(chan\s*(?:<-\s*)?[^,()]+?)\s*\)"
            )
            unbuffered = None
            for i, ln in enumerate(ls, 1):
                mm = make_pat.search(ln.split("//", 1)[0])
                if mm:
                    unbuffered = (i, mm.group(1))
                    break
            if unbuffered:
                i, ctype = unbuffered
                # the function that made the channel is where its receive is
                lo, hi = _func_body(ls, i)
                body = [ln.split("//", 1)[0] for ln in ls[lo - 1 : hi]]
                recv = re.compile(r"<-\s*" + re.escape(name) + r"\b")
                recv_at = [k for k, ln in enumerate(body) if recv.search(ln)]
                src = "\n".join(body)
                timeout = recv_at and re.search(
                    r"time\.After|\.Done\(\)|<-\s*ctx\b|time\.NewTimer|\.C\b", src
                )
                make_at = i - lo
                early = recv_at and any(
                    ln.strip().startswith("return") for ln in body[make_at + 1 : recv_at[0]]
                )
                where = f"{os.path.basename(site.file)}:{i}"
                if timeout:
                    return (
                        f"send on unbuffered channel {name} (make({ctype}) at {where}) whose "
                        "receiver selected a timeout or ctx.Done() and went away: buffer the "
                        f"channel by one: make({ctype}, 1)"
                    )
                if early:
                    return (
                        f"early return before the receive from {name} (make({ctype}) at "
                        f"{where}): the sender is left alone; buffer the channel by one: "
                        f"make({ctype}, 1), or receive on every path"
                    )
                if len(recv_at) == 1 and not re.search(
                    r"\bfor\b", "\n".join(body[max(0, recv_at[0] - 2) : recv_at[0] + 1])
                ):
                    return (
                        f"N senders, one receive: several goroutines send on unbuffered "
                        f"channel {name} (make({ctype}) at {where}) but it is received once;"
                        " buffer it by the number of senders, make(" + ctype + ", N), or "
                        "receive from every sender"
                    )
                return (
                    f"send on unbuffered channel {name} (make({ctype}) at {where}) that no "
                    "one receives any more: buffer it, or give the sender a way out "
                    "(select on ctx.Done())"
                )
        return (
            "send with no receiver left (a receiver that returned early or timed out): "
            "buffer the channel, or select on ctx.Done() in the sender"
        )
    if op.startswith("chan receive"):
        if "nil chan" in op:
            return "receive from a nil channel blocks forever: initialise the channel"
        m = re.search(r"\brange\s+([\w.]+)", code)
        if m:
            return (
                f"range over channel {m.group(1)} that is never closed: close it when the "
                "last value has been sent"
            )
        return (
            "receive that nobody sends to or closes: close the channel when done, or "
            "select on ctx.Done()"
        )
    if op == "select (no cases)":
        return "select {} blocks forever"
    if op == "select":
        return (
            "select where no case ever becomes ready: add a <-ctx.Done() or quit-channel "
            "case, and make sure someone closes it"
        )
    if op == "sync.WaitGroup.Wait" or (op == "semacquire" and ".Wait()" in code):
        return (
            "WaitGroup never reaches zero: every Add(n) needs n Done() calls on every path "
            "(defer wg.Done())"
        )
    if op in ("sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock") or (
        op == "semacquire" and "Lock()" in code
    ):
        return "lock never released: Unlock on every path, e.g. defer mu.Unlock() after Lock()"
    if op == "sync.Cond.Wait":
        return "Cond.Wait without a matching Signal/Broadcast"
    if op == "IO wait":
        return "network read/accept without a deadline or close: set deadlines, close on exit"
    return ""
