"""Regexps that Python's backtracking engine would take exponential time on.

Go's regexps (RE2) match in linear time; Python's `re` backtracks. A pattern
whose repetition can match the same text in many ways (`(a+)+$`, `(a|a)*b`,
`(.*x)*`) can take exponential time on a long function name, so pprofsh refuses
such patterns when they are compiled: user regexps in pprofsh.filters.go_regexp,
a profile's drop_frames/keep_frames in pprofsh.profile.prune. See
docs/robustness.md. This module imports nothing of pprofsh (any layer may use it).
"""

from __future__ import annotations

from typing import Any

BACKTRACK_MESSAGE = (
    "error parsing regexp: nested repetition operator may take exponential "
    "time (pprofsh has no linear-time regexp engine): `{expr}`"
)


def may_backtrack(pattern: str) -> bool:
    """True when pattern has a repetition that can match one text in many ways."""
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]

    repeats = (C.MAX_REPEAT, C.MIN_REPEAT)

    def items(sub: Any) -> Any:
        return sub.data if hasattr(sub, "data") else sub

    def flat(seq: Any) -> list[Any]:
        """Top-level items of seq with capture groups opened up."""
        out: list[Any] = []
        for op, av in items(seq):
            if op is C.SUBPATTERN:
                out.extend(flat(av[3]))
            else:
                out.append((op, av))
        return out

    def variable(seq: Any) -> list[Any]:
        """Variable-length repetitions and ambiguous alternations anywhere in seq."""
        found: list[Any] = []
        for op, av in items(seq):
            if op in repeats:
                lo, hi, body = av
                if hi != lo:
                    found.append((op, av))
                found.extend(variable(body))
            elif op is C.SUBPATTERN:
                found.extend(variable(av[3]))
            elif op is C.BRANCH:
                alts = av[1]
                firsts = []
                for alt in alts:
                    f = flat(alt)
                    firsts.append(f[0][1] if f and f[0][0] is C.LITERAL else None)
                if None in firsts or len(set(firsts)) != len(firsts):
                    found.append((op, av))
                for alt in alts:
                    found.extend(variable(alt))
        return found

    def can_match(node: Any, ch: int) -> bool:
        """Whether the inner repetition (or alternation) node can consume character ch."""
        from re import _compiler  # type: ignore[attr-defined]

        try:
            rx = _compiler.compile(P.SubPattern(P.State(), [node]), 0)
            return rx.match(chr(ch) * 2) is not None and rx.match(chr(ch) * 2).end() > 0
        except Exception:  # noqa: BLE001 - when unsure, assume it can
            return True

    def check(seq: Any) -> bool:
        for op, av in items(seq):
            if op in repeats:
                lo, hi, body = av
                if hi > 1:
                    inner = variable(body)
                    if any(o is C.BRANCH for o, _ in inner):
                        return True
                    if inner:
                        seps = [a for o, a in flat(body) if o is C.LITERAL]
                        if not any(not any(can_match(n, c) for n in inner) for c in seps):
                            return True
                if check(body):
                    return True
            elif op is C.SUBPATTERN:
                if check(av[3]):
                    return True
            elif op is C.BRANCH:
                if any(check(alt) for alt in av[1]):
                    return True
            elif op in (C.ASSERT, C.ASSERT_NOT):
                if check(av[1]):
                    return True
        return False

    try:
        return check(P.parse(pattern))
    except Exception:  # noqa: BLE001 - the pattern compiled; the check is best effort
        return False


# -- a linear-time matcher for the patterns Python's re would backtrack on -----------------


class Unsupported(Exception):
    """The pattern uses a construct the linear matcher does not have (back-references,
    lookaround, atomic groups, possessive repeats: none of them is RE2 syntax)."""


MAX_REPEAT_COUNT = 1000  # RE2's limit: a larger count is "invalid repeat count" in Go
MAX_PROGRAM = 20000  # instructions; beyond this RE2 says "expression too large"


class _Found:
    """What search/match/fullmatch return on success (only their truth is used)."""

    def __bool__(self) -> bool:
        return True


_FOUND = _Found()


