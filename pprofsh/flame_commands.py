"""`flame` and `folded` as entries of the command table.

`folded` is a report like `top`: its words are parsed the same way, and it is
delivered to the stream or `>file`. `flame` builds the terminal-free FlameView
of the report and hands it to the session's `flame_screen`, which the shell
layer sets (it is the only layer that may draw with prompt_toolkit).
"""

from __future__ import annotations

from typing import IO, Any, TextIO

from pprofsh.driver import make_report
from pprofsh.entry import Command, Invocation, SessionAPI
from pprofsh.errors import CommandError
from pprofsh.report import Report
from pprofsh.report.calltree import report_stacks
from pprofsh.report.flameview import FlameView
from pprofsh.report.folded import print_folded
from pprofsh.report_commands import run_report


def _render_folded(rpt: Report, out: IO[Any]) -> None:
    out.write(print_folded(rpt))


def flame_view(s: SessionAPI, c: Command, inv: Invocation) -> FlameView:
    """The FlameView of the session's current report (filters, sample index, granularity,
    base) with the options of this run."""
    cfg = inv.config
    rpt = make_report(s.profile, c.name, c.format, None, cfg, s.ui.print_err, s.view_cache)
    view = FlameView(
        report_stacks(rpt, diff=True if s.base is not None else None), rpt.total, rpt.format_value
    )
    view.flip = "flip" in inv.words
    return view


def _run_flame(s: SessionAPI, c: Command, inv: Invocation, out: TextIO) -> None:
    if inv.config.output:
        raise CommandError("flame draws on the terminal: use folded >f to save the stacks")
    screen = s.flame_screen
    if screen is None or not s.ui.out_is_terminal():
        raise CommandError("flame needs a terminal: use folded for flame graph tools")
    screen(flame_view(s, c, inv))


ENTRIES: tuple[Command, ...] = (
    Command(
        name="flame",
        description="pprofsh: browse a flame graph of the report in the terminal",
        usage="flame [flip] [focus_regex]* [-ignore_regex]*\n"
        "A full-screen flame graph (root at the top; flip: at the bottom) of the\n"
        "current report: filters, sample_index, granularity and base apply.\n"
        "Keys: arrows/hjkl move, Enter zooms, Backspace/Esc zooms out, / searches,\n"
        "c shows callers, f/i/H leave with focus=/ignore=/hide=, L lists, ? helps, q quits.",
        run=_run_flame,
        format="flame",
        pprof=False,
        words=("flip",),
    ),
    Command(
        name="folded",
        description="pprofsh: output stacks in collapsed (folded) form for flame graph tools",
        usage="folded [focus_regex]* [-ignore_regex]* [>f]\n"
        "One line per distinct stack: frames root first joined by ;, then the value\n"
        "(flamegraph.pl, inferno and speedscope read it).\n"
        "Optionally save the report on the file f",
        run=run_report,
        format="folded",
        render=_render_folded,
        pprof=False,
    ),
)
