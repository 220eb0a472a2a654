"""Legacy (pre-profile.proto) profile formats, read the way Go 1.19's pprof reads them.

parse_legacy tries the same parsers, in the same order, as pprof's parseLegacy:
the binary CPU profile (C++ or Java), heapz/growthz/fragmentationz text, Go count
profiles (goroutine, threadcreate), threadz, contentionz/mutex/block text and the
Java heapz/contentionz text. The model it returns is what Go's Parse would hold,
down to location, function and mapping numbering, unreferenced locations and the
drop_frames/keep_frames regexps; pruning with those regexps is left to the caller,
as pprof's driver does it (RemoveUninteresting) for every profile.

One deliberate difference: Go runtime text (debug=1) carries, after each stack,
comment lines of the form ``#<TAB>0xPC<TAB>func+0xOFF<TAB>file:line`` and, for
goroutine profiles, ``# labels: {"k":"v"}``. Go ignores them; here they become the
Lines of the sample's locations and the sample's string labels.

Errors are ProfileError with Go's message, without the "parsing profile: " prefix
that Go's Parse puts in front.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from fractions import Fraction

from pprofsh.errors import ProfileError
from pprofsh.go import go_base as _go_base
from pprofsh.go import go_div as _go_div
from pprofsh.go import go_int64 as _f2i
from pprofsh.go import quote as _go_quote
from pprofsh.go import wrap_int64 as _i64
from pprofsh.profile.model import (
    Function,
    Line,
    Location,
    Mapping,
    Profile,
    Sample,
    ValueType,
)

__all__ = ["parse_legacy"]

_U64 = (1 << 64) - 1
_I64_MIN = -(1 << 63)

UNRECOGNIZED = "unrecognized profile format"
_MALFORMED = "malformed profile format"
_TOO_LONG = "bufio.Scanner: token too long"


class _Unrecognized(ProfileError):
    """Go's errUnrecognized: the next parser is tried."""

    def __init__(self) -> None:
        super().__init__(UNRECOGNIZED)


# --- Go integer and float semantics -----------------------------------------------------


