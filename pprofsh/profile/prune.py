"""Dropping uninteresting frames: the profile's drop_frames/keep_frames (pprof's Prune)."""

from __future__ import annotations

import re

from pprofsh.profile.fold import unnamed
from pprofsh.profile.model import Location, Profile

_RESERVED = ("(anonymous namespace)", "operator()")
_BRACKET_RX = re.compile("|".join(re.escape(n) for n in (*_RESERVED, "(")))


def simplify_func(name: str) -> str:
    """Strip argument lists from a C++ name, keeping reserved bracketed words."""
    name = name[1:] if name.startswith(".") else name
    for m in _BRACKET_RX.finditer(name):
        if m.group(0) not in _RESERVED:
            return name[: m.start()]
    return name


def prune(p: Profile, drop: re.Pattern[str], keep: re.Pattern[str] | None) -> None:
    """Remove frames matching drop (unless keep) and everything beneath them."""
    prune_ids: set[int] = set()
    beneath: set[int] = set()
    for loc in p.locations:
        i = len(loc.lines) - 1
        while i >= 0:
            fn = loc.lines[i].function
            if fn is not None and fn.name:
                name = simplify_func(fn.name)
                if drop.fullmatch(name) and (keep is None or not keep.fullmatch(name)):
                    break
            i -= 1
        if i >= 0:
            beneath.add(id(loc))
            if i == len(loc.lines) - 1:
                prune_ids.add(id(loc))
            else:
                loc.lines = loc.lines[i + 1 :]
    if not beneath:
        return
    cache: dict[int, tuple[Location, ...]] = {}
    for s in p.samples:
        st = s.locations
        new = cache.get(id(st))
        if new is None:
            new = st
            found_user = False
            for i in range(len(st) - 1, -1, -1):
                lid = id(st[i])
                if unnamed(st[i]):
                    # pprofsh names debug=1 text from its `#` lines; the runtime frames it
                    # leaves as bare addresses (runtime.goexit at the root) are no user
                    # frame, or a heap text's `runtime\..*` drop would cut every stack
                    # down to its root. (Go names no frame there, so it prunes nothing.)
                    continue
                if lid not in prune_ids and lid not in beneath:
                    found_user = True
                    continue
                if not found_user:
                    continue
                new = st[i + 1 :] if lid in prune_ids else st[i:]
                break
            cache[id(st)] = new
        s.locations = new


def remove_uninteresting(p: Profile) -> None:
    if not p.drop_frames:
        return
    from pprofsh.regexps import LinearRegex, Unsupported, safe_compile

    # Go's fetch ignores RemoveUninteresting's error: a drop_frames (or keep_frames)
    # that does not compile (`x\1` in RE2) leaves the profile unpruned and loaded.
    # One that Python's re would backtrack on is matched by a linear automaton.
    try:
        drop = safe_compile("^(" + p.drop_frames + ")$")
        keep = safe_compile("^(" + p.keep_frames + ")$") if p.keep_frames else None
        for expr in (p.drop_frames, p.keep_frames):
            LinearRegex("^(" + expr + ")$")  # Unsupported: Python-only syntax, not RE2's
    except (re.error, OverflowError, RecursionError, Unsupported):
        return
    prune(p, drop, keep)
