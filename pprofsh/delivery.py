"""How a report leaves: to the output stream, to -output/>file, through Graphviz, to a viewer.

Each command's entry names one of the deliveries below (pprof's commands.go
entries carry the same post-processing: a Graphviz format, a viewer, a file
suffix). A delivery is given an Output (how to render the report into a stream)
and chooses the stream: the command's output stream (straight through, so a
huge traces report is never held whole), a file, or Graphviz's stdin.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import IO, Any, TextIO

from pprofsh.errors import CommandError
from pprofsh.go import errno_text, is_terminal, new_temp_file
from pprofsh.report import highlight
from pprofsh.ui import UI, sanitize


@dataclass(frozen=True)
class Output:
    """A report ready to be written: write(stream) renders it into the stream."""

    write: Callable[[IO[Any]], object]
    binary: bool = False  # write takes a binary stream
    highlight: str = ""  # the report format, for terminal colour ("" for none)
    path: str = ""  # -output or >file: "" for none

    def text(self) -> str:
        if self.binary:
            return self.data().decode("utf-8", errors="surrogateescape")
        buf = io.StringIO()
        self.write(buf)
        return buf.getvalue()

    def data(self) -> bytes:
        if not self.binary:
            return self.text().encode("utf-8", errors="surrogateescape")
        buf = io.BytesIO()
        self.write(buf)
        return buf.getvalue()


Delivery = Callable[[Output, UI, TextIO], None]


def to_stream(o: Output, ui: UI, out: TextIO) -> None:
    """Text reports (top, traces, list...): to -output/>file if given, else to out."""
    if o.path:
        write_file(o.path, o.data(), ui)
    else:
        _stream(o, out)


def _stream(o: Output, out: TextIO) -> None:
    if o.binary:
        data = o.data()
        out.flush()
        getattr(out, "buffer", sys.stdout.buffer).write(data)
    elif is_terminal(out):
        # Profile strings are data: no escape sequence of theirs reaches a terminal.
        text = sanitize(o.text())
        if o.highlight and highlight.wanted(out):
            text = highlight.colourise(o.highlight, text)
        out.write(text)
    else:
        o.write(out)


def file_on_terminal(suffix: str) -> Delivery:
    """Binary-ish reports (proto, callgrind, images): pprof never writes them to a terminal
    nor from its shell; they go to a new file profileNNN.SUFFIX in the current directory."""

    def deliver(o: Output, ui: UI, out: TextIO) -> None:
        if o.path:
            write_file(o.path, o.data(), ui)
        elif is_terminal(out) or ui.interactive:
            path = new_temp_file("", "profile", "." + suffix)
            write_file(path, o.data(), ui)
        else:
            _stream(o, out)

    deliver.__doc__ = f"a file profileNNN.{suffix} from a terminal or the shell, else the stream"
    return deliver


def graphviz(fmt: str) -> Delivery:
    """DOT through Graphviz's `dot -Tfmt` (svg is made pannable as pprof's massageSVG does)."""
    then = file_on_terminal(fmt)

    def deliver(o: Output, ui: UI, out: TextIO) -> None:
        dot = o.text()
        if fmt == "svg":
            svg = massage_svg(invoke_dot("svg", dot).decode("utf-8", errors="surrogateescape"))
            then(Output(lambda s: s.write(svg), path=o.path), ui, out)
        else:
            data = invoke_dot(fmt, dot)
            then(Output(lambda s: s.write(data), binary=True, path=o.path), ui, out)

    deliver.__doc__ = f"rendered by Graphviz as {fmt}"
    return deliver


def viewer(
    suffix: str, viewers: Callable[[], list[str]], dot: str = "", pannable: bool = False
) -> Delivery:
    """Written to a temp file (through Graphviz `dot -T<dot>` first if dot is given; an svg
    made pannable if asked) and opened in the first of viewers() that starts. -output is
    ignored, as pprof ignores it for its viewer commands."""

    def deliver(o: Output, ui: UI, out: TextIO) -> None:
        if pannable:
            svg = massage_svg(invoke_dot("svg", o.text()).decode("utf-8", errors="surrogateescape"))
            data = svg.encode("utf-8", errors="surrogateescape")
        elif dot:
            data = invoke_dot(dot, o.text())
        else:
            data = o.data()
        invoke_visualizer(suffix, viewers(), data, ui)

    deliver.__doc__ = f"opened as .{suffix} in a viewer"
    return deliver


def write_file(path: str, data: bytes, ui: UI) -> None:
    """Write a report to path as Go's os.Create does (O_RDWR|O_CREATE|O_TRUNC, mode 0666
    less the umask), through whatever is there: an existing file keeps its mode, inode
    and hard links, a symlink is followed, a FIFO, a device (/dev/null) or
    /proc/self/fd/1 is written to. Only a name that does not exist yet is written
    atomically: a temp file beside it, hard-linked to the name, so that no reader
    sees half a report (a name that appears meanwhile is written through instead).
    Errors are Go's: `open PATH: ...`, `write PATH: ...`."""
    ui.print_err(f"Generating report in {path}")
    if "\x00" in path:
        raise CommandError(f"open {path}: invalid argument")
    if not os.path.lexists(path) and _write_new(path, data):
        return
    _write_through(path, data)


