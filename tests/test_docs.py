"""docs/commands.md is generated from the tables, and every entry has help."""

from __future__ import annotations

from pathlib import Path

import pytest

from pprofsh import cli
from pprofsh import commands as cmds
from pprofsh import options as opts
from pprofsh.docs import commands_markdown, option_help

DOC = Path(__file__).resolve().parent.parent / "docs" / "commands.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("c", cmds.COMMANDS, ids=lambda c: c.name)
def test_command_documented(c, doc):
    assert c.description.strip(), f"command {c.name} has no description"
    assert f"| `{c.name}` |" in doc, f"command {c.name} missing from docs/commands.md"
    assert f"\n### {c.name}\n" in doc


@pytest.mark.parametrize("o", opts.OPTIONS, ids=lambda o: o.name)
def test_option_documented(o, doc):
    assert option_help(o).strip(), f"option {o.name} has no help"
    for c in o.choices:
        assert (opts.help_for(c) or "").strip(), f"choice {c} of {o.name} has no help"
    assert f"| `{o.name}` |" in doc, f"option {o.name} missing from docs/commands.md"
    assert f"\n### {o.name}\n" in doc


def test_shell_words_documented(doc):
    for word, desc in cmds.SHELL_WORDS:
        assert desc.strip()
        assert f"`{word}`" in doc


@pytest.mark.parametrize("name", sorted(cli.flag_table()))
def test_every_flag_documented(name, doc):
    """Every flag the command line accepts has help and a place in docs/commands.md."""
    if name in cmds.BY_NAME:
        assert cmds.BY_NAME[name].description.strip()
        assert f"| `{name}` | `-{name}` |" in doc, f"-{name} missing from the Commands table"
    elif opts.lookup(name) is not None:
        assert (opts.help_for(name) or "").strip() or opts.BY_NAME[name].choices
        assert f"`{name}`" in doc
    else:
        assert cli.SOURCE_FLAGS[name][2].strip(), f"-{name} has no help"
        assert f"| `-{name}` |" in doc, f"-{name} missing from the Flags table"


def test_pprofsh_flags_are_the_documented_ones():
    """The flags pprofsh adds to pprof's (-c, -changes, -leaks, -watch...) are all in the table."""
    own = [n for n, (_k, _d, h) in cli.SOURCE_FLAGS.items() if h.startswith("pprofsh:")]
    assert {"c", "changes", "leaks", "watch", "interval", "count", "fail_on"} <= set(own)


def test_doc_is_generated():
    assert DOC.read_text(encoding="utf-8") == commands_markdown(), (
        "docs/commands.md is stale: run `python -m pprofsh.docs > docs/commands.md`"
    )
