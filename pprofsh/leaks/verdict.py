"""Judge a leak site from the shape of its counts and what else the snapshots carry.

A leak keeps adding goroutines that never go away; a healthy population (a worker pool,
per-collector loops, one goroutine per connected client, idle keep-alive connections) steps
up to its size and stays there while the service keeps working. The counts alone cannot
always tell them apart (0 -> 64 is both a pool starting and 64 leaked goroutines), so the
verdict combines:

* the shape of the counts across every snapshot (``classify_shape``);
* whether the blocking operation sits in a loop that receives work (``in_work_loop``): a
  goroutine parked there is waiting for its next job, not abandoned;
* debug=2 wait minutes: leaked goroutines keep aging, workers that get work do not;
* the number of snapshots: with two, one step is all there is to see.

The rules are documented, with the fixtures that pin them, in docs/leaks.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Goroutines of net/http's connection loops: parked between requests on a keep-alive
# connection. A steady number of them is a connection pool, not a leak.
_CONN_LOOPS = re.compile(
    r"^net/http\.\((?:\*conn\)\.serve|\*connReader\)\.(?:Read|backgroundRead)|"
    r"\*persistConn\)\.(?:readLoop|writeLoop|Read))$"
)


@dataclass(frozen=True)
class Shape:
    """The shape of one site's counts, oldest snapshot first."""

    name: str  # steady, falling, fluctuating, noisy growth, growing, bursts, step, plateau
    rises: int  # intervals in which the count rose
    runs: int  # maximal runs of consecutive rising intervals
    flat_tail: int  # intervals without change since the last rise
    longest_pause: int  # longest flat stretch between two rising runs
    text: str  # a phrase for the report


def _arrow(counts: list[int]) -> str:
    return "->".join(str(c) for c in counts)


