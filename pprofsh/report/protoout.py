"""proto and topproto reports: gzipped profile.proto bytes."""

from __future__ import annotations

from pprofsh import measurement
from pprofsh.go import go_int64
from pprofsh.profile import write
from pprofsh.profile.model import Function, Line, Location, Profile, Sample, ValueType
from pprofsh.report import Report


def print_proto(rpt: Report) -> bytes:
    """The filtered profile, with the -divide_by ratio applied to every value."""
    samples = rpt.samples
    r = rpt.options.ratio
    if r > 0 and r != 1:
        samples = [
            Sample(
                s.locations,
                [go_int64(v * r) for v in s.values],
                s.labels,
                s.num_labels,
                s.num_units,
            )
            for s in samples
        ]
    return write.write(rpt.prof, samples)


def _scaled(v: int, frm: str, to: str) -> int:
    sv, _ = measurement.scale(v, frm, to)
    return go_int64(sv)


def print_topproto(rpt: Report) -> bytes:
    """The hottest nodes as a profile: one single-frame sample (cum, flat) per node."""
    p, o = rpt.prof, rpt.options
    g, _, _, _ = rpt.trimmed_graph()
    rpt.select_output_unit(g)
    out = Profile(
        sample_types=[ValueType("cum", o.output_unit), ValueType("flat", o.output_unit)],
        time_nanos=p.time_nanos,
        duration_nanos=p.duration_nanos,
        period_type=p.period_type,
        period=p.period,
    )
    functions: dict[tuple[str, str, str, int], Function] = {}
    for i, n in enumerate(g.nodes):
        name, orig, address, file, start, lineno, _obj = n.info
        key = (name, orig, file, start)
        f = functions.get(key)
        if f is None:
            f = functions[key] = Function(len(functions) + 1, name, orig, file, start)
            out.functions.append(f)
        loc = Location(i + 1, None, address, [Line(f, lineno)])
        out.locations.append(loc)
        out.samples.append(
            Sample(
                (loc,),
                [
                    _scaled(n.cum_value(), o.sample_unit, o.output_unit),
                    _scaled(n.flat_value(), o.sample_unit, o.output_unit),
                ],
            )
        )
    return write.write(out, out.samples, out.locations)
