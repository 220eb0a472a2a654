"""Snapshots: every profile a shell session loaded or fetched, numbered from #1."""

from __future__ import annotations

from dataclasses import dataclass

from pprofsh.errors import CommandError
from pprofsh.profile.model import Profile


@dataclass
class Snapshot:
    number: int
    sources: list[str]
    profile: Profile

    def label(self) -> str:
        return ", ".join(self.sources)


class Snapshots:
    def __init__(self) -> None:
        self.items: list[Snapshot] = []

    def add(self, sources: list[str], profile: Profile) -> Snapshot:
        s = Snapshot(len(self.items) + 1, list(sources), profile)
        self.items.append(s)
        return s

    def get(self, ref: str) -> Snapshot:
        try:
            n = int(ref.lstrip("#"))
            if n < 1:
                raise IndexError(n)
            return self.items[n - 1]
        except (ValueError, IndexError):
            raise CommandError(f"no snapshot {ref} (see `snapshots`)") from None

    def listing(self, current: Snapshot | None, base: Snapshot | None) -> str:
        from pprofsh.report.text import format_time

        rows = []
        for s in self.items:
            p = s.profile
            mark = "*" if s is current else ("b" if s is base else " ")
            idx = len(p.sample_types) - 1
            if p.default_sample_type:
                idx = p.sample_type_index(p.default_sample_type)
            total = sum(abs(x.values[idx]) for x in p.samples) if p.sample_types else 0
            when = format_time(p.time_nanos) if p.time_nanos else "-"
            rows.append(f"{mark} #{s.number:<3d} {when:<30s} total {total:<10d} {s.label()}")
        return "\n".join(rows) + "\n"
