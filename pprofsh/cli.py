"""The command line: pprof's flags (Go flag syntax) -> a one-shot report or the shell."""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from typing import Any

from pprofsh import commands as cmds
from pprofsh import go
from pprofsh import options as opts
from pprofsh.errors import PprofshError
from pprofsh.ui import UI

# Flags that are not options or commands: name -> (kind, default, help)
SOURCE_FLAGS: dict[str, tuple[str, Any, str]] = {
    "diff_base": ("list", [], "Source of base profile for comparison"),
    "base": ("list", [], "Source of base profile for profile subtraction"),
    "symbolize": ("str", "", "Options for profile symbolization"),
    "buildid": ("str", "", "Override build id for first mapping"),
    "timeout": ("int", -1, "Timeout in seconds for fetching a profile"),
    "add_comment": ("str", "", "Annotation string to record in the profile"),
    "seconds": ("int", -1, "Length of time for dynamic profiles"),
    "inuse_space": ("bool", False, "Display in-use memory size"),
    "inuse_objects": ("bool", False, "Display in-use object counts"),
    "alloc_space": ("bool", False, "Display allocated memory size"),
    "alloc_objects": ("bool", False, "Display allocated object counts"),
    "total_delay": ("bool", False, "Display total delay at each region"),
    "contentions": ("bool", False, "Display number of delays at each region"),
    "mean_delay": ("bool", False, "Display mean delay at each region"),
    "tools": ("str", "", "Path for object tool pathnames"),
    "http": ("str", "", "Present interactive web UI at the specified http host:port"),
    "no_browser": ("bool", False, "Skip opening a browswer for the interactive web UI"),
    "tls_cert": ("str", "", "TLS client certificate file for fetching profile and symbols"),
    "tls_key": ("str", "", "TLS private key file for fetching profile and symbols"),
    "tls_ca": ("str", "", "TLS CA certs file for fetching profile and symbols"),
    # pprofsh's own
    "c": ("str", "", "pprofsh: run these shell commands (separated by ;) and exit"),
    "changes": ("bool", False, "pprofsh: report what grew and shrank between -base and source"),
    "folded": ("bool", False, "pprofsh: output stacks in collapsed (folded) form"),
    "flame": ("bool", False, "pprofsh: browse a flame graph of the profile in the terminal"),
    # goroutine leaks (pprofsh/leaks)
    "leaks": ("bool", False, "pprofsh: report goroutine leak sites across the sources"),
    "fail_on": ("int", -1, "pprofsh: with -leaks, exit 3 if a site grew by more than N"),
    "json": ("bool", False, "pprofsh: with -leaks, print JSON"),
    "v": ("bool", False, "pprofsh: with -leaks, list every site with its verdict"),
    "watch": ("str", "", "pprofsh: poll this goroutine URL and report leaks"),
    "interval": ("str", "10s", "pprofsh: with -watch, time between snapshots"),
    "count": ("int", 0, "pprofsh: with -watch, stop after this many snapshots"),
    "schedtrace": ("str", "", "pprofsh: summarise a GODEBUG=schedtrace trace read from FILE"),
}

# Legacy shortcuts in the order pprof applies them.
LEGACY_SAMPLE_FLAGS = (
    ("total_delay", "delay"),
    ("mean_delay", "delay"),
    ("contentions", "contentions"),
    ("inuse_space", "inuse_space"),
    ("inuse_objects", "inuse_objects"),
    ("alloc_space", "alloc_space"),
    ("alloc_objects", "alloc_objects"),
)


class FlagError(PprofshError):
    """A bad command line; pprof prints the message then its usage."""


class HelpRequested(Exception):
    pass


@dataclass
class Flag:
    name: str
    kind: str  # bool, int, float, str, list
    default: Any


def flag_table() -> dict[str, Flag]:
    t: dict[str, Flag] = {}
    for name, (kind, default, _h) in SOURCE_FLAGS.items():
        t[name] = Flag(name, kind, default)
    for o in opts.OPTIONS:
        if o.choices:
            for c in o.choices:
                t[c] = Flag(c, "bool", False)
        else:
            t[o.name] = Flag(
                o.name, {bool: "bool", int: "int", float: "float"}.get(o.kind, "str"), o.default
            )
    for cmd in cmds.PPROF_COMMANDS:
        t[cmd.name] = Flag(
            cmd.name, "str" if cmd.has_param else "bool", "" if cmd.has_param else False
        )
    return t


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)


def _parse_go_int(v: str) -> int | None:
    import re

    m = re.fullmatch(r"([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*|0)", v)
    if not m:
        return None
    try:
        return (
            int(m.group(1) + m.group(2), 0)
            if not m.group(2).startswith("0") or len(m.group(2)) == 1 or m.group(2)[1] in "xXbBoO"
            else int(m.group(1) + "0o" + m.group(2)[1:], 0)
        )
    except ValueError:
        return None


