"""The two command-line grammars: pprof's shell words (commands.parse_command_line,
pprof's parseCommandLine) and Go's flag syntax (cli.parse_flags)."""

from __future__ import annotations

import pytest

from pprofsh import cli
from pprofsh.commands import parse_command_line
from pprofsh.errors import CommandError
from pprofsh.options import Config


def parse(line: str, interactive: bool = True, cfg: Config | None = None):
    c, inv = parse_command_line(line.split(), cfg or Config(), interactive)
    return c.name, inv


def test_trailing_words_set_options_for_this_command_only() -> None:
    cfg = Config()
    name, inv = parse("top 5 -cum main -runtime >out.txt", cfg=cfg)
    assert name == "top"
    assert inv.config.nodecount == 5
    assert inv.config.sort == "cum"
    assert inv.config.focus == "main"
    assert inv.config.ignore == "runtime"
    assert inv.config.output == "out.txt"
    assert cfg == Config()  # the session's options are untouched


def test_words_accumulate_as_alternatives() -> None:
    _, inv = parse("tree a b -c -d")
    assert (inv.config.focus, inv.config.ignore) == ("a|b", "c|d")


def test_digits_glued_to_the_name_are_the_count() -> None:
    name, inv = parse("top20")
    assert (name, inv.config.nodecount) == ("top", 20)


def test_the_shell_shows_ten_but_flags_show_all() -> None:
    assert parse("top")[1].config.nodecount == 10
    assert parse("text")[1].config.nodecount == 10
    assert parse("top", interactive=False)[1].config.nodecount == -1
    assert parse("tree")[1].config.nodecount == -1


def test_tags_words_filter_tags() -> None:
    _, inv = parse("tags worker -role")
    assert (inv.config.tagfocus, inv.config.tagignore) == ("worker", "role")
    assert (inv.config.focus, inv.config.ignore) == ("", "")


def test_output_after_a_space() -> None:
    assert parse("top > f.txt")[1].config.output == "f.txt"
    with pytest.raises(CommandError, match="^unexpected end of line after >$"):
        parse("top >")


def test_a_parameter_comes_first() -> None:
    name, inv = parse("list main.main -runtime")
    assert (name, inv.arg, inv.config.ignore) == ("list", "main.main", "runtime")
    with pytest.raises(CommandError, match="^command list requires an argument$"):
        parse("list")


def test_unknown_words() -> None:
    with pytest.raises(CommandError, match='^unrecognized command: "nosuch"$'):
        parse("nosuch")
    with pytest.raises(CommandError, match="^did you mean: nodecount=5$"):
        parse("nodecount 5")
    with pytest.raises(CommandError, match="^did you mean: focus=<val>$"):
        parse("focus")


def test_pprofsh_commands_parse_their_own_words() -> None:
    _, inv = parse("changes 3 traces main >c.txt")
    assert inv.words == ["traces"]
    assert (inv.config.nodecount, inv.config.focus, inv.config.output) == (3, "main", "c.txt")
    assert parse("changes")[1].config.nodecount == -1  # every change unless n is given
    _, inv = parse("base -diff_base #2")
    assert (inv.arg, inv.words) == ("#2", ["-diff_base"])
    with pytest.raises(CommandError, match="^command base requires an argument$"):
        parse("base")
    assert parse("snapshots >s.txt")[1].config.output == "s.txt"
    with pytest.raises(CommandError, match="takes no arguments"):
        parse("snapshots 3")
    assert parse("load #1")[1].arg == "#1"
    assert parse("fetch")[1].arg is None


# -- Go's flag package ---------------------------------------------------------------


TABLE = cli.flag_table()


def flags(*argv: str) -> cli.Parsed:
    return cli.parse_flags(list(argv), TABLE)


def test_flag_forms() -> None:
    p = flags("-top", "--nodecount=5", "-focus", "main", "-cum=true", "prof.pb.gz", "-x")
    assert p.values == {"top": True, "nodecount": 5, "focus": "main", "cum": True}
    assert p.args == ["prof.pb.gz", "-x"]  # flags stop at the first argument


def test_double_dash_ends_flags() -> None:
    assert flags("--", "-top").args == ["-top"]


def test_bools_are_strconv_parse_bool() -> None:
    assert flags("-trim=F").values == {"trim": False}
    with pytest.raises(cli.FlagError, match='^invalid boolean value "yes" for -trim: parse error$'):
        flags("-trim=yes")


def test_ints_take_go_prefixes() -> None:
    assert flags("-nodecount=0x10").values["nodecount"] == 16
    assert flags("-nodecount=010").values["nodecount"] == 8
    assert flags("-nodecount=1_000").values["nodecount"] == 1000
    with pytest.raises(cli.FlagError, match='^invalid value "x" for flag -nodecount: parse error$'):
        flags("-nodecount=x")


def test_lists_accumulate() -> None:
    assert flags("-base", "a", "-base", "b").values["base"] == ["a", "b"]


def test_flag_errors() -> None:
    with pytest.raises(cli.FlagError, match="^flag provided but not defined: -nosuch$"):
        flags("-nosuch")
    with pytest.raises(cli.FlagError, match="^flag needs an argument: -focus$"):
        flags("-focus")
    with pytest.raises(cli.FlagError, match="^bad flag syntax: ---top$"):
        flags("---top")
    with pytest.raises(cli.HelpRequested):
        flags("-h")
