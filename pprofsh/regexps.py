"""Regexps that Python's backtracking engine would take exponential time on.

Go's regexps (RE2) match in linear time; Python's `re` backtracks. A pattern
whose repetition can match the same text in many ways (`(a+)+$`, `(a|a)*b`,
`(.*x)*`) can take exponential time on a long function name, so pprofsh refuses
such patterns when they are compiled: user regexps in pprofsh.filters.go_regexp,
a profile's drop_frames/keep_frames in pprofsh.profile.prune. See
docs/robustness.md. This module imports nothing of pprofsh (any layer may use it).
"""

from __future__ import annotations

BACKTRACK_MESSAGE = (
    "error parsing regexp: nested repetition operator may take exponential "
    "time (pprofsh has no linear-time regexp engine): `{expr}`"
)


def may_backtrack(pattern: str) -> bool:
    """True when pattern has a repetition that can match one text in many ways."""
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]

    repeats = (C.MAX_REPEAT, C.MIN_REPEAT)

    def items(sub):
        return sub.data if hasattr(sub, "data") else sub

    def flat(seq):
        """Top-level items of seq with capture groups opened up."""
        out = []
        for op, av in items(seq):
            if op is C.SUBPATTERN:
                out.extend(flat(av[3]))
            else:
                out.append((op, av))
        return out

    def variable(seq) -> list:
        """Variable-length repetitions and ambiguous alternations anywhere in seq."""
        found = []
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

    def can_match(node, ch: int) -> bool:
        """Whether the inner repetition (or alternation) node can consume character ch."""
        from re import _compiler  # type: ignore[attr-defined]

        try:
            rx = _compiler.compile(P.SubPattern(P.State(), [node]), 0)
            return rx.match(chr(ch) * 2) is not None and rx.match(chr(ch) * 2).end() > 0
        except Exception:  # noqa: BLE001 - when unsure, assume it can
            return True

    def check(seq) -> bool:
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
