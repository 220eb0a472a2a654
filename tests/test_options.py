"""The typed Config against the OPTIONS table: one attribute per option, same type and default."""

from __future__ import annotations

import dataclasses

import pytest

from pprofsh.errors import CommandError
from pprofsh.options import BY_NAME, OPTIONS, Config


def test_config_fields_are_the_options() -> None:
    fields = {f.name: f for f in dataclasses.fields(Config)}
    assert list(fields) == [o.name for o in OPTIONS]
    cfg = Config()
    for o in OPTIONS:
        assert fields[o.name].type == o.kind.__name__, o.name
        assert getattr(cfg, o.name) == o.default, o.name
        assert type(getattr(cfg, o.name)) is o.kind, o.name


def test_by_name_access_is_the_attribute() -> None:
    cfg = Config()
    cfg["nodecount"] = 7
    assert cfg.nodecount == 7
    cfg.set("granularity", "lines")
    assert cfg.granularity == "lines"
    cfg.set("cum", "true")
    assert cfg.sort == "cum"
    with pytest.raises(KeyError):
        cfg["no_such_option"]
    with pytest.raises(CommandError, match='unknown config field "nosuch"'):
        cfg.set("nosuch", "1")
    assert cfg.values["nodecount"] == 7 and set(cfg.values) == set(BY_NAME)


def test_copy_is_independent() -> None:
    a = Config()
    b = a.copy()
    b.focus = "x"
    assert a.focus == ""