def _fma(a: float, b: float, c: float) -> float:
    """a*b+c rounded once, as the FMA instructions do."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    r = Fraction(a) * Fraction(b) + Fraction(c)
    if r == 0:
        return a * b + c  # keeps the sign of zero
    return float(r)


_EXP_TAYLOR = (
    2.4801587301587301587e-5,
    1.9841269841269841270e-4,
    1.3888888888888888889e-3,
    8.3333333333333333333e-3,
    4.1666666666666666667e-2,
    1.6666666666666666667e-1,
    0.5,
    1.0,
)


def _go_exp(x: float) -> float:
    """math.Exp as Go 1.19 computes it on amd64 with FMA (math/exp_amd64.s).

    It differs from libm's exp in the last bit now and then, which can move the
    truncated result of scaleHeapSample by one.
    """
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > 7.09782712893384e02:
        return math.inf
    t = x * 1.4426950408889634073599246810018920
    r = round(t)  # CVTSD2SL rounds to nearest even
    bx = r if -(1 << 31) <= r < (1 << 31) else -(1 << 31)
    x1 = float(bx)
    x0 = _fma(-x1, 0.69314718055966295651160180568695068359375, x)
    x0 = _fma(-x1, 0.28235290563031577122588448175013436025525412068e-12, x0)
    x0 *= 0.0625
    acc = _EXP_TAYLOR[0]
    for c in _EXP_TAYLOR[1:]:
        acc = _fma(acc, x0, c)
    x0 = x0 * acc
    for _ in range(3):
        x0 = x0 * (x0 + 2.0)
    x0 = _fma(x0 + 2.0, x0, 1.0)
    bx += 0x3FF
    if bx <= 0:
        if bx < -52:
            return 0.0
        bx += 0x3FE
        x0 *= struct.unpack("<d", struct.pack("<Q", (bx << 52) & _U64))[0]
        bx = 1
    elif bx >= 0x7FF:
        return math.inf
    scale: float = struct.unpack("<d", struct.pack("<Q", bx << 52))[0]
    return x0 * scale


class _NumError(Exception):
    pass


def _num_error(fn: str, s: str, range_err: bool) -> _NumError:
    why = "value out of range" if range_err else "invalid syntax"
    return _NumError(f"strconv.{fn}: parsing {_go_quote(s)}: {why}")


def _underscore_ok(s: str) -> bool:
    saw = "^"
    i = 0
    if len(s) >= 1 and s[0] in "+-":
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "bxo":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if c.isdigit() and c.isascii() or hexa and c.lower() in "abcdef":
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def _parse_uint(s: str, base: int, fn: str = "ParseUint") -> int:
    """strconv.ParseUint(s, base, 64)."""
    if s == "":
        raise _num_error(fn, s, False)
    s0 = s
    base0 = base == 0
    if base0:
        base = 10
        if s[0] == "0":
            if len(s) >= 3 and s[1].lower() == "b":
                base, s = 2, s[2:]
            elif len(s) >= 3 and s[1].lower() == "o":
                base, s = 8, s[2:]
            elif len(s) >= 3 and s[1].lower() == "x":
                base, s = 16, s[2:]
            else:
                base, s = 8, s[1:]
    n = 0
    underscores = False
    for c in s:
        if c == "_" and base0:
            underscores = True
            continue
        if "0" <= c <= "9":
            d = ord(c) - 48
        elif "a" <= c.lower() <= "z":
            d = ord(c.lower()) - 87
        else:
            raise _num_error(fn, s0, False)
        if d >= base:
            raise _num_error(fn, s0, False)
        n = n * base + d
        if n > _U64:
            raise _num_error(fn, s0, True)
    if underscores and not _underscore_ok(s0):
        raise _num_error(fn, s0, False)
    return n


def _parse_int(s: str, base: int) -> int:
    """strconv.ParseInt(s, base, 64)."""
    if s == "":
        raise _num_error("ParseInt", s, False)
    neg = s[0] == "-"
    body = s[1:] if s[0] in "+-" else s
    try:
        u = _parse_uint(body, base, "ParseInt")
    except _NumError as e:
        range_err = str(e).endswith("value out of range")
        raise _num_error("ParseInt", s, range_err) from None
    if (not neg and u >= 1 << 63) or (neg and u > 1 << 63):
        raise _num_error("ParseInt", s, True)
    return -u if neg else u


_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501


def _trim(s: str) -> str:
    """strings.TrimSpace."""
    return s.strip(_GO_SPACE)


def _is_space_or_comment(line: str) -> bool:
    t = _trim(line)
    return t == "" or t[0] == "#"


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


# --- bufio.Scanner with ScanLines -------------------------------------------------------


class _Scanner:
    """bufio.Scanner over a byte string, with its 64KiB token limit and quirks."""

    _MAX = 64 * 1024

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self._tok: str | None = None
        self._err: str | None = None
        self._pending: bytes | None = None

    def scan(self) -> bool:
        if self._pending is not None:
            # After ErrTooLong, Go's Scanner hands out the buffered prefix once.
            self._tok = _decode(self._pending)
            self._pending = None
            return True
        self._tok = None
        if self._err is not None:
            return False
        data, pos = self._data, self._pos
        if pos >= len(data):
            return False
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        if end - pos >= self._MAX:
            self._err = _TOO_LONG
            chunk = data[pos : pos + self._MAX]
            self._pending = chunk[:-1] if chunk.endswith(b"\r") else chunk
            self._pos = len(data)
            return False
        tok = data[pos:end]
        if tok.endswith(b"\r"):
            tok = tok[:-1]
        self._tok = _decode(tok)
        self._pos = len(data) if nl < 0 else nl + 1
        return True

    def text(self) -> str:
        return self._tok or ""

    def check(self) -> None:
        """Raise what s.Err() would return."""
        if self._err is not None:
            raise ProfileError(self._err)


# --- regular expressions, written with Go's ASCII classes -------------------------------

_S = r"[\t\n\f\r ]"  # Go's \s
_NS = r"[^\t\n\f\r ]"  # Go's \S
_X = r"[0-9A-Fa-f]"

_count_start_re = re.compile(rf"\A({_NS}+) profile: total [0-9]+\Z")
_count_re = re.compile(r"\A([0-9]+) @(( 0x[0-9a-f]+)+)\Z")
_heap_header_re = re.compile(
    r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] *@ *"
    r"(heap[_a-z0-9]*)/?([0-9]*)"
)
# Go's RE2 matches in linear time and Python's `re` backtracks, so each pattern
# below is written so that the backtracking is linear too (docs/robustness.md):
# a lookbehind lets a match start only where a run of digits starts (a match
# starting inside a run would also match from its start, which is leftmost),
# and possessive quantifiers (`++`) keep runs that the next item cannot share.
_heap_sample_re = re.compile(
    r"(-?(?<![0-9])[0-9]++): *+(-?[0-9]++) *+\[ *+([0-9]++): *+([0-9]++) *+\] @([ x0-9a-f]*)"
)
# `([0-9]+) *([0-9]+) @`: with spaces, the two runs; without, Go's greedy first
# group leaves exactly one digit to the second.
_contention_sample_re = re.compile(
    r"(?<![0-9])(?:([0-9]++) ++([0-9]++)|([0-9]+)([0-9])) @([ x0-9a-f]*)"
)
_hex_number_re = re.compile(r"0x[0-9a-f]+")
_growth_header_re = re.compile(
    r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ growthz?"
)
_fragmentation_header_re = re.compile(
    r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ fragmentationz?"
)
_threadz_start_re = re.compile(r"--- threadz [0-9]+ ---")
_thread_start_re = re.compile(rf"--- Thread ({_X}+) \(name: (.*)/([0-9]+)\) stack: ---")

_c_hex = rf"(?:0x)?({_X}+)"
_c_hex_range = rf"{_S}*{_c_hex}[\t\n\f\r -]?{_S}*{_c_hex}:?"
# In a proc maps line the second address must end its hex run (a separator or
# `:` follows), so of all the ways to split one run in two, Go's greedy choice
# is the whole run or all but its last digit: the lookahead allows only those.
_c_hex_range_proc = rf"{_S}*+(?:0x)?({_X}+)(?={_X}?(?!{_X}))[\t\n\f\r -]?{_S}*+(?:0x)?({_X}++):?"
_c_perm = rf"(?:{_S}+([-rwxp]+))?"
_c_space_hex = rf"(?:{_S}+({_X}+))?"
_c_space_string = rf"(?:{_S}+({_NS}+))?"
_c_space_at_offset = rf"(?:{_S}+\(@({_X}+)\))?"
_proc_maps_re = re.compile(
    rf"^{_c_hex_range_proc}{_c_perm}{_c_space_hex}{_S}+{_X}+:{_X}+{_S}+[0-9]+{_c_space_string}"
)
_brief_maps_re = re.compile(
    rf"^{_c_hex_range}{_c_perm}{_c_space_string}{_c_space_at_offset}{_c_space_hex}"
)
_log_info_re = re.compile(rf"^[^\[\]]+:[0-9]+\]{_S}")
_lib_re = re.compile(r"([.]so\Z|[.]so[._][0-9]+)")

_attribute_re = re.compile(r"(?<![0-9A-Za-z_ ])([0-9A-Za-z_ ]++)=([0-9A-Za-z_ ]+)")
_java_sample_re = re.compile(r" *([0-9]+) +([0-9]+) +@ +([ x0-9a-f]*)")
_java_location_re = re.compile(rf"^{_S}*0x({_X}+){_S}+(.*){_S}*\Z")
_java_line_tail_re = re.compile(r":(-?[0-9]++)\)\Z")
_GO_SPACE_SET = frozenset("\t\n\f\r ")


def _java_paren_split(s: str, end: int, min_inner: int) -> int:
    """The last `(` before end with at least min_inner characters after it and Go's
    whitespace before it (what a greedy `^(.*)\\s+\\(` picks), or -1. Found by
    walking left, so a line of many `(` costs linear time, not quadratic."""
    q = s.rfind("(", 0, end - min_inner)
    while q > 0:
        if s[q - 1] in _GO_SPACE_SET:
            return q
        q = s.rfind("(", 0, q)
    return -1


def _java_location_file_line(s: str) -> tuple[str, str, str] | None:
    """Go's `^(.*)\\s+\\((.+):(-?[0-9]+)\\)$` (func, file, line), matched in linear time."""
    if "\n" in s:
        return None
    t = _java_line_tail_re.search(s)
    if t is None:
        return None
    q = _java_paren_split(s, t.start(), 1)
    if q < 0:
        return None
    return s[: q - 1], s[q + 1 : t.start()], t.group(1)


