"""The OPTIONS table: every report option, declared once.

Help, `o`/`options`, flag parsing, shell assignments, completion and
docs/commands.md all read this table. The help texts are what
`go tool pprof` prints for `help <option>`, so scripted sessions match.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pprofsh.errors import CommandError
from pprofsh.go import fmt_v, quote


@dataclass(frozen=True)
class Option:
    name: str
    kind: type  # bool, int, float or str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    choice_help: tuple[str, ...] = ()  # help of each choice, for radio groups
    saved: bool = True  # pprof's "saved" settings; not-saved ones show no URL param
    completion: str = ""  # what values complete to: regex, tags, units, sample_types, path


def _h(*lines: str) -> str:
    return "\n".join(lines) + "\n"


_TAG_FILTER_HELP = (
    "Use name=value syntax to limit the matching to a specific tag.",
    "Numeric tag filter examples: 1kb, 1kb:10kb, memory=32mb:",
    "String tag filter examples: foo, foo.*bar, mytag=foo.*bar",
)
_MATCHING = "Matching includes the function name, filename or object name."

# In pprof's declaration order (it decides the order of usage text and setters).
OPTIONS: tuple[Option, ...] = (
    Option(
        "output",
        str,
        "",
        _h("Output filename for file-based outputs"),
        saved=False,
        completion="path",
    ),
    Option(
        "call_tree",
        bool,
        False,
        _h(
            "Create a context-sensitive call tree",
            "Treat locations reached through different paths as separate.",
        ),
    ),
    Option(
        "relative_percentages",
        bool,
        False,
        _h(
            "Show percentages relative to focused subgraph",
            "If unset, percentages are relative to full graph before focusing",
            "to facilitate comparison with original graph.",
        ),
    ),
    Option(
        "unit",
        str,
        "minimum",
        _h(
            "Measurement units to display",
            "Scale the sample values to this unit.",
            "For time-based profiles, use seconds, milliseconds, nanoseconds, etc.",
            "For memory profiles, use megabytes, kilobytes, bytes, etc.",
            "Using auto will scale each value independently to the most natural unit.",
        ),
        completion="units",
    ),
    Option("compact_labels", bool, False, "Show minimal headers"),
    Option("source_path", str, "", "Search path for source files", saved=False, completion="path"),
    Option("trim_path", str, "", "Path to trim from source paths before search", saved=False),
    Option(
        "intel_syntax",
        bool,
        False,
        _h("Show assembly in Intel syntax", "Only applicable to commands `disasm` and `weblist`"),
    ),
    Option(
        "mean",
        bool,
        False,
        _h(
            "Average sample value over first value (count)",
            "For memory profiles, report average memory per allocation.",
            "For time-based profiles, report average time per event.",
        ),
    ),
    Option(
        "sample_index",
        str,
        "",
        _h(
            "Sample value to report (0-based index or name)",
            "Profiles contain multiple values per sample.",
            "Use sample_index=i to select the ith value (starting at 0).",
        ),
        saved=False,
        completion="sample_types",
    ),
    Option(
        "divide_by",
        float,
        1.0,
        _h(
            "Ratio to divide all samples before visualization",
            "Divide all samples values by a constant, eg the number of processors or jobs.",
        ),
        saved=False,
    ),
    Option("normalize", bool, False, _h("Scales profile based on the base profile.")),
    Option(
        "sort",
        str,
        "flat",
        "",
        choices=("cum", "flat"),
        choice_help=(
            _h("Sort entries based on cumulative weight"),
            _h("Sort entries based on own weight"),
        ),
    ),
    Option(
        "tagroot",
        str,
        "",
        _h(
            "Adds pseudo stack frames for labels key/value pairs at the callstack root.",
            "A comma-separated list of label keys.",
            "The first key creates frames at the new root.",
        ),
        completion="tagkeys",
    ),
    Option(
        "tagleaf",
        str,
        "",
        _h(
            "Adds pseudo stack frames for labels key/value pairs at the callstack leaf.",
            "A comma-separated list of label keys.",
            "The last key creates frames at the new leaf.",
        ),
        completion="tagkeys",
    ),
    Option(
        "drop_negative",
        bool,
        False,
        _h("Ignore negative differences", "Do not show any locations with values <0."),
    ),
    Option(
        "nodecount",
        int,
        -1,
        _h(
            "Max number of nodes to show",
            "Uses heuristics to limit the number of locations to be displayed.",
            "On graphs, dotted edges represent paths through nodes that have been removed.",
        ),
    ),
    Option("nodefraction", float, 0.005, "Hide nodes below <f>*total"),
    Option("edgefraction", float, 0.001, "Hide edges below <f>*total"),
    Option(
        "trim",
        bool,
        True,
        _h(
            "Honor nodefraction/edgefraction/nodecount defaults",
            "Set to false to get the full profile, without any trimming.",
        ),
    ),
    Option(
        "focus",
        str,
        "",
        _h(
            "Restricts to samples going through a node matching regexp",
            "Discard samples that do not include a node matching this regexp.",
            _MATCHING,
        ),
        completion="regex",
    ),
    Option(
        "ignore",
        str,
        "",
        _h(
            "Skips paths going through any nodes matching regexp",
            "If set, discard samples that include a node matching this regexp.",
            _MATCHING,
        ),
        completion="regex",
    ),
    Option(
        "prune_from",
        str,
        "",
        _h(
            "Drops any functions below the matched frame.",
            "If set, any frames matching the specified regexp and any frames",
            "below it will be dropped from each sample.",
        ),
        completion="regex",
    ),
    Option(
        "hide",
        str,
        "",
        _h(
            "Skips nodes matching regexp",
            "Discard nodes that match this location.",
            "Other nodes from samples that include this location will be shown.",
            _MATCHING,
        ),
        completion="regex",
    ),
    Option(
        "show",
        str,
        "",
        _h(
            "Only show nodes matching regexp",
            "If set, only show nodes that match this location.",
            _MATCHING,
        ),
        completion="regex",
    ),
    Option(
        "show_from",
        str,
        "",
        _h(
            "Drops functions above the highest matched frame.",
            "If set, all frames above the highest match are dropped from every sample.",
            _MATCHING,
        ),
        completion="regex",
    ),
    Option(
        "tagfocus",
        str,
        "",
        _h("Restricts to samples with tags in range or matched by regexp", *_TAG_FILTER_HELP),
        completion="tags",
    ),
    Option(
        "tagignore",
        str,
        "",
        _h("Discard samples with tags in range or matched by regexp", *_TAG_FILTER_HELP),
        completion="tags",
    ),
    Option(
        "tagshow",
        str,
        "",
        _h("Only consider tags matching this regexp", "Discard tags that do not match this regexp"),
        completion="tagkeys",
    ),
    Option(
        "taghide",
        str,
        "",
        _h("Skip tags matching this regexp", "Discard tags that match this regexp"),
        completion="tagkeys",
    ),
    Option(
        "noinlines",
        bool,
        False,
        _h("Ignore inlines.", "Attributes inlined functions to their first out-of-line caller."),
    ),
    Option(
        "granularity",
        str,
        "functions",
        "",
        choices=("functions", "filefunctions", "files", "lines", "addresses"),
        choice_help=(
            _h(
                "Aggregate at the function level.",
                "Ignores the filename where the function was defined.",
            ),
            _h(
                "Aggregate at the function level.",
                "Takes into account the filename where the function was defined.",
            ),
            "Aggregate at the file level.",
            "Aggregate at the source code line level.",
            _h("Aggregate at the address level.", "Includes functions' addresses in the output."),
        ),
    ),
)

BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
# A choice name (cum, lines, ...) -> the option it belongs to.
CHOICE_OWNER: dict[str, Option] = {c: o for o in OPTIONS for c in o.choices}


def lookup(name: str) -> Option | None:
    return BY_NAME.get(name) or CHOICE_OWNER.get(name)


def help_for(name: str) -> str | None:
    """The help text of an option or choice name, or None."""
    if name in BY_NAME:
        return BY_NAME[name].help
    o = CHOICE_OWNER.get(name)
    if o is not None:
        return o.choice_help[o.choices.index(name)]
    return None


@dataclass
class Config:
    """The current value of every option, typed: one attribute per entry of OPTIONS.

    Code reads and sets options as attributes (cfg.nodecount); the shell, flags
    and the web UI, which have an option's name as text, use cfg[name] and
    cfg.set(name, text). tests/test_options.py checks that the attributes, their
    types and defaults are the table's."""

    output: str = ""
    call_tree: bool = False
    relative_percentages: bool = False
    unit: str = "minimum"
    compact_labels: bool = False
    source_path: str = ""
    trim_path: str = ""
    intel_syntax: bool = False
    mean: bool = False
    sample_index: str = ""
    divide_by: float = 1.0
    normalize: bool = False
    sort: str = "flat"
    tagroot: str = ""
    tagleaf: str = ""
    drop_negative: bool = False
    nodecount: int = -1
    nodefraction: float = 0.005
    edgefraction: float = 0.001
    trim: bool = True
    focus: str = ""
    ignore: str = ""
    prune_from: str = ""
    hide: str = ""
    show: str = ""
    show_from: str = ""
    tagfocus: str = ""
    tagignore: str = ""
    tagshow: str = ""
    taghide: str = ""
    noinlines: bool = False
    granularity: str = "functions"

    def __getitem__(self, name: str) -> Any:
        if name not in BY_NAME:
            raise KeyError(name)
        return getattr(self, name)

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in BY_NAME:
            raise KeyError(name)
        setattr(self, name, value)

    @property
    def values(self) -> dict[str, Any]:
        """Every option's value by name, in the table's order."""
        return {o.name: getattr(self, o.name) for o in OPTIONS}

    def copy(self) -> Config:
        return copy.copy(self)

    def set(self, name: str, value: str) -> None:
        """Set name (an option or a choice name) from text, as pprof's config.set does."""
        o = lookup(name)
        if o is None:
            raise CommandError(f"unknown config field {quote(name)}")
        if o.choices and name != o.name:
            # A choice name used as a bool: lines=1 selects granularity=lines.
            if parse_bool(value, name):
                setattr(self, o.name, name)
            return
        if o.kind is bool:
            setattr(self, name, parse_bool(value, name))
        elif o.kind is int:
            setattr(self, name, parse_int(value, name))
        elif o.kind is float:
            setattr(self, name, parse_float(value, name))
        else:
            if o.choices and value not in o.choices:
                raise CommandError(f"invalid {quote(name)} value {quote(value)}")
            setattr(self, name, value)

    def format_value(self, name: str) -> str:
        o = BY_NAME[name]
        v = getattr(self, name)
        if o.kind is bool:
            return "true" if v else "false"
        if o.kind is float:
            return fmt_v(v)
        return str(v)


def parse_bool(value: str, name: str = "") -> bool:
    v = value.lower()
    if v in ("true", "t", "yes", "y", "1", ""):
        return True
    if v in ("false", "f", "no", "n", "0"):
        return False
    raise CommandError(f'illegal value "{value}" for bool variable')


def parse_int(value: str, name: str = "") -> int:
    import re

    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise CommandError(f"strconv.Atoi: parsing {quote(value)}: invalid syntax")
    return int(value)


def parse_float(value: str, name: str = "") -> float:
    import re

    v = value.strip()
    number = r"[+-]?(?:inf(?:inity)?|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    if not re.fullmatch(number, v, re.IGNORECASE) or v != value:
        raise CommandError(f"strconv.ParseFloat: parsing {quote(value)}: invalid syntax")
    return float(value)