def parse_flags(argv: list[str], table: dict[str, Flag]) -> Parsed:
    """Go's flag package: -flag, --flag, -flag=v, -flag v; stops at the first non-flag."""
    p = Parsed()
    i = 0
    while i < len(argv):
        a = argv[i]
        if len(a) < 2 or a[0] != "-":
            break
        if a == "--":
            i += 1
            break
        name = a[2:] if a.startswith("--") else a[1:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {a}")
        value: str | None = None
        if "=" in name:
            name, value = name.split("=", 1)
        i += 1
        f = table.get(name)
        if f is None:
            if name in ("help", "h"):
                raise HelpRequested()
            raise FlagError(f"flag provided but not defined: -{name}")
        if f.kind == "bool":
            if value is None:
                p.values[name] = True
            else:
                b = go.parse_bool(value)
                if b is None:
                    raise FlagError(
                        f"invalid boolean value {go.quote(value)} for -{name}: parse error"
                    )
                p.values[name] = b
            continue
        if value is None:
            if i >= len(argv):
                raise FlagError(f"flag needs an argument: -{name}")
            value = argv[i]
            i += 1
        if f.kind == "int":
            n = _parse_go_int(value)
            if n is None:
                raise FlagError(f"invalid value {go.quote(value)} for flag -{name}: parse error")
            p.values[name] = n
        elif f.kind == "float":
            try:
                p.values[name] = opts.parse_float(value)
            except PprofshError:
                raise FlagError(
                    f"invalid value {go.quote(value)} for flag -{name}: parse error"
                ) from None
        elif f.kind == "list":
            p.values.setdefault(name, []).append(value)
        else:
            p.values[name] = value
    p.args = argv[i:]
    return p


USAGE_HDR = """usage:

Produce output in the specified format.

   pprof <format> [options] [binary] <source> ...

Omit the format to get an interactive shell whose commands can be used
to generate various views of a profile

   pprof [options] [binary] <source> ...

Omit the format and provide the "-http" flag to get an interactive web
interface at the specified host:port that can be used to navigate through
various views of a profile.

   pprof -http [host]:[port] [options] [binary] <source> ...

Details:
"""

USAGE_SRC = """

  Source options:
    -seconds              Duration for time-based profile collection
    -timeout              Timeout in seconds for profile collection
    -buildid              Override build id for main binary
    -add_comment          Free-form annotation to add to the profile
                          Displayed on some reports or with pprof -comments
    -diff_base source     Source of base profile for comparison
    -base source          Source of base profile for profile subtraction
    profile.pb.gz         Profile in compressed protobuf format
    legacy_profile        Profile in legacy pprof format
    http://host/profile   URL for profile handler to retrieve
    -symbolize=           Controls source of symbol information
      none                  Do not attempt symbolization
      local                 Examine only local binaries
      fastlocal             Only get function names from local binaries
      remote                Do not examine local binaries
      force                 Force re-symbolization
    Binary                  Local path or build id of binary for symbolization
"""

USAGE_TLS = (
    "    -tls_cert             TLS client certificate file for fetching profile and symbols\n"
    "    -tls_key              TLS private key file for fetching profile and symbols\n"
    "    -tls_ca               TLS CA certs file for fetching profile and symbols"
)

USAGE_VARS = """

  Misc options:
   -http              Provide web interface at host:port.
                      Host is optional and 'localhost' by default.
                      Port is optional and a randomly available port by default.
   -no_browser        Skip opening a browser for the interactive web UI.
   -tools             Search path for object tools

  Legacy convenience options:
   -inuse_space           Same as -sample_index=inuse_space
   -inuse_objects         Same as -sample_index=inuse_objects
   -alloc_space           Same as -sample_index=alloc_space
   -alloc_objects         Same as -sample_index=alloc_objects
   -total_delay           Same as -sample_index=delay
   -contentions           Same as -sample_index=contentions
   -mean_delay            Same as -mean -sample_index=delay

  Environment Variables:
   PPROF_TMPDIR       Location for saved profiles (default $HOME/pprof)
   PPROF_TOOLS        Search path for object-level tools
   PPROF_BINARY_PATH  Search path for local binary files
                      default: $HOME/pprof/binaries
                      searches $name, $path, $buildid/$name, $path/$buildid
   * On Windows, %USERPROFILE% is used instead of $HOME"""


def full_usage() -> str:
    return USAGE_HDR + cmds.usage(True) + USAGE_SRC + USAGE_TLS + USAGE_VARS + "\n"


def main(argv: list[str] | None = None) -> int:
    from pprofsh.session import UI

    if argv is None:
        argv = sys.argv[1:]
    _bytes_through()
    ui = UI()
    # Loading builds millions of small objects and no cycles worth collecting: the
    # cyclic GC would rescan them over and over (a third of the load time). The
    # shell turns it back on, with what was loaded frozen (see shell.run_shell).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(argv, ui)
    finally:
        if gc_was_enabled:
            gc.enable()


def _bytes_through() -> None:
    """Bytes that are not UTF-8 (in a shell line, an argument, a file name) pass through
    as Go passes them: read and written with surrogateescape, whatever the locale
    (Python's stderr would print \\udcff, a UTF-8 locale's stdin would raise)."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="surrogateescape")
            except (ValueError, OSError):  # a stream already read from, or closed
                pass


def _run(argv: list[str], ui: UI) -> int:
    try:
        return _main(argv, ui)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except PprofshError as e:
        ui.print_err(str(e))
        return 1
    except Exception as e:  # never a traceback unless asked for
        import os

        if os.environ.get("PPROFSH_DEBUG"):
            raise
        ui.print_err(f"pprofsh: internal error: {type(e).__name__}: {e}")
        return 1


def _check_protobuf_backend(ui: UI) -> None:
    """Say so when protobuf runs its pure-Python backend: profiles then load far slower."""
    from google.protobuf.internal import api_implementation

    if api_implementation.Type() == "python":
        ui.print_err(
            "pprofsh: warning: protobuf uses its slow pure-Python backend; "
            "install a protobuf wheel with upb (pip install -U protobuf)"
        )


def _schedtrace(path: str, ui: UI) -> int:
    from pprofsh import schedtrace
    from pprofsh.go import is_terminal

    try:
        tr = schedtrace.read(path)
    except PprofshError as e:
        ui.print_err(str(e))
        return 1
    ui.write_out(schedtrace.render(tr, terminal=is_terminal(ui.out)))
    return 0


def _main(argv: list[str], ui: UI) -> int:
    from pprofsh.session import Session, SourceSpec, combine_sides, finish, load_sides

    table = flag_table()
    try:
        parsed = parse_flags(argv, table)
    except HelpRequested:
        ui.err.write(full_usage())
        return 0
    except FlagError as e:
        ui.print_err(str(e))
        ui.err.write(full_usage())
        return 1
    v = parsed.values
    if v.get("schedtrace"):
        return _schedtrace(v["schedtrace"], ui)
    if v.get("leaks") or v.get("watch"):
        from pprofsh.leaks.cli import run_leaks

        if v.get("watch"):
            gc.enable()  # a long-running poll: let the collector reclaim each round
        return run_leaks(parsed.values, parsed.args, ui)
    if not parsed.args:
        ui.err.write(full_usage())
        ui.print_err("no profile source specified")
        return 1
    cfg = opts.Config()
    for o in opts.OPTIONS:
        if o.choices:
            chosen = sorted(c for c in o.choices if v.get(c))
            if len(chosen) > 1:
                ui.print_err(f"conflicting options set: [{' '.join(chosen)}]")
                return 1
            if chosen:
                cfg[o.name] = chosen[0]
        elif o.name in v:
            cfg[o.name] = v[o.name]
    chosen_cmds = [c.name for c in cmds.PPROF_COMMANDS if v.get(c.name)]
    if v.get("changes") and chosen_cmds == ["traces"]:
        chosen_cmds = []  # -changes -traces: the per-stack changes report
    chosen_cmds += [name for name in ("folded", "flame") if v.get(name)]
    if len(chosen_cmds) > 1:
        ui.print_err("must set at most one output format")
        return 1
    cmd = chosen_cmds[0] if chosen_cmds else None
    if cmd and v.get("http"):
        ui.print_err("-http is not compatible with an output format on the command line")
        return 1
    if v.get("no_browser") and not v.get("http"):
        ui.print_err("-no_browser only makes sense with -http")
        return 1
    si = cfg.sample_index
    for flag, stype in LEGACY_SAMPLE_FLAGS:
        if v.get(flag):
            if si == "":
                si = stype
            else:
                ui.print_err(f"Multiple value selections, ignoring -{flag}")
    cfg.sample_index = si
    if v.get("mean_delay"):
        cfg.mean = True
    base = [b for b in v.get("base", []) if b]
    diff_base = [b for b in v.get("diff_base", []) if b]
    if base and diff_base:
        ui.print_err("-base and -diff_base flags cannot both be specified")
        return 1
    spec = SourceSpec.from_flags(v, parsed.args)
    spec.base = base or diff_base
    spec.diff_base = bool(diff_base)
    spec.normalize = cfg.normalize
    if spec.normalize and not spec.base:
        ui.print_err("must have base profile to normalize by")
        return 1
    _check_protobuf_backend(ui)
    new_side, base_side, remote = load_sides(spec, ui)
    if base_side is not None:
        prof = finish(combine_sides(new_side, base_side, spec.diff_base, spec.normalize), spec, ui)
    else:
        prof = finish(new_side, spec, ui)
    if remote:
        from pprofsh.fetch import note_saved

        note_saved(prof, ui, remote)
    session = Session(prof, cfg, ui, spec, new_side, base_side)
    if v.get("http"):
        from pprofsh.web.server import serve_cli

        return serve_cli(session, v["http"], bool(v.get("no_browser")))
    if v.get("changes"):
        session.run("changes", ["traces"] if v.get("traces") else [])
        return 0
    if cmd == "flame":
        from pprofsh.interactive import Interpreter

        Interpreter(session).flame_reopens = True
    if cmd is not None:
        session.run(cmd, [v[cmd]] if cmds.BY_NAME[cmd].has_param else [])
        return 0
    from pprofsh.shell import run_shell
    from pprofsh.web.server import shell_http

    session.web_server = shell_http  # the shell's `http`
    return run_shell(session, script=v.get("c") or None)
