"""docs/commands.md is generated from the tables, and every entry has help."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_doc_is_generated():
    assert DOC.read_text(encoding="utf-8") == commands_markdown(), (
        "docs/commands.md is stale: run `python -m pprofsh.docs > docs/commands.md`"
    )
