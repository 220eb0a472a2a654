"""Tab completion for the `(pprof)` shell, built from the COMMANDS and OPTIONS tables.

What completes where:

* the first word: report commands, option names (``name=`` unless a bool), choice
  names (``cum``, ``lines``...), ``o``/``options``/``help``/``quit``/``exit``, ``:``
  and the sample-type shortcuts (``goroutine``, ``total_delay``, ``mean_delay``...);
* after ``help ``: every help topic (commands, options, choice names);
* after ``name=``: the option's values — ``true``/``false`` for bools, the choices,
  units for ``unit=``, the profile's sample types for ``sample_index=``, label keys
  for ``tagroot=``/``tagleaf=``/``tagshow=``/``taghide=``, file paths for
  ``output=``/``source_path=``;
* regex arguments (``focus=``, ``ignore=``, ``hide=``, ``show=``, ``show_from=``,
  ``prune_from=``, and the words after a report command such as ``list``, ``peek``,
  ``top``, also after a leading ``-``): function names of the loaded profile
  containing the typed text (case-insensitive substring match, prefix matches first);
* ``tagfocus=``/``tagignore=`` and the words after ``tags``: label keys and
  ``key=value`` pairs from the profile's samples.

Only this module and pprofsh.prompt import prompt_toolkit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, PathCompleter
from prompt_toolkit.completion import Completion as _Completion
from prompt_toolkit.document import Document

from pprofsh import commands as cmds
from pprofsh import options as opts
from pprofsh.measurement import UNIT_FAMILIES
from pprofsh.profile.columns import profile_columns
from pprofsh.remote_commands import endpoint_completions
from pprofsh.ui import sanitize


def Completion(  # noqa: N802 - stands in for prompt_toolkit's class
    text: str, start_position: int = 0, display: str | None = None, display_meta: str = ""
) -> _Completion:
    """A completion whose menu text went through the one terminal sanitizer (function
    names and sample types come from the profile: no bidi override or escape is shown)."""
    return _Completion(
        text,
        start_position,
        display=sanitize(text if display is None else display),
        display_meta=sanitize(display_meta),
    )


if TYPE_CHECKING:
    from pprofsh.interactive import Interpreter
    from pprofsh.profile.model import Profile

MAX_NAMES = 200  # function-name completions offered at once

SHELL_WORDS = {
    "o": "List options and their current values",
    "options": "List options and their current values",
    "help": "Show help for a command or option",
    "quit": "Exit pprof",
    "exit": "Exit pprof",
}
# Characters that would make a function name an invalid or different RE2 regex.
# `.` is left alone: it matches itself, and names stay readable.
_REGEX_META = re.compile(r"([\\+*?()|\[\]{}^$])")
_UNESCAPE = re.compile(r"\\(.)")


def first_line(text: str) -> str:
    for ln in text.splitlines():
        if ln.strip():
            return ln.strip()
    return ""


def quote_regex(name: str) -> str:
    """A regex matching name literally (dots aside, which match themselves anyway)."""
    return _REGEX_META.sub(r"\\\1", name)


def unit_names() -> list[str]:
    seen: dict[str, None] = {"minimum": None, "auto": None}
    for fam in UNIT_FAMILIES:
        for u in fam.units:
            for a in (u.canonical.lower(), *u.aliases):
                seen.setdefault(a, None)
    return list(seen)


class NameIndex:
    """Sorted unique strings with fast substring search (one C-level scan of a joined text)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted({n for n in names if n})
        lower = [n.lower() for n in self.names]
        self.lower_sorted = sorted(zip(lower, range(len(lower))))
        self.text = "\n".join(lower) + "\n"
        self.starts: list[int] = []
        pos = 0
        for n in lower:
            self.starts.append(pos)
            pos += len(n) + 1

    def prefix(self, word: str) -> list[str]:
        w = word.lower()
        i = bisect.bisect_left(self.lower_sorted, (w, -1))
        out = []
        while i < len(self.lower_sorted) and self.lower_sorted[i][0].startswith(w):
            out.append(self.names[self.lower_sorted[i][1]])
            i += 1
        return out

    def search(self, word: str, limit: int = MAX_NAMES) -> list[str]:
        """Names containing word (case-insensitive): prefix matches first, then the rest."""
        if not word:
            return self.names[:limit]
        first = self.prefix(word)[:limit]
        if len(first) >= limit:
            return first
        seen = set(first)
        rest: list[str] = []
        w = word.lower()
        pos = self.text.find(w)
        while pos != -1 and len(first) + len(rest) < limit:
            i = bisect.bisect_right(self.starts, pos) - 1
            name = self.names[i]
            if name not in seen:
                seen.add(name)
                rest.append(name)
            # Continue after the end of this name.
            nxt = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
            pos = self.text.find(w, nxt)
        return first + rest


