"""`list` beyond pprof's source lookup, tagroot/tagleaf purity, and terminal colour.

Byte-for-byte agreement with `go tool pprof` is in tests/golden (cases_list.tsv);
these tests cover what only pprofsh does.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

from pprofsh.cli import main
from pprofsh.driver import make_report
from pprofsh.options import Config
from pprofsh.profile.parse import read_file
from pprofsh.report import highlight, source
from pprofsh.report.tagroot import add_label_nodes

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "tests" / "fixtures" / "profiles"
SRC = ROOT / "tests" / "fixtures" / "src"


class _Out(io.StringIO):
    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in ("GOROOT", "GOMODCACHE", "GOPATH", "NO_COLOR", "TERM"):
        monkeypatch.delenv(k, raising=False)
    for k in list(os.environ):
        if k.startswith("PPROF"):
            monkeypatch.delenv(k)
    source._go_env_command.cache_clear()
    yield
    source._go_env_command.cache_clear()


def run(args: list[str], monkeypatch, cwd: Path, tty: bool = False) -> tuple[str, str, int]:
    monkeypatch.chdir(cwd)
    out, err = _Out(tty), _Out()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    rc = main(args)
    return out.getvalue(), err.getvalue(), rc


def list_report(p, regex: str, **opts) -> str:
    cfg = Config()
    for k, v in opts.items():
        cfg[k] = v
    rpt = make_report(p, "list", "list", regex, cfg, lambda m: None)
    return source.print_source(rpt)


def source_of(text: str) -> list[str]:
    """The source text of the annotated lines of a list report."""
    return [m.group(2) for m in re.finditer(r"^.{21} +(\d+):(.*)$", text, re.M)]


def test_stdlib_via_goroot_with_no_flags(monkeypatch, tmp_path):
    # A -trimpath build records runtime/proc.go: pprof searches the cwd and its
    # parents and gives up; pprofsh finds it under $(go env GOROOT)/src.
    monkeypatch.setenv("GOROOT", "/usr/lib/go-1.19")
    out, err, rc = run(
        ["-list=^runtime\\.gopark$", str(PROFILES / "goroutine-trimpath.pb.gz")],
        monkeypatch,
        tmp_path,
    )
    assert rc == 0, err
    assert "ROUTINE ======================== runtime.gopark in runtime/proc.go\n" in out
    assert "Error" not in out
    assert "\tmcall(park_m)" in source_of(out)


def test_stdlib_via_go_env(monkeypatch, tmp_path):
    if source.goroot() == "":
        pytest.skip("no go command")
    p = read_file(str(PROFILES / "cpu.pb.gz"))
    for f in p.functions:
        if f.filename.startswith("/usr/lib/go-1.19/src/"):
            # As recorded on a machine whose Go lives elsewhere.
            f.filename = "/opt/elsewhere/go/src/" + f.filename[len("/usr/lib/go-1.19/src/") :]
    monkeypatch.chdir(tmp_path)
    out = list_report(p, "^runtime\\.main$")
    assert "runtime.main in /opt/elsewhere/go/src/runtime/proc.go" in out
    assert "Error" not in out
    assert "\tfn := main_main" in "\n".join(source_of(out))


def test_goroot_env_is_used(monkeypatch, tmp_path):
    fake = tmp_path / "goroot"
    (fake / "src" / "runtime").mkdir(parents=True)
    (fake / "src" / "runtime" / "proc.go").write_text(
        "".join(f"// fake line {i}\n" for i in range(1, 500))
    )
    monkeypatch.setenv("GOROOT", str(fake))
    work = tmp_path / "work"
    work.mkdir()
    out, err, rc = run(
        ["-list=^runtime\\.gopark$", str(PROFILES / "goroutine-trimpath.pb.gz")], monkeypatch, work
    )
    assert rc == 0, err
    assert "// fake line 363" in out


def test_trimpath_module_path_with_no_flags(monkeypatch):
    # pprofsh.test/fixtures/goroutine/main.go, run in the module's directory.
    out, err, rc = run(
        ["-list=^main\\.sender$", str(PROFILES / "goroutine-trimpath.pb.gz")], monkeypatch, SRC
    )
    assert rc == 0, err
    assert (
        "ROUTINE ======================== main.sender in pprofsh.test/fixtures/goroutine/main.go\n"
    ) in out
    want = (SRC / "goroutine" / "main.go").read_text().split("\n")
    got = re.findall(r"^.{21} +(\d+):(.*)$", out, re.M)
    assert got
    for lineno, text in got:
        assert want[int(lineno) - 1] == text


def test_module_cache_with_escaped_capitals(monkeypatch, tmp_path):
    cache = tmp_path / "modcache"
    d = cache / "example.com" / "!big!co" / "lib@v1.2.3"
    d.mkdir(parents=True)
    (d / "lib.go").write_text("".join(f"// lib line {i}\n" for i in range(1, 100)))
    monkeypatch.setenv("GOMODCACHE", str(cache))
    p = read_file(str(PROFILES / "cpu.pb.gz"))
    fn = next(f for f in p.functions if f.name == "main.fib")
    fn.filename = "example.com/BigCo/lib@v1.2.3/lib.go"
    monkeypatch.chdir(tmp_path)
    out = list_report(p, "^main\\.fib$")
    assert "// lib line 43" in out
    assert source.escape_module_path("github.com/Azure/SDK") == "github.com/!azure/!s!d!k"


def test_vendor_directory(monkeypatch, tmp_path):
    d = tmp_path / "vendor" / "example.com" / "dep"
    d.mkdir(parents=True)
    (d / "dep.go").write_text("".join(f"// dep line {i}\n" for i in range(1, 100)))
    p = read_file(str(PROFILES / "cpu.pb.gz"))
    fn = next(f for f in p.functions if f.name == "main.fib")
    fn.filename = "example.com/dep/dep.go"
    sub = tmp_path / "cmd"
    sub.mkdir()
    monkeypatch.chdir(sub)
    out = list_report(p, "^main\\.fib$")
    assert "// dep line 45" in out


def test_pprof_errors_when_nothing_finds_the_file(monkeypatch, tmp_path):
    p = read_file(str(PROFILES / "cpu.pb.gz"))
    for f in p.functions:
        if f.name == "main.fib":
            f.filename = "/nonexistent-pprofsh/dir/fib.go"
        if f.name == "main.main":
            f.filename = ""
    monkeypatch.chdir(tmp_path)
    out = list_report(
        p, "^main\\.(fib|main)$", trim_path="/tmp/pprofsh-fixtures/src", source_path=str(SRC)
    )
    assert out.split("\n")[1:4] == [
        "ROUTINE ======================== main.fib in /nonexistent-pprofsh/dir/fib.go",
        "     190ms      330ms (flat, cum) 14.67% of Total",
        " Error: open /nonexistent-pprofsh/dir/fib.go: no such file or directory",
    ]
    assert "No source information for main.main\n" in out


def test_tagroot_leaves_profile_alone():
    p = read_file(str(PROFILES / "cpu.pb.gz"))
    stacks = [s.locations for s in p.samples]
    nloc, nfn = len(p.locations), len(p.functions)
    warnings: list[str] = []
    got = add_label_nodes(p, p.samples, "worker,stage", "nosuch", "minimum", warnings.append)
    assert [s.locations for s in p.samples] == stacks
    assert (len(p.locations), len(p.functions)) == (nloc, nfn)
    assert warnings == ["TagLeaf expression matched no samples"]
    s = next(
        s
        for s in got
        if s.labels and s.labels.get("worker") == ["b"] and s.labels.get("stage") == ["inner"]
    )
    assert [ln.function.name for loc in s.locations[-2:] for ln in loc.lines] == ["inner", "b"]
    assert s.locations[0].lines[0].function.filename == "nosuch"


LIST_ARGS = [
    "-list=main\\.fib",
    "-trim_path=/tmp/pprofsh-fixtures/src",
    "-source_path=" + str(SRC),
    str(PROFILES / "cpu.pb.gz"),
]


def strip(s: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def test_colour_on_terminal_only(monkeypatch):
    plain, _, _ = run(LIST_ARGS, monkeypatch, ROOT)
    assert "\x1b[" not in plain
    coloured, _, _ = run(LIST_ARGS, monkeypatch, ROOT, tty=True)
    assert "\x1b[" in coloured and strip(coloured) == plain
    monkeypatch.setenv("NO_COLOR", "1")
    assert run(LIST_ARGS, monkeypatch, ROOT, tty=True)[0] == plain
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(highlight, "ENABLED", False)
    assert run(LIST_ARGS, monkeypatch, ROOT, tty=True)[0] == plain


def test_diff_colours(monkeypatch):
    args = [
        "-top",
        "-base",
        str(PROFILES / "handshake-before.pb.gz"),
        str(PROFILES / "handshake-during.pb.gz"),
    ]
    plain, _, _ = run(
        ["-top", "-base", str(PROFILES / "leak-busy.pb.gz"), str(PROFILES / "leak-gone.pb.gz")],
        monkeypatch,
        ROOT,
    )
    text = highlight.colourise("text", plain)
    assert strip(text) == plain
    assert highlight.GREEN + "-300" + highlight.RESET in text
    assert highlight.RED + "100%" not in text
    # No negative value: not a diff, left plain.
    plain, _, _ = run(args, monkeypatch, ROOT)
    assert highlight.colourise("text", plain) == plain
    peek, _, _ = run(
        [
            "-peek=recvLoop",
            "-base",
            str(PROFILES / "leak-busy.pb.gz"),
            str(PROFILES / "leak-gone.pb.gz"),
        ],
        monkeypatch,
        ROOT,
    )
    assert strip(highlight.colourise("tree", peek)) == peek
    assert highlight.GREEN in highlight.colourise("tree", peek)
