"""Report options as URL parameters, and named configurations in pprof's settings file.

The parameter names, the "defaults are left out of the URL" rule, bools shortened to
t/f, and the settings file (~/.config/pprof/settings.json: {"configs": [{"name": ...,
option: value, ...}]}, options at their zero value omitted) are pprof's, so that a URL
or a saved configuration works in both tools.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from pprofsh.errors import CommandError
from pprofsh.go import fmt_v
from pprofsh.options import BY_NAME, Config

# option name -> URL parameter (pprof's urlparam table, webui config.go).
URL_PARAMS: dict[str, str] = {
    "drop_negative": "dropneg",
    "call_tree": "calltree",
    "relative_percentages": "rel",
    "unit": "unit",
    "compact_labels": "compact",
    "intel_syntax": "intel",
    "nodecount": "n",
    "nodefraction": "nf",
    "edgefraction": "ef",
    "trim": "trim",
    "focus": "f",
    "ignore": "i",
    "prune_from": "prunefrom",
    "hide": "h",
    "show": "s",
    "show_from": "sf",
    "tagfocus": "tf",
    "tagignore": "ti",
    "tagshow": "ts",
    "taghide": "th",
    "mean": "mean",
    "sample_index": "si",
    "normalize": "norm",
    "sort": "sort",
    "granularity": "g",
    "noinlines": "noinlines",
}

# pprof's defaultConfig: what a URL leaves out. Not the flags' values: nodecount is -1
# ("the command decides") and a URL made from flags says what differs from pprof's own.
_DEFAULTS: dict[str, object] = {
    "unit": "minimum",
    "nodecount": -1,
    "nodefraction": 0.005,
    "edgefraction": 0.001,
    "trim": True,
    "sort": "flat",
    "granularity": "functions",
}

# Options written to the settings file, in pprof's struct order (its JSON field order).
SAVED = (
    "call_tree",
    "relative_percentages",
    "unit",
    "compact_labels",
    "intel_syntax",
    "mean",
    "normalize",
    "sort",
    "tagroot",
    "tagleaf",
    "drop_negative",
    "nodecount",
    "nodefraction",
    "edgefraction",
    "trim",
    "focus",
    "ignore",
    "prune_from",
    "hide",
    "show",
    "show_from",
    "tagfocus",
    "tagignore",
    "tagshow",
    "taghide",
    "noinlines",
    "granularity",
)


def default_of(name: str) -> object:
    if name in _DEFAULTS:
        return _DEFAULTS[name]
    return BY_NAME[name].default


def _text(name: str, v: object) -> str:
    """A value as pprof's config.get prints it (fmt.Sprint)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return fmt_v(v)
    return str(v)


def default_config() -> Config:
    cfg = Config()
    for k, v in _DEFAULTS.items():
        cfg[k] = v
    return cfg


def apply_url(cfg: Config, query: dict[str, str]) -> Config:
    """A copy of cfg with the URL's parameters applied; empty values mean "unchanged"."""
    cfg = cfg.copy()
    for name, param in URL_PARAMS.items():
        value = query.get(param, "")
        if value == "":
            continue
        try:
            cfg.set(name, value)
        except CommandError as e:
            raise CommandError(f"error setting config field {name}: {e}") from None
    return cfg


def url_values(cfg: Config, query: dict[str, str]) -> tuple[dict[str, str], bool]:
    """query with cfg's saved options set (defaults removed); and whether anything changed."""
    q = dict(query)
    changed = False
    for name, param in URL_PARAMS.items():
        if not BY_NAME[name].saved:
            continue
        v = _text(name, cfg[name])
        if v == _text(name, default_of(name)):
            v = ""
        elif isinstance(cfg[name], bool):
            v = v[:1]
        if q.get(param, "") == v:
            continue
        changed = True
        if v:
            q[param] = v
        else:
            q.pop(param, None)
    return q, changed


def parse_query(raw: str) -> dict[str, str]:
    """The first value of each parameter, as Go's url.Values.Get."""
    out: dict[str, str] = {}
    for k, v in parse_qsl(raw, keep_blank_values=True):
        out.setdefault(k, v)
    return out