class ProfileIndex:
    """What completion needs from a profile, computed once."""

    def __init__(self, profile: Profile) -> None:
        self.sample_types = [st.type for st in profile.sample_types]
        self.functions = NameIndex(f.name for f in profile.functions)
        keys: dict[str, None] = {}
        pairs: dict[str, None] = {}
        # Each distinct label set once, from the columns: no Sample object is made.
        cols = profile_columns(profile)
        for li in cols.used_label_sets():
            if li < 0:
                continue
            labels, num_labels, _units = cols.label_sets[li]
            if labels:
                for k, vs in labels.items():
                    keys.setdefault(k, None)
                    for v in vs:
                        pairs.setdefault(f"{k}={v}", None)
            if num_labels:
                for k in num_labels:
                    keys.setdefault(k, None)
        self.label_keys = sorted(keys)
        self.label_pairs = sorted(pairs)


class PprofCompleter(Completer):
    """Completion for an Interpreter's shell (see the module docstring)."""

    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self._index: ProfileIndex | None = None
        self._index_of: object = None
        self._paths = PathCompleter(expanduser=True)
        self._units = unit_names()

    @property
    def index(self) -> ProfileIndex:
        p = self.interp.session.profile
        if self._index is None or self._index_of is not p:
            self._index = ProfileIndex(p)
            self._index_of = p
        return self._index

    # -- entry point ------------------------------------------------------------------

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[_Completion]:
        text = document.text_before_cursor
        stripped = text.lstrip()
        if not stripped or " " not in stripped and "\t" not in stripped:
            word = stripped
            if "=" in word:
                name, _, value = word.partition("=")
                yield from self._values(name, value)
            else:
                yield from self._first_words(word)
            return
        # A line with a name=value assignment: the value is everything after '='.
        head, eq, value = stripped.partition("=")
        head_name = head.strip()
        if eq and opts.lookup(head_name) is not None and " " not in head_name:
            yield from self._values(head_name, value.lstrip())
            return
        words = stripped.split()
        cmd = words[0]
        word = "" if text[-1:].isspace() else words[-1]
        nargs = len(words) - 1 - (0 if word == "" else 1)  # complete words before this one
        if cmd == "help":
            if nargs == 0:
                yield from self._help_topics(word)
            return
        c = cmds.BY_NAME.get(cmd)
        if c is None:
            m = re.search(r"[0-9]+$", cmd)
            if m and m.group(0) != cmd:
                c = cmds.BY_NAME.get(cmd[: m.start()])
        if c is None:
            return
        if word.startswith(">"):
            return
        if c.completion == "endpoint":
            if nargs == 0:
                for e in endpoint_completions(word):
                    yield Completion(e, -len(word))
            return
        if c.completion == "snapshots":  # leaks #N ... -v -json
            for snap in self.interp.session.snapshots.items:
                ref = f"#{snap.number}"
                if ref.startswith(word) and ref not in words[1:-1]:
                    yield Completion(ref, -len(word), display_meta=snap.label())
            for flag in ("-v", "-json"):
                if word and flag.startswith(word):
                    yield Completion(flag, -len(word))
            return
        if c.completion == "files":
            if nargs == 0:
                sub = Document(word, len(word))
                yield from self._paths.get_completions(
                    sub, CompleteEvent(completion_requested=True)
                )
            return
        if c.completion != "functions":
            return
        for w in c.words:
            if w.startswith(word) and word:
                yield Completion(w, -len(word))
        if c.tag_words:
            neg = word.startswith("-")
            yield from self._tags(word[1:] if neg else word, prefix="-" if neg else "")
            return
        if word.startswith("-"):
            if c.cum_word and "-cum".startswith(word):
                yield Completion("-cum", -len(word), display_meta="sort by cumulative weight")
            yield from self._functions(word[1:], prefix="-", replace=len(word))
            return
        if word.isdigit():
            return
        yield from self._functions(word, replace=len(word))

    # -- pieces -------------------------------------------------------------------------

    def _first_words(self, word: str) -> Iterator[_Completion]:
        n = len(word)
        for c in cmds.COMMANDS:
            if c.name.startswith(word):
                yield Completion(c.name, -n, display_meta=c.description)
        for w, meta in SHELL_WORDS.items():
            if w.startswith(word):
                yield Completion(w, -n, display_meta=meta)
        for o in opts.OPTIONS:
            if o.name.startswith(word):
                text = o.name if o.kind is bool else o.name + "="
                meta = first_line(o.help) or "one of: " + ", ".join(o.choices)
                yield Completion(text, -n, display=o.name, display_meta=meta)
        for choice, o in opts.CHOICE_OWNER.items():
            if choice.startswith(word):
                yield Completion(
                    choice,
                    -n,
                    display_meta=f"{o.name}={choice}: " + first_line(opts.help_for(choice) or ""),
                )
        if ":".startswith(word):
            yield Completion(":", -n, display_meta="Clear focus/ignore/hide/tagfocus/tagignore")
        for t in self.index.sample_types:
            for name, meta in (
                (t, f"sample_index={t}"),
                ("total_" + t, f"mean=0 sample_index={t}"),
                ("mean_" + t, f"mean=1 sample_index={t}"),
            ):
                if name.startswith(word) and opts.lookup(name) is None:
                    yield Completion(name, -n, display_meta=meta)

    def _help_topics(self, word: str) -> Iterator[_Completion]:
        n = len(word)
        for c in cmds.COMMANDS:
            if c.name.startswith(word):
                yield Completion(c.name, -n, display_meta=c.description)
        for o in opts.OPTIONS:
            if o.name.startswith(word):
                meta = first_line(o.help) or "one of: " + ", ".join(o.choices)
                yield Completion(o.name, -n, display_meta=meta)
        for choice in opts.CHOICE_OWNER:
            if choice.startswith(word):
                yield Completion(choice, -n, display_meta=first_line(opts.help_for(choice) or ""))

    def _values(self, name: str, value: str) -> Iterator[_Completion]:
        o = opts.lookup(name.strip())
        if o is None:
            return
        n = len(value)
        if o.kind is bool or o.name != name.strip():
            meta = first_line(opts.help_for(name.strip()) or "") or name
            for v in ("true", "false"):
                if v.startswith(value):
                    yield Completion(v, -n, display_meta=meta)
            return
        if o.choices:
            for v, h in zip(o.choices, o.choice_help):
                if v.startswith(value):
                    yield Completion(v, -n, display_meta=first_line(h))
            return
        kind = o.completion
        if kind == "units":
            for u in self._units:
                if u.startswith(value.lower()):
                    yield Completion(u, -n, display_meta="unit")
        elif kind == "sample_types":
            for t in self.index.sample_types:
                if t.startswith(value):
                    yield Completion(t, -n, display_meta="sample type")
        elif kind == "regex":
            # Complete the last alternative of a|b|c.
            last = re.split(r"(?<!\\)\|", value)[-1]
            yield from self._functions(last, replace=len(last))
        elif kind == "tags":
            yield from self._tags(value)
        elif kind == "tagkeys":
            last = value.rsplit(",", 1)[-1]
            for k in self.index.label_keys:
                if k.startswith(last):
                    yield Completion(k, -len(last), display_meta="label key")
        elif kind == "path":
            sub = Document(value, len(value))
            yield from self._paths.get_completions(sub, CompleteEvent(completion_requested=True))

    def _functions(
        self, word: str, prefix: str = "", replace: int | None = None
    ) -> Iterator[_Completion]:
        plain = _UNESCAPE.sub(r"\1", word)
        start = -(len(word) if replace is None else replace)
        for name in self.index.functions.search(plain):
            yield Completion(
                prefix + quote_regex(name), start, display=prefix + name, display_meta="function"
            )

    def _tags(self, word: str, prefix: str = "") -> Iterator[_Completion]:
        start = -(len(word) + len(prefix))
        idx = self.index
        if "=" not in word:
            for k in idx.label_keys:
                if k.startswith(word):
                    yield Completion(
                        prefix + k + "=", start, display=prefix + k + "=", display_meta="label key"
                    )
        w = word.lower()
        for pair in idx.label_pairs:
            if w in pair.lower():
                yield Completion(prefix + pair, start, display_meta="label")