def _write_through(path: str, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    except OSError as e:
        raise CommandError(f"open {path}: {errno_text(e)}") from None
    try:
        _write_all(fd, data)
    except OSError as e:
        raise CommandError(f"write {path}: {errno_text(e)}") from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_new(path: str, data: bytes) -> bool:
    """Create path atomically with data; False when it must be written through instead
    (it came into existence meanwhile, or the filesystem has no hard links)."""
    d = os.path.dirname(path) or "."
    tmp = ""
    op = "open"
    try:
        for i in range(100):
            tmp = os.path.join(d, f".{os.path.basename(path)}.pprofsh-tmp{os.getpid()}.{i}")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
                break
            except FileExistsError:
                tmp = ""
                continue
        else:
            return False
        op = "write"
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        op = "open"
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as e:
            if e.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                return False
            raise
        return True
    except OSError as e:
        # Go would have been creating path itself: its name in the message.
        raise CommandError(f"{op} {path}: {errno_text(e)}") from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# -- Graphviz and viewers ----------------------------------------------------------------

_VIEWBOX = re.compile(r'<svg\s*width="[^"]+"\s*height="[^"]+"\s*viewBox="[^"]+"')
_GRAPH_ID = re.compile(r'<g id="graph\d"')
_SVG_CLOSE = re.compile(r"</svg>")


def _svgpan_js() -> str:
    return resources.files("pprofsh.report").joinpath("svgpan.js").read_text(encoding="utf-8")


def massage_svg(svg: str) -> str:
    """pprof's massageSVG: full-size viewport with pan/zoom script."""
    svg = svg.replace("&;", "&amp;;")
    m = _VIEWBOX.search(svg)
    if m:
        svg = svg[: m.start()] + '<svg width="100%" height="100%"' + svg[m.end() :]
    m = _GRAPH_ID.search(svg)
    if m:
        svg = (
            svg[: m.start()]
            + '<script type="text/ecmascript"><![CDATA['
            + _svgpan_js()
            + "]]></script>"
            + '<g id="viewport" transform="scale(0.5,0.5) translate(0,0)">'
            + svg[m.start() :]
        )
    m = _SVG_CLOSE.search(svg)
    if m:
        svg = svg[: m.start()] + "</g>" + svg[m.start() :]
    return svg


def invoke_dot(fmt: str, data: str | bytes) -> bytes:
    """Run Graphviz `dot -T<fmt>` on DOT text; its stderr passes through."""
    raw = data.encode() if isinstance(data, str) else data
    exe = shutil.which("dot")
    if exe is None:
        raise CommandError(
            'failed to execute dot. Is Graphviz installed? Error: exec: "dot": '
            "executable file not found in $PATH"
        )
    try:
        r = subprocess.run([exe, "-T" + fmt], input=raw, stdout=subprocess.PIPE, check=False)
    except OSError as e:
        raise CommandError(f"failed to execute dot. Is Graphviz installed? Error: {e}") from None
    if r.returncode != 0:
        status = (
            f"exit status {r.returncode}"
            if r.returncode > 0
            else f"signal: {_signal_name(-r.returncode)}"
        )
        raise CommandError(f"failed to execute dot. Is Graphviz installed? Error: {status}")
    return r.stdout


def _signal_name(sig: int) -> str:
    import signal

    try:
        return signal.strsignal(sig) or str(sig)
    except (ValueError, AttributeError):
        return str(sig)


def browsers() -> list[str]:
    cmds = []
    if os.environ.get("BROWSER"):
        cmds.append(os.environ["BROWSER"])
    cmds += ["chrome", "google-chrome", "chromium", "firefox", "sensible-browser"]
    if os.environ.get("DISPLAY"):
        cmds.append("xdg-open")
    return cmds


VIEWERS = {
    "eog": ["eog"],
    "evince": ["evince"],
    "gv": ["gv --noantialias"],
    "kcachegrind": ["kcachegrind"],
}


def invoke_visualizer(suffix: str, viewers: list[str], data: bytes, ui: UI) -> None:
    """Write data to a new temp file and open it in the first viewer that starts."""
    path = new_temp_file(tempfile.gettempdir(), "pprof", "." + suffix)
    with open(path, "wb") as f:
        f.write(data)
    for v in viewers:
        args = v.split(" ")
        if not args or not args[0]:
            continue
        try:
            proc = subprocess.Popen([*args, path])
        except OSError:
            continue
        if not ui.interactive:
            # pprof waits for the viewer only in one-shot mode.
            rc = proc.wait()
            if rc != 0:
                raise CommandError(f"exit status {rc}")
        return
    ui.print_err(f"Could not find a viewer to open the report; it is in {path}")
