"""pprof's driver: from the options and a command to a Report ready to render.

This is pprof's applyCommandOverrides and generateRawReport: the command's
overrides of the options, tag roots/leaves, focus filters, sample selection,
the total, and the report options. It sits between the session (which owns
the options) and the report package (which knows nothing of options).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pprofsh import filters
from pprofsh.errors import CommandError
from pprofsh.go import go_base, quote
from pprofsh.options import Config
from pprofsh.profile.merge import merged
from pprofsh.profile.model import Profile, Sample
from pprofsh.report import Report, ReportOptions, ViewCache
from pprofsh.report.tagroot import add_label_nodes


def num_label_units(samples: list[Sample]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """pprof's NumLabelUnits: the unit of each numeric label key, and units ignored."""
    units: dict[str, str] = {}
    ignored: dict[str, set[str]] = {}
    keys: set[str] = set()
    for s in samples:
        if not s.num_labels:
            continue
        for k in s.num_labels:
            keys.add(k)
            for u in (s.num_units or {}).get(k, ()):
                if not u:
                    continue
                want = units.get(k)
                if want is None:
                    units[k] = u
                elif want != u:
                    ignored.setdefault(k, set()).add(u)
    for k in keys:
        if not units.get(k):
            units[k] = "bytes" if k in ("alignment", "request") else k
    return units, {k: sorted(v) for k, v in ignored.items()}


def apply_command_overrides(cmd: str, fmt: str, cfg: Config) -> Config:
    cfg = cfg.copy()
    trim = cfg["trim"]
    if cmd == "disasm":
        trim = False
        cfg["granularity"] = "addresses"
        cfg["noinlines"] = True
    elif cmd == "weblist":
        trim = False
        cfg["granularity"] = "addresses"
        cfg["noinlines"] = False
    elif cmd == "peek":
        trim = False
    elif cmd == "list":
        trim = False
        cfg["granularity"] = "lines"
    elif cmd in ("text", "top", "topproto"):
        if cfg["nodecount"] == -1:
            cfg["nodecount"] = 0
    else:
        if cfg["nodecount"] == -1:
            cfg["nodecount"] = 80
    if fmt in ("proto", "raw", "callgrind"):
        trim = False
        cfg["granularity"] = "addresses"
        cfg["noinlines"] = False
    if not trim:
        cfg["nodecount"] = 0
        cfg["nodefraction"] = 0.0
        cfg["edgefraction"] = 0.0
    return cfg


def sample_index(p: Profile, name: str) -> int:
    """pprof's SampleIndexByName, with its error texts."""
    types = [st.type for st in p.sample_types]
    if name == "":
        if p.default_sample_type:
            for i, t in enumerate(types):
                if t == p.default_sample_type:
                    return i
        return len(types) - 1
    if re.fullmatch(r"[+-]?[0-9]+", name):
        i = int(name)
        if i < 0 or i >= len(types):
            raise CommandError(f"sample_index {name} is outside the range [0..{len(types) - 1}]")
        return i
    no_inuse = name[len("inuse_") :] if name.startswith("inuse_") else name
    for i, t in enumerate(types):
        if t == name or t == no_inuse:
            return i
    raise CommandError(f"sample_index {quote(name)} must be one of: [{' '.join(types)}]")


def compute_total(samples: list[Sample], index: int, mean: bool) -> int:
    total = div = diff_total = diff_div = 0
    for s in samples:
        vals = s.values
        v = vals[index]
        d = vals[0] if mean else 0
        if v < 0:
            v = -v
        total += v
        div += d
        if s.labels and "true" in s.labels.get("pprof::base", ()):
            diff_total += v
            diff_div += d
    if diff_total > 0:
        total, div = diff_total, diff_div
    if div != 0:
        q = abs(total) // abs(div)
        return q if (total >= 0) == (div >= 0) else -q
    return total


def report_options(p: Profile, units: dict[str, str], cfg: Config, fmt: str) -> ReportOptions:
    if not p.sample_types:
        raise CommandError("profile has no samples")
    index = sample_index(p, cfg["sample_index"])
    st = p.sample_types[index]
    stype = ("mean_" + st.type) if cfg["mean"] else st.type
    if cfg["divide_by"] == 0:
        raise CommandError("zero divisor specified")
    active = [
        f"{k}={cfg[k]}"
        for k in (
            "focus",
            "ignore",
            "hide",
            "show",
            "show_from",
            "tagfocus",
            "tagignore",
            "tagshow",
            "taghide",
        )
        if cfg[k]
    ]
    o = ReportOptions(
        output_format=fmt,
        cum_sort=cfg["sort"] == "cum",
        call_tree=cfg["call_tree"],
        drop_negative=cfg["drop_negative"],
        compact_labels=cfg["compact_labels"],
        ratio=1 / cfg["divide_by"],
        active_filters=active,
        num_label_units=units,
        node_count=cfg["nodecount"],
        node_fraction=cfg["nodefraction"],
        edge_fraction=cfg["edgefraction"],
        value_index=index,
        mean=cfg["mean"],
        sample_type=stype,
        sample_unit=st.unit,
        output_unit=cfg["unit"],
        source_path=cfg["source_path"],
        trim_path=cfg["trim_path"],
        granularity=cfg["granularity"],
        noinlines=cfg["noinlines"],
    )
    if p.mappings and p.mappings[0].file:
        o.title = go_base(p.mappings[0].file)
    return o


