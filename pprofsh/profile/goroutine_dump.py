"""Goroutine dumps: `/debug/pprof/goroutine?debug=2`, panic and SIGQUIT tracebacks.

A dump is loaded as a goroutine count profile with one sample of value 1 per
goroutine, so every report works on it:

* string labels ``state`` (the wait reason: ``chan send``, ``IO wait``, ...) and
  ``goid``; numeric label ``wait_minutes`` (unit ``minutes``) when the header has
  one; string label ``locked_to_thread=true`` when the goroutine is locked;
* frames leaf first, with file:line (the ``+0x..`` offsets and argument words are
  dropped: they vary from run to run);
* the creator as an extra root frame named ``created by F`` at the file:line of
  the ``go`` statement (``in goroutine N`` becomes the string label ``creator_goid``).

Handled: ``...additional frames elided...``, a dump truncated in the middle of a
goroutine (the frames read so far are kept), text before the first goroutine
(``panic: ...``, ``SIGQUIT: quit``, ``[signal ...]``) and lines that are not part
of a goroutine (register dumps, ``exit status 2``).
"""

from __future__ import annotations

import re
from typing import Any

from pprofsh.errors import ProfileError
from pprofsh.profile.model import Function, Line, Location, Profile, Sample, ValueType

_HEADER = re.compile(r"^goroutine (\d+)(?: [^\[]*)? \[([^\]]*)\]:?\s*$")
# Frame lines, `created by` lines and headers can be as long as a hostile dump
# makes them; these are matched in linear time (Python's `re` backtracks, so a
# pattern like `^\s+(.*?):(\d+)` is quadratic on a line of spaces).
_LINE_NO = re.compile(r":(\d++)(?=\s|\Z)")
_IN_GOROUTINE = re.compile(r" in goroutine (\d++)\Z")
_MINUTES = re.compile(r"^(\d+) minutes?$")
_START = re.compile(rb"(?:^|\n)goroutine \d+(?: [^\[\n]*)? \[")


def looks_like_dump(data: bytes) -> bool:
    """True when data starts (after an optional panic/SIGQUIT preamble) with a goroutine."""
    head = data[:4096].lstrip()
    if re.match(rb"goroutine \d+", head):
        return True
    if head.startswith((b"panic: ", b"fatal error: ", b"SIGQUIT", b"SIGABRT", b"unexpected fault")):
        return _START.search(data) is not None
    return False


def _file_line(line: str) -> tuple[str, int] | None:
    """`\\tFILE:LINE +0x..` -> (FILE, LINE): the first `:digits` that ends a word."""
    rest = line.lstrip()
    if len(rest) == len(line):
        return None
    m = _LINE_NO.search(rest)
    if m is None:
        return None
    return rest[: m.start()], _int64(m.group(1))


_MAX_INT64 = (1 << 63) - 1


def _int64(digits: str) -> int:
    """A line number or a wait as the profile's int64 can hold it; a larger number (no
    runtime prints one; a hostile dump may) counts as unknown: 0."""
    n = int(digits)
    return n if n <= _MAX_INT64 else 0


def _created_by(line: str) -> tuple[str, str] | None:
    """`created by F in goroutine N` -> (F, N); N is "" for dumps before Go 1.21."""
    if not line.startswith("created by "):
        return None
    body = line[len("created by ") :]
    core = body.rstrip()
    m = _IN_GOROUTINE.search(core)
    if m is not None and m.start() > 0:
        return core[: m.start()], m.group(1)
    if not body:
        return None
    return body[: max(1, len(core))], ""


