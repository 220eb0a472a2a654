"""Units of sample values: conversion, labels, percentages, and unifying profiles' units.

Behaves as pprof's internal/measurement package (Go 1.19's vendored pprof):

* Three unit families: memory (bytes, base 1024), time (base ns) and GCU. A
  unit string is recognised ("sniffed") after lower-casing it and, when it is
  longer than two *bytes* of UTF-8, dropping one trailing "s"; the result must
  be one of the family's aliases. So "bytes", "Seconds", "hrs", "mss" are all
  recognised, and "μs" (three bytes) is not, because it loses its "s".
* Converting to "auto" or "minimum" picks the largest unit the value is at
  least 1 of; converting to an unknown unit of a known family gives the
  family's default unit (B, s, GCU).
* A from-unit no family knows leaves the value alone; the unit is then the
  to-unit, or "" for count, sample, unit, minimum and auto.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pprofsh.errors import ProfileError
from pprofsh.go import fmt_f, fmt_g, go_int64, go_round
from pprofsh.profile.model import Profile, ValueType

__all__ = [
    "UNIT_FAMILIES",
    "Unit",
    "UnitFamily",
    "common_value_type",
    "compatible_value_types",
    "is_memory_unit",
    "is_time_unit",
    "label",
    "percentage",
    "scale",
    "scale_profiles",
    "scaled_label",
    "sniff_unit",
]

_INT64_MIN = -(1 << 63)


@dataclass(frozen=True, slots=True)
class Unit:
    canonical: str  # how the unit is printed
    aliases: tuple[str, ...]  # lower-case spellings, after sniffing
    factor: float  # value of one of this unit in the family's base unit


@dataclass(frozen=True, slots=True)
class UnitFamily:
    name: str
    units: tuple[Unit, ...]  # ascending factors
    default: Unit  # used when the to-unit is not one of units

    def find(self, alias: str) -> Unit | None:
        for u in self.units:
            if alias in u.aliases:
                return u
        return None

    def sniff(self, unit: str) -> Unit | None:
        """The unit unit names in this family, after lower-casing and dropping one final s."""
        unit = _go_lower(unit)
        if len(unit.encode("utf-8")) > 2 and unit.endswith("s"):
            unit = unit[:-1]
        return self.find(unit)

    def auto_scale(self, value: float) -> tuple[float, str] | None:
        """value (in base units) in the largest unit it is at least 1 of, or None."""
        best: Unit | None = None
        for u in self.units:
            if (best is None or u.factor >= best.factor) and value / u.factor >= 1.0:
                best = u
        if best is None:
            return None
        return value / best.factor, best.canonical

    def convert(self, value: float, from_unit: str, to_unit: str) -> tuple[float, str] | None:
        """value in from_unit converted to to_unit, or None if from_unit is not of this family."""
        src = self.sniff(from_unit)
        if src is None:
            return None
        v = value * src.factor
        if to_unit in ("minimum", "auto"):
            scaled = self.auto_scale(v)
            if scaled is not None:
                return scaled
            return v / self.default.factor, self.default.canonical
        dst = self.sniff(to_unit)
        if dst is None:
            dst = self.default
        return v / dst.factor, dst.canonical


_NS = 1.0
_SECOND = 1e9 * _NS

UNIT_FAMILIES: tuple[UnitFamily, ...] = (
    UnitFamily(
        "memory",
        (
            Unit("B", ("b", "byte"), 1.0),
            Unit("kB", ("kb", "kbyte", "kilobyte"), float(1 << 10)),
            Unit("MB", ("mb", "mbyte", "megabyte"), float(1 << 20)),
            Unit("GB", ("gb", "gbyte", "gigabyte"), float(1 << 30)),
            Unit("TB", ("tb", "tbyte", "terabyte"), float(1 << 40)),
            Unit("PB", ("pb", "pbyte", "petabyte"), float(1 << 50)),
        ),
        Unit("B", ("b", "byte"), 1.0),
    ),
    UnitFamily(
        "time",
        (
            Unit("ns", ("ns", "nanosecond"), _NS),
            Unit("us", ("\u03bcs", "us", "microsecond"), 1e3 * _NS),
            Unit("ms", ("ms", "millisecond"), 1e6 * _NS),
            Unit("s", ("s", "sec", "second"), _SECOND),
            Unit("hrs", ("hour", "hr"), 3600 * _SECOND),
        ),
        Unit("s", (), _SECOND),
    ),
    UnitFamily(
        "gcu",
        (
            Unit("n*GCU", ("nanogcu",), 1e-9),
            Unit("u*GCU", ("microgcu",), 1e-6),
            Unit("m*GCU", ("milligcu",), 1e-3),
            Unit("GCU", ("gcu",), 1.0),
            Unit("k*GCU", ("kilogcu",), 1e3),
            Unit("M*GCU", ("megagcu",), 1e6),
            Unit("G*GCU", ("gigagcu",), 1e9),
            Unit("T*GCU", ("teragcu",), 1e12),
            Unit("P*GCU", ("petagcu",), 1e15),
        ),
        Unit("GCU", (), 1.0),
    ),
)

_FAMILY = {f.name: f for f in UNIT_FAMILIES}

# To-units that, when the from-unit is unknown, give an empty unit label.
_UNINTERESTING_UNITS = frozenset({"count", "sample", "unit", "minimum", "auto"})


def _go_lower(s: str) -> str:
    # Go's strings.ToLower maps rune by rune; Python's lower() can expand a
    # character (U+0130 becomes two), which would change the byte length test.
    if s.isascii():
        return s.lower()
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in s).replace("\u0130", "i")


def sniff_unit(unit: str) -> tuple[str, Unit] | None:
    """(family name, unit) that unit is recognised as, or None."""
    for fam in UNIT_FAMILIES:
        u = fam.sniff(unit)
        if u is not None:
            return fam.name, u
    return None


def is_memory_unit(unit: str) -> bool:
    """True if unit is recognised as a memory unit (bytes, kB, megabytes, ...)."""
    return _FAMILY["memory"].sniff(unit) is not None


def is_time_unit(unit: str) -> bool:
    """True if unit is recognised as a time unit (nanoseconds, ms, seconds, hrs, ...)."""
    return _FAMILY["time"].sniff(unit) is not None


def scale(value: int | float, from_unit: str, to_unit: str) -> tuple[float, str]:
    """value in from_unit expressed in to_unit, and the unit's label ("" when uninteresting).

    to_unit may be "auto" or "minimum" for the most readable unit. value is
    an int64 in pprof; an int is converted to float64 as Go does.
    """
    # Negative values are scaled as their magnitude, so that "auto" picks a
    # unit; math.MinInt64 has no int64 magnitude and is scaled as it is.
    if value < 0 and value != _INT64_MIN:
        v, u = scale(-value, from_unit, to_unit)
        return -v, u
    fv = float(value)
    for fam in UNIT_FAMILIES:
        res = fam.convert(fv, from_unit, to_unit)
        if res is not None:
            return res
    if to_unit in _UNINTERESTING_UNITS:
        return fv, ""
    return fv, to_unit


def label(value: int | float, unit: str) -> str:
    """value in unit as a short label in the most readable unit, e.g. "1.50MB", "10ms", "0"."""
    return scaled_label(value, unit, "auto")


def scaled_label(value: int | float, from_unit: str, to_unit: str) -> str:
    """value converted to to_unit, printed with two decimals (".00" dropped) and the unit."""
    v, u = scale(value, from_unit, to_unit)
    sv = fmt_f(v, 2)
    if sv.endswith(".00"):
        sv = sv[:-3]
    if sv in ("0", "-0"):
        return "0"
    return sv + u


def percentage(value: int | float, total: int | float) -> str:
    """value as a percentage of total, at least two significant digits, e.g. " 1.23%", "  100%"."""
    ratio = 0.0
    if total != 0:
        ratio = abs(float(value) / float(total)) * 100
    if 99.95 <= ratio <= 100.05:
        return "  100%"
    if ratio >= 1.0:
        return fmt_f(ratio, 2, width=5) + "%"
    return fmt_g(ratio, 2, width=5) + "%"


def _go_value_type(vt: ValueType) -> str:
    # Go prints a ValueType with %v as {Type Unit typeX unitX}; the last two
    # are string table indices, which decoding resets to 0, so pprof always
    # prints "0 0" (checked with go tool pprof on two incompatible profiles).
    return f"{{{vt.type} {vt.unit} 0 0}}"


def compatible_value_types(v1: ValueType | None, v2: ValueType | None) -> bool:
    """True if v1 and v2 measure the same thing in convertible units (one missing is fine)."""
    if v1 is None or v2 is None:
        return True
    if v1.type.removesuffix("s") != v2.type.removesuffix("s"):
        return False
    if v1.unit == v2.unit:
        return True
    return any(
        fam.sniff(v1.unit) is not None and fam.sniff(v2.unit) is not None for fam in UNIT_FAMILIES
    )


def common_value_type(types: Sequence[ValueType]) -> ValueType | None:
    """A copy of the type with the finest unit among types; None for fewer than two types.

    Raises ProfileError("incompatible types: {...} {...}") as Go does.
    """
    if len(types) <= 1:
        return None
    min_type = types[0]
    for t in types[1:]:
        if not compatible_value_types(min_type, t):
            raise ProfileError(
                f"incompatible types: {_go_value_type(min_type)} {_go_value_type(t)}"
            )
        ratio, _ = scale(1, t.unit, min_type.unit)
        if ratio < 1:
            min_type = t
    return ValueType(min_type.type, min_type.unit)


def _scale_samples(p: Profile, ratios: list[float]) -> None:
    # Values of scaled types are rounded half away from zero; a sample whose
    # scaled values all round to zero is dropped, whatever its other values.
    if all(r == 1 for r in ratios):
        return
    kept = []
    for s in p.samples:
        keep = False
        vals = s.values
        for i, v in enumerate(vals):
            r = ratios[i]
            if r != 1:
                nv = go_int64(go_round(float(v) * r))
                vals[i] = nv
                keep = keep or nv != 0
        if keep:
            kept.append(s)
    p.samples[:] = kept


def scale_profiles(profiles: Sequence[Profile]) -> None:
    """Convert profiles in place to common units (the finest of each), as before merging them.

    Periods are converted and truncated; sample values are rounded, and
    samples left with only zero scaled values are dropped. Raises ProfileError
    with Go's wording when the profiles' types cannot be unified.
    """
    if not profiles:
        return
    try:
        period_type = common_value_type([p.period_type for p in profiles if p.period_type])
    except ProfileError as e:
        raise ProfileError(f"period type: {e}") from None

    n = len(profiles[0].sample_types)
    for p in profiles[1:]:
        if len(p.sample_types) != n:
            raise ProfileError(f"inconsistent samples type count: {n} != {len(p.sample_types)}")
    sample_types: list[ValueType | None] = []
    for i in range(n):
        try:
            sample_types.append(common_value_type([p.sample_types[i] for p in profiles]))
        except ProfileError as e:
            raise ProfileError(f"sample types: {e}") from None

    for p in profiles:
        if p.period_type is not None and period_type is not None:
            period, _ = scale(p.period, p.period_type.unit, period_type.unit)
            p.period = go_int64(period)
            p.period_type.unit = period_type.unit
        ratios: list[float] = []
        for st, common in zip(p.sample_types, sample_types, strict=True):
            if common is None:
                ratios.append(1.0)
                continue
            ratios.append(scale(1, st.unit, common.unit)[0])
            st.unit = common.unit
        _scale_samples(p, ratios)