def _java_location_path(s: str) -> tuple[str, str] | None:
    """Go's `^(.*)\\s+\\((.*)\\)$` (func, file), matched in linear time."""
    if "\n" in s or not s.endswith(")"):
        return None
    q = _java_paren_split(s, len(s) - 1, 0)
    if q < 0:
        return None
    return s[: q - 1], s[q + 1 : -1]


_MEMORY_MAP_SENTINELS = ("--- Memory map: ---", "MAPPED_LIBRARIES:")


def _groups(m: re.Match[str]) -> list[str]:
    """FindStringSubmatch: unmatched groups are empty strings."""
    return [m.group(0)] + [g or "" for g in m.groups()]


def _is_memory_map_sentinel(line: str) -> bool:
    return any(s in line for s in _MEMORY_MAP_SENTINELS)


def _parse_hex_addresses(s: str) -> list[int]:
    out = []
    for h in _hex_number_re.findall(s):
        try:
            out.append(_parse_uint(h, 0))
        except _NumError:
            raise _NumError(f"failed to parse as hex 64-bit number: {h}") from None
    return out


# --- the pieces of Go's Profile methods that legacy parsing uses ------------------------


class _Builder:
    """A Profile under construction, with Go's per-parser location table."""

    def __init__(self, p: Profile) -> None:
        self.p = p
        self.locs: dict[int, Location] = {}
        # Stacks are lists while parsing (some parsers edit them), tuples at the end.
        self.stacks: list[list[Location]] = []

    def loc(self, addr: int) -> Location:
        loc = self.locs.get(addr)
        if loc is None:
            loc = Location(id=0, address=addr)
            self.locs[addr] = loc
            self.p.locations.append(loc)
        return loc

    def add(
        self,
        stack: list[Location],
        values: list[int],
        num_labels: dict[str, list[int]] | None = None,
    ) -> Sample:
        s = Sample(locations=(), values=values, num_labels=num_labels)
        self.p.samples.append(s)
        self.stacks.append(stack)
        return s

    def finish_stacks(self) -> None:
        interned: dict[tuple[int, ...], tuple[Location, ...]] = {}
        for s, stack in zip(self.p.samples, self.stacks, strict=True):
            key = tuple(id(loc) for loc in stack)
            t = interned.get(key)
            if t is None:
                t = interned[key] = tuple(stack)
            s.locations = t


def _remap_location_ids(b: _Builder) -> None:
    seen: set[int] = set()
    locs: list[Location] = []
    for stack in b.stacks:
        for loc in stack:
            if id(loc) in seen:
                continue
            seen.add(id(loc))
            loc.id = len(locs) + 1
            locs.append(loc)
    b.p.locations = locs


def _remap_function_ids(p: Profile) -> None:
    seen: set[int] = set()
    fns: list[Function] = []
    for loc in p.locations:
        for ln in loc.lines:
            fn = ln.function
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            fn.id = len(fns) + 1
            fns.append(fn)
    p.functions = fns


def _remap_mapping_ids(p: Profile) -> None:
    maps = p.mappings
    if maps:
        m = maps[0]
        if m.file.startswith("/anon_hugepage") and len(maps) > 1 and m.limit == maps[1].start:
            maps = p.mappings = maps[1:]
    if maps:
        m = maps[0]
        if (m.start - m.offset) & _U64 == 0x400000:
            m.start = 0x400000
            m.offset = 0
    fake: Mapping | None = None
    for loc in p.locations:
        a = loc.address
        if loc.mapping is not None or a == 0:
            continue
        for m in maps:
            if m.start <= a < m.limit:
                loc.mapping = m
                break
        else:
            for m in maps:
                if m.offset != 0 and (m.start - m.offset) & _U64 <= a < m.start:
                    m.start = (m.start - m.offset) & _U64
                    m.offset = 0
                    loc.mapping = m
                    break
            else:
                if fake is None:
                    fake = Mapping(id=1, limit=_U64)
                    maps.append(fake)
                loc.mapping = fake
    for i, m in enumerate(maps):
        m.id = i + 1


def _adjacent(m1: Mapping, m2: Mapping) -> bool:
    if m1.file and m2.file and m1.file != m2.file:
        return False
    if m1.build_id and m2.build_id and m1.build_id != m2.build_id:
        return False
    if m1.limit != m2.start:
        return False
    if m1.offset != 0 and m2.offset != 0:
        if (m1.offset + (m1.limit - m1.start)) & _U64 != m2.offset:
            return False
    return True


def _massage_mappings(p: Profile) -> None:
    if len(p.mappings) > 1:
        merged = [p.mappings[0]]
        for m in p.mappings[1:]:
            lm = merged[-1]
            if _adjacent(lm, m):
                lm.limit = m.limit
                if m.file:
                    lm.file = m.file
                if m.build_id:
                    lm.build_id = m.build_id
                for loc in p.locations:
                    if loc.mapping is m:
                        loc.mapping = lm
                continue
            merged.append(m)
        p.mappings = merged
    for i, m in enumerate(p.mappings):
        f = _trim(m.file.replace("(deleted)", ""))
        if not f or _lib_re.search(f) or f[0] == "[":
            continue
        p.mappings[0], p.mappings[i] = p.mappings[i], p.mappings[0]
        break
    for i, m in enumerate(p.mappings):
        m.id = i + 1