class LinearRegex:
    """A compiled pattern matched by simulating its automaton (Thompson's construction,
    all threads advanced one character at a time, as RE2 does): time O(len(text) x
    len(pattern)) whatever the pattern, so `(a+)+$` or `.*.*.*.*x` cannot backtrack.

    Only whether a match exists is computed (pprofsh's filters need no more): search,
    match and fullmatch return a true value or None. Each character class or anchor
    is still Python's own (a one-item re compiled with the flags in force there), so
    the language matched is exactly re's."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        from re import _parser as P  # type: ignore[attr-defined]

        self.pattern = pattern
        tree = P.parse(pattern, flags)
        self._state = tree.state
        # prog[i]: ("c", pred) one character, ("a", rx) an anchor, ("s", x, y) either,
        # ("j", x) jump, ("m",) match
        self._prog: list[tuple[Any, ...]] = []
        self._emit_seq(list(tree), tree.state.flags)
        self._prog.append(("m",))
        self._cache: dict[tuple[str, int], bool] = {}
        self.steps = 0  # characters times threads, for tests and measurements

    # -- compiling

    def _leaf(self, node: Any, flags: int) -> Any:
        from re import _compiler  # type: ignore[attr-defined]
        from re import _parser as P  # type: ignore[attr-defined]

        sub = P.SubPattern(self._state, [node])
        return _compiler.compile(sub, flags)

    def _emit_seq(self, nodes: list[Any], flags: int) -> None:
        for node in nodes:
            self._emit(node, flags)
            if len(self._prog) > MAX_PROGRAM:
                raise Unsupported("expression too large")

    def _emit(self, node: Any, flags: int) -> None:
        from re import _constants as C  # type: ignore[attr-defined]

        op, av = node
        prog = self._prog
        if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            rx = self._leaf(node, flags)
            prog.append(("c", rx, {}))
        elif op is C.AT:
            prog.append(("a", self._leaf(node, flags)))
        elif op is C.SUBPATTERN:
            _group, add, delete, sub = av
            self._emit_seq(list(sub), (flags | add) & ~delete)
        elif op is C.BRANCH:
            alts = av[1]
            ends = []
            for i, alt in enumerate(alts):
                if i < len(alts) - 1:
                    split = len(prog)
                    prog.append(("s", split + 1, -1))
                    self._emit_seq(list(alt), flags)
                    ends.append(len(prog))
                    prog.append(("j", -1))
                    prog[split] = ("s", split + 1, len(prog))
                else:
                    self._emit_seq(list(alt), flags)
            for e in ends:
                prog[e] = ("j", len(prog))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            if lo > MAX_REPEAT_COUNT or (hi != C.MAXREPEAT and hi > MAX_REPEAT_COUNT):
                raise Unsupported("invalid repeat count")
            for _ in range(lo):
                self._emit_seq(list(sub), flags)
            if hi == C.MAXREPEAT:
                loop = len(prog)
                prog.append(("s", loop + 1, -1))
                self._emit_seq(list(sub), flags)
                prog.append(("j", loop))
                prog[loop] = ("s", loop + 1, len(prog))
            else:
                splits = []
                for _ in range(hi - lo):
                    splits.append(len(prog))
                    prog.append(("s", len(prog) + 1, -1))
                    self._emit_seq(list(sub), flags)
                for sp in splits:
                    prog[sp] = ("s", sp + 1, len(prog))
        else:  # back-references, lookaround, atomic groups, possessive repeats
            raise Unsupported(str(op))

    # -- matching

    def _closure(self, pc: int, s: str, i: int, out: list[int], seen: set[int]) -> None:
        prog = self._prog
        stack = [pc]
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            ins = prog[pc]
            kind = ins[0]
            if kind == "j":
                stack.append(ins[1])
            elif kind == "s":
                stack.append(ins[2])
                stack.append(ins[1])
            elif kind == "a":
                if ins[1].match(s, i) is not None:
                    stack.append(pc + 1)
            else:
                out.append(pc)

    def _run(self, s: str, anchored: bool, full: bool) -> bool:
        key = (s, anchored * 2 + full)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        prog = self._prog
        n = len(s)
        threads: list[int] = []
        seen: set[int] = set()
        found = False
        for i in range(n + 1):
            if i == 0 or not anchored:
                self._closure(0, s, i, threads, seen)
            if any(prog[pc][0] == "m" for pc in threads) and (not full or i == n):
                found = True
                break
            if i == n or (anchored and not threads):
                break
            ch = s[i]
            nxt: list[int] = []
            seen = set()
            self.steps += len(threads)
            for pc in threads:
                ins = prog[pc]
                if ins[0] != "c":
                    continue
                memo = ins[2]
                ok = memo.get(ch)
                if ok is None:
                    ok = memo[ch] = ins[1].match(ch) is not None
                if ok:
                    self._closure(pc + 1, s, i + 1, nxt, seen)
            threads = nxt
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = found
        return found

    def search(self, s: str) -> _Found | None:
        return _FOUND if self._run(s, False, False) else None

    def match(self, s: str) -> _Found | None:
        return _FOUND if self._run(s, True, False) else None

    def fullmatch(self, s: str) -> _Found | None:
        return _FOUND if self._run(s, True, True) else None


def unbounded_repeats(pattern: str) -> int:
    """How many repetitions without an upper bound (`*`, `+`, `{n,}`) pattern has."""
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]

    def count(seq: Any) -> int:
        total = 0
        for op, av in seq:
            if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                total += (av[1] == C.MAXREPEAT) + count(av[2])
            elif op is C.SUBPATTERN:
                total += count(av[3])
            elif op is C.BRANCH:
                total += sum(count(alt) for alt in av[1])
            elif op in (C.ASSERT, C.ASSERT_NOT):
                total += count(av[1])
            elif op is C.ATOMIC_GROUP:
                total += count(av)
        return total

    try:
        return count(P.parse(pattern))
    except Exception:  # noqa: BLE001 - the pattern compiled; the count is best effort
        return 0


def needs_linear(pattern: str) -> bool:
    """Whether Python's backtracking could take more than quadratic time on pattern:
    nested or ambiguous repetitions (may_backtrack), or two unbounded repetitions
    in sequence (`.*a.*b` is cubic, `.*.*.*.*.*.*x` degree seven, on a long name)."""
    return may_backtrack(pattern) or unbounded_repeats(pattern) >= 2


def safe_compile(pattern: str, flags: int = 0):  # type: ignore[no-untyped-def]
    """re.compile(pattern), or a LinearRegex where re could take super-quadratic time.
    Raises re.error for an invalid pattern and Unsupported when a risky pattern uses
    a construct the linear matcher lacks."""
    import re

    rx = re.compile(pattern, flags)
    if needs_linear(pattern):
        return LinearRegex(pattern, flags)
    return rx