def _strip_args(s: str) -> str:
    """'main.(*conn).f(0x0?, {0x1, 0x2})' -> 'main.(*conn).f' (args in the last balanced parens)."""
    s = s.rstrip()
    if not s.endswith(")"):
        return s
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        c = s[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                name = s[:i]
                return name if name else s
    return s


class _Goroutine:
    __slots__ = (
        "goid",
        "state",
        "minutes",
        "locked",
        "frames",
        "creator",
        "creator_goid",
        "elided",
    )

    def __init__(self, goid: str, status: str) -> None:
        self.goid = goid
        parts = [p.strip() for p in status.split(",")]
        self.state = parts[0]
        self.minutes: int | None = None
        self.locked = False
        for p in parts[1:]:
            m = _MINUTES.match(p)
            if m:
                # a wait past int64 (hostile, no runtime prints one) is no wait label
                n = int(m.group(1))
                self.minutes = n if n <= _MAX_INT64 else None
            elif p == "locked to thread":
                self.locked = True
            elif p:
                # an unknown qualifier: keep it as part of the state
                self.state += ", " + p
        self.frames: list[list[Any]] = []  # [function, file, line]
        self.creator: list[Any] | None = None
        self.creator_goid = ""
        self.elided = False


def parse_dump(data: bytes) -> Profile:
    text = data.decode("utf-8", errors="replace")
    goroutines: list[_Goroutine] = []
    cur: _Goroutine | None = None
    pending: list[Any] | None = None  # the frame (or creator) awaiting its file:line line
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            cur = None
            pending = None
            continue
        m = _HEADER.match(line)
        if m:
            cur = _Goroutine(m.group(1), m.group(2))
            goroutines.append(cur)
            pending = None
            continue
        if cur is None:
            continue
        if line[0] in " \t":
            fm = _file_line(line)
            if fm and pending is not None and not pending[1]:
                pending[1], pending[2] = fm
            pending = None
            continue
        if line.startswith("...") and "elided" in line:
            cur.elided = True
            pending = None
            continue
        cm = _created_by(line)
        if cm:
            cur.creator = [cm[0], "", 0]
            cur.creator_goid = cm[1]
            pending = cur.creator
            continue
        if line.startswith("goroutine ") or line.startswith("["):
            # '[originating from goroutine N]:' and similar: not a frame
            pending = None
            continue
        name = _strip_args(line)
        if not name or any(c.isspace() for c in name):
            # not a frame ('exit status 2', register dumps, messages)
            pending = None
            continue
        frame = [name, "", 0]
        cur.frames.append(frame)
        pending = frame
    if not goroutines:
        raise ProfileError("no goroutines found in goroutine dump")
    return _build(goroutines)


def _build(goroutines: list[_Goroutine]) -> Profile:
    p = Profile()
    p.sample_types = [ValueType("goroutine", "count")]
    p.period_type = ValueType("goroutine", "count")
    p.period = 1
    funcs: dict[tuple[str, str], Function] = {}
    locs: dict[tuple[str, str, int], Location] = {}

    def loc(name: str, file: str, line: int) -> Location:
        key = (name, file, line)
        lo = locs.get(key)
        if lo is None:
            fk = (name, file)
            fn = funcs.get(fk)
            if fn is None:
                fn = Function(len(funcs) + 1, name, name, file, 0)
                funcs[fk] = fn
                p.functions.append(fn)
            lo = Location(len(locs) + 1, None, 0, [Line(fn, line)])
            locs[key] = lo
            p.locations.append(lo)
        return lo

    stacks: dict[tuple[int, ...], tuple[Location, ...]] = {}
    for g in goroutines:
        frames = [loc(f[0], f[1], f[2]) for f in g.frames]
        if g.creator is not None:
            frames.append(loc("created by " + g.creator[0], g.creator[1], g.creator[2]))
        ids = tuple(lo.id for lo in frames)
        stack = stacks.setdefault(ids, tuple(frames))
        labels = {"state": [g.state], "goid": [g.goid]}
        if g.locked:
            labels["locked_to_thread"] = ["true"]
        if g.creator_goid:
            labels["creator_goid"] = [g.creator_goid]
        nums = units = None
        if g.minutes is not None:
            nums = {"wait_minutes": [g.minutes]}
            units = {"wait_minutes": ["minutes"]}
        p.samples.append(Sample(stack, [1], labels, nums, units))
    return p


__all__ = ["looks_like_dump", "parse_dump"]
