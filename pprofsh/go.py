"""Go's behaviour, where pprofsh must reproduce it: one home, imported by every layer.

`go tool pprof` is a Go program, so what it prints is shaped by Go's standard
library: strconv's quoting and bool parsing, the errno texts of package
syscall, filepath.Base. pprofsh matches those byte for byte; every copy lives
here so that the copies cannot disagree. tests/test_go.py checks these
functions against values printed by a Go program (tests/goref/).
"""

from __future__ import annotations

import errno
import os
from typing import Any

from pprofsh.errors import CommandError


def quote(s: str) -> str:
    """strconv.Quote for the printable ASCII cases pprof messages show."""
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def parse_bool(v: str) -> bool | None:
    """strconv.ParseBool (what Go's flag package accepts); None for a syntax error."""
    if v in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if v in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


_ERRNO_TEXT = {
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.EEXIST: "file exists",
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset by peer",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network is unreachable",
}


def errno_text(e: OSError) -> str:
    """The text Go's syscall.Errno prints for an OS error (lower case, no errno number)."""
    return _ERRNO_TEXT.get(e.errno or 0, (e.strerror or str(e)).lower())


def new_temp_file(directory: str, prefix: str, suffix: str) -> str:
    """pprof's newTempFile: the first free DIR/PREFIXnnnSUFFIX, created exclusively (empty).

    pprof numbers files from 001 rather than using random names, so that the
    names it reports ("Generating report in profile001.svg") are predictable;
    O_EXCL makes sure an existing file is never reused."""
    for index in range(1, 10000):
        path = os.path.join(directory, f"{prefix}{index:03d}{suffix}")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise CommandError(f"open {path}: {errno_text(e)}") from None
        os.close(fd)
        return path
    # pprof names the form without its directory.
    raise CommandError(f"could not create file of the form {prefix}001{suffix}")


def is_terminal(f: Any) -> bool:
    """Whether a stream is a terminal (pprof's term.IsTerminal on the file's descriptor)."""
    try:
        return bool(f.isatty())
    except (AttributeError, ValueError):
        return False
