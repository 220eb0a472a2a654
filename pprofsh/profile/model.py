"""The resolved profile model: what every layer above profile/ sees.

String-table indices and ids are resolved into objects right after decoding.
Samples that share a stack share one tuple of Location objects, so a profile
with a million samples over a few hundred thousand stacks stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ValueType:
    type: str
    unit: str


@dataclass(slots=True, eq=False)
class Function:
    id: int
    name: str
    system_name: str = ""
    filename: str = ""
    start_line: int = 0


@dataclass(slots=True, eq=False)
class Line:
    function: Function | None
    line: int = 0


@dataclass(slots=True, eq=False)
class Mapping:
    id: int
    start: int = 0
    limit: int = 0
    offset: int = 0
    file: str = ""
    build_id: str = ""
    has_functions: bool = False
    has_filenames: bool = False
    has_line_numbers: bool = False
    has_inline_frames: bool = False

    def unsymbolizable(self) -> bool:
        """True for mappings no symbolizer could use (as pprof's Mapping.Unsymbolizable)."""
        name = self.file.rsplit("/", 1)[-1]
        if name.startswith("[") or name.startswith("linux-vdso") or name.startswith("/dev/dri/"):
            return True
        return self.file == "//anon"


@dataclass(slots=True, eq=False)
class Location:
    id: int
    mapping: Mapping | None = None
    address: int = 0
    # lines[0] is the innermost inlined frame; the last one is its outermost caller.
    lines: list[Line] = field(default_factory=list)
    is_folded: bool = False


@dataclass(slots=True, eq=False)
class Sample:
    # Leaf first. Samples with equal stacks share the same tuple object.
    locations: tuple[Location, ...]
    values: list[int]
    labels: dict[str, list[str]] | None = None
    num_labels: dict[str, list[int]] | None = None
    num_units: dict[str, list[str]] | None = None


@dataclass(slots=True, eq=False)
class Profile:
    sample_types: list[ValueType] = field(default_factory=list)
    default_sample_type: str = ""
    samples: list[Sample] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    drop_frames: str = ""
    keep_frames: str = ""
    time_nanos: int = 0
    duration_nanos: int = 0
    period_type: ValueType | None = None
    period: int = 0
    comments: list[str] = field(default_factory=list)
    # True when samples with equal stacks and labels may still be separate (a single
    # profile loaded without pprof's Merge pass, which only traces/raw/proto can see).
    unmerged: bool = False
    merged_cache: Profile | None = None

    def sample_type_index(self, name: str) -> int:
        """Index of the sample type called name, or -1."""
        for i, st in enumerate(self.sample_types):
            if st.type == name:
                return i
        return -1