def classify_shape(counts: list[int], min_growth: int = 1) -> Shape:
    """Name the shape of a series of counts (at least two)."""
    n = len(counts)
    deltas = [b - a for a, b in zip(counts, counts[1:])]
    rising = [d > 0 for d in deltas]
    rises = sum(rising)
    runs = sum(1 for i, r in enumerate(rising) if r and (i == 0 or not rising[i - 1]))
    last_rise = max((i for i, r in enumerate(rising) if r), default=-1)
    flat_tail = (n - 2 - last_rise) if last_rise >= 0 else n - 1
    pauses: list[int] = []
    gap = 0
    seen_rise = False
    for i, d in enumerate(deltas):
        if d > 0:
            if seen_rise and gap:
                pauses.append(gap)
            seen_rise, gap = True, 0
        elif i < last_rise:
            gap += 1
    longest = max(pauses, default=0)
    seq = _arrow(counts)

    def shape(name: str, text: str) -> Shape:
        return Shape(name, rises, runs, flat_tail, longest, text)

    if all(d == 0 for d in deltas):
        return shape("steady", f"steady at {counts[0]}")
    if any(d < 0 for d in deltas):
        if counts[-1] <= counts[0] and counts[-1] < max(counts):
            return shape("falling", f"falls back ({seq})")
        # growth hidden under traffic noise: the floor (the lowest count from each snapshot
        # on) rises again and again, by more than a quarter of where it started
        floor = [min(counts[i:]) for i in range(n)]
        floor_rises = sum(1 for a, b in zip(floor, floor[1:]) if b > a)
        grew = floor[-1] - floor[0]
        if floor_rises >= 2 and grew >= max(min_growth, (floor[0] + 3) // 4):
            return shape("noisy growth", f"its floor keeps rising ({seq})")
        return shape("fluctuating", f"fluctuates around a level ({seq})")
    if counts[-1] - counts[0] < min_growth:
        return shape("steady", f"steady ({seq})")
    if flat_tail == 0:
        if rises >= 2:
            return shape("growing", f"grows in {rises} of {n - 1} intervals ({seq})")
        return shape("step", f"one step, in the last interval ({seq})")
    if runs >= 2 and flat_tail <= longest:
        return shape("bursts", f"grows in {runs} bursts with pauses ({seq})")
    if flat_tail >= 2:
        held = f"reached {counts[-1]} and held it for {flat_tail} intervals"
        return shape("plateau", f"{held} ({seq})")
    return shape("step", f"one step, then flat for one interval ({seq})")


_FOR = re.compile(r"^\s*for\b")
_RANGE_CHAN = re.compile(r"^\s*for\b.*\brange\b")
_RECV = re.compile(r"<-\s*[\w.\[\]()*]")
_FUNC_WORD = re.compile(r"\bfunc\b")


def _code(line: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'', '""', line).split("//", 1)[0]


# Waits that take in work when they are in a loop: a read or accept on a connection, a
# condition variable (receives and selects are read from the source line).
_LOOP_OPS = ("IO wait", "sync.Cond.Wait")


def in_work_loop(
    lines: list[str] | None, line: int, functions: list[str], op: str = ""
) -> bool | None:
    """Whether the blocking operation at ``line`` waits for work inside a loop.

    True for ``for x := range ch``, a receive, a ``select``, a network read/accept or a
    ``Cond.Wait`` inside a ``for`` of the same function, and net/http's keep-alive
    connection loops; False when the source shows no such loop; None when the source
    is not available.
    """
    if any(_CONN_LOOPS.match(f) for f in functions):
        return True
    if not lines or line < 1 or line > len(lines):
        return None
    here = _code(lines[line - 1])
    if _RANGE_CHAN.search(here):
        return True
    receives = (
        bool(_RECV.search(here))
        or here.strip().startswith(("select", "case "))
        or op.startswith(_LOOP_OPS)
    )
    if not receives:
        return False
    # walk outwards through the enclosing blocks up to the function
    depth = 0
    for i in range(line - 2, -1, -1):
        code = _code(lines[i])
        depth += code.count("}") - code.count("{")
        if depth < 0:
            depth = 0
            if _FOR.search(code):
                return True
            # a function or closure opens here (kept linear: source lines are data)
            if _FUNC_WORD.search(code) and code.rstrip().endswith("{"):
                return False
    return False


@dataclass(frozen=True)
class Judgement:
    verdict: str  # leak, suspect, healthy
    shape: str
    reason: str
    next_step: str = ""


def _aging(wait_min: list[int | None], counts: list[int], gaps: list[float | None]) -> bool | None:
    """Whether every goroutine at the site kept waiting since it arrived (debug=2 dumps).

    gaps[i] is the time in minutes between snapshots i and i+1 (None when unknown). True
    when, in the last snapshot, the youngest goroutine has waited at least as long as
    the site has held its present count (and at least a minute); False when the site has
    held its count for over a minute and some goroutine has waited less than one (it got
    work); None when the dumps do not say.
    """
    last = wait_min[-1]
    if last is None:
        return None
    since = len(counts) - 1
    while since > 0 and counts[since - 1] >= counts[-1]:
        since -= 1
    span = gaps[since:]
    if any(g is None for g in span):
        return None
    held = sum(g for g in span if g is not None)
    if held < 1:
        return True if last >= 1 else None
    return last >= int(held)


def judge(
    counts: list[int],
    work_loop: bool | None,
    wait_min: list[int | None] | None = None,
    gaps: list[float | None] | None = None,
    min_growth: int = 1,
) -> Judgement:
    """The verdict of a blocked site seen in two or more snapshots."""
    n = len(counts)
    sh = classify_shape(counts, min_growth)
    aging = _aging(wait_min, counts, gaps) if wait_min and gaps else None
    loop_note = {
        True: "it waits for work in a loop",
        False: "it blocks outside any loop that receives work",
        None: "source not found",
    }[work_loop]
    if sh.name in ("steady", "falling", "fluctuating"):
        return Judgement("healthy", sh.name, sh.text)
    if sh.name in ("growing", "bursts", "noisy growth"):
        return Judgement("leak", sh.name, sh.text)
    more = (
        "capture another snapshot after as much load again (a pool or a set of "
        "connections stays at its size, a leak keeps growing), or debug=2 dumps a few "
        "minutes apart (leaked goroutines keep aging, busy workers do not)"
    )
    if aging is True:
        return Judgement(
            "leak",
            sh.name,
            f"{sh.text}; every goroutine here has kept waiting since it arrived (debug=2 "
            "wait minutes)",
        )
    if aging is False:
        return Judgement(
            "healthy",
            sh.name,
            f"{sh.text}; some of its goroutines waited under a minute: they get work",
        )
    if sh.name == "plateau":
        if work_loop is False:
            return Judgement(
                "suspect",
                sh.name,
                f"{sh.text}; {loop_note}: a one-time leak that stopped growing",
                "a debug=2 dump some minutes later: goroutines that leaked keep aging",
            )
        return Judgement("healthy", sh.name, f"{sh.text}: a population that reached its size")
    # one step (n == 2, or a step in the last interval, or a step then one flat interval)
    if n == 2:
        return Judgement("suspect", sh.name, f"{sh.text}; two snapshots show one step", more)
    if sh.flat_tail == 0 and work_loop is False:
        return Judgement(
            "leak",
            sh.name,
            f"{sh.text}; {loop_note}: goroutines parked there get no more work",
        )
    return Judgement("suspect", sh.name, f"{sh.text}; {loop_note}", more)
