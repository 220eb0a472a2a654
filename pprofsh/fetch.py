"""Profiles over HTTP(S), as `go tool pprof` fetches them (cmd/pprof's fetcher).

httpx is imported only when something is actually fetched, so local files and
the report code (new_temp_file) never pay for it.

Go's words: the fetch error messages below are the ones Go 1.19's
`go tool pprof` prints for the same failure (verified against it), e.g.
`Get "URL": dial tcp 127.0.0.1:1: connect: connection refused`.
"""

from __future__ import annotations

import errno
import gzip
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pprofsh.errors import FetchError, PprofshError
from pprofsh.go import errno_text as _errno_text
from pprofsh.go import new_temp_file, quote
from pprofsh.limits import BUDGET, max_size, too_large
from pprofsh.profile.model import Profile
from pprofsh.ui import UI

if TYPE_CHECKING:
    import httpx

CPU_PROFILE_HANDLER = "/debug/pprof/profile"
# Go's ResponseHeaderTimeout is the fetch timeout plus this many seconds; pprofsh
# also bounds the whole body transfer by it (a server that trickles stops too).
HEADER_GRACE = 5.0
# A response body larger than pprofsh.limits.max_size() ($PPROFSH_MAX_SIZE, 1 GiB
# by default) is refused: Go has no limit, but a runaway endpoint should not eat
# the machine's memory.

ENDPOINTS = [
    "allocs",
    "block",
    "cmdline",
    "goroutine",
    "heap",
    "mutex",
    "profile",
    "symbol",
    "threadcreate",
    "trace",
]


@dataclass
class Fetched:
    """One fetched source: its URL, the body as received, and the parsed profile."""

    url: str
    data: bytes
    profile: Profile


# ---------------------------------------------------------------- URLs

_SCHEME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


def _go_parse(raw: str) -> tuple[str, str] | None:
    """(scheme, host) as Go's url.Parse sees them; None when Go's parse fails."""
    if any(ord(c) < 0x20 or c == "\x7f" for c in raw) or " " in raw.split("?")[0].split("//")[0]:
        return None
    scheme, rest = "", raw
    for i, c in enumerate(raw):
        if c.isascii() and c.isalpha():
            continue
        if c in "0123456789+-.":
            if i == 0:
                break
            continue
        if c == ":":
            if i == 0:
                return None  # missing protocol scheme
            scheme, rest = raw[:i].lower(), raw[i + 1 :]
        break
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    if scheme and not rest.startswith("/"):
        return scheme, ""  # opaque
    if not scheme and ":" in rest.split("/", 1)[0]:
        return None  # first path segment in URL cannot contain colon
    if rest.startswith("//"):
        host = rest[2:].split("/", 1)[0]
        host = host.rsplit("@", 1)[-1]
        return scheme, host
    return scheme, ""


def _go_duration(seconds: int) -> str:
    """time.Duration.String() for whole seconds."""
    if seconds < 60:
        return f"{seconds}s"
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m}m{s}s" if h else f"{m}m{s}s"


def adjust_url(source: str, seconds: int = -1, timeout: int = -1) -> tuple[str, float]:
    """cmd/pprof's adjustURL: ("", 0) when source is not a URL, else (url, timeout in s)."""
    parsed = _go_parse(source)
    if parsed is None or (parsed[1] == "" and parsed[0] not in ("", "file")):
        source = "http://" + source
        parsed = _go_parse(source)
    if parsed is None or parsed[1] == "":
        return "", 0
    u = urlsplit(source)
    path = u.path
    if path in ("", "/"):
        path = CPU_PROFILE_HANDLER
    values = parse_qsl(u.query, keep_blank_values=True)
    duration = seconds if seconds > 0 else 0
    if seconds > 0:
        values = [(k, v) for k, v in values if k != "seconds"] + [("seconds", str(seconds))]
    else:
        for k, v in values:
            if k == "seconds":
                try:
                    duration = int(v, 10)
                except ValueError:
                    pass
                break
    if timeout <= 0:
        timeout_s: float = duration * 1.5 if duration > 0 else 60.0
    else:
        timeout_s = float(timeout)
    # url.Values.Encode: sorted by key, order within a key kept.
    query = urlencode(sorted(values, key=lambda kv: kv[0]))
    return urlunsplit((u.scheme.lower(), u.netloc, path, query, u.fragment)), timeout_s


