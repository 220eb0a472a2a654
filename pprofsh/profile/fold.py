"""Fold the frames the Go runtime left unnamed into their nearest named frame.

In debug=1 text (``goroutine profile: total N``, the heap/mutex/block text) the runtime
writes a ``#`` line only for the frames it wants the reader to see; its own frames
(``runtime.gopark``, ``runtime.chansend``, ``runtime.goexit``, ...) appear as bare
addresses. Left as they are, every one becomes ``<unknown>``, and on a goroutine dump
``<unknown>`` is the biggest row of ``top`` (every goroutine is parked in the runtime).
For the reports that name functions (top, traces, tree, peek, list, ...) such frames are
dropped from their stacks, which gives their weight to the nearest named frame: the
leaf-most named frame becomes the leaf. ``-raw``, ``-proto`` and ``-addresses`` keep them.
"""

from __future__ import annotations

from pprofsh.profile.model import Location, Sample


def unnamed(loc: Location) -> bool:
    # No lines and no mapped file: an address from runtime-written text (the legacy parser
    # gives it pprof's fake, file-less mapping). A location of a proto profile lies in a
    # mapped binary and keeps its address, as in pprof.
    return not loc.lines and (loc.mapping is None or not loc.mapping.file) and loc.address != 0


def fold_unnamed(samples: list[Sample]) -> list[Sample]:
    """The samples with unnamed frames folded away; the same list when there are none.

    A stack with no named frame at all is kept as it is (there is nothing to fold into).
    Samples that share a stack keep sharing one (folded) stack tuple.
    """
    folded: dict[int, tuple[Location, ...]] = {}
    changed = False
    for s in samples:
        key = id(s.locations)
        if key in folded:
            continue
        locs = s.locations
        if any(unnamed(loc) for loc in locs):
            named = tuple(loc for loc in locs if not unnamed(loc))
            if named:
                folded[key] = named
                changed = True
                continue
        folded[key] = locs
    if not changed:
        return samples
    return [
        Sample(folded[id(s.locations)], s.values, s.labels, s.num_labels, s.num_units)
        for s in samples
    ]