class _Replacer:
    """strings.NewReplacer: leftmost, non-overlapping; earlier pairs win at a position."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def replace(self, s: str) -> str:
        if not self.pairs:
            return s
        out = []
        i = 0
        while i < len(s):
            for old, new in self.pairs:
                if s.startswith(old, i):
                    out.append(new)
                    i += len(old)
                    break
            else:
                out.append(s[i])
                i += 1
        return "".join(out)


def _parse_mapping_entry(line: str) -> Mapping | None:
    """parseMappingEntry; raises _Unrecognized, returns None for skipped entries."""
    m = _proc_maps_re.search(line)
    if m:
        g = _groups(m)
        start, end, perm, offset, file, build_id = g[1], g[2], g[3], g[4], g[5], ""
    else:
        m = _brief_maps_re.search(line)
        if not m:
            raise _Unrecognized()
        g = _groups(m)
        start, end, perm, file, offset, build_id = g[1], g[2], g[3], g[4], g[5], g[6]
    if perm and "x" not in perm:
        return None
    try:
        mp = Mapping(id=0, file=file, build_id=build_id)
        mp.start = _parse_uint(start, 16)
        mp.limit = _parse_uint(end, 16)
        if offset:
            mp.offset = _parse_uint(offset, 16)
    except _NumError:
        raise _Unrecognized() from None
    return mp


def _parse_proc_maps(s: _Scanner) -> list[Mapping]:
    mappings: list[Mapping] = []
    attrs: list[tuple[str, str]] = []
    r = _Replacer(attrs)
    while s.scan():
        text = s.text()
        lm = _log_info_re.search(text)
        line = r.replace(text[lm.end() :] if lm else text)
        try:
            m = _parse_mapping_entry(line)
        except _Unrecognized:
            if "=" in line:
                k, v = line.split("=", 1)
                attrs.append(("$" + _trim(k), _trim(v)))
                r = _Replacer(list(attrs))
            continue
        if m is not None:
            mappings.append(m)
    s.check()
    return mappings


def _parse_memory_map(s: _Scanner, b: _Builder) -> None:
    """ParseMemoryMapFromScanner: add mappings, then renumber everything."""
    p = b.p
    p.mappings.extend(_parse_proc_maps(s))
    _massage_mappings(p)
    _remap_location_ids(b)
    _remap_function_ids(p)
    _remap_mapping_ids(p)


def _parse_additional_sections(s: _Scanner, b: _Builder) -> None:
    while not _is_memory_map_sentinel(s.text()) and s.scan():
        pass
    s.check()
    _parse_memory_map(s, b)


def _cleanup_duplicate_locations(b: _Builder) -> None:
    for stack in b.stacks:
        if len(stack) > 1 and stack[0].address == (stack[1].address + 1) & _U64:
            del stack[1]


def _check_valid(p: Profile) -> None:
    """The parts of Profile.CheckValid that a legacy parser can fail."""
    n = len(p.sample_types)
    if n == 0 and p.samples:
        raise ProfileError("missing sample type information")
    for s in p.samples:
        if len(s.values) != n:
            raise ProfileError(f"mismatch: sample has {len(s.values)} values vs. {n} types")


# --- Go runtime debug=1 comments (pprofsh addition) -------------------------------------

_go_frame_head_re = re.compile(r"#\t++0x([0-9a-f]++)(?:\Z|\t++)")
_go_frame_line_re = re.compile(r":([0-9]++)\Z")
_go_offset_re = re.compile(r"\+0x[0-9a-f]++\t++")


def _go_frame(line: str) -> tuple[str, str | None, str, str] | None:
    """`#\\t+0x(hex)(?:\\t+(.*)\\+0x[0-9a-f]+\\t+(.*):([0-9]+))?$` as Go's leftmost-first
    matching reads it (address, function, file, line), in linear time: the function
    runs to the last `+0xOFFSET\\t` that leaves room for `FILE:LINE`."""
    m = _go_frame_head_re.match(line)
    if m is None or "\n" in line:
        return None
    if m.end() == len(line) and not line.endswith("\t"):
        return m.group(1), None, "", ""
    t = _go_frame_line_re.search(line, m.end())
    if t is None:
        return None
    q = line.rfind("+0x", m.end(), t.start())
    while q >= 0:
        o = _go_offset_re.match(line, q)
        if o is not None and o.end() <= t.start():
            return m.group(1), line[m.end() : q], line[o.end() : t.start()], t.group(1)
        q = line.rfind("+0x", m.end(), q)
    return None


_LABELS_PREFIX = "# labels: "


class _GoText:
    """Collects the `#` frame and label comments that follow each sample."""

    def __init__(self) -> None:
        self.frames: dict[int, list[tuple[int, str | None, str, int]]] = {}
        self.funcs: dict[tuple[str, str], Function] = {}

    def comment(self, b: _Builder, line: str) -> None:
        """Record a comment line (already known to start with '#')."""
        if not b.p.samples:
            return
        s = b.p.samples[-1]
        if line.startswith(_LABELS_PREFIX):
            labels = _parse_go_labels(line[len(_LABELS_PREFIX) :])
            if labels:
                s.labels = {k: [v] for k, v in labels}
            return
        m = _go_frame(line)
        if m is None:
            return
        addr = int(m[0], 16) & _U64
        name = m[1]
        entry: tuple[int, str | None, str, int]
        if name is not None:
            entry = (addr, name, m[2], int(m[3]))
        else:
            entry = (addr, None, "", 0)
        self.frames.setdefault(len(b.p.samples) - 1, []).append(entry)

    def apply(self, b: _Builder) -> None:
        """Give each location the lines its sample's comments describe."""
        for i, frames in self.frames.items():
            # Consecutive lines for one address are one frame with its inlined calls.
            runs: list[tuple[int, list[tuple[str, str, int]]]] = []
            for addr, name, file, line in frames:
                if not runs or runs[-1][0] != addr:
                    runs.append((addr, []))
                if name is not None:
                    runs[-1][1].append((name, file, line))
            by_addr: dict[int, list[tuple[str, str, int]]] = {}
            for addr, run in runs:
                by_addr.setdefault(addr, run)
            for loc in b.stacks[i]:
                if loc.lines:
                    continue
                group = by_addr.get(loc.address) or by_addr.get((loc.address + 1) & _U64)
                if not group:
                    continue
                loc.lines = [Line(self._func(name, file), line) for name, file, line in group]

    def _func(self, name: str, file: str) -> Function:
        fn = self.funcs.get((name, file))
        if fn is None:
            fn = self.funcs[(name, file)] = Function(
                id=0, name=name, system_name=name, filename=file
            )
        return fn