def encode_query(q: dict[str, str]) -> str:
    """Sorted by key, as Go's url.Values.Encode."""
    return urlencode(sorted(q.items()))


# -- the settings file ------------------------------------------------------------------


def settings_path() -> str:
    """pprof's settingsFileName: os.UserConfigDir()/pprof/settings.json."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not base:
        home = os.environ.get("HOME", "")
        if not home:
            raise CommandError("neither $XDG_CONFIG_HOME nor $HOME are defined")
        base = os.path.join(home, ".config")
    return os.path.join(base, "pprof", "settings.json")


@dataclass
class NamedConfig:
    name: str
    config: Config


def _to_json(name: str, cfg: Config) -> dict[str, object]:
    d: dict[str, object] = {"name": name}
    for k in SAVED:
        v = cfg[k]
        if v in ("", 0, 0.0, False):  # Go's omitempty
            continue
        d[k] = v
    return d


def _from_json(d: dict[str, object], transient: Config) -> NamedConfig:
    cfg = Config()
    for k in SAVED:
        o = BY_NAME[k]
        zero = o.kind()
        cfg[k] = zero
        v = d.get(k)
        if v is None:
            continue
        ok = (
            isinstance(v, bool)
            if o.kind is bool
            else isinstance(v, (int, float)) and not isinstance(v, bool)
            if o.kind in (int, float)
            else isinstance(v, str)
        )
        if not ok or (o.kind is int and isinstance(v, float) and v != int(v)):
            raise CommandError(f"could not parse settings: bad value for {k}")
        cfg[k] = o.kind(v)
    # pprof's resetTransient: what is not saved comes from the current configuration.
    for k in ("output", "source_path", "trim_path", "divide_by", "sample_index"):
        cfg[k] = transient[k]
    return NamedConfig(str(d.get("name", "")), cfg)


def read_settings(path: str, transient: Config) -> list[NamedConfig]:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise CommandError(f"could not read settings: {e.strerror}") from None
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise CommandError(f"could not parse settings: {e}") from None
    if not isinstance(doc, dict):
        raise CommandError("could not parse settings: not an object")
    configs = doc.get("configs") or []
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise CommandError("could not parse settings: configs is not a list of objects")
    return [_from_json(c, transient) for c in configs]


def write_settings(path: str, configs: list[NamedConfig]) -> None:
    doc = {"configs": [_to_json(c.name, c.config) for c in configs]}
    data = json.dumps(doc, indent=2, ensure_ascii=False)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    except OSError as e:
        raise CommandError(f"failed to create settings directory: {e.strerror}") from None
    tmp = path + ".pprofsh-tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise CommandError(f"failed to write settings: {e.strerror}") from None


def save_config(path: str, name: str, cfg: Config, transient: Config) -> None:
    if name == "":
        raise CommandError("invalid config name")
    configs = read_settings(path, transient)
    for c in configs:
        if c.name == name:
            c.config = cfg
            break
    else:
        configs.append(NamedConfig(name, cfg))
    write_settings(path, configs)


def delete_config(path: str, name: str, transient: Config) -> None:
    configs = read_settings(path, transient)
    for i, c in enumerate(configs):
        if c.name == name:
            del configs[i]
            write_settings(path, configs)
            return
    raise CommandError(f"config {name} not found")


@dataclass
class MenuEntry:
    name: str
    url: str
    current: bool
    user: bool


def config_menu(path: str, route: str, query: dict[str, str], transient: Config) -> list[MenuEntry]:
    """The Config menu: Default then the saved ones; the last one matching the URL is current."""
    entries = [NamedConfig("Default", default_config())]
    try:
        entries += read_settings(path, transient)
    except CommandError:
        pass
    out = []
    last = -1
    for i, nc in enumerate(entries):
        q, changed = url_values(nc.config, query)
        if not changed:
            last = i
        enc = encode_query(q)
        out.append(MenuEntry(nc.name, route + ("?" + enc if enc else ""), False, i != 0))
    if last >= 0:
        out[last].current = True
    return out
