"""Leak hunting in the shell, as entries of the command table: leaks, watch, schedtrace.

`leaks` judges the session's goroutine snapshots (all, or `leaks #2 #5`) with the same
report as `pprofsh -leaks`; `watch [interval] [count]` fetches goroutine snapshots from the
service the session was opened on, adding each to the session, then reports; `schedtrace
FILE` reads a GODEBUG=schedtrace trace as `pprofsh -schedtrace FILE` does.
"""

from __future__ import annotations

import os
import time
from typing import IO, Any, TextIO

from pprofsh import schedtrace as sched
from pprofsh.delivery import Output, to_stream
from pprofsh.entry import Command, Invocation, SessionAPI, redirect_target
from pprofsh.errors import CommandError, PprofshError
from pprofsh.go import is_terminal
from pprofsh.leaks.analyze import NOT_BLOCKED, LeakReport, analyze
from pprofsh.leaks.render import render_json, render_text
from pprofsh.leaks.watch import parse_duration
from pprofsh.options import Config
from pprofsh.profile.model import Profile
from pprofsh.snapshots import Snapshot


def _redirect(args: list[str], i: int, cfg: Config) -> tuple[int, Config]:
    cfg = cfg.copy()
    i, cfg.output = redirect_target(args, i)
    return i, cfg