_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _go_unquote_at(s: str, i: int) -> tuple[str, int]:
    """Read the Go %q string starting at s[i] (a double quote); return it and the end."""
    if i >= len(s) or s[i] != '"':
        raise ValueError("expected a quoted string")
    i += 1
    out: list[str] = []
    raw = bytearray()

    def flush() -> None:
        if raw:
            out.append(raw.decode("utf-8", "surrogateescape"))
            raw.clear()

    while i < len(s):
        c = s[i]
        if c == '"':
            flush()
            return "".join(out), i + 1
        if c != "\\":
            flush()
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(s):
            break
        e = s[i]
        if e in _GO_ESCAPES:
            flush()
            out.append(_GO_ESCAPES[e])
            i += 1
        elif e in "\\'\"":
            flush()
            out.append(e)
            i += 1
        elif e == "x":
            raw.append(int(s[i + 1 : i + 3], 16))
            i += 3
        elif e in "01234567":
            raw.append(int(s[i : i + 3], 8) & 0xFF)
            i += 3
        elif e in "uU":
            n = 4 if e == "u" else 8
            flush()
            out.append(chr(int(s[i + 1 : i + 1 + n], 16)))
            i += 1 + n
        else:
            raise ValueError("bad escape")
    raise ValueError("unterminated string")


def _parse_go_labels(text: str) -> list[tuple[str, str]] | None:
    """Parse runtime/pprof's labelMap.String(): {"k":"v", "k2":"v2"}."""
    text = _trim(text)
    if not (text.startswith("{") and text.endswith("}")):
        return None
    out = []
    i = 1
    try:
        while i < len(text) - 1:
            k, i = _go_unquote_at(text, i)
            if text[i] != ":":
                return None
            v, i = _go_unquote_at(text, i + 1)
            out.append((k, v))
            if text.startswith(", ", i):
                i += 2
            elif i != len(text) - 1:
                return None
    except (ValueError, IndexError):
        return None
    return out


# --- CPU (binary) -----------------------------------------------------------------------

# A word reader: (data, offset) -> (value, new offset), offset None once data ran out.
_WordReader = Callable[[bytes, "int | None"], "tuple[int, int | None]"]


def _word_reader(fmt: str) -> tuple[_WordReader, str, int]:
    st = struct.Struct(fmt)
    size = st.size

    def read(data: bytes, off: int | None) -> tuple[int, int | None]:
        if off is None or len(data) - off < size:
            return 0, None
        return st.unpack_from(data, off)[0], off + size

    return read, fmt, size


_CPU_WORDS = [_word_reader(f) for f in ("<I", ">I", "<Q", ">Q")]


def _parse_cpu(data: bytes) -> Profile:
    for read, fmt, size in _CPU_WORDS:
        n1, off = read(data, 0)
        n2, off = read(data, off)
        n3, off = read(data, off)
        n4, off = read(data, off)
        n5, off = read(data, off)
        if off is not None and n1 == 0 and n2 == 3 and n4 > 0 and n5 == 0:
            if n3 == 0:
                return _cpu_profile(data, off, _i64(n4), read, fmt, size)
            if n3 == 1:
                return _java_cpu_profile(data, off, _i64(n4), read, fmt, size)
    raise _Unrecognized()


def _parse_cpu_samples(
    b: _Builder,
    data: bytes,
    off: int | None,
    read: _WordReader,
    fmt: str,
    size: int,
    adjust: bool,
) -> int | None:
    """parseCPUSamples; returns the offset of what follows the samples (None: nothing)."""
    p = b.p
    period = p.period
    bulk_cache: dict[int, struct.Struct] = {}
    while off is not None and off < len(data):
        count, off = read(data, off)
        nstk, off = read(data, off)
        if off is None or nstk > (len(data) - off) // 4:
            raise _Unrecognized()
        if len(data) - off >= nstk * size:
            st = bulk_cache.get(nstk)
            if st is None:
                st = bulk_cache[nstk] = struct.Struct(f"{fmt[0]}{nstk}{fmt[1]}")
            addrs = list(st.unpack_from(data, off))
            off += nstk * size
        else:
            addrs = []
            for _ in range(nstk):
                a, off = read(data, off)
                addrs.append(a)
        if count == 0 and nstk == 1 and addrs[0] == 0:
            break
        stack = []
        for i, addr in enumerate(addrs):
            if adjust and i > 0:
                addr = (addr - 1) & _U64
            stack.append(b.loc(addr))
        c = _i64(count)
        b.add(stack, [c, _i64(c * period)])
    return off


def _cpu_header(period: int) -> Profile:
    """The header both binary CPU formats (C++ and Java) give a profile."""
    return Profile(
        period=_i64(period * 1000),
        period_type=ValueType("cpu", "nanoseconds"),
        sample_types=[ValueType("samples", "count"), ValueType("cpu", "nanoseconds")],
    )


def _cpu_profile(
    data: bytes, off: int, period: int, read: _WordReader, fmt: str, size: int
) -> Profile:
    p = _cpu_header(period)
    b = _Builder(p)
    rest = _parse_cpu_samples(b, data, off, read, fmt, size, True)

    # Drop a second frame shared by (nearly) all samples: the signal handler's.
    margin = len(p.samples) // 32
    for _ in range(2):
        counts: dict[int, int] = {}
        for stack in b.stacks:
            if len(stack) > 1:
                a = stack[1].address
                counts[a] = counts.get(a, 0) + 1
        for a, n in counts.items():
            if n >= len(p.samples) - margin:
                for stack in b.stacks:
                    if len(stack) > 1 and stack[1].address == a:
                        del stack[1]
                break

    _parse_memory_map(_Scanner(data[rest:] if rest is not None else b""), b)
    _cleanup_duplicate_locations(b)
    b.finish_stacks()
    return p


def _java_cpu_profile(
    data: bytes, off: int, period: int, read: _WordReader, fmt: str, size: int
) -> Profile:
    p = _cpu_header(period)
    b = _Builder(p)
    rest = _parse_cpu_samples(b, data, off, read, fmt, size, False)
    _parse_java_locations(_decode(data[rest:]) if rest is not None else "", b)
    _strip_addresses(p)
    b.finish_stacks()
    return p


# --- heapz / growthz / fragmentationz ---------------------------------------------------