def is_url(source: str) -> bool:
    try:
        return adjust_url(source)[0] != ""
    except (ValueError, OverflowError):  # urlsplit: "Invalid IPv6 URL", a bad port
        return False


# ---------------------------------------------------------------- fetching


@dataclass
class SourceSpec:
    """Where the profiles come from and how to get them: pprof's source flags, each one
    explicit (the sources, -base/-diff_base, -normalize, -seconds, -timeout,
    -add_comment, -symbolize and the -tls_* files)."""

    sources: list[str]
    base: list[str] = field(default_factory=list)
    diff_base: bool = False
    normalize: bool = False
    seconds: int = -1
    timeout: int = -1
    comment: str = ""
    symbolize: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    tls_ca: str = ""

    @classmethod
    def from_flags(cls, values: dict[str, Any], sources: list[str]) -> SourceSpec:
        """The fetch options of parsed flags (by flag name) for these sources; the
        -base/-diff_base/-normalize sides are the caller's."""
        return cls(
            list(sources),
            seconds=values.get("seconds", -1),
            timeout=values.get("timeout", -1),
            comment=values.get("add_comment", ""),
            symbolize=values.get("symbolize", ""),
            tls_cert=values.get("tls_cert", ""),
            tls_key=values.get("tls_key", ""),
            tls_ca=values.get("tls_ca", ""),
        )

    @property
    def tls(self) -> tuple[str, str, str]:
        return (self.tls_cert, self.tls_key, self.tls_ca)


def fetch_url(src: str, spec: SourceSpec, ui: UI) -> Profile:
    """Fetch one source over HTTP(S) and parse it (see fetch_source)."""
    return fetch_source(src, spec, ui).profile


def fetch_source(src: str, spec: SourceSpec, ui: UI) -> Fetched:
    """Fetch one source over HTTP(S); FetchError/ProfileError worded as Go's."""
    from pprofsh.profile.parse import check_valid, parse

    seconds = spec.seconds or -1
    try:
        url, timeout = adjust_url(src, seconds, spec.timeout or -1)
    except (ValueError, OverflowError) as e:
        raise FetchError(f"parse {quote(src)}: {e}") from None
    if not url:
        raise FetchError(f"{src}: not a URL")
    ui.print_err(f"Fetching profile over HTTP from {url}")
    if seconds > 0:
        ui.print_err(f"Please wait... ({_go_duration(seconds)})")
    stop = _progress(seconds, ui)
    try:
        data = _get(url, timeout, spec.tls, ui)
    finally:
        stop()
    p = parse(data)
    err = check_valid(p)
    if err:
        raise FetchError(err)
    _name_runtime_frames(p, url, timeout, spec, ui)
    return Fetched(url, data, p)


def _name_runtime_frames(p: Profile, url: str, timeout: float, spec: SourceSpec, ui: UI) -> None:
    """debug=1 text leaves the runtime's frames unnamed: ask the service (pprof's symbolz)."""
    modes = str(getattr(spec, "symbolize", "") or "").lower().split(":")
    if any(m in ("none", "no") for m in modes):
        return
    from pprofsh.symbolz import symbolize_remote

    tls = getattr(spec, "tls", ("", "", "")) or ("", "", "")
    real = url
    if url.startswith("https+insecure://"):
        real = "https://" + url[len("https+insecure://") :]
    symbolize_remote(p, real, timeout + HEADER_GRACE, _ssl_context(url, tls, ui))


def _progress(seconds: int, ui: UI) -> Callable[[], None]:
    """A countdown on a terminal's stderr while a seconds= profile is collected."""
    err = ui.err
    try:
        tty = err.isatty()
    except (AttributeError, ValueError):
        tty = False
    if seconds <= 0 or not tty:
        return lambda: None
    done = threading.Event()

    def run() -> None:
        left = seconds
        while left > 0 and not done.wait(1):
            left -= 1
            err.write(f"\r  collecting... {left}s left ")
            err.flush()

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def stop() -> None:
        done.set()
        t.join()
        err.write("\r\x1b[K")
        err.flush()

    return stop


