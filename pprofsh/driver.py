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
from pprofsh.profile.columns import (
    SampleSet,
    from_samples,
    num_label_units,
    profile_columns,
)
from pprofsh.profile.columns import (
    total as view_total,
)
from pprofsh.profile.fold import fold_unnamed, unnamed
from pprofsh.profile.merge import merged
from pprofsh.profile.model import Profile
from pprofsh.report import Report, ReportOptions, ViewCache
from pprofsh.report.tagroot import add_label_nodes

# The sample filters, in the order pprof lists them (the report's "Active filters" lines).
_FILTER_KEYS = (
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
# What a filtered view depends on: the filters and prune_from.
_FOCUS_KEYS = (*_FILTER_KEYS, "prune_from")


def apply_command_overrides(cmd: str, fmt: str, cfg: Config) -> Config:
    """pprof's applyCommandOverrides: the options a command forces, on a copy.

    Why each, as pprof has them: listings (disasm, weblist, list) and peek show
    every line they match, so they are never trimmed; disasm and weblist work on
    addresses (disasm without inlines, as objdump shows them); list works on
    source lines. top/text show every node unless a count is given (the shell's
    10 comes from its parser, not from here); the graphs default to 80 nodes.
    proto, raw and callgrind keep everything, by address, so that nothing a tool
    reading them needs is lost."""
    cfg = cfg.copy()
    trim = cfg.trim
    if cmd == "disasm":
        trim = False
        cfg.granularity = "addresses"
        cfg.noinlines = True
    elif cmd == "weblist":
        trim = False
        cfg.granularity = "addresses"
        cfg.noinlines = False
    elif cmd == "peek":
        trim = False
    elif cmd == "list":
        trim = False
        cfg.granularity = "lines"
    elif cmd in ("text", "top", "topproto"):
        if cfg.nodecount == -1:
            cfg.nodecount = 0
    else:
        if cfg.nodecount == -1:
            cfg.nodecount = 80
    if fmt in ("proto", "raw", "callgrind"):
        trim = False
        cfg.granularity = "addresses"
        cfg.noinlines = False
    if not trim:
        cfg.nodecount = 0
        cfg.nodefraction = 0.0
        cfg.edgefraction = 0.0
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


def report_options(p: Profile, units: dict[str, str], cfg: Config, fmt: str) -> ReportOptions:
    if not p.sample_types:
        raise CommandError("profile has no samples")
    index = sample_index(p, cfg.sample_index)
    st = p.sample_types[index]
    stype = ("mean_" + st.type) if cfg.mean else st.type
    if cfg.divide_by == 0:
        raise CommandError("zero divisor specified")
    active = [f"{k}={cfg[k]}" for k in _FILTER_KEYS if cfg[k]]
    o = ReportOptions(
        output_format=fmt,
        cum_sort=cfg.sort == "cum",
        call_tree=cfg.call_tree,
        drop_negative=cfg.drop_negative,
        compact_labels=cfg.compact_labels,
        ratio=1 / cfg.divide_by,
        active_filters=active,
        num_label_units=units,
        node_count=cfg.nodecount,
        node_fraction=cfg.nodefraction,
        edge_fraction=cfg.edgefraction,
        value_index=index,
        mean=cfg.mean,
        sample_type=stype,
        sample_unit=st.unit,
        output_unit=cfg.unit,
        source_path=cfg.source_path,
        trim_path=cfg.trim_path,
        granularity=cfg.granularity,
        noinlines=cfg.noinlines,
    )
    if p.mappings and p.mappings[0].file:
        o.title = go_base(p.mappings[0].file)
    return o


def apply_focus(
    view: SampleSet, units: dict[str, str], cfg: Config, warn: Callable[[str], None]
) -> SampleSet:
    focus = filters.compile_regex("focus", cfg.focus)
    ignore = filters.compile_regex("ignore", cfg.ignore)
    hide = filters.compile_regex("hide", cfg.hide)
    show = filters.compile_regex("show", cfg.show)
    showfrom = filters.compile_regex("show_from", cfg.show_from)
    tagfocus = filters.compile_tag_filter("tagfocus", cfg.tagfocus, units, warn)
    tagignore = filters.compile_tag_filter("tagignore", cfg.tagignore, units, warn)
    prunefrom = filters.compile_regex("prune_from", cfg.prune_from)

    def warn_no(match: bool, what: str) -> None:
        if not match:
            warn(what + " expression matched no samples")

    if not (focus or ignore or hide or show):
        # pprof's name filter always runs: a sample with no frames is dropped.
        view = filters.drop_frameless(view)
    else:
        view, fm, im, hm, hnm = filters.filter_by_name(view, focus, ignore, hide, show)
        warn_no(focus is None or fm, "Focus")
        warn_no(ignore is None or im, "Ignore")
        warn_no(hide is None or hm, "Hide")
        warn_no(show is None or hnm, "Show")
    if showfrom is not None:
        view, sfm = filters.show_from(view, showfrom)
        warn_no(sfm, "ShowFrom")
    if tagfocus or tagignore:
        view, tfm, tim = filters.filter_by_tag(view, tagfocus, tagignore)
        warn_no(tagfocus is None or tfm, "TagFocus")
        warn_no(tagignore is None or tim, "TagIgnore")
    tagshow = filters.compile_regex("tagshow", cfg.tagshow)
    taghide = filters.compile_regex("taghide", cfg.taghide)
    if tagshow or taghide:
        view, tns, tnh = filters.filter_tags_by_name(view, tagshow, taghide)
        warn_no(tagshow is None or tns, "TagShow")
        warn_no(taghide is None or tnh, "TagHide")
    if prunefrom is not None:
        view = filters.prune_from(view, prunefrom)
    return view


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
    prof = p
    base: SampleSet = cache.get(
        ("columns", id(prof)), lambda _w: profile_columns(prof), lambda _m: None, prof
    )

    def units_of(w: Callable[[str], None]) -> dict[str, str]:
        units, ignored = num_label_units(base)
        for k in sorted(ignored):
            w(f"For tag {k} used unit {units[k]}, also encountered unit(s) {', '.join(ignored[k])}")
        return units

    units = cache.get(("units", id(p)), units_of, warn, p)
    cfg = apply_command_overrides(cmd, fmt, cfg)
    samples = base
    has_unnamed = cache.get(
        ("unnamed", id(base)),
        lambda _w: any(unnamed(loc) for loc in base.locations),
        lambda _m: None,
        base,
    )
    if has_unnamed and cfg.granularity != "addresses":
        # pprofsh: the runtime's unnamed frames in debug=1 text fold into their named
        # neighbour instead of making <unknown> the biggest row (-raw/-addresses keep them)
        unfolded = base
        samples = cache.get(
            ("fold", id(unfolded)),
            lambda _w: from_samples(fold_unnamed(unfolded.to_samples()), len(prof.sample_types)),
            warn,
            unfolded,
        )
    if cfg.tagroot or cfg.tagleaf:
        src = samples

        def tagged(w: Callable[[str], None]) -> SampleSet:
            out = add_label_nodes(p, src.to_samples(), cfg.tagroot, cfg.tagleaf, cfg.unit, w)
            return from_samples(out, len(p.sample_types))

        samples = cache.get(
            ("tagroot", id(src), cfg.tagroot, cfg.tagleaf, cfg.unit), tagged, warn, src
        )

    def focused(src: SampleSet) -> SampleSet:
        key = ("focus", id(src), *(cfg[k] for k in _FOCUS_KEYS))
        got: SampleSet = cache.get(key, lambda w: apply_focus(src, units, cfg, w), warn, src)
        return got

    relative = cfg.relative_percentages
    if relative:
        samples = focused(samples)
    ropt = report_options(p, units, cfg, fmt)
    if arg is not None:
        ropt.symbol = filters.go_regexp(arg, f"parsing argument regexp {arg}: ")
        ropt.symbol_text = arg
    src = samples
    total = cache.get(
        ("total", id(src), ropt.value_index, ropt.mean),
        lambda w: view_total(src, ropt.value_index, ropt.mean),
        warn,
        src,
    )
    if not relative:
        samples = focused(samples)
    rpt = Report(p, samples, total, ropt)
    rpt.cache = cache
    return rpt
