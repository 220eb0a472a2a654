"""The resolved profile model: what every layer above profile/ sees.

String-table indices and ids are resolved into objects right after decoding.
Samples that share a stack share one tuple of Location objects, so a profile
with a million samples over a few hundred thousand stacks stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pprofsh.profile.columns import SampleSet


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


class Profile:
    __slots__ = (
        "sample_types",
        "default_sample_type",
        "mappings",
        "locations",
        "functions",
        "drop_frames",
        "keep_frames",
        "time_nanos",
        "duration_nanos",
        "period_type",
        "period",
        "comments",
        "unmerged",
        "merged_cache",
        "_sample_list",
        "_columns",
    )

    def __init__(
        self,
        sample_types: list[ValueType] | None = None,
        default_sample_type: str = "",
        samples: list[Sample] | None = None,
        mappings: list[Mapping] | None = None,
        locations: list[Location] | None = None,
        functions: list[Function] | None = None,
        drop_frames: str = "",
        keep_frames: str = "",
        time_nanos: int = 0,
        duration_nanos: int = 0,
        period_type: ValueType | None = None,
        period: int = 0,
        comments: list[str] | None = None,
        unmerged: bool = False,
    ) -> None:
        self.sample_types = sample_types if sample_types is not None else []
        self.default_sample_type = default_sample_type
        self.mappings = mappings if mappings is not None else []
        self.locations = locations if locations is not None else []
        self.functions = functions if functions is not None else []
        self.drop_frames = drop_frames
        self.keep_frames = keep_frames
        self.time_nanos = time_nanos
        self.duration_nanos = duration_nanos
        self.period_type = period_type
        self.period = period
        self.comments = comments if comments is not None else []
        # True when samples with equal stacks and labels may still be separate (a single
        # profile loaded without pprof's Merge pass, which only traces/raw/proto can see).
        self.unmerged = unmerged
        self.merged_cache: Profile | None = None
        # The samples, as a list of objects or as columns (profile/columns.py); each is
        # made from the other on first use. Code that edits samples in place takes the
        # list (p.samples), which drops the columns.
        self._sample_list: list[Sample] | None = samples if samples is not None else []
        self._columns: SampleSet | None = None

    @property
    def samples(self) -> list[Sample]:
        if self._sample_list is None:
            cols = self._columns
            self._sample_list = cols.to_samples() if cols is not None else []
        self._columns = None
        return self._sample_list

    @samples.setter
    def samples(self, value: list[Sample]) -> None:
        self._sample_list = value
        self._columns = None

    @property
    def columns(self) -> SampleSet | None:
        """The samples as columns, when they were set as columns (by the decoder or
        merge); columns.from_samples makes columns of a list. Do not edit them.

        The model never builds columns itself: profile/columns.py imports this
        module, and an import back would be a cycle."""
        return self._columns

    @columns.setter
    def columns(self, value: SampleSet) -> None:
        self._columns = value
        self._sample_list = None

    def columns_if_unmaterialized(self) -> SampleSet | None:
        """The columns when no list of sample objects exists (the list wins otherwise)."""
        return self._columns if self._sample_list is None else None

    def has_samples(self) -> bool:
        if self._sample_list is None and self._columns is not None:
            return self._columns.num_groups > 0
        return bool(self.samples)

    def sample_type_index(self, name: str) -> int:
        """Index of the sample type called name, or -1."""
        for i, st in enumerate(self.sample_types):
            if st.type == name:
                return i
        return -1
