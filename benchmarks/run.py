#!/usr/bin/env python3
"""Time pprofsh against `go tool pprof`, side by side, on profiles Go's encoder wrote.

    python benchmarks/run.py [--rows top_S,top_L,...] [--repeat 3] [--shell] [--write-doc]

The profiles come from ../shared/bench/make_profiles.sh (run when --data lacks
them), the very bytes `go tool pprof` users have.

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
# ../shared/bench beside the repository (in CI; also one level further up here).
MAKE_PROFILES = [
    REPO.parent / "shared" / "bench" / "make_profiles.sh",
    REPO.parent.parent / "shared" / "bench" / "make_profiles.sh",
]
DEFAULT_DOC = REPO / "docs" / "performance.md"
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


# --------------------------------------------------------------------------- rows

PEEK = r"runtime\.mallocgc"


@dataclass
class Row:
    name: str
    args: list[str]  # flags before the profile(s)
    files: list[str]  # profile names in the data directory, without .pb.gz
    target: float  # the bound on pprofsh/Go


ROWS = [
    Row("top_S", ["-top"], ["cpu_S"], 1.0),
    Row("top_M", ["-top"], ["cpu_M"], 0.25),
    Row("top_L", ["-top"], ["cpu_L"], 0.15),
    Row("topcum_L", ["-top", "-cum"], ["cpu_L"], 0.2),
    Row("tree_L", ["-tree"], ["cpu_L"], 0.2),
    Row("peek_L", [f"-peek={PEEK}"], ["cpu_L"], 0.2),
    Row("list_L", [f"-list={PEEK}"], ["cpu_L"], 0.2),
    Row("traces_L", ["-traces"], ["cpu_L"], 0.2),
    Row("dot_L", ["-dot"], ["cpu_L"], 0.2),
    Row("heap_L", ["-top"], ["heap_L"], 0.2),
    Row("goroutine_100k", ["-top"], ["goroutine_100k"], 0.6),
    Row("base_M", ["-top", "-base"], ["cpu_M_base", "cpu_M"], 0.3),
]

# Shell steps: each ends when the next prompt arrives. After the load and a
# first report, every step changes one thing (report kind, filter, sample index,
# granularity) and is followed by a report where the change is an option.
SHELL_STEPS = [
    ("load + greeting", None),
    ("top", "top"),
    ("top -cum", "top -cum"),
    (f"peek {PEEK}", f"peek {PEEK}"),
    ("tree", "tree"),
    (f"list {PEEK}", f"list {PEEK}"),
    ("focus=ServeHTTP; top", "focus=ServeHTTP\ntop"),
    ("focus=; ignore=runtime; top", "focus=\nignore=runtime\ntop"),
    ("ignore=; tagfocus=handler=/api/v2.*; top", "ignore=\ntagfocus=handler=/api/v2.*\ntop"),
    ("tagfocus=; sample_index=0; top", "tagfocus=\nsample_index=0\ntop"),
    ("sample_index=1; granularity=lines; top", "sample_index=1\ngranularity=lines\ntop"),
]


def ensure_profiles(data: Path, names: set[str], log) -> None:
    missing = [n for n in sorted(names) if not (data / f"{n}.pb.gz").exists()]
    if not missing:
        return
    script = next((p for p in MAKE_PROFILES if p.exists()), None)
    if script is None:
        raise SystemExit(f"missing {', '.join(missing)} in {data} and no make_profiles.sh found")
    log(f"writing profiles with {script} into {data}")
    subprocess.run(["sh", str(script), str(data)], check=True)


def shell_session(cmd: list[str], path: Path) -> list[float]:
    """Seconds per shell step (see SHELL_STEPS), from the prompts' arrival times."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from shell_steps import timed_session

    lines: list[str] = []
    ends: list[int] = []  # index of the prompt that ends each step
    for _name, text in SHELL_STEPS:
        if text is not None:
            lines.extend(text.split("\n"))
        ends.append(len(lines))
    marks = timed_session([*cmd, str(path)], lines)
    out = []
    prev = 0.0
    for e in ends:
        t = marks[e] if e < len(marks) else float("nan")
        out.append(t - prev)
        prev = t
    return out


def ratio(py: float | None, go: float | None) -> float | None:
    return py / go if py is not None and go else None


