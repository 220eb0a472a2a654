"""A Report: a profile view (filtered samples, total, options) that renderers print.

pprofsh.driver makes Reports from the options (pprof's generateRawReport);
the renderers in this package are functions of (Report, out) writing to the
stream they are given. Nothing here knows about options or commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pprofsh import measurement
from pprofsh.go import go_int64, wrap_int64
from pprofsh.graph import Graph, GraphBuilder, GraphOptions, NodeInfo, abs64
from pprofsh.profile.columns import LabelSet, SampleSet, from_samples
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
        self,
        prof: Profile,
        samples: SampleSet | list[Sample],
        total: int,
        options: ReportOptions,
    ) -> None:
        self.prof = prof
        # The report's samples as columns (what graphs are summed over); a list of
        # Sample objects is made only for the reports that print samples.
        self.view = (
            samples
            if isinstance(samples, SampleSet)
            else from_samples(samples, len(prof.sample_types))
        )
        self.total = total
        self.options = options
        self._builder: GraphBuilder | None = None
        self.cache: ViewCache = ViewCache()

    @property
    def samples(self) -> list[Sample]:
        return self.view.to_samples()

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
            value_index=o.value_index,
        )

    def builder(self, with_tags: bool = False) -> GraphBuilder:
        if self._builder is None or self._builder.o.with_tags != with_tags:
            if with_tags:
                view = _graph_labels(self.view, self.options.num_label_units)
                self._builder = GraphBuilder(view, self.graph_options(with_tags))
            else:
                view = self.view
                o = self.options
                key = (
                    "graph",
                    id(view),
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
                    lambda _w: GraphBuilder(view, self.graph_options(False)),
                    lambda _m: None,
                    view,
                )
        return self._builder

    def new_graph(
        self, kept: set[NodeInfo] | None = None, with_tags: bool = False, edges: bool = True
    ) -> Graph:
        return self.builder(with_tags).build(kept, edges)

    def trimmed_graph(self, with_tags: bool = False) -> tuple[Graph, int, int, int]:
        """pprof's newTrimmedGraph: (graph, original count, dropped nodes, dropped edges)."""
        o = self.options
        visual = o.output_format == "dot"
        call_tree = o.call_tree and o.output_format in ("dot", "callgrind")
        # A first pass without edges when it is rebuilt over the nodes it keeps.
        g = self.new_graph(None, with_tags, edges=False)
        # int64 as Go computes them: the sum wraps, abs64(MinInt64) stays negative
        total_value = wrap_int64(sum(n.flat for n in g.nodes))
        node_cutoff = abs64(go_int64(total_value * o.node_fraction))
        edge_cutoff = abs64(go_int64(total_value * o.edge_fraction))
        dropped_nodes = dropped_edges = 0
        rebuilt = False
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
                    rebuilt = True
        if not rebuilt and not call_tree:
            g = self.new_graph(None, with_tags)
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


def _graph_labels(view: SampleSet, units: dict[str, str]) -> SampleSet:
    """The view with what pprof's newGraph leaves of each label set: no pprof::base,
    numeric 'bytes' only. Only the label sets change (one step per set, not per
    sample): stacks, groups and values are the view's, and its stack index is reused."""
    sets: list[LabelSet] = []
    for labels, num_labels, _units in view.label_sets:
        if labels and "pprof::base" in labels:
            labels = {k: v for k, v in labels.items() if k != "pprof::base"}
        nums = None
        num_units = None
        if num_labels and "bytes" in num_labels:
            vs = num_labels["bytes"]
            nums = {"bytes": list(vs)}
            num_units = {"bytes": [units.get("bytes", "")] * len(vs)}
        sets.append((labels, nums, num_units))
    return SampleSet(
        view.locations,
        view.starts,
        view.locs,
        view.stack,
        view.labels,
        view.values,
        sets,
        view.invalid,
        parent=view,
        parent_stacks=np.arange(view.num_stacks, dtype=np.int64),
    )


class ViewCache:
    """What a shell session reuses between reports on the same profile.

    Each step's result (label units, tag root/leaf samples, filtered samples,
    totals, graph builders with their sums) is kept under the inputs it depends
    on, with the warnings it printed so that they are printed again. Keys hold
    object ids, and values hold those objects, so an id is never reused while
    its entry lives. The least recently used entry goes first, so the loaded
    profile's columns and label units stay while views come and go.
    """

    LIMIT = 32

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], tuple[Any, list[str], object]] = {}

    def get(
        self,
        key: tuple[Any, ...],
        make: Callable[[Callable[[str], None]], Any],
        warn: Callable[[str], None],
        keep: object = None,
    ) -> Any:
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
        self.entries[key] = self.entries.pop(key)
        for msg in got[1]:
            warn(msg)
        return got[0]