def _parse_heap(data: bytes) -> Profile:
    s = _Scanner(data)
    if not s.scan():
        s.check()
        raise _Unrecognized()
    p = Profile(period_type=ValueType("space", "bytes"))
    sampling = ""
    has_alloc = False
    line = s.text()
    if _heap_header_re.search(line):
        sampling, p.period, has_alloc = _parse_heap_header(line)
    elif _growth_header_re.search(line) or _fragmentation_header_re.search(line):
        p.period = 1
    else:
        raise _Unrecognized()
    if has_alloc:
        p.sample_types = [
            ValueType("alloc_objects", "count"),
            ValueType("alloc_space", "bytes"),
            ValueType("inuse_objects", "count"),
            ValueType("inuse_space", "bytes"),
        ]
    else:
        p.sample_types = [ValueType("objects", "count"), ValueType("space", "bytes")]

    b = _Builder(p)
    gotext = _GoText()
    while s.scan():
        line = _trim(s.text())
        if _is_space_or_comment(line):
            if line:
                gotext.comment(b, line)
            continue
        if _is_memory_map_sentinel(line):
            break
        values, blocksize, addrs = _parse_heap_sample(line, p.period, sampling, has_alloc)
        stack = [b.loc((a - 1) & _U64) for a in addrs]
        b.add(stack, values, num_labels={"bytes": [blocksize]})
    s.check()
    gotext.apply(b)
    _parse_additional_sections(s, b)
    b.finish_stacks()
    return p


def _parse_heap_header(line: str) -> tuple[str, int, bool]:
    m = _heap_header_re.search(line)
    if m is None:
        raise _Unrecognized()
    h = _groups(m)
    period = 0
    if h[6]:
        try:
            period = _parse_int(h[6], 10)
        except _NumError:
            raise _Unrecognized() from None
    has_alloc = (h[3] != h[1] and h[3] != "0") or (h[4] != h[2] and h[4] != "0")
    if h[5] in ("heapz_v2", "heap_v2"):
        return "v2", period, has_alloc
    if h[5] == "heapprofile":
        return "", 1, has_alloc
    if h[5] == "heap":
        return "v2", period // 2, has_alloc
    raise _Unrecognized()


def _parse_heap_sample(
    line: str, rate: int, sampling: str, include_alloc: bool
) -> tuple[list[int], int, list[int]]:
    m = _heap_sample_re.search(line)
    if m is None:
        raise ProfileError("unexpected number of sample values: got 0, want 6")
    g = _groups(m)
    values: list[int] = []
    blocksize = 0

    def add(count_s: str, size_s: str, label: str) -> None:
        nonlocal blocksize
        try:
            count = _parse_int(count_s, 10)
            size = _parse_int(size_s, 10)
        except _NumError as e:
            raise ProfileError(f"malformed sample: {line}: {e}") from None
        if count == 0 and size != 0:
            raise ProfileError(f"{label} count was 0 but {label} bytes was {size}")
        if count != 0:
            blocksize = _go_div(size, count)
            if sampling == "v2":
                count, size = _scale_heap_sample(count, size, rate)
        values.extend((count, size))

    if include_alloc:
        add(g[3], g[4], "allocation")
    add(g[1], g[2], "inuse")
    try:
        addrs = _parse_hex_addresses(g[5])
    except _NumError as e:
        raise ProfileError(f"malformed sample: {line}: {e}") from None
    return values, blocksize, addrs


def _scale_heap_sample(count: int, size: int, rate: int) -> tuple[int, int]:
    if count == 0 or size == 0:
        return 0, 0
    if rate <= 1:
        return count, size
    avg = float(size) / float(count)
    scale = 1 / (1 - _go_exp(-avg / float(rate)))
    return _f2i(float(count) * scale), _f2i(float(size) * scale)


# --- Go count profiles (goroutine, threadcreate) ----------------------------------------


def _parse_go_count(data: bytes) -> Profile:
    s = _Scanner(data)
    while s.scan() and _is_space_or_comment(s.text()):
        pass
    s.check()
    m = _count_start_re.search(s.text())
    if m is None:
        raise _Unrecognized()
    ptype = m.group(1)
    p = Profile(
        period_type=ValueType(ptype, "count"),
        period=1,
        sample_types=[ValueType(ptype, "count")],
    )
    b = _Builder(p)
    gotext = _GoText()
    while s.scan():
        line = s.text()
        if _is_space_or_comment(line):
            t = _trim(line)
            if t:
                gotext.comment(b, t)
            continue
        if line.startswith("---"):
            break
        m = _count_re.search(line)
        if m is None:
            raise ProfileError(_MALFORMED)
        try:
            n = _parse_int(m.group(1), 0)
            addrs = [_parse_uint(f, 0) for f in m.group(2).split()]
        except _NumError:
            raise ProfileError(_MALFORMED) from None
        stack = [b.loc((a - 1) & _U64) for a in addrs]
        b.add(stack, [n])
    s.check()
    gotext.apply(b)
    _parse_additional_sections(s, b)
    b.finish_stacks()
    return p


# --- threadz ----------------------------------------------------------------------------


def _parse_thread(data: bytes) -> Profile:
    s = _Scanner(data)
    while s.scan() and _is_space_or_comment(s.text()):
        pass
    line = s.text()
    if _threadz_start_re.search(line):
        while s.scan():
            line = s.text()
            if _is_memory_map_sentinel(line) or line.startswith("-"):
                break
    elif not _thread_start_re.search(line):
        raise _Unrecognized()

    p = Profile(
        sample_types=[ValueType("thread", "count")],
        period_type=ValueType("thread", "count"),
        period=1,
    )
    b = _Builder(p)
    while not _is_memory_map_sentinel(line):
        if line.startswith("---- no stack trace for"):
            break
        if not _thread_start_re.search(line):
            raise _Unrecognized()
        line, addrs = _parse_thread_sample(s)
        if not addrs:
            if p.samples:
                p.samples[-1].values[0] = _i64(p.samples[-1].values[0] + 1)
            continue
        stack = [b.loc((a - 1) & _U64 if i > 0 else a) for i, a in enumerate(addrs)]
        b.add(stack, [1])
    _parse_additional_sections(s, b)
    _cleanup_duplicate_locations(b)
    b.finish_stacks()
    return p