def render(rows: list[dict], shell: dict | None, info: dict[str, str], repeat: int) -> str:
    out = ["# Performance: pprofsh beside `go tool pprof`", ""]
    out.append(
        "Profiles written by Go's own encoder (`sh ../shared/bench/make_profiles.sh DIR`), "
        f"both tools alternated in one run, start-up included, median of {repeat} runs, "
        "peak RSS the largest seen. Regenerate with `python benchmarks/run.py --shell "
        "--write-doc` (options: `benchmarks/README.md`)."
    )
    out += ["", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in info.items()]
    out += ["", "## One-shot reports", ""]
    out.append(
        "| row | command | pprofsh | go pprof | pprofsh/Go | target | peak RSS pprofsh / Go |"
    )
    out.append("|---|---|--:|--:|--:|--:|--:|")
    for r in rows:
        py, go = r["pprofsh"], r["go"]
        rt = ratio(py["median"], go["median"])
        met = "" if rt is None else (" ✓" if rt <= r["target"] else " ✗")
        rss = f"{py['rss_mb']:.0f} / {go['rss_mb']:.0f} MB" if py["rss_mb"] and go["rss_mb"] else ""
        out.append(
            f"| {r['name']} | `{r['command']}` | {_t(py['median'])} | {_t(go['median'])} | "
            f"{'' if rt is None else f'{rt:.2f}×'} | ≤{r['target']}×{met} | {rss} |"
        )
    if shell:
        out += ["", f"## Shell on {shell['profile']}", ""]
        out.append(
            "One session per tool, commands piped in; each step ends when the next "
            "prompt arrives. Target for every step after the load: ≤ 0.05× Go's "
            "per-command cost."
        )
        out += ["", "| step | pprofsh | go pprof | pprofsh/Go |", "|---|--:|--:|--:|"]
        for i, (name, _t2) in enumerate(SHELL_STEPS):
            p, g = shell["pprofsh"][i], shell["go"][i] if shell["go"] else None
            rt = ratio(p, g)
            out.append(
                f"| `{name}` | {p:.3f} s | {'' if g is None else f'{g:.3f} s'} | "
                f"{'' if rt is None else f'{rt:.3f}×'} |"
            )
    return "\n".join(out) + "\n"


def _t(t: float | None) -> str:
    if t is None:
        return "error"
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="profiles directory")
    ap.add_argument("--rows", default=",".join(r.name for r in ROWS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--shell", action="store_true", help="also time shell steps on cpu_L")
    ap.add_argument("--shell-profile", default="cpu_L")
    ap.add_argument("--go-cmd", default=None)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--write-doc", action="store_true")
    ap.add_argument("--doc-path", type=Path, default=DEFAULT_DOC)
    ap.add_argument("--json", default=None, help="also write the raw runs here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        if args.verbose:
            print(msg, file=sys.stderr, flush=True)

    wanted = {n.strip() for n in args.rows.split(",") if n.strip()}
    rows = [r for r in ROWS if r.name in wanted]
    names = {f for r in rows for f in r.files}
    if args.shell:
        names.add(args.shell_profile)
    ensure_profiles(args.data, names, log)
    go_cmd, go_desc = find_go_pprof(args.go_cmd)
    info = machine_info(go_desc)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    py_cmd = [args.python, "-m", "pprofsh"]
    results = []
    for r in rows:
        files = [str(args.data / f"{f}.pb.gz") for f in r.files]
        cells = {"pprofsh": Cell(), "go": Cell()}
        for i in range(args.repeat):
            for tool, cmd in (("pprofsh", py_cmd), ("go", go_cmd)):
                if cmd is None:
                    continue
                run = measure([*cmd, *r.args, *files], timeout=args.timeout, env=env)
                cells[tool].runs.append(run)
                log(f"{r.name} {tool} #{i + 1}: {run.wall} s {run.maxrss_kb // 1024} MB {run.err}")
        results.append(
            {
                "name": r.name,
                "command": " ".join([*r.args, *r.files]),
                "target": r.target,
                **{
                    t: {
                        "median": c.median,
                        "rss_mb": c.maxrss_mb,
                        "runs": [asdict(x) for x in c.runs],
                    }
                    for t, c in cells.items()
                },
            }
        )
    shell = None
    if args.shell:
        path = args.data / f"{args.shell_profile}.pb.gz"
        py_steps = shell_session(py_cmd, path)
        go_steps = shell_session(go_cmd, path) if go_cmd else []
        shell = {"profile": path.name, "pprofsh": py_steps, "go": go_steps}
    try:
        info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    text = render(results, shell, info, args.repeat)
    print(text)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "rows": results, "shell": shell}, indent=2)
        )
    if args.write_doc:
        args.doc_path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