def _parse_leaks(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    words: list[str] = []
    cfg = current
    i = 0
    while i < len(args):
        t = args[i]
        if t in ("-v", "--v", "-json", "--json"):
            words.append(t.lstrip("-"))
        elif t.startswith(">"):
            i, cfg = _redirect(args, i, cfg)
        elif t.startswith("#") and t[1:].isdigit():
            words.append(t)
        else:
            raise CommandError(f"leaks: unexpected {t!r}: use leaks [#N ...] [-v] [-json] [>f]")
        i += 1
    return Invocation(None, cfg, words)


def _is_goroutine(p: Profile) -> bool:
    return any(st.type in ("goroutine", "goroutineleak") for st in p.sample_types)


def _source_roots(cfg: Config) -> list[str]:
    roots = [r for r in str(cfg.source_path or "").split(os.pathsep) if r]
    return roots + [os.getcwd()]


def _deliver_report(s: SessionAPI, rep: LeakReport, inv: Invocation, out: TextIO) -> None:
    as_json = "json" in inv.words
    text = render_json(rep) if as_json else render_text(rep, verbose="v" in inv.words)

    def write(stream: IO[Any]) -> None:
        stream.write(text)

    to_stream(Output(write, path=inv.config.output), s.ui, out)


def _leaks(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    refs = [w for w in inv.words if w.startswith("#")]
    if refs:
        chosen = [s.snapshots.get(r) for r in refs]
        for snap in chosen:
            if not _is_goroutine(snap.profile):
                raise CommandError(f"leaks: #{snap.number} is not a goroutine profile")
    else:
        chosen = [snap for snap in s.snapshots.items if _is_goroutine(snap.profile)]
        if not chosen:
            raise CommandError(
                "leaks: no goroutine snapshot in this session "
                "(load or fetch goroutine profiles first)"
            )
    # oldest first: by the profiles' times when they all carry one (a session opened with
    # -base holds the newer profile as #1), else in the order they were loaded
    if all(snap.profile.time_nanos for snap in chosen):
        chosen = sorted(chosen, key=lambda snap: (snap.profile.time_nanos, snap.number))
    else:
        chosen = sorted(chosen, key=lambda snap: snap.number)
    snaps = [(snap.label(), snap.profile) for snap in chosen]
    rep = analyze(snaps, source_roots=_source_roots(inv.config))
    _deliver_report(s, rep, inv, out)


def _parse_watch(c: Command, args: list[str], current: Config, interactive: bool) -> Invocation:
    words: list[str] = []
    cfg = current
    i = 0
    while i < len(args):
        t = args[i]
        if t.startswith(">"):
            i, cfg = _redirect(args, i, cfg)
        elif t in ("-v", "--v", "-json", "--json"):
            words.append(t.lstrip("-"))
        else:
            words.append(t)
        i += 1
    plain = [w for w in words if w not in ("v", "json")]
    if len(plain) > 2:
        raise CommandError("watch takes at most an interval and a count: watch [10s] [6]")
    interval, count = "10s", "0"
    if plain:
        interval = plain[0]
        parse_duration(interval)
    if len(plain) == 2:
        count = plain[1]
        if not count.isdigit():
            raise CommandError(f"watch: count {count!r} is not a number")
    flags = [w for w in words if w in ("v", "json")]
    return Invocation(interval, cfg, [interval, count, *flags])


def _watch(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    interval_s, count_s = inv.words[0], inv.words[1]
    interval = parse_duration(interval_s)
    count = int(count_s)
    roots = _source_roots(inv.config)
    taken: list[Snapshot] = []
    try:
        while True:
            try:
                s.fetch("goroutine")
            except CommandError as e:
                if taken:
                    raise
                if "no URL source" in str(e):
                    raise CommandError(
                        "watch: this session has no URL source; open it on a service, "
                        "e.g. pprofsh localhost:6060/debug/pprof/goroutine"
                    ) from None
                raise
            if not taken:
                s.ui.print_err(
                    f"Watching {s.current.label()} every {interval_s}"
                    + (f" for {count} snapshots" if count else "")
                    + " (Ctrl-C to stop)"
                )
            snap = s.current
            if not snap.profile.time_nanos:
                snap.profile.time_nanos = time.time_ns()
            taken.append(snap)
            one = analyze([(snap.label(), snap.profile)], source_roots=roots)
            top = [x for x in one.sites if x.op not in NOT_BLOCKED][:3]
            tops = ", ".join(f"{x.function} {x.op} {x.counts[0]}" for x in top)
            s.ui.print_err(
                f"{time.strftime('%H:%M:%S')} #{snap.number} goroutines "
                f"{one.snapshots[0].total}; top: {tops}"
            )
            if count and len(taken) >= count:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        s.ui.print_err("")
    if not taken:
        return
    rep = analyze([(x.label(), x.profile) for x in taken], source_roots=roots)
    _deliver_report(s, rep, inv, out)


def _schedtrace(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    assert inv.arg is not None
    try:
        tr = sched.read(inv.arg)
    except PprofshError as e:
        raise CommandError(str(e)) from None
    path = inv.config.output

    def write(stream: IO[Any]) -> None:
        stream.write(sched.render(tr, terminal=not path and is_terminal(out)))

    to_stream(Output(write, path=path), s.ui, out)


def _parse_schedtrace(
    c: Command, args: list[str], current: Config, interactive: bool
) -> Invocation:
    cfg = current
    files: list[str] = []
    i = 0
    while i < len(args):
        if args[i].startswith(">"):
            i, cfg = _redirect(args, i, cfg)
        else:
            files.append(args[i])
        i += 1
    if len(files) != 1:
        raise CommandError("command schedtrace requires one argument: a file")
    return Invocation(files[0], cfg, [])


ENTRIES: tuple[Command, ...] = (
    Command(
        name="leaks",
        description="pprofsh: goroutine leak sites across the session's snapshots",
        usage="leaks [#N ...] [-v] [-json] [>f]\n"
        "Judge every goroutine snapshot of the session (or the ones named), oldest\n"
        "first, as pprofsh -leaks does: leak sites by growth, with the blocking\n"
        "line, the pattern and its fix. -v lists every site with its verdict and\n"
        "reason, -json prints JSON. See docs/leaks.md.",
        parse=_parse_leaks,
        run=_leaks,
        pprof=False,
        completion="snapshots",
    ),
    Command(
        name="watch",
        description="pprofsh: fetch goroutine snapshots every interval, then report leaks",
        usage="watch [interval] [count] [-v] [-json] [>f]\n"
        "For a session opened on a URL: fetch the service's goroutine profile every\n"
        "interval (default 10s), adding each as a snapshot, until count snapshots\n"
        "(default: until Ctrl-C); then print the leaks report over them.",
        parse=_parse_watch,
        run=_watch,
        pprof=False,
        completion="",
    ),
    Command(
        name="schedtrace",
        description="pprofsh: summarise a GODEBUG=schedtrace scheduler trace",
        usage="schedtrace FILE [>f]\n"
        "Read the stderr of a Go program run with GODEBUG=schedtrace=N (and\n"
        "optionally scheddetail=1): threads, idle and spinning threads, run queues\n"
        "and goroutines per status per tick, a trend per series, and a flag on\n"
        "goroutine or thread counts that only grow.",
        has_param=True,
        parse=_parse_schedtrace,
        run=_schedtrace,
        pprof=False,
        completion="files",
    ),
)