def _parse_thread_sample(s: _Scanner) -> tuple[str, list[int]]:
    line = ""
    same_as_previous = False
    addrs: list[int] = []
    while s.scan():
        line = _trim(s.text())
        if line == "":
            continue
        if line.startswith("---"):
            break
        if "same as previous thread" in line:
            same_as_previous = True
            continue
        try:
            addrs.extend(_parse_hex_addresses(line))
        except _NumError as e:
            raise ProfileError(f"malformed sample: {line}: {e}") from None
    s.check()
    if same_as_previous:
        return line, []
    return line, addrs


# --- contentionz, and the Go runtime's mutex and block text -----------------------------


def _parse_contention(data: bytes) -> Profile:
    s = _Scanner(data)
    if not s.scan():
        s.check()
        raise _Unrecognized()
    first = s.text()
    if not first.startswith(("--- contentionz ", "--- mutex:", "--- contention:")):
        raise _Unrecognized()
    p = Profile(
        period_type=ValueType("contentions", "count"),
        period=1,
        sample_types=[ValueType("contentions", "count"), ValueType("delay", "nanoseconds")],
    )
    cpu_hz = 0
    while s.scan():
        line = _trim(s.text())
        if _is_space_or_comment(line):
            continue
        if line.startswith("---"):
            break
        if "=" not in line:
            break
        key, val = line.split("=", 1)
        key, val = _trim(key), _trim(val)
        try:
            if key == "cycles/second":
                cpu_hz = _parse_int(val, 0)
            elif key == "sampling period":
                p.period = _parse_int(val, 0)
            elif key == "ms since reset":
                p.duration_nanos = _i64(_parse_int(val, 0) * 1000 * 1000)
            elif key != "discarded samples":
                raise _Unrecognized()  # includes Java's "format" and "resolution"
        except _NumError:
            raise _Unrecognized() from None
    s.check()

    b = _Builder(p)
    gotext = _GoText()
    while True:
        line = _trim(s.text())
        if line.startswith("---"):
            break
        if not _is_space_or_comment(line):
            values, addrs = _parse_contention_sample(line, p.period, cpu_hz)
            stack = [b.loc((a - 1) & _U64) for a in addrs]
            b.add(stack, values)
        elif line:
            gotext.comment(b, line)
        if not s.scan():
            break
    s.check()
    gotext.apply(b)
    _parse_additional_sections(s, b)
    b.finish_stacks()
    return p


def _parse_contention_sample(line: str, period: int, cpu_hz: int) -> tuple[list[int], list[int]]:
    m = _contention_sample_re.search(line)
    if m is None:
        raise _Unrecognized()
    try:
        v1 = _parse_int(m.group(1) or m.group(3), 10)
        v2 = _parse_int(m.group(2) or m.group(4), 10)
    except _NumError as e:
        raise ProfileError(f"malformed sample: {line}: {e}") from None
    if period > 0:
        if cpu_hz > 0:
            cpu_ghz = float(cpu_hz) / 1e9
            v1 = _f2i(float(v1) * float(period) / cpu_ghz)
        v2 = _i64(v2 * period)
    try:
        addrs = _parse_hex_addresses(m.group(5))
    except _NumError as e:
        raise ProfileError(f"malformed sample: {line}: {e}") from None
    return [v2, v1], addrs


# --- Java heapz / contentionz -----------------------------------------------------------


def _parse_java_profile(data: bytes) -> Profile:
    nl = data.find(b"\n")
    if nl < 0:
        raise _Unrecognized()
    header = _trim(_decode(data[: nl + 1]))
    if header == "--- heapz 1 ---":
        ptype = "heap"
    elif header == "--- contentionz 1 ---":
        ptype = "contention"
    else:
        raise _Unrecognized()
    p = Profile(period_type=ValueType("", ""))
    b = _Builder(p)
    rest = _parse_java_header(ptype, _decode(data[nl + 1 :]), p)
    rest = _parse_java_samples(ptype, rest, b)
    _parse_java_locations(rest, b)
    _strip_addresses(p)
    b.finish_stacks()
    return p


def _parse_java_header(ptype: str, text: str, p: Profile) -> str:
    nl = text.find("\n")
    while nl != -1:
        line = _trim(text[:nl])
        if line:
            m = _attribute_re.search(line)
            if m is None:
                return text
            attr, value = _trim(m.group(1)), _trim(m.group(2))
            key = ptype + "/" + attr
            if key in ("heap/format", "cpu/format", "contention/format"):
                if value != "java":
                    raise _Unrecognized()
            elif key == "heap/resolution":
                p.sample_types = [
                    ValueType("inuse_objects", "count"),
                    ValueType("inuse_space", value),
                ]
            elif key == "contention/resolution":
                p.sample_types = [ValueType("contentions", "count"), ValueType("delay", value)]
            elif key == "contention/sampling period":
                p.period_type = ValueType("contentions", "count")
                try:
                    p.period = _parse_int(value, 0)
                except _NumError as e:
                    raise ProfileError(f"failed to parse attribute {line}: {e}") from None
            elif key == "contention/ms since reset":
                try:
                    p.duration_nanos = _i64(_parse_int(value, 0) * 1000 * 1000)
                except _NumError as e:
                    raise ProfileError(f"failed to parse attribute {line}: {e}") from None
            else:
                raise _Unrecognized()
        text = text[nl + 1 :]
        nl = text.find("\n")
    return text


def _parse_java_samples(ptype: str, text: str, b: _Builder) -> str:
    p = b.p
    pos = 0
    nl = text.find("\n")
    while nl != -1:
        line = _trim(text[pos:nl])
        if line:
            m = _java_sample_re.search(line)
            if m is None:
                return text[pos:]
            try:
                addrs = _parse_hex_addresses(m.group(3))
            except _NumError as e:
                raise ProfileError(f"malformed sample: {line}: {e}") from None
            stack = [b.loc(a) for a in addrs]
            try:
                v0 = _parse_int(m.group(2), 0)
                v1 = _parse_int(m.group(1), 0)
            except _NumError as e:
                raise ProfileError(f"parsing sample {line}: {e}") from None
            num_labels = None
            if ptype == "heap":
                if v0 == 0:
                    raise ProfileError(f"parsing sample {line}: second value must be non-zero")
                num_labels = {"bytes": [_go_div(v1, v0)]}
                v0, v1 = _scale_heap_sample(v0, v1, 524288)
            elif ptype == "contention" and p.period != 0:
                v0 = _i64(v0 * p.period)
                v1 = _i64(v1 * p.period)
            b.add(stack, [v0, v1], num_labels=num_labels)
        pos = nl + 1
        nl = text.find("\n", pos)
    return text[pos:]


