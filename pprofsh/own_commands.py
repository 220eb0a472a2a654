"""pprofsh's own shell commands as entries of the command table: load, base, fetch,
snapshots, changes.

pprof has none of these; they are kept out of pprof's `help` listing (which
stays identical to Go's): `help pprofsh` lists them and `help NAME` describes
each. `changes` is a report like pprof's: its words are parsed as `top`'s are,
and it is delivered the same way (to the stream, or `>file`).
"""

from __future__ import annotations

from typing import IO, Any, TextIO

from pprofsh.delivery import Output, to_stream
from pprofsh.driver import make_report
from pprofsh.entry import Command, Invocation, SessionAPI, one_word, redirect_only
from pprofsh.errors import CommandError
from pprofsh.options import Config
from pprofsh.report.changes import print_changes


def _load(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    assert inv.arg is not None
    s.load_source(inv.arg)


def _parse_base(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    words = []
    if args and args[0] in ("-diff_base", "--diff_base"):
        words, args = ["-diff_base"], args[1:]
    if not args:
        raise CommandError("command base requires an argument")
    if len(args) > 1:
        raise CommandError("command base takes one source")
    return Invocation(args[0], current, words)


def _base(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    ref = None if inv.arg == "off" else inv.arg
    s.set_base(ref, "-diff_base" in inv.words)


def _fetch(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    s.fetch(inv.arg or "")


def _http(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    s.ui.print_err(s.serve_web(inv.arg))


def _snapshots(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    listing = s.snapshots.listing(s.current, s.base)
    o = Output(lambda stream: stream.write(listing), path=inv.config.output)
    to_stream(o, s.ui, out)


def _changes(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    if s.base is None:
        raise CommandError("changes needs a base profile: use -base, or `base SRC` in the shell")
    base = s.base
    cfg = inv.config
    traces = "traces" in inv.words
    new_rpt = make_report(s.current.profile, "top", "text", None, cfg, s.ui.print_err)
    base_rpt = make_report(base.profile, "top", "text", None, cfg, s.ui.print_err)

    def render(stream: IO[Any]) -> None:
        nodecount = cfg.nodecount
        names = (s.current.sources, base.sources)
        print_changes(new_rpt, base_rpt, *names, traces, nodecount, stream)

    to_stream(Output(render, path=cfg.output), s.ui, out)


ENTRIES: tuple[Command, ...] = (
    Command(
        name="load",
        description="pprofsh: replace the profile with SRC (a file, URL or #N)",
        usage="load SRC|#N\nLoad a profile (or an earlier snapshot #N) as the one to report on.",
        has_param=True,
        parse=one_word,
        run=_load,
        pprof=False,
        completion="",
    ),
    Command(
        name="base",
        description="pprofsh: compare against a base profile, or stop comparing",
        usage="base [-diff_base] SRC|#N|off\n"
        "Subtract SRC (as -base does; with -diff_base, as -diff_base does).\n"
        "base off reports on the profile alone again.",
        has_param=True,
        parse=_parse_base,
        run=_base,
        pprof=False,
        completion="",
    ),
    Command(
        name="fetch",
        description="pprofsh: fetch the session's URL again (or another endpoint)",
        usage="fetch [endpoint|URL]\n"
        "Fetch a new snapshot from the service the session was opened on\n"
        "(fetch heap, fetch goroutine, fetch /debug/pprof/mutex) and report on it.",
        parse=one_word,
        run=_fetch,
        pprof=False,
        completion="endpoint",
    ),
    Command(
        name="http",
        description="pprofsh: serve the web UI on this session; the prompt stays",
        usage="http [host:port|off]\n"
        "Serves pprof's web UI (graph, top, flame graph, peek, source) and pprofsh's\n"
        "snapshots, changes and leaks pages for this session, in the background.\n"
        "No host is localhost, no port a free one; `http` again shows the URL,\n"
        "`http off` stops it.",
        parse=one_word,
        run=_http,
        pprof=False,
        completion="",
    ),
    Command(
        name="snapshots",
        description="pprofsh: list the profiles loaded in this session",
        usage="snapshots [>f]\n"
        "Numbered list of every profile loaded or fetched, with time and total.",
        parse=redirect_only,
        run=_snapshots,
        pprof=False,
        completion="",
    ),
    Command(
        name="changes",
        description="pprofsh: what grew and shrank between the base and the profile",
        usage="changes [n] [focus_regex]* [-ignore_regex]* [traces] [>f]\n"
        "Functions (or stacks, with the word traces) sorted by |delta|,\n"
        "with base and new values and the percent change; new and gone marked.\n"
        "Optionally save the report on the file f",
        run=_changes,
        words=("traces",),
        pprof=False,
    ),
)
