"""The `list` report: annotated source of the functions matching a regexp.

Output follows pprof's printSource. Source files are looked up the way
pprof does (search path and its parents, -trim_path, the basename
heuristic, absolute paths as they are); when that fails, pprofsh also looks
in GOROOT (standard library), the module cache, vendor/ directories and the
module containing the search path (paths of -trimpath builds).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache

from pprofsh import measurement
from pprofsh.errors import CommandError
from pprofsh.go import go_clean
from pprofsh.graph import Node, info_sprint, trim_path
from pprofsh.report import Report

MARGIN = 5  # lines shown before the first and after the last sample


def print_source(rpt: Report) -> str:
    o = rpt.options
    g = rpt.new_graph(edges=False)  # list prints node sums per line, no edges
    functions: list[Node] = []
    function_nodes: dict[str, list[Node]] = {}
    for n in g.nodes:
        name = n.info[0]
        if o.symbol is None or not o.symbol.search(name):
            continue
        if name not in function_nodes:
            functions.append(n)
            function_nodes[name] = []
        function_nodes[name].append(n)
    if not function_nodes:
        raise CommandError(f"no matches found for regexp: {o.symbol_text}")
    functions.sort(key=lambda n: (n.info[0], info_sprint(n.info)))

    search = o.source_path
    if not search:
        try:
            search = os.getcwd()
        except OSError as e:
            raise CommandError(f"could not stat current dir: {_errtext(e)}") from None
    reader = SourceReader(search, o.trim_path)
    fv = rpt.format_value

    def dot(v: int) -> str:
        return "." if v == 0 else fv(v)

    out = [f"Total: {fv(rpt.total)}\n"]
    for fn in functions:
        name = fn.info[0]
        files: list[Node] = []
        file_nodes: dict[str, list[Node]] = {}
        for n in function_nodes[name]:
            f = n.info[3]
            if not f:
                continue
            if f not in file_nodes:
                files.append(n)
                file_nodes[f] = []
            file_nodes[f].append(n)
        if not files:
            out.append(f"No source information for {name}\n")
            continue
        files.sort(key=lambda n: (n.info[3], n.info[4], info_sprint(n.info)))
        for fl in files:
            filename = fl.info[3]
            fns = file_nodes[filename]
            flat_sum = sum(n.flat for n in fns)
            cum_sum = sum(n.cum for n in fns)
            lines, err = source_lines(filename, reader, fns)
            out.append(f"ROUTINE ======================== {name} in {filename}\n")
            out.append(
                f"{fv(flat_sum):>10s} {fv(cum_sum):>10s} (flat, cum) "
                f"{measurement.percentage(cum_sum, rpt.total)} of Total\n"
            )
            if err is not None:
                out.append(f" Error: {err}\n")
                continue
            for lineno, text, flat, cum in lines:
                out.append(f"{dot(flat):>10s} {dot(cum):>10s} {lineno:6d}:{text}\n")
    return "".join(out)


def source_lines(
    filename: str, reader: SourceReader, fns: list[Node]
) -> tuple[list[tuple[int, str, int, int]], str | None]:
    """(lineno, text, flat, cum) for the lines around the samples of one file."""
    first = fns[0].info
    start = first[4] if first[4] else first[5] - MARGIN
    end = first[5] + MARGIN
    by_line: dict[int, list[int]] = {}
    for n in fns:
        lineno = n.info[5]
        node_start = n.info[4] if n.info[4] else lineno - MARGIN
        node_end = lineno + MARGIN
        if node_start < start:
            start = node_start
        elif node_end > end:
            end = node_end
        acc = by_line.setdefault(lineno, [0, 0])
        acc[0] += n.flat
        acc[1] += n.cum
    start = max(start, 1)
    text = reader.lines(filename)
    out = []
    for lineno in range(start, end + 1):
        if lineno >= len(text):
            break
        flat, cum = by_line.get(lineno, (0, 0))
        out.append((lineno, text[lineno], flat, cum))
    return out, reader.errors.get(filename)


class SourceReader:
    """Source files by profile file name, read once; errors kept per file."""

    def __init__(self, search_path: str, trim: str) -> None:
        self.search_path = search_path
        self.trim = trim
        self.files: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}

    def lines(self, path: str) -> list[str]:
        got = self.files.get(path)
        if got is None:
            got = [""]
            found, err = find_source(path, self.search_path, self.trim)
            if found is None:
                self.errors[path] = err
            else:
                got.extend(_read_lines(found))
            self.files[path] = got
        return got


def _read_lines(path: str) -> list[str]:
    """Lines as bufio.Scanner gives them, bounded (pprofsh.limits.source_lines); a file
    that can't be read gives none."""
    from pprofsh.limits import source_lines

    try:
        return source_lines(path)
    except (OSError, ValueError):
        return []