def _ssl_context(url: str, tls: tuple[str, str, str], ui: UI) -> ssl.SSLContext | bool:
    cert, key, ca = (tuple(tls) + ("", "", ""))[:3]
    if cert and not key:
        raise FetchError("-tls_cert is specified, so -tls_key must also be specified")
    if key and not cert:
        raise FetchError("-tls_key is specified, so -tls_cert must also be specified")
    if not url.startswith(("https://", "https+insecure://")):
        return True
    if ca:
        try:
            with open(ca, "rb"):
                pass
            ctx = ssl.create_default_context(cafile=ca)
        except OSError as e:
            raise FetchError(
                f"could not load CA specified by -tls_ca: open {ca}: {_errno_text(e)}"
            ) from None
        except ssl.SSLError as e:
            raise FetchError(f"could not load CA specified by -tls_ca: {e.reason or e}") from None
    else:
        ctx = ssl.create_default_context()
    if cert:
        try:
            ctx.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as e:
            why = _errno_text(e) if isinstance(e, OSError) and e.errno else str(e)
            raise FetchError(
                f"could not load certificate/key pair specified by -tls_cert and -tls_key: {why}"
            ) from None
    if url.startswith("https+insecure://"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ui.print_err("Warning: https+insecure: the server's TLS certificate is not verified")
    return ctx


def _get(url: str, timeout: float, tls: tuple[str, str, str], ui: UI) -> bytes:
    import httpx

    verify = _ssl_context(url, tls, ui)
    real = url
    if url.startswith("https+insecure://"):
        real = "https://" + url[len("https+insecure://") :]
    host = urlsplit(real).hostname or ""
    # Go's ProxyFromEnvironment never proxies loopback addresses.
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    limit = timeout + HEADER_GRACE  # ResponseHeaderTimeout: timeout + 5s, as Go
    t = httpx.Timeout(connect=limit, read=limit, write=limit, pool=limit)
    where = f'Get "{real}"'
    # Go's pprof has no deadline for the body: a server that trickles bytes would hold it
    # forever. pprofsh bounds the whole exchange (connect, headers, body, of any status)
    # by the header timeout: every socket operation gets only the time left.
    deadline = time.monotonic() + limit
    _allow_go_header_size()
    body_deadline = (
        f"{where}: context deadline exceeded (Client.Timeout "
        "or context cancellation while reading body)"
    )
    try:
        with httpx.Client(
            verify=verify,
            timeout=t,
            trust_env=not loopback,
            follow_redirects=True,
            max_redirects=10,
        ) as client:
            _bound_by_deadline(client, deadline)
            with client.stream("GET", real, headers={"Accept-Encoding": "gzip"}) as resp:
                try:
                    if resp.status_code != 200:
                        raise FetchError(_status_error(resp, where))
                    return _read_body(resp, where)
                except httpx.TimeoutException:
                    raise FetchError(body_deadline) from None
    except PprofshError:
        raise
    except httpx.TooManyRedirects:
        raise FetchError(f"{where}: stopped after 10 redirects") from None
    except httpx.TimeoutException as e:
        if isinstance(e, httpx.ConnectTimeout):
            raise FetchError(f"{where}: dial tcp {_hostport(real)}: i/o timeout") from None
        raise FetchError(f"{where}: net/http: timeout awaiting response headers") from None
    except httpx.RemoteProtocolError as e:
        if "Receive buffer too long" in str(e):
            raise FetchError(
                f"{where}: net/http: server response headers exceeded "
                f"{GO_MAX_HEADER_BYTES} bytes; aborted"
            ) from None
        if "incomplete" in str(e) or "peer closed" in str(e) or "expected" in str(e):
            raise FetchError("unexpected EOF") from None
        raise FetchError(f"{where}: EOF") from None
    except httpx.ConnectError as e:
        raise FetchError(f"{where}: {_connect_error(e, real)}") from None
    except (httpx.ReadError, httpx.WriteError) as e:
        raise FetchError(f"{where}: {_connect_error(e, real)}") from None
    except httpx.HTTPError as e:
        raise FetchError(f"{where}: {e}") from None
    except httpx.InvalidURL as e:
        raise FetchError(f"parse {url!r}: {e}".replace("'", '"')) from None
    except (ValueError, OverflowError) as e:  # a port out of range, a bad IPv6 literal
        raise FetchError(f"parse {quote(url)}: {e}") from None


def _read_body(resp: httpx.Response, where: str) -> bytes:
    """The whole response body, bounded: by PPROFSH_MAX_SIZE and by the global budget of
    bytes held by loads in progress (pprofsh.limits.BUDGET), charged as it arrives."""
    limit = max_size()
    body = bytearray()
    for chunk in resp.iter_bytes():
        if len(body) + len(chunk) > limit:
            raise FetchError(f"{where}: " + too_large("response body", limit))
        try:
            BUDGET.charge(len(chunk), "response body", limit)
        except PprofshError as e:
            raise FetchError(f"{where}: {e}") from None
        body += chunk
    return body  # type: ignore[return-value]  # bytes-like, one copy only


def _status_error(resp: httpx.Response, where: str) -> str:
    """cmd/pprof's statusCodeError: a Go server's text/plain error body is shown (read
    through the same bounds as any body: size, budget and deadline)."""
    status = f"{resp.status_code} {resp.reason_phrase}".rstrip()
    if resp.headers.get("X-Go-Pprof") and "text/plain" in resp.headers.get("Content-Type", ""):
        text = bytes(_read_body(resp, where)).decode("utf-8", "replace")
        body = " ".join(text.split("\n")).strip()
        return f"server response: {status} - {body}"
    return f"server response: {status}"


# Go's Transport reads response headers up to 10 MiB (MaxResponseHeaderBytes' default);
# h11, under httpx, stops at 100 KiB and the failure looked like a bare `EOF`.
GO_MAX_HEADER_BYTES = 10 << 20


def _allow_go_header_size() -> None:
    from httpcore._sync.http11 import HTTP11Connection

    HTTP11Connection.MAX_INCOMPLETE_EVENT_SIZE = GO_MAX_HEADER_BYTES


def _bound_by_deadline(client: httpx.Client, deadline: float) -> None:
    """Give every socket operation of client's connections only the time left before
    deadline (httpx's timeouts are per operation: a server sending a byte a second
    would never trip them)."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # type: ignore[no-untyped-def]
            left = _left(timeout, httpcore.ConnectTimeout)
            return Stream(self._inner.start_tls(ssl_context, server_hostname, left))

        def get_extra_info(self, info: str):  # type: ignore[no-untyped-def]
            return self._inner.get_extra_info(info)

    class Backend(httpcore.SyncBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
            left = _left(timeout, httpcore.ConnectTimeout)
            return Stream(super().connect_tcp(host, port, left, local_address, socket_options))

    def _left(timeout: float | None, exc: type[Exception]) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise exc("deadline exceeded")
        return left if timeout is None else min(timeout, left)

    backend = Backend()
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool._network_backend = backend


def _hostport(url: str) -> str:
    u = urlsplit(url)
    port: int | str
    try:
        port = u.port or (443 if u.scheme == "https" else 80)
    except ValueError:  # "Port out of range": Go dials it as written
        port = u.netloc.rsplit(":", 1)[-1]
    host = u.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _nameserver() -> str:
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    ns = parts[1]
                    return f"[{ns}]:53" if ":" in ns else f"{ns}:53"
    except OSError:
        pass
    return ""


def _connect_error(e: Exception, url: str) -> str:
    """Go's net/http wording for a failed connection."""
    cause = e.__cause__ or e.__context__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    hp = _hostport(url)
    host = urlsplit(url).hostname or ""
    if isinstance(cause, ssl.SSLCertVerificationError):
        msg = cause.verify_message or ""
        if cause.verify_code in (18, 19, 20, 21) or "self" in msg or "issuer" in msg:
            return "x509: certificate signed by unknown authority"
        if "expired" in msg or "not yet valid" in msg:
            return "x509: certificate has expired or is not yet valid"
        if "mismatch" in msg or "hostname" in msg.lower() or "IP address" in msg:
            return f"x509: certificate is not valid for {host}"
        return f"x509: {msg}"
    if isinstance(cause, ssl.SSLError):
        reason = (cause.reason or str(cause)).lower().replace("_", " ")
        if "wrong version" in reason or "record layer" in reason:
            return "http: server gave HTTP response to HTTPS client"
        return f"remote error: tls: {reason}"
    if isinstance(cause, socket.gaierror):
        ns = _nameserver()
        on = f" on {ns}" if ns else ""
        if cause.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return f"dial tcp: lookup {host}{on}: no such host"
        return f"dial tcp: lookup {host}{on}: server misbehaving"
    if isinstance(cause, OSError) and cause.errno:
        op = (
            "connect"
            if cause.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
            else "read"
        )
        if op == "connect":
            return f"dial tcp {hp}: connect: {_errno_text(cause)}"
        return f"read tcp {hp}: {_errno_text(cause)}"
    text = str(e)
    if "Name or service not known" in text or "nodename nor servname" in text:
        ns = _nameserver()
        return f"dial tcp: lookup {host}{' on ' + ns if ns else ''}: no such host"
    if "Connection refused" in text:
        return f"dial tcp {hp}: connect: connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "x509: certificate signed by unknown authority"
    return text.lower() or type(e).__name__


# ---------------------------------------------------------------- saving


def tmp_dir(ui: UI) -> str:
    """pprof's setTmpDir: $PPROF_TMPDIR, else $HOME/pprof, else the system temp dir."""
    dirs = []
    if os.environ.get("PPROF_TMPDIR"):
        dirs.append(os.environ["PPROF_TMPDIR"])
    home = os.environ.get("USERPROFILE" if sys.platform == "win32" else "HOME")
    if home:
        dirs.append(os.path.join(home, "pprof"))
    dirs.append(tempfile.gettempdir())
    for d in dirs:
        try:
            os.makedirs(d, 0o755, exist_ok=True)
        except OSError as e:
            ui.print_err(f"Could not use temp dir {d}: mkdir {d}: {_errno_text(e)}")
            continue
        return d
    raise FetchError("failed to identify temp dir")


def save_name_prefix(p: Profile) -> str:
    prefix = "pprof."
    if p.mappings and p.mappings[0].file:
        prefix += os.path.basename(p.mappings[0].file) + "."
    for st in p.sample_types:
        prefix += st.type + "."
    return prefix


def save_atomically(dir: str, prefix: str, suffix: str, data: bytes) -> str:
    """Write data to the first free dir/prefixNNNsuffix without ever exposing a partial
    file or overwriting one: a temp file in dir, then link(2) to the final name.

    Errors are Go's *PathError for the name Go would have been creating: `open
    DIR/PREFIX001SUFFIX: permission denied` (a NUL byte, which a fetched profile's
    mapping file or sample type can put in the name: `invalid argument`), `write
    ...: no space left on device`."""
    path = os.path.join(dir, f"{prefix}001{suffix}")
    op = "open"
    tmp = ""
    try:
        if "\x00" in path:
            raise OSError(errno.EINVAL, "invalid argument")
        fd, tmp = tempfile.mkstemp(prefix=".pprofsh-", suffix=".tmp", dir=dir)
        op = "write"
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        op = "open"
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; Go's os.Create honours umask
        for index in range(1, 10000):
            path = os.path.join(dir, f"{prefix}{index:03d}{suffix}")
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                continue
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                # No hard links here: claim the name exclusively, then rename over it.
                path = new_temp_file(dir, prefix, suffix)
                os.replace(tmp, path)
                return path
        raise FetchError(f"could not create file of the form {prefix}001{suffix}")
    except OSError as e:
        raise FetchError(f"{op} {path}: {_errno_text(e)}") from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _umask() -> int:
    """The process umask, read without changing it where /proc allows."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def save_fetched(f: Fetched, ui: UI) -> str | None:
    """Save one fetched profile as it came (gzipped if it was not); returns the path."""
    try:
        dir = tmp_dir(ui)
        data = f.data if f.data[:2] == b"\x1f\x8b" else gzip.compress(f.data, mtime=0)
        path = save_atomically(dir, save_name_prefix(f.profile), ".pb.gz", data)
    except (OSError, PprofshError) as e:
        msg = _errno_text(e) if isinstance(e, OSError) and e.errno else str(e)
        ui.print_err(f"Could not save profile: {msg}")  # Go's: `open PATH: why`
        return None
    ui.print_err(f"Saved profile in {path}")
    return path


def note_saved(p: Profile, ui: UI, fetched: list[Fetched] | None = None) -> list[str]:
    """Save what was fetched remotely. Deviation from pprof, which saves the merged
    (and base-subtracted) profile: pprofsh saves each fetched source as it came."""
    paths = []
    for f in fetched or []:
        path = save_fetched(f, ui)
        if path:
            paths.append(path)
    return paths
