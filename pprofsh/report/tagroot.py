"""pprof's -tagroot/-tagleaf: pseudo frames for label values at the root or leaf of stacks.

The loaded profile is never changed: new samples (sharing the original
locations) are returned, with extra locations and functions of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pprofsh import measurement
from pprofsh.profile.model import Function, Line, Location, Profile, Sample


def _keys(spec: str) -> list[str]:
    return [k for k in spec.split(",") if k]


def label_values(s: Sample, key: str, output_unit: str) -> list[str]:
    """String values of a label key, then its numeric values formatted with their units."""
    values = list((s.labels or {}).get(key, ()))
    nums = (s.num_labels or {}).get(key, [])
    units = (s.num_units or {}).get(key, [])
    if units and len(nums) != len(units):
        return values
    for i, v in enumerate(nums):
        if units:
            values.append(measurement.scaled_label(v, units[i], output_unit))
        else:
            values.append(measurement.scaled_label(v, "", ""))
    return values


def add_label_nodes(
    p: Profile,
    samples: list[Sample],
    tagroot: str,
    tagleaf: str,
    unit: str,
    warn: Callable[[str], None],
) -> list[Sample]:
    """Samples with pseudo frames for the label keys tagroot/tagleaf (comma-separated)."""
    root_keys = _keys(tagroot)
    leaf_keys = _keys(tagleaf)
    next_loc = max((loc.id for loc in p.locations), default=0) + 1
    next_fn = max((f.id for f in p.functions), default=0) + 1
    interned: dict[tuple[str, str], Location] = {}

    def intern(name: str, key: str) -> Location:
        nonlocal next_loc, next_fn
        loc = interned.get((name, key))
        if loc is None:
            fn = Function(next_fn, name, "", key)
            loc = Location(next_loc, None, 0, [Line(fn)])
            next_fn += 1
            next_loc += 1
            interned[(name, key)] = loc
        return loc

    def label_locs(s: Sample, keys: list[str]) -> tuple[list[Location], bool]:
        locs = []
        match = False
        for k in reversed(keys):
            values = label_values(s, k, unit)
            if values:
                match = True
            locs.append(intern(",".join(values), k))
        return locs, match

    root_match = leaf_match = False
    stacks: dict[tuple[Any, ...], tuple[Location, ...]] = {}
    out = []
    for s in samples:
        roots, rm = label_locs(s, root_keys)
        leaves, lm = label_locs(s, leaf_keys)
        root_match = root_match or rm
        leaf_match = leaf_match or lm
        key = (id(s.locations), tuple(id(x) for x in leaves), tuple(id(x) for x in roots))
        stack = stacks.get(key)
        if stack is None:
            stack = stacks[key] = (*leaves, *s.locations, *roots)
        out.append(Sample(stack, s.values, s.labels, s.num_labels, s.num_units))
    if tagroot and not root_match:
        warn("TagRoot expression matched no samples")
    if tagleaf and not leaf_match:
        warn("TagLeaf expression matched no samples")
    return out
