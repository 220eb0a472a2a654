"""Go 1.19 pprof's Profile.String(): the text of the `raw` report (`go tool pprof -raw`)."""

from __future__ import annotations

import time

from pprofsh.profile.model import Location, Mapping, Profile, Sample

__all__ = ["profile_string", "go_duration_string", "go_time_string"]


def profile_string(p: Profile) -> str:
    """The text Go's Profile.String() returns for p; `-raw` prints exactly this."""
    ss: list[str] = ["Comment: " + c for c in p.comments]
    if p.period_type is not None:
        ss.append(f"PeriodType: {p.period_type.type} {p.period_type.unit}")
    ss.append(f"Period: {p.period}")
    if p.time_nanos != 0:
        ss.append("Time: " + go_time_string(p.time_nanos))
    if p.duration_nanos != 0:
        # %.4v: the Duration's String() cut to four characters.
        ss.append("Duration: " + go_duration_string(p.duration_nanos)[:4])
    ss.append("Samples:")
    header = "".join(
        f"{st.type}/{st.unit}{'[dflt]' if st.type == p.default_sample_type else ''} "
        for st in p.sample_types
    )
    ss.append(header.strip(" "))
    ss.extend(_sample_string(s) for s in p.samples)
    ss.append("Locations")
    ss.extend(_location_string(loc) for loc in p.locations)
    ss.append("Mappings")
    ss.extend(_mapping_string(m) for m in p.mappings)
    return "\n".join(ss) + "\n"


_LABEL_HEADER = " " * 16


def _go_order(s: str) -> bytes:
    """Go sorts strings by their bytes (undecodable input bytes are surrogate escapes)."""
    return s.encode("utf-8", "surrogateescape")


def _sample_string(s: Sample) -> str:
    sv = "".join(f" {v:10d}" for v in s.values) + ": "
    sv += "".join(f"{loc.id} " for loc in s.locations)
    out = [sv]
    if s.labels:
        ls = sorted((f"{k}:[{' '.join(v)}]" for k, v in s.labels.items()), key=_go_order)
        out.append(_LABEL_HEADER + " ".join(ls))
    if s.num_labels:
        units = s.num_units or {}
        ls = []
        for k, v in s.num_labels.items():
            u = units.get(k) or []
            if len(u) == len(v):
                vals = " ".join(f"{n} {unit}" for n, unit in zip(v, u, strict=True))
            else:
                vals = " ".join(str(n) for n in v)
            ls.append(f"{k}:[{vals}]")
        out.append(_LABEL_HEADER + " ".join(sorted(ls, key=_go_order)))
    return "\n".join(out)


def _location_string(loc: Location) -> str:
    loc_str = f"{loc.id:6d}: {loc.address:#x} "
    if loc.mapping is not None:
        loc_str += f"M={loc.mapping.id} "
    if loc.is_folded:
        loc_str += "[F] "
    if not loc.lines:
        return loc_str
    out = []
    for ln in loc.lines:
        fn = ln.function
        if fn is None:
            text = "??"
        else:
            text = f"{fn.name} {fn.filename}:{ln.line} s={fn.start_line}"
            if fn.name != fn.system_name:
                text += "(" + fn.system_name + ")"
        out.append(loc_str + text)
        loc_str = " " * 13
    return "\n".join(out)


def _mapping_string(m: Mapping) -> str:
    bits = ""
    if m.has_functions:
        bits += "[FN]"
    if m.has_filenames:
        bits += "[FL]"
    if m.has_line_numbers:
        bits += "[LN]"
    if m.has_inline_frames:
        bits += "[IN]"
    return f"{m.id}: {m.start:#x}/{m.limit:#x}/{m.offset:#x} {m.file} {m.build_id} {bits}"


def _frac(v: int, prec: int) -> tuple[str, int]:
    """Go's fmtFrac: the fraction of v/10**prec without trailing zeros, and the integer part."""
    q, r = divmod(v, 10**prec)
    digits = f"{r:0{prec}d}".rstrip("0") if prec else ""
    return ("." + digits if digits else ""), q


def go_duration_string(d: int) -> str:
    """time.Duration(d).String()."""
    u = -d if d < 0 else d
    if u < 1_000_000_000:
        if u == 0:
            return "0s"
        if u < 1_000:
            unit, prec = "ns", 0
        elif u < 1_000_000:
            unit, prec = "\u00b5s", 3
        else:
            unit, prec = "ms", 6
        frac, q = _frac(u, prec)
        s = f"{q}{frac}{unit}"
    else:
        frac, secs = _frac(u, 9)
        s = f"{secs % 60}{frac}s"
        mins = secs // 60
        if mins > 0:
            s = f"{mins % 60}m" + s
            hours = mins // 60
            if hours > 0:
                s = f"{hours}h" + s
    return "-" + s if d < 0 else s


def go_time_string(ns: int) -> str:
    """time.Unix(0, ns).String() in the local time zone (no monotonic reading)."""
    sec, nsec = divmod(ns, 1_000_000_000)
    try:
        lt = time.localtime(sec)
        offset, zone = lt.tm_gmtoff or 0, lt.tm_zone or ""
    except (OverflowError, OSError, ValueError):
        offset, zone = 0, "UTC"
    y, mo, d, h, mi, s = _civil(sec + offset)
    frac = f"{nsec:09d}".rstrip("0")
    frac = "." + frac if frac else ""
    sign = "-" if offset < 0 else "+"
    off = abs(offset) // 60
    if not zone:
        zone = f"{sign}{off // 60:02d}{off % 60:02d}"
    year = f"{y:04d}" if y >= 0 else f"-{-y:04d}"
    return (
        f"{year}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}{frac} "
        f"{sign}{off // 60:02d}{off % 60:02d} {zone}"
    )


def _civil(t: int) -> tuple[int, int, int, int, int, int]:
    """Split seconds since the epoch (already shifted to local time) into date and time."""
    days, rem = divmod(t, 86400)
    # Days to civil date (proleptic Gregorian), valid for any integer.
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d, rem // 3600, rem % 3600 // 60, rem % 60
