"""From a loaded profile, a command and options to a Report ready to render.

This is pprof's generateRawReport: command overrides, tag roots/leaves,
focus filters, sample selection, the total, and the graph options. The
renderers in this package are plain functions of a Report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pprofsh import filters, measurement
from pprofsh.errors import CommandError
from pprofsh.gofmt import go_int64
from pprofsh.graph import Graph, GraphBuilder, GraphOptions, _go_base
from pprofsh.options import Config, quote_go
from pprofsh.profile.model import Profile, Sample

# Report formats (pprof's report.* constants) that change graph building.
FORMATS_WITH_OBJNAMES = ("raw", "list", "weblist", "disasm", "callgrind")


@dataclass
class ReportOptions:
    output_format: str
    cum_sort: bool = False
    call_tree: bool = False
    drop_negative: bool = False
    compact_labels: bool = False
    ratio: float = 1.0
    title: str = ""
    profile_labels: list[str] = field(default_factory=list)
    active_filters: list[str] = field(default_factory=list)
    num_label_units: dict[str, str] = field(default_factory=dict)
    node_count: int = 0
    node_fraction: float = 0.0
    edge_fraction: float = 0.0
    value_index: int = 0
    mean: bool = False
    sample_type: str = ""
    sample_unit: str = ""
    output_unit: str = "minimum"
    symbol: re.Pattern[str] | None = None
    symbol_text: str = ""
    source_path: str = ""
    trim_path: str = ""
    granularity: str = "functions"
    noinlines: bool = False

    def sample_value(self, v: list[int]) -> int:
        return v[self.value_index]

    @property
    def sample_mean_divisor(self) -> Callable[[list[int]], int] | None:
        if self.mean:
            return _first
        return None


def _first(v: list[int]) -> int:
    return v[0]


class Report:
    """A profile view (filtered samples) with its total and options."""

    def __init__(
        self, prof: Profile, samples: list[Sample], total: int, options: ReportOptions
    ) -> None:
        self.prof = prof
        self.samples = samples
        self.total = total
        self.options = options
        self._builder: GraphBuilder | None = None
        self.cache: ViewCache = ViewCache()

    def format_value(self, v: int) -> str:
        o = self.options
        if o.ratio > 0 and o.ratio != 1:
            v = go_int64(v * o.ratio)
        return measurement.scaled_label(v, o.sample_unit, o.output_unit)

    # -- graphs ------------------------------------------------------------------------
    def graph_options(self, with_tags: bool = False) -> GraphOptions:
        o = self.options
        return GraphOptions(
            sample_value=o.sample_value,
            sample_mean_divisor=o.sample_mean_divisor,
            format_tag=lambda v, key: measurement.scaled_label(v, key, o.output_unit),
            obj_names=o.output_format in FORMATS_WITH_OBJNAMES,
            call_tree=o.call_tree and o.output_format in ("dot", "callgrind"),
            drop_negative=o.drop_negative,
            granularity=o.granularity,
            noinlines=o.noinlines,
            trim_path=o.trim_path,
            source_path=o.source_path,
            with_tags=with_tags,
        )

    def builder(self, with_tags: bool = False) -> GraphBuilder:
        if self._builder is None or self._builder.o.with_tags != with_tags:
            samples = self.samples
            if with_tags:
                samples = [_graph_sample(s, self.options.num_label_units) for s in samples]
                self._builder = GraphBuilder(samples, self.graph_options(with_tags))
            else:
                o = self.options
                key = (
                    "graph",
                    id(samples),
                    o.value_index,
                    o.mean,
                    o.granularity,
                    o.noinlines,
                    o.trim_path,
                    o.source_path,
                    o.output_format in FORMATS_WITH_OBJNAMES,
                    o.call_tree and o.output_format in ("dot", "callgrind"),
                    o.drop_negative,
                )
                self._builder = self.cache.get(
                    key,
                    lambda _w: GraphBuilder(samples, self.graph_options(False)),
                    lambda _m: None,
                    samples,
                )
        return self._builder

    def new_graph(self, kept=None, with_tags: bool = False) -> Graph:
        return self.builder(with_tags).build(kept)

    def trimmed_graph(self, with_tags: bool = False) -> tuple[Graph, int, int, int]:
        """pprof's newTrimmedGraph: (graph, original count, dropped nodes, dropped edges)."""
        o = self.options
        visual = o.output_format == "dot"
        call_tree = o.call_tree and o.output_format in ("dot", "callgrind")
        g = self.new_graph(None, with_tags)
        total_value = sum(n.flat for n in g.nodes)
        node_cutoff = abs(go_int64(total_value * o.node_fraction))
        edge_cutoff = abs(go_int64(total_value * o.edge_fraction))
        dropped_nodes = dropped_edges = 0
        if node_cutoff > 0:
            if call_tree:
                kept_ptrs = g.discard_low_frequency_node_ptrs(node_cutoff)
                if len(g.nodes) != len(kept_ptrs):
                    dropped_nodes = len(g.nodes) - len(kept_ptrs)
                    g.trim_tree(kept_ptrs)
            else:
                kept = g.discard_low_frequency_nodes(node_cutoff)
                if len(g.nodes) != len(kept):
                    dropped_nodes = len(g.nodes) - len(kept)
                    g = self.new_graph(kept, with_tags)
        orig_count = len(g.nodes)
        g.sort_nodes(o.cum_sort, visual)
        if o.node_count > 0:
            g.trim_low_frequency_tags(node_cutoff)
            g.trim_low_frequency_edges(edge_cutoff)
            top = g.select_top_nodes(o.node_count, visual)
            if len(g.nodes) != len(top):
                if call_tree:
                    g.trim_tree(set(top))
                else:
                    g = self.new_graph({n.info for n in top}, with_tags)
                g.sort_nodes(o.cum_sort, visual)
        g.trim_low_frequency_tags(node_cutoff)
        dropped_edges = g.trim_low_frequency_edges(edge_cutoff)
        if visual:
            g.remove_redundant_edges()
        return g, orig_count, dropped_nodes, dropped_edges

    def select_output_unit(self, g: Graph) -> None:
        o = self.options
        if o.output_unit != "minimum" or not g.nodes:
            return
        min_value = 0
        for n in g.nodes:
            node_min = abs(n.flat_value())
            if node_min == 0:
                node_min = abs(n.cum_value())
            if node_min > 0 and (min_value == 0 or node_min < min_value):
                min_value = node_min
        max_value = self.total
        if min_value == 0:
            min_value = max_value
        if o.ratio > 0 and o.ratio != 1:
            min_value = go_int64(min_value * o.ratio)
            max_value = go_int64(max_value * o.ratio)
        _, min_unit = measurement.scale(min_value, o.sample_unit, "minimum")
        _, max_unit = measurement.scale(max_value, o.sample_unit, "minimum")
        unit = min_unit
        if min_unit != max_unit and min_value * 100 < max_value and o.output_format != "callgrind":
            _, unit = measurement.scale(100 * min_value, o.sample_unit, "minimum")
        o.output_unit = unit if unit else o.sample_unit


