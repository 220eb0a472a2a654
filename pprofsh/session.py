"""Session: the loaded (merged or base-diffed) profile, the options, and running commands.

Both the one-shot flags and the shell call Session.run_command; the shell's
line grammar lives in Session.execute (see shell_grammar.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urlparse

from pprofsh import measurement
from pprofsh.commands import BY_NAME as COMMANDS
from pprofsh.errors import PprofshError, ProfileError
from pprofsh.options import Config
from pprofsh.profile import merge as merging
from pprofsh.profile.model import Profile
from pprofsh.profile.parse import check_valid
from pprofsh.profile.prune import remove_uninteresting


@dataclass
class UI:
    """Where a session writes: report data to out, messages to err."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    interactive: bool = False

    def print_err(self, msg: str) -> None:
        if _is_terminal(self.err):
            from pprofsh.report.highlight import sanitize

            msg = sanitize(msg)
        self.err.write(msg + "\n")

    def write_out(self, text: str) -> None:
        """Write report text to out, made harmless when out is a terminal."""
        if _is_terminal(self.out):
            from pprofsh.report.highlight import sanitize

            text = sanitize(text)
        self.out.write(text)

    def write_err(self, text: str) -> None:
        """Write message text to err, made harmless when err is a terminal."""
        if _is_terminal(self.err):
            from pprofsh.report.highlight import sanitize

            text = sanitize(text)
        self.err.write(text)

    def out_is_terminal(self) -> bool:
        try:
            return self.out.isatty()
        except (AttributeError, ValueError):
            return False


def _is_terminal(f) -> bool:
    try:
        return bool(f.isatty())
    except (AttributeError, ValueError):
        return False


@dataclass
class SourceSpec:
    sources: list[str]
    base: list[str] = field(default_factory=list)
    diff_base: bool = False
    normalize: bool = False
    seconds: int = -1
    timeout: int = -1
    comment: str = ""
    symbolize: str = ""


def fetch_one(src: str, spec: SourceSpec, ui: UI) -> tuple[Profile, object]:
    """Read one source: an existing file first, else a URL (cmd/pprof's adjustURL).

    Returns (profile, fetched): fetched is the pprofsh.fetch.Fetched of a remote
    source (its raw body, saved later by note_saved), None for a file."""
    if os.path.exists(src) or not _looks_like_url(src):
        from pprofsh.limits import parse_limited, read_limited

        try:
            with open(src, "rb") as f:
                data = read_limited(f)
        except OSError as e:
            raise ProfileError(f"open {src}: {_os_error(e)}") from None
        except ValueError:  # a NUL byte in the name; Go's open says EINVAL
            raise ProfileError(f"open {src}: invalid argument") from None
        return parse_limited(data), None
    from pprofsh.fetch import fetch_source

    fetched = fetch_source(src, spec, ui)
    return fetched.profile, fetched


def _looks_like_url(src: str) -> bool:
    from pprofsh.fetch import is_url

    return is_url(src)


def _os_error(e: OSError) -> str:
    import errno

    names = {
        errno.ENOENT: "no such file or directory",
        errno.EACCES: "permission denied",
        errno.EISDIR: "is a directory",
        errno.ENOTDIR: "not a directory",
    }
    return names.get(e.errno or 0, (e.strerror or str(e)).lower())


def _grab(sources: list[str], spec: SourceSpec, ui: UI) -> tuple[Profile | None, int, list]:
    """Read sources concurrently (as pprof's concurrentGrab); report failures in order."""

    def one(src: str):
        try:
            return fetch_one(src, spec, ui), None
        except PprofshError as e:
            return None, e

    if len(sources) > 1:
        from concurrent.futures import ThreadPoolExecutor

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
    from pprofsh.profile.model import Mapping

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


def load_sides(spec: SourceSpec, ui: UI) -> tuple[Profile, Profile | None, list]:
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
        from pprofsh.fetch import note_saved

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
        from pprofsh.report import ViewCache
        from pprofsh.snapshots import Snapshots

        self.profile = profile
        self.config = config
        self.ui = ui
        self.spec = spec or SourceSpec([])
        self.view_cache = ViewCache()
        self.snapshots = Snapshots()
        self.current = self.snapshots.add(self.spec.sources, new_side or profile)
        self.base = self.snapshots.add(self.spec.base, base_side) if base_side is not None else None
        self.diff_base = self.spec.diff_base

    # -- snapshots ---------------------------------------------------------------------
    def _resolve(self, ref: str):
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

    def changes(self, cfg: Config, traces: bool) -> str:
        from pprofsh.errors import CommandError
        from pprofsh.report.changes import print_changes

        if self.base is None:
            raise CommandError(
                "changes needs a base profile: use -base, or `base SRC` in the shell"
            )
        return print_changes(
            self.current.profile,
            self.base.profile,
            cfg,
            self.current.sources,
            self.base.sources,
            traces,
            self.ui.print_err,
        )

    def report_text(self, cmd: str, arg: str | None, cfg: Config) -> str | bytes:
        """Render one report command to text (or bytes for binary formats)."""
        from pprofsh.report import make_report
        from pprofsh.report.render import render

        c = COMMANDS[cmd]
        rpt = make_report(self.profile, cmd, c.format, arg, cfg, self.ui.print_err, self.view_cache)
        return render(rpt, c, self.ui)

    def run_command(
        self,
        cmd: str,
        arg: str | None,
        cfg: Config | None = None,
        write: Callable[[str | bytes], None] | None = None,
    ) -> None:
        """Generate a report and deliver it as pprof does (stdout, a file, a viewer)."""
        from pprofsh.report.render import deliver

        cfg = cfg or self.config
        data = self.report_text(cmd, arg, cfg)
        deliver(COMMANDS[cmd], data, cfg["output"], self.ui, write)