def apply_focus(
    samples: list[Sample], units: dict[str, str], cfg: Config, warn: Callable[[str], None]
) -> list[Sample]:
    focus = filters.compile_regex("focus", cfg["focus"])
    ignore = filters.compile_regex("ignore", cfg["ignore"])
    hide = filters.compile_regex("hide", cfg["hide"])
    show = filters.compile_regex("show", cfg["show"])
    showfrom = filters.compile_regex("show_from", cfg["show_from"])
    tagfocus = filters.compile_tag_filter("tagfocus", cfg["tagfocus"], units, warn)
    tagignore = filters.compile_tag_filter("tagignore", cfg["tagignore"], units, warn)
    prunefrom = filters.compile_regex("prune_from", cfg["prune_from"])

    def warn_no(match: bool, what: str) -> None:
        if not match:
            warn(what + " expression matched no samples")

    if not (focus or ignore or hide or show):
        # pprof's name filter always runs: a sample with no frames is dropped.
        if any(not s.locations for s in samples):
            samples = [s for s in samples if s.locations]
    else:
        locs = filters.all_locations(samples)
        samples, fm, im, hm, hnm = filters.filter_by_name(samples, locs, focus, ignore, hide, show)
        warn_no(focus is None or fm, "Focus")
        warn_no(ignore is None or im, "Ignore")
        warn_no(hide is None or hm, "Hide")
        warn_no(show is None or hnm, "Show")
    if showfrom is not None:
        samples, sfm = filters.show_from(samples, filters.all_locations(samples), showfrom)
        warn_no(sfm, "ShowFrom")
    if tagfocus or tagignore:
        samples, tfm, tim = filters.filter_by_tag(samples, tagfocus, tagignore)
        warn_no(tagfocus is None or tfm, "TagFocus")
        warn_no(tagignore is None or tim, "TagIgnore")
    tagshow = filters.compile_regex("tagshow", cfg["tagshow"])
    taghide = filters.compile_regex("taghide", cfg["taghide"])
    if tagshow or taghide:
        samples, tns, tnh = filters.filter_tags_by_name(samples, tagshow, taghide)
        warn_no(tagshow is None or tns, "TagShow")
        warn_no(taghide is None or tnh, "TagHide")
    if prunefrom is not None:
        samples = filters.prune_from(samples, filters.all_locations(samples), prunefrom)
    return samples


_FOCUS_KEYS = (
    "focus",
    "ignore",
    "hide",
    "show",
    "show_from",
    "tagfocus",
    "tagignore",
    "tagshow",
    "taghide",
    "prune_from",
)


def make_report(
    p: Profile,
    cmd: str,
    fmt: str,
    arg: str | None,
    cfg: Config,
    warn: Callable[[str], None],
    cache: ViewCache | None = None,
) -> Report:
    """pprof's generateRawReport, without copying the profile."""
    if fmt in ("traces", "raw", "proto"):
        # pprof merges the profile (equal stacks become one sample) only on the
        # copy these reports print; the others never see the difference.
        p = merged(p)
    cache = cache if cache is not None else ViewCache()

    def units_of(w: Callable[[str], None]):
        units, ignored = num_label_units(p.samples)
        for k in sorted(ignored):
            w(f"For tag {k} used unit {units[k]}, also encountered unit(s) {', '.join(ignored[k])}")
        return units

    units = cache.get(("units", id(p)), units_of, warn, p)
    cfg = apply_command_overrides(cmd, fmt, cfg)
    samples = p.samples
    if cfg["tagroot"] or cfg["tagleaf"]:
        src = samples
        samples = cache.get(
            ("tagroot", id(src), cfg["tagroot"], cfg["tagleaf"], cfg["unit"]),
            lambda w: add_label_nodes(p, src, cfg["tagroot"], cfg["tagleaf"], cfg["unit"], w),
            warn,
            src,
        )

    def focused(src: list[Sample]) -> list[Sample]:
        key = ("focus", id(src), *(cfg[k] for k in _FOCUS_KEYS))
        return cache.get(key, lambda w: apply_focus(src, units, cfg, w), warn, src)

    relative = cfg["relative_percentages"]
    if relative:
        samples = focused(samples)
    ropt = report_options(p, units, cfg, fmt)
    if arg is not None:
        ropt.symbol = filters.go_regexp(arg, f"parsing argument regexp {arg}: ")
        ropt.symbol_text = arg
    src = samples
    total = cache.get(
        ("total", id(src), ropt.value_index, ropt.mean),
        lambda w: compute_total(src, ropt.value_index, ropt.mean),
        warn,
        src,
    )
    if not relative:
        samples = focused(samples)
    rpt = Report(p, samples, total, ropt)
    rpt.cache = cache
    return rpt