def _graph_sample(s: Sample, units: dict[str, str]) -> Sample:
    """What pprof's newGraph leaves of a sample's labels: no pprof::base, numeric 'bytes' only."""
    labels = s.labels
    if labels and "pprof::base" in labels:
        labels = {k: v for k, v in labels.items() if k != "pprof::base"}
    nums = None
    num_units = None
    if s.num_labels and "bytes" in s.num_labels:
        vs = s.num_labels["bytes"]
        nums = {"bytes": list(vs)}
        num_units = {"bytes": [units.get("bytes", "")] * len(vs)}
    return Sample(s.locations, s.values, labels, nums, num_units)


# -- the pipeline ------------------------------------------------------------------------


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
    raise CommandError(f"sample_index {quote_go(name)} must be one of: [{' '.join(types)}]")


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
        o.title = _go_base(p.mappings[0].file)
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


class ViewCache:
    """What a shell session reuses between reports on the same profile.

    Each step's result (label units, tag root/leaf samples, filtered samples,
    totals, graph builders with their sums) is kept under the inputs it depends
    on, with the warnings it printed so that they are printed again. Keys hold
    object ids, and values hold those objects, so an id is never reused while
    its entry lives.
    """

    LIMIT = 16

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple] = {}

    def get(
        self,
        key: tuple,
        make: Callable[[Callable[[str], None]], object],
        warn: Callable[[str], None],
        keep: object = None,
    ):
        got = self.entries.get(key)
        if got is None:
            said: list[str] = []

            def record(msg: str) -> None:
                said.append(msg)
                warn(msg)

            got = (make(record), said, keep)
            self.entries[key] = got
            if len(self.entries) > self.LIMIT:
                del self.entries[next(iter(self.entries))]
            return got[0]
        for msg in got[1]:
            warn(msg)
        return got[0]


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
        from pprofsh.profile.merge import merged

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
        from pprofsh.report.tagroot import add_label_nodes

        src = samples
        samples = cache.get(
            ("tagroot", id(src), cfg["tagroot"], cfg["tagleaf"], cfg["unit"]),
            lambda w: add_label_nodes(p, src, cfg, w),
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