def _parse_java_locations(text: str, b: _Builder) -> None:
    p = b.p
    fns: dict[str, Function] = {}
    for raw in text.split("\n"):
        line = _trim(raw)
        if not line:
            continue
        m = _java_location_re.search(line)
        if m is None:
            continue
        try:
            addr = _parse_uint(m.group(1), 16)
        except _NumError as e:
            raise ProfileError(f"parsing sample {line}: {e}") from None
        loc = b.locs.get(addr)
        if loc is None:
            continue
        rest = m.group(2)
        line_no = 0
        fl = _java_location_file_line(rest)
        if fl:
            func, file = fl[0], fl[1]
            try:
                n = _parse_int(fl[2], 10)
                if n > 0:
                    line_no = n
            except _NumError:
                pass
        else:
            fp = _java_location_path(rest)
            if fp:
                func, file = fp[0], _go_base(fp[1])
            elif "generated stub/JIT" in rest:
                func, file = "STUB", ""
            else:
                func, file = rest, ""
        fn = fns.get(func)
        if fn is None:
            fn = fns[func] = Function(id=0, name=func, system_name=func, filename=file)
            p.functions.append(fn)
        loc.lines = [Line(fn, line_no)]
        loc.address = 0
    _remap_location_ids(b)
    _remap_function_ids(p)
    _remap_mapping_ids(p)


def _strip_addresses(p: Profile) -> None:
    """Aggregate(true, true, true, true, false): drop addresses, then CheckValid."""
    for loc in p.locations:
        loc.address = 0
    _check_valid(p)


# --- frame-dropping regexps (addLegacyFrameInfo) ----------------------------------------

_ALLOC_RX = "|".join(
    [
        "calloc",
        "cfree",
        "malloc",
        "free",
        "memalign",
        "do_memalign",
        "(__)?posix_memalign",
        "pvalloc",
        "valloc",
        "realloc",
        "tcmalloc::.*",
        "tc_calloc",
        "tc_cfree",
        "tc_malloc",
        "tc_free",
        "tc_memalign",
        "tc_posix_memalign",
        "tc_pvalloc",
        "tc_valloc",
        "tc_realloc",
        "tc_new",
        "tc_delete",
        "tc_newarray",
        "tc_deletearray",
        "tc_new_nothrow",
        "tc_newarray_nothrow",
        "malloc_zone_malloc",
        "malloc_zone_calloc",
        "malloc_zone_valloc",
        "malloc_zone_realloc",
        "malloc_zone_memalign",
        "malloc_zone_free",
        r"runtime\..*",
        "BaseArena::.*",
        "(::)?do_malloc_no_errno",
        "(::)?do_malloc_pages",
        "(::)?do_malloc",
        "DoSampledAllocation",
        "MallocedMemBlock::MallocedMemBlock",
        "_M_allocate",
        "__builtin_(vec_)?delete",
        "__builtin_(vec_)?new",
        "__gnu_cxx::new_allocator::allocate",
        "__libc_malloc",
        "__malloc_alloc_template::allocate",
        "allocate",
        "cpp_alloc",
        r"operator new(\[\])?",
        "simple_alloc::allocate",
    ]
)

_ALLOC_SKIP_RX = "|".join([r"runtime\.panic", r"runtime\.reflectcall", r"runtime\.call[0-9]*"])

_CPU_PROFILER_RX = "|".join(
    [
        "ProfileData::Add",
        "ProfileData::prof_handler",
        "CpuProfiler::prof_handler",
        "__pthread_sighandler",
        "__restore",
    ]
)

_LOCK_RX = "|".join(
    [
        "RecordLockProfileData",
        "(base::)?RecordLockProfileData.*",
        "(base::)?SubmitMutexProfileData.*",
        "(base::)?SubmitSpinLockProfileData.*",
        "(base::Mutex::)?AwaitCommon.*",
        "(base::Mutex::)?Unlock.*",
        "(base::Mutex::)?UnlockSlow.*",
        "(base::Mutex::)?ReaderUnlock.*",
        "(base::MutexLock::)?~MutexLock.*",
        "(Mutex::)?AwaitCommon.*",
        "(Mutex::)?Unlock.*",
        "(Mutex::)?UnlockSlow.*",
        "(Mutex::)?ReaderUnlock.*",
        "(MutexLock::)?~MutexLock.*",
        "(SpinLock::)?Unlock.*",
        "(SpinLock::)?SlowUnlock.*",
        "(SpinLockHolder::)?~SpinLockHolder.*",
    ]
)

_HEAPZ_TYPES = [
    ["allocations", "size"],
    ["objects", "space"],
    ["inuse_objects", "inuse_space"],
    ["alloc_objects", "alloc_space"],
    ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"],
]
_CONTENTIONZ_TYPES = [["contentions", "delay"]]


def _add_legacy_frame_info(p: Profile) -> None:
    types = [st.type for st in p.sample_types]
    if types in _HEAPZ_TYPES:
        p.drop_frames, p.keep_frames = _ALLOC_RX, _ALLOC_SKIP_RX
    elif types in _CONTENTIONZ_TYPES:
        p.drop_frames, p.keep_frames = _LOCK_RX, ""
    else:
        p.drop_frames, p.keep_frames = _CPU_PROFILER_RX, ""


# --- entry point ------------------------------------------------------------------------

_PARSERS = (
    _parse_cpu,
    _parse_heap,
    _parse_go_count,
    _parse_thread,
    _parse_contention,
    _parse_java_profile,
)


def parse_legacy(data: bytes) -> Profile:
    """Parse a legacy profile as Go's parseLegacy does (data already decompressed)."""
    for parser in _PARSERS:
        try:
            p = parser(data)
        except _Unrecognized:
            continue
        _add_legacy_frame_info(p)
        return p
    raise ProfileError(UNRECOGNIZED)
