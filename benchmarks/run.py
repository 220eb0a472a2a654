#!/usr/bin/env python3
"""Time pprofsh against `go tool pprof`, side by side, on the generated profiles.

    python benchmarks/gen.py --out benchmarks/data           # once
    python benchmarks/run.py --scales S,M [--rows top,peek] [--repeat 3] [--write-doc]

Each measurement runs the command in a fresh child process (stdout to /dev/null,
stderr to a temporary file) and reaps it with os.wait4(), whose rusage belongs
to that child alone (its ru_maxrss covers the child and anything it waited for,
e.g. the pprof binary under `go tool`).  Reported: median wall time over the
repeats, the largest peak RSS seen, and the pprofsh/Go ratio of the medians.
A command that exits non-zero shows `error` (first stderr line in a footnote);
one that runs past --timeout is killed (its whole process group) and shows `>Ns`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "benchmarks" / "data"
DEFAULT_DOC = REPO / "docs" / "performance.md"
SCALE_ORDER = ["S", "M", "L", "XL"]
ROWS = ["parse", "top", "topcum", "traces", "tree", "peek", "list", "base", "shell"]
ROW_HELP = {
    "parse": "floor: gunzip + profile_pb2 ParseFromString in a fresh Python (pprofsh column only)",
    "top": "-top",
    "topcum": "-top -cum",
    "traces": "-traces",
    "tree": "-tree",
    "peek": "-peek=<regex of a mid-hot function>",
    "list": "-list=<same regex> (source files do not exist: annotated listing without source)",
    "base": "-top -base <kind>-<scale>-base.pb.gz <kind>-<scale>.pb.gz",
    "shell": "interactive mode fed from stdin: top / top -cum / peek / list / traces",
}

PARSE_SNIPPET = (
    "import gzip, sys\n"
    "from pprofsh.profile import profile_pb2\n"
    "p = profile_pb2.Profile()\n"
    "p.ParseFromString(gzip.decompress(open(sys.argv[1], 'rb').read()))\n"
    "assert p.sample\n"
)


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float | None = None  # seconds; None when it failed or timed out
    maxrss_kb: int = 0
    cpu: float = 0.0  # user + sys seconds
    status: str = "ok"  # ok | error | timeout | skipped
    err: str = ""


def first_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    if lines[0].startswith("Traceback"):
        return lines[-1]  # the exception, not the word "Traceback"
    return lines[0]


def measure(
    cmd: list[str],
    *,
    timeout: float,
    stdin_path: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    with tempfile.TemporaryFile() as errf:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            t0 = time.perf_counter()
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=stdin,
                    stdout=subprocess.DEVNULL,
                    stderr=errf,
                    env=env,
                    cwd=cwd,
                    start_new_session=True,
                )
            except OSError as e:
                return Run(status="error", err=f"cannot start {cmd[0]}: {e}")
            timed_out = threading.Event()

            def kill() -> None:
                timed_out.set()
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the child's own process group
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                _, status, ru = os.wait4(proc.pid, 0)
            except BaseException:  # e.g. Ctrl-C: do not leave the child running
                kill()
                os.waitpid(proc.pid, 0)
                proc.returncode = -1
                raise
            finally:
                timer.cancel()
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen won't reap it again
        finally:
            if stdin_path:
                stdin.close()
        run = Run(wall=wall, maxrss_kb=ru.ru_maxrss, cpu=ru.ru_utime + ru.ru_stime)
        if timed_out.is_set():
            run.wall, run.status = None, "timeout"
        elif proc.returncode != 0:
            errf.seek(0)
            text = errf.read(1 << 20).decode("utf-8", "replace")
            run.wall, run.status = None, "error"
            run.err = first_error_line(text) or f"exit status {proc.returncode}"
        return run


@dataclass
class Cell:
    runs: list[Run] = field(default_factory=list)
    status: str = "ok"
    err: str = ""
    note: str = ""  # for 'n/a' cells

    @property
    def median(self) -> float | None:
        walls = [r.wall for r in self.runs if r.wall is not None]
        return statistics.median(walls) if walls and self.status == "ok" else None

    @property
    def maxrss_mb(self) -> float | None:
        rss = [r.maxrss_kb for r in self.runs if r.status == "ok"]
        return max(rss) / 1024 if rss else None


# --------------------------------------------------------------------------- setup


def find_go_pprof(spec: str | None) -> tuple[list[str] | None, str]:
    """The command for Go's pprof, and a description of it."""
    if spec:
        return shlex.split(spec), spec
    go = shutil.which("go")
    if not go:
        return None, "`go` not on PATH"
    try:
        tooldir = subprocess.run(
            [go, "env", "GOTOOLDIR"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        tooldir = ""
    binary = Path(tooldir) / "pprof"
    if tooldir and binary.exists():
        # The very binary `go tool pprof` runs, without the go command in front of it.
        return [str(binary)], f"`{binary}` (what `go tool pprof` execs)"
    return [go, "tool", "pprof"], "`go tool pprof`"


def machine_info(go_cmd_desc: str) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        info["nproc"] = f"{len(os.sched_getaffinity(0))} (cpu_count {os.cpu_count()})"
    except AttributeError:
        info["nproc"] = str(os.cpu_count())
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["os"] = platform.platform()
    info["python"] = f"{platform.python_implementation()} {platform.python_version()}"
    try:
        import google.protobuf
        from google.protobuf.internal import api_implementation

        info["protobuf"] = f"{google.protobuf.__version__} (backend: {api_implementation.Type()})"
    except ImportError:
        info["protobuf"] = "not installed"
    go = shutil.which("go")
    if go:
        try:
            info["go"] = subprocess.run(
                [go, "version"], capture_output=True, text=True, timeout=60
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            info["go"] = "unknown"
    else:
        info["go"] = "not installed"
    info["go pprof command"] = go_cmd_desc
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        if rev:
            info["pprofsh commit"] = rev
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return info


def load_meta(data: Path, name: str) -> dict:
    try:
        return json.loads((data / f"{name}.json").read_text())
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- formatting


def fmt_time(t: float) -> str:
    if t < 1:
        return f"{t * 1000:.0f} ms"
    if t < 100:
        return f"{t:.2f} s"
    return f"{t:.0f} s"


def fmt_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


class Footnotes:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def ref(self, text: str) -> str:
        text = text.replace("|", "\\|").replace("\n", " ")[:300]
        if text not in self.notes:
            self.notes.append(text)
        return f"[^{self.notes.index(text) + 1}]"


def cell_text(c: Cell | None, timeout: float, notes: Footnotes) -> tuple[str, str]:
    """(time text, RSS text)."""
    if c is None:
        return "—", "—"
    if c.status == "n/a":
        return "n/a" + (notes.ref(c.note) if c.note else ""), "—"
    if c.status == "timeout":
        return f">{timeout:g}s", "—"
    if c.status == "error":
        return "error" + notes.ref(c.err or "failed"), "—"
    m, rss = c.median, c.maxrss_mb
    return (fmt_time(m) if m is not None else "—"), (f"{rss:.0f} MB" if rss is not None else "—")


def ratio_text(py: Cell | None, go: Cell | None, timeout: float) -> str:
    if py is None or go is None:
        return "—"
    pm, gm = py.median, go.median
    if pm is not None and gm is not None and gm > 0:
        return f"{pm / gm:.2f}×"
    if pm is not None and go.status == "timeout":
        return f"<{pm / timeout:.2f}×"
    if gm is not None and py.status == "timeout":
        return f">{timeout / gm:.2f}×"
    return "—"


def render(results: list[dict], info: dict[str, str], args, gen_cmd: str) -> str:
    notes = Footnotes()
    out: list[str] = []
    out.append("# Performance: pprofsh vs `go tool pprof`\n")
    out.append(
        f"Generated by `python benchmarks/run.py {' '.join(args.argv)}` on "
        f"{dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; the "
        f"profiles by `{gen_cmd}` (see `benchmarks/README.md`).\n"
    )
    out.append(
        "Median wall time of a fresh process per run (stdout to /dev/null), largest "
        "peak RSS of the child, ratio of the medians (below 1× means pprofsh is "
        "faster). Both tools read the same files in the same run, runs alternating.\n"
    )
    out.append("## Machine\n")
    out.append("| | |\n|---|---|")
    for k, v in info.items():
        out.append(f"| {k} | {v} |")
    out.append("")
    for res in results:
        meta = res["meta"]
        desc = [f"{meta.get('samples', '?')} samples"]
        if "distinct_stacks" in meta:
            desc.append(f"{meta['distinct_stacks']} distinct stacks")
        if "locations" in meta:
            desc.append(f"{meta['locations']} locations")
        if "functions" in meta:
            desc.append(f"{meta['functions']} functions")
        if "gz_bytes" in meta:
            desc.append(f"{fmt_size(meta['gz_bytes'])} gzipped")
        out.append(f"## {res['name']}.pb.gz\n")
        out.append(
            f"{', '.join(desc)}; {res['repeat']} run(s) per cell"
            f"{'; peek/list regex `' + res['regex'] + '`' if res.get('regex') else ''}.\n"
        )
        out.append("| row | pprofsh | RSS | go pprof | RSS | pprofsh/Go |")
        out.append("|---|--:|--:|--:|--:|--:|")
        for row in res["rows"]:
            py, go = row["pprofsh"], row["go"]
            pt, pr = cell_text(py, res["timeout"], notes)
            gt, gr = cell_text(go, res["timeout"], notes)
            out.append(
                f"| {row['label']} | {pt} | {pr} | {gt} | {gr} | "
                f"{ratio_text(py, go, res['timeout'])} |"
            )
        out.append("")
    out.append("## Rows\n")
    for r in ROWS:
        out.append(f"- `{r}`: {ROW_HELP[r]}")
    out.append("")
    try:
        out.append(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.\n")
    except OSError:
        pass
    if notes.notes:
        for i, n in enumerate(notes.notes, 1):
            out.append(f"[^{i}]: {n}")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    rows_help = "rows: " + "; ".join(f"{k}: {v}" for k, v in ROW_HELP.items())
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=rows_help,
    )
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="where gen.py wrote the profiles")
    ap.add_argument(
        "--kind",
        default="cpu",
        choices=["cpu", "heap", "goroutine"],
        help="which profiles (goroutine has one size; --scales is ignored for it)",
    )
    ap.add_argument("--scales", default="S,M", help="comma list of S,M,L,XL (default S,M)")
    ap.add_argument("--rows", default=",".join(ROWS), help=f"comma list of {','.join(ROWS)}")
    ap.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per cell; the median is reported (default 3, 1 for XL)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds per command before it is killed (default 600)",
    )
    ap.add_argument("--tools", default="pprofsh,go", help="comma list of pprofsh,go")
    ap.add_argument("--python", default=sys.executable, help="interpreter for pprofsh")
    ap.add_argument(
        "--go-cmd",
        default=None,
        help="command for Go's pprof (default: $(go env GOTOOLDIR)/pprof, else `go tool pprof`)",
    )
    ap.add_argument("--regex", default=None, help="override the peek/list regex")
    ap.add_argument("--json", default=None, help="also write raw results to this JSON file")
    ap.add_argument("--write-doc", action="store_true", help="write the Markdown to --doc-path")
    ap.add_argument("--doc-path", default=str(DEFAULT_DOC))
    ap.add_argument("-v", "--verbose", action="store_true", help="log every run to stderr")
    args = ap.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])

    data = Path(args.data)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    for r in rows:
        if r not in ROWS:
            ap.error(f"unknown row {r!r} (known: {', '.join(ROWS)})")
    tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    if not tools <= {"pprofsh", "go"}:
        ap.error("--tools takes pprofsh and/or go")
    if args.kind == "goroutine":
        names = [("goroutine", "-")]
    else:
        scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
        for s in scales:
            if s not in SCALE_ORDER:
                ap.error(f"unknown scale {s!r}")
        names = [(f"{args.kind}-{s}", s) for s in scales]

    go_cmd, go_desc = find_go_pprof(args.go_cmd) if "go" in tools else (None, "not run")
    info = machine_info(go_desc)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    py_cmd = [args.python, "-m", "pprofsh"]

    def log(msg: str) -> None:
        if args.verbose:
            print(msg, file=sys.stderr, flush=True)

    # Warm-up: byte-compile pprofsh once, so the first timed run does not pay for it.
    if "pprofsh" in tools:
        subprocess.run(
            [args.python, "-c", "import pprofsh.cli"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    results = []
    with tempfile.TemporaryDirectory(prefix="pprofsh-bench-") as tmp:
        for name, scale in names:
            prof = data / f"{name}.pb.gz"
            if not prof.exists():
                print(f"skipping {name}: {prof} not found (run benchmarks/gen.py)", file=sys.stderr)
                continue
            prof.read_bytes()  # page cache
            meta = load_meta(data, name)
            base = data / f"{name}-base.pb.gz"
            if base.exists():
                base.read_bytes()
            regex = args.regex or meta.get("peek_regex") or r"runtime\.mallocgc"
            repeat = args.repeat if args.repeat is not None else (1 if scale == "XL" else 3)
            shell_in = Path(tmp) / f"{name}.commands"
            shell_in.write_text(f"top\ntop -cum\npeek {regex}\nlist {regex}\ntraces\n")
            rel = os.path.relpath(prof)
            labels = {
                "parse": "parse floor (Python)",
                "top": "`-top`",
                "topcum": "`-top -cum`",
                "traces": "`-traces`",
                "tree": "`-tree`",
                "peek": "`-peek=RE`",
                "list": "`-list=RE`",
                "base": "`-top -base`",
                "shell": "shell: top, top -cum, peek, list, traces",
            }
            res = {
                "name": name,
                "file": rel,
                "meta": meta,
                "repeat": repeat,
                "timeout": args.timeout,
                "regex": regex,
                "rows": [],
            }
            for row in rows:
                stdin_path = None
                if row == "parse":
                    argv_py = [args.python, "-c", PARSE_SNIPPET, str(prof)]
                    argv_go = None
                else:
                    if row == "top":
                        a = ["-top", str(prof)]
                    elif row == "topcum":
                        a = ["-top", "-cum", str(prof)]
                    elif row == "traces":
                        a = ["-traces", str(prof)]
                    elif row == "tree":
                        a = ["-tree", str(prof)]
                    elif row == "peek":
                        a = [f"-peek={regex}", str(prof)]
                    elif row == "list":
                        a = [f"-list={regex}", str(prof)]
                    elif row == "base":
                        a = ["-top", "-base", str(base), str(prof)]
                    else:  # shell
                        a = [str(prof)]
                        stdin_path = shell_in
                    argv_py = py_cmd + a
                    argv_go = go_cmd + a if go_cmd else None
                cells: dict[str, Cell | None] = {"pprofsh": None, "go": None}
                plan = []
                if "pprofsh" in tools:
                    cells["pprofsh"] = Cell()
                    plan.append(("pprofsh", argv_py))
                if "go" in tools and row != "parse":
                    cells["go"] = Cell()
                    if argv_go is None:
                        cells["go"].status, cells["go"].note = "n/a", "`go` not found"
                    else:
                        plan.append(("go", argv_go))
                if row == "base" and not base.exists():
                    for c in cells.values():
                        if c is not None:
                            c.status = "n/a"
                            c.note = f"no {base.name}: gen.py --base-scales {scale}"
                    plan = []
                for i in range(repeat):
                    for tool, cmd in plan:
                        c = cells[tool]
                        if c.status != "ok":
                            continue
                        r = measure(
                            cmd, timeout=args.timeout, stdin_path=stdin_path, env=env, cwd=REPO
                        )
                        c.runs.append(r)
                        log(
                            f"{name} {row} {tool} #{i + 1}: {r.status} "
                            f"{fmt_time(r.wall) if r.wall is not None else ''} "
                            f"{r.maxrss_kb // 1024} MB {r.err}"
                        )
                        if r.status != "ok":
                            c.status, c.err = r.status, r.err
                res["rows"].append({"row": row, "label": labels[row], **cells})
            results.append(res)
            print(f"done: {name}", file=sys.stderr, flush=True)

    gen_cmd = "python benchmarks/gen.py --out benchmarks/data"
    text = render(results, info, args, gen_cmd)
    print(text)
    if args.write_doc:
        doc = Path(args.doc_path)
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text)
        print(f"wrote {doc}", file=sys.stderr)
    if args.json:

        def enc(o):
            if isinstance(o, Cell):
                return {
                    "status": o.status,
                    "err": o.err,
                    "note": o.note,
                    "median": o.median,
                    "maxrss_mb": o.maxrss_mb,
                    "runs": [asdict(r) for r in o.runs],
                }
            raise TypeError(type(o))

        Path(args.json).write_text(
            json.dumps({"machine": info, "results": results}, default=enc, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