def _errtext(e: OSError) -> str:
    """Go's text for an errno: the C message in lower case."""
    if e.errno is not None:
        return os.strerror(e.errno)[0].lower() + os.strerror(e.errno)[1:]
    return str(e)


def _go_dir(path: str) -> str:
    i = path.rfind("/")
    return go_clean(path[: i + 1])


def _go_join(a: str, b: str) -> str:
    if not a:
        return go_clean(b) if b else ""
    if not b:
        return go_clean(a)
    return go_clean(a + "/" + b)


def _search_dirs(search_path: str) -> Iterator[str]:
    """Every directory of the search path, then each of its parents (pprof's order)."""
    for d in search_path.split(os.pathsep) if search_path else []:
        while True:
            yield d
            parent = _go_dir(d)
            if parent == d:
                break
            d = parent


def find_source(path: str, search_path: str, trim: str) -> tuple[str | None, str]:
    """The file to read for a profile's file name, or (None, pprof's error text)."""
    path = trim_path(path, trim, search_path)
    if os.path.isabs(path):
        try:
            os.stat(path)
            found: str | None = path
            err = ""
        except OSError as e:
            found, err = None, f"open {path}: {_errtext(e)}"
    else:
        found = next(
            (
                c
                for c in (_go_join(d, path) for d in _search_dirs(search_path))
                if os.path.exists(c)
            ),
            None,
        )
        err = f"could not find file {path} on path {search_path}"
    if found is None:
        found = find_beyond(path, search_path)
    return found, err


# -- beyond pprof -------------------------------------------------------------------------


def _go_env(name: str) -> str:
    """A Go setting: from the environment, else asked of `go env` (once per process)."""
    return os.environ.get(name, "") or _go_env_command(name)


@cache
def _go_env_command(name: str) -> str:
    go = shutil.which("go")
    if go is None:
        return ""
    try:
        r = subprocess.run([go, "env", name], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def goroot() -> str:
    return _go_env("GOROOT")


def gomodcache() -> str:
    v = _go_env("GOMODCACHE")
    if v:
        return v
    gopath = _go_env("GOPATH") or os.path.join(os.path.expanduser("~"), "go")
    return os.path.join(gopath.split(os.pathsep)[0], "pkg", "mod")


def escape_module_path(p: str) -> str:
    """The module cache's case encoding: each capital letter as '!' and its lower case."""
    return "".join("!" + c.lower() if "A" <= c <= "Z" else c for c in p)


def _module_of(d: str) -> str:
    try:
        with open(os.path.join(d, "go.mod"), encoding="utf-8", errors="replace") as f:
            for line in f:
                words = line.split("//", 1)[0].split()
                if len(words) >= 2 and words[0] == "module":
                    return words[1].strip('"`')
    except OSError:
        pass
    return ""


def _candidates(rel: str, search_path: str) -> Iterator[str]:
    rel = go_clean(rel)
    if rel.startswith("../") or rel in (".", ".."):
        return
    first = rel.split("/", 1)[0]
    if "@" in rel:
        cache = gomodcache()
        if cache:
            yield os.path.join(cache, escape_module_path(rel))
    if "/" in rel and "." not in first and "@" not in rel:
        root = goroot()
        if root:
            yield os.path.join(root, "src", rel)
    seen: set[str] = set()
    for d in _search_dirs(search_path):
        if d in seen:
            continue
        seen.add(d)
        yield _go_join(_go_join(d, "vendor"), rel)
        mod = _module_of(d)
        if mod and rel.startswith(mod + "/"):
            yield _go_join(d, rel[len(mod) + 1 :])


def find_beyond(path: str, search_path: str) -> str | None:
    """Where pprof gives up: GOROOT, GOMODCACHE, vendor/ and the enclosing module."""
    rels = []
    if os.path.isabs(path):
        # A path recorded on another machine: keep what follows a GOROOT, the module
        # cache or a vendor directory.
        for marker in ("/src/", "/pkg/mod/", "/vendor/"):
            i = path.find(marker)
            if i != -1:
                rels.append(path[i + len(marker) :])
    else:
        rels.append(path)
    for rel in rels:
        for c in _candidates(rel, search_path):
            if os.path.isfile(c):
                return c
    return None
