"""Session: the loaded (merged or base-diffed) profile, the options, and running commands.

Loading follows pprof's fetchProfiles (load_sides, combine_sides, finish).
Session.run(command, args, out) runs one entry of the command table; the
one-shot flags (pprofsh.cli), the shell's lines and -c (pprofsh.interactive)
all go through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlparse

from pprofsh import measurement
from pprofsh.commands import parse_command_line
from pprofsh.errors import CommandError, FetchError, PprofshError, ProfileError
from pprofsh.fetch import Fetched, fetch_source, is_url, note_saved, save_fetched
from pprofsh.fetch import SourceSpec as SourceSpec
from pprofsh.go import errno_text
from pprofsh.limits import BUDGET, read_limited
from pprofsh.options import Config
from pprofsh.profile import merge as merging
from pprofsh.profile.model import Mapping, Profile
from pprofsh.profile.parse import check_valid, parse
from pprofsh.profile.prune import remove_uninteresting
from pprofsh.remote_commands import endpoint_url
from pprofsh.report import ViewCache
from pprofsh.snapshots import Snapshot, Snapshots
from pprofsh.ui import UI as UI

if TYPE_CHECKING:
    from pprofsh.report.flameview import FlameView


def fetch_one(src: str, spec: SourceSpec, ui: UI) -> tuple[Profile, Fetched | None]:
    """Read one source: an existing file first, else a URL (cmd/pprof's adjustURL).

    Returns (profile, fetched): fetched is the pprofsh.fetch.Fetched of a remote
    source (its raw body, saved later by note_saved), None for a file.

    The bytes read, fetched and decompressed are charged to one budget shared by
    the sources loading in parallel (pprofsh.limits.BUDGET): given back when done."""
    with BUDGET.scope():
        return _fetch_one(src, spec, ui)


def _fetch_one(src: str, spec: SourceSpec, ui: UI) -> tuple[Profile, Fetched | None]:
    if os.path.exists(src) or not _looks_like_url(src):
        try:
            with open(src, "rb") as f:
                data = read_limited(f)
        except OSError as e:
            raise ProfileError(f"open {src}: {errno_text(e)}") from None
        except ValueError:  # a NUL byte in the name; Go's open says EINVAL
            raise ProfileError(f"open {src}: invalid argument") from None
        return parse(data), None
    fetched = fetch_source(src, spec, ui)
    return fetched.profile, fetched


def _looks_like_url(src: str) -> bool:
    return is_url(src)


def _grab(
    sources: list[str], spec: SourceSpec, ui: UI
) -> tuple[Profile | None, int, list[Fetched]]:
    """Read sources concurrently (as pprof's concurrentGrab); report failures in order."""

    def one(src: str) -> tuple[tuple[Profile, Fetched | None] | None, PprofshError | None]:
        try:
            return fetch_one(src, spec, ui), None
        except PprofshError as e:
            return None, e

    if len(sources) > 1:
        with ThreadPoolExecutor(max_workers=min(64, len(sources))) as pool:
            results = list(pool.map(one, sources))
    else:
        results = [one(s) for s in sources]
    profiles = []
    fetched = []
    for src, (res, e) in zip(sources, results):
        if e is not None:
            ui.print_err(f"{src}: {e}")
            continue
        assert res is not None
        p, f = res
        err = check_valid(p, stacks=False)
        if err:
            ui.print_err(f"{src}: {err}")
            continue
        _add_fake_mapping(p)
        if f is not None:
            fetched.append(f)
        profiles.append(p)
    if not profiles:
        return None, 0, []
    return combine(profiles), len(profiles), fetched


def _add_fake_mapping(p: Profile) -> None:
    """pprof's locateBinaries: a profile without mappings gets one empty mapping, id 1."""
    if p.mappings:
        return
    m = Mapping(1)
    p.mappings = [m]
    for loc in p.locations:
        loc.mapping = m


def combine(profiles: list[Profile]) -> Profile:
    try:
        measurement.scale_profiles(profiles)
        if len(profiles) == 1:
            return merging.merge_one(profiles[0])
        return merging.merge(profiles)
    except ProfileError as e:
        raise ProfileError(f"problem fetching source profiles: {e}") from None


def prepare(p: Profile, spec: SourceSpec, ui: UI) -> Profile:
    """What load does to one parsed profile (pprof's fetchProfiles for a single
    source): validate, give it a mapping, scale and merge, finish."""
    err = check_valid(p, stacks=False)
    if err:
        raise ProfileError(err)
    _add_fake_mapping(p)
    return finish(combine([p]), spec, ui)


def load_sides(spec: SourceSpec, ui: UI) -> tuple[Profile, Profile | None, list[Fetched]]:
    """The merged sources and the merged bases, each as loaded; and what was fetched
    remotely (pprofsh.fetch.Fetched, sources then bases; empty, so false, when none was)."""
    p, count, remote = _grab(spec.sources, spec, ui)
    pbase, bcount, bremote = _grab(spec.base, spec, ui) if spec.base else (None, 0, [])
    if count == 0:
        raise ProfileError("failed to fetch any source profiles")
    if bcount == 0 and spec.base:
        raise ProfileError("failed to fetch any base profiles")
    if count != len(spec.sources):
        ui.print_err(f"Fetched {count} source profiles out of {len(spec.sources)}")
    if spec.base and bcount != len(spec.base):
        ui.print_err(f"Fetched {bcount} base profiles out of {len(spec.base)}")
    assert p is not None
    return p, pbase, remote + bremote


def combine_sides(p: Profile, pbase: Profile | None, diff_base: bool, normalize: bool) -> Profile:
    """pprof's base handling, on copies: the sides stay reusable (shell `base`, `changes`)."""
    if pbase is None:
        return merging.merge([p])
    pbase = merging.merge([pbase])
    if diff_base:
        merging.set_label(pbase, "pprof::base", ["true"])
    if normalize:
        p = merging.merge([p])
        merging.normalize(p, pbase)
    merging.scale(pbase, -1)
    return combine([p, pbase])


def finish(p: Profile, spec: SourceSpec, ui: UI) -> Profile:
    symbolize_messages(p, spec.symbolize, ui)
    remove_uninteresting(p)
    for m in p.mappings:
        if not m.build_id and urlparse(m.file).scheme:
            m.file = ""
    if spec.comment:
        p.comments.append(spec.comment)
    err = check_valid(p, stacks=False)
    if err:
        raise ProfileError(err)
    return p


def load(spec: SourceSpec, ui: UI) -> Profile:
    """pprof's fetchProfiles: sources merged, bases subtracted, uninteresting frames dropped."""
    p, pbase, remote = load_sides(spec, ui)
    if pbase is not None:
        p = combine_sides(p, pbase, spec.diff_base, spec.normalize)
    p = finish(p, spec, ui)
    if remote:
        note_saved(p, ui, remote)
    return p


def symbolize_messages(p: Profile, mode: str, ui: UI) -> None:
    """What pprof's local symbolizer says about mappings it cannot symbolize."""
    if any(o in ("none", "no") for o in mode.lower().split(":")):
        return
    used = {id(loc.mapping) for loc in p.locations if loc.mapping is not None}
    missing = False
    for i, m in enumerate(p.mappings):
        if id(m) not in used:
            continue
        if m.has_functions or m.has_filenames or m.has_line_numbers:
            continue
        if not m.file:
            if i == 0:
                ui.print_err("Main binary filename not available.")
                continue
            missing = True
            continue
        if m.unsymbolizable():
            continue
        if not m.build_id and "http" in urlparse(m.file).scheme.lower():
            continue
        name = os.path.basename(m.file)
        if m.build_id:
            name += f" (build ID {m.build_id})"
        if not os.path.exists(m.file):
            ui.print_err(
                f"Local symbolization failed for {name}: open {m.file}: no such file or directory"
            )
            missing = True
    if missing:
        ui.print_err(
            "Some binary filenames not available. Symbolization may be incomplete.\n"
            "Try setting PPROF_BINARY_PATH to the search path for local binaries."
        )


class Session:
    """The loaded profile, the options, the snapshots, and the commands run against them."""

    def __init__(
        self,
        profile: Profile,
        config: Config,
        ui: UI,
        spec: SourceSpec | None = None,
        new_side: Profile | None = None,
        base_side: Profile | None = None,
    ):
        self.profile = profile
        self.config = config
        self.ui = ui
        self.spec = spec or SourceSpec([])
        self.view_cache = ViewCache()
        self.snapshots = Snapshots()
        self.current = self.snapshots.add(self.spec.sources, new_side or profile)
        self.base = self.snapshots.add(self.spec.base, base_side) if base_side is not None else None
        self.diff_base = self.spec.diff_base
        # The shell layer's full-screen flame graph (pprofsh.flame), when it can draw one.
        self.flame_screen: Callable[[FlameView], None] | None = None

    # -- snapshots ---------------------------------------------------------------------
    def _resolve(self, ref: str) -> Snapshot:
        if ref.startswith("#"):
            return self.snapshots.get(ref)
        p, _remote = fetch_one(ref, self.spec, self.ui)
        return self.snapshots.add([ref], combine([p]))

    def _rebuild(self) -> None:
        base = self.base.profile if self.base is not None else None
        p = combine_sides(self.current.profile, base, self.diff_base, False)
        self.profile = finish(p, SourceSpec([], symbolize="none"), self.ui)

    def load_source(self, ref: str) -> None:
        self.current = self._resolve(ref)
        self._rebuild()

    def set_base(self, ref: str | None, diff_base: bool = False) -> None:
        self.base = self._resolve(ref) if ref else None
        self.diff_base = diff_base and ref is not None
        self._rebuild()

    def fetch(self, arg: str) -> None:
        """`fetch [endpoint]`: fetch, save, add as a snapshot, make it current."""
        url = endpoint_url(self.current.sources + self.spec.sources + self.spec.base, arg)
        try:
            fetched = fetch_source(url, self.spec, self.ui)
        except PprofshError as e:
            raise FetchError(f"{url}: {e}") from None
        save_fetched(fetched, self.ui)
        self.current = self.snapshots.add([url], combine([fetched.profile]))
        self._rebuild()

    # The web UI (pprofsh.web, a layer above) plugs in here: the cli sets it, so that
    # the shell's `http` serves this session while the prompt stays.
    web_server: Callable[[Session, str | None], str] | None = None

    def serve_web(self, hostport: str | None) -> str:
        """`http [host:port|off]`: start (or show, or stop) the web UI on this session."""
        if self.web_server is None:
            raise CommandError("the web UI is not available here")
        return self.web_server(self, hostport)

    # -- commands ----------------------------------------------------------------------
    def run(self, command: str, args: Sequence[str] = (), out: TextIO | None = None) -> None:
        """Run one command of the table with the words after its name.

        Report data goes to out (the UI's out by default) unless the command's
        delivery sends it elsewhere (>file, -output, Graphviz, a viewer)."""
        c, inv = parse_command_line([command, *args], self.config, self.ui.interactive)
        c.run(self, c, inv, out if out is not None else self.ui.out)
