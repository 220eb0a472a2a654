"""The web UI's HTTP server: routes, safety checks, one lock, a small view cache.

The standard library's ThreadingHTTPServer: views are CPU-bound Python, so
async would gain nothing, and one lock around the session keeps a report from
seeing a half-switched profile. pprof's layout: everything under /ui/, the root
redirects there with its query.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pprofsh.errors import PprofshError
from pprofsh.options import Config
from pprofsh.profile.model import Profile
from pprofsh.report import ViewCache
from pprofsh.web import urlconfig, views
from pprofsh.web.page import Page, render

if TYPE_CHECKING:
    from pprofsh.session import Session

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")
STATIC = {
    "ui.js": "text/javascript; charset=utf-8",
    "ui.css": "text/css; charset=utf-8",
    "flame.js": "text/javascript; charset=utf-8",
}


@dataclass
class Response:
    status: int
    ctype: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def text_response(status: int, msg: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (msg + "\n").encode("utf-8", "replace"))


def is_localhost(host: str) -> bool:
    return host in LOCAL_NAMES


class WebUI:
    """What the handlers share: the session, its lock, the cache, the settings file."""

    CACHE_SIZE = 32

    def __init__(
        self,
        session: Session,
        settings_file: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.session = session
        self.lock = threading.Lock()
        # Keyed by object ids among other things; each entry holds those objects
        # (_kept), so no id can be reused by a new profile while its entry lives.
        self.cache: OrderedDict[tuple[object, ...], tuple[Response, object]] = OrderedDict()
        self.view_cache = ViewCache()
        self.view_cache_profile: object = None
        self.settings_file = settings_file
        self.token = secrets.token_urlsafe(16)
        self.log = log or (lambda _m: None)
        self.has_dot = views.dot_available()

    def settings(self) -> str:
        return self.settings_file or urlconfig.settings_path()

    # -- dispatch ----------------------------------------------------------------------
    def handle(self, method: str, path: str, raw_query: str, headers: Message) -> Response:
        if path == "/favicon.ico":
            return Response(204, "image/x-icon", b"")  # none, and no 404 in the console
        if path == "/ui" or not path.startswith("/ui/"):
            if path != "/ui" and path != "/":
                return text_response(404, "404 page not found")
            return Response(
                307, "text/html; charset=utf-8", b"", {"Location": "/ui/" + _q(raw_query)}
            )
        route = path[len("/ui/") :]
        query = urlconfig.parse_query(raw_query)
        if route.startswith("static/"):
            return self.static(route[len("static/") :])
        if route in ("saveconfig", "deleteconfig", "usesnapshot"):
            if method != "POST":
                return text_response(405, "method not allowed")
            if not self._same_page(headers):
                return text_response(403, "forbidden: not from this page")
            if route == "usesnapshot":
                return self.use_snapshot(query)
            return self.edit_config(route, query)
        if method not in ("GET", "HEAD"):
            return text_response(405, "method not allowed")
        if route == "download":
            return self.download()
        handler = _ROUTES.get(route)
        if handler is None:
            return text_response(404, "404 page not found")
        with self.lock:
            key = (route, raw_query, *self._state())
            got = self.cache.get(key)
            if got is not None:
                self.cache.move_to_end(key)
                return got[0]
            resp = handler(self, route, query)
            if resp.status == 200:
                self.cache[key] = (resp, self._kept())
                if len(self.cache) > self.CACHE_SIZE:
                    self.cache.popitem(last=False)
            return resp

    def warm(self, paths: list[str]) -> None:
        """Render these pages in the background, so that the first visit finds them
        ready (a 1M-sample profile's graph or flame graph takes seconds to build)."""

        def run() -> None:
            for p in paths:
                parts = urlsplit(p)
                try:
                    self.handle("GET", parts.path, parts.query, Message())
                except Exception:  # a page that fails says so when it is asked for
                    pass

        threading.Thread(target=run, name="pprofsh-web-warm", daemon=True).start()

    def _kept(self) -> object:
        s = self.session
        return (s.profile, getattr(s, "current", None), getattr(s, "base", None))

    def _state(self) -> tuple[object, ...]:
        """What every view depends on besides its URL: the profile, the options, the
        snapshots (the shell may change any of them while the server runs)."""
        s = self.session
        snaps = getattr(s, "snapshots", None)
        return (
            id(s.profile),
            tuple(sorted((k, repr(v)) for k, v in s.config.values.items())),
            len(snaps.items) if snaps is not None else 0,
            id(getattr(s, "current", None)),
            id(getattr(s, "base", None)),
        )

    def use_snapshot(self, query: dict[str, str]) -> Response:
        """The Snapshots page's buttons: `load #N` and `base #N|off`, as in the shell."""
        with self.lock:
            try:
                if "profile" in query:
                    self.session.load_source("#" + query["profile"])
                elif "base" in query:
                    b = query["base"]
                    self.session.set_base(None if b == "off" else "#" + b)
                else:
                    return text_response(400, "usesnapshot needs profile=N or base=N|off")
            except PprofshError as e:
                return text_response(400, str(e))
            self.cache.clear()
        return text_response(200, "")

    def _same_page(self, headers: Message) -> bool:
        """A POST is accepted only from our own page: it carries the page's token in a
        header (which a cross-site form cannot set) and, when it says, our origin."""
        if str(headers.get("X-Pprofsh-Token", "")) != self.token:
            return False
        origin = headers.get("Origin")
        if origin is not None:
            return bool(urlsplit(str(origin)).netloc == headers.get("Host", ""))
        return True

    # -- helpers -----------------------------------------------------------------------
    def has_base(self) -> bool | None:
        return True if getattr(self.session, "base", None) is not None else None

    def cache_for(self, profile: object) -> ViewCache:
        if self.view_cache_profile is not profile:
            self.view_cache = ViewCache()
            self.view_cache_profile = profile
        return self.view_cache

    def config(self, query: dict[str, str]) -> Config:
        return urlconfig.apply_url(self.session.config, query)

    def page(self, view: str, query: dict[str, str], v: views.View, errors: list[str]) -> Response:
        p = self.session.profile
        title = views.title_of(v.legend) if v.legend else "pprofsh"
        pg = Page(
            view=view,
            title=title,
            body=v.body,
            query=query,
            legend=v.legend,
            errors=errors,
            sample_types=[st.type for st in p.sample_types],
            configs=urlconfig.config_menu(self.settings(), "./" + view, query, self.session.config),
            data=v.data,
            token=self.token,
            scripts=v.scripts,
        )
        return Response(200, "text/html; charset=utf-8", render(pg).encode("utf-8", "replace"))

    def static(self, name: str) -> Response:
        if name == "source.css":
            return Response(200, "text/css; charset=utf-8", views.source_css().encode())
        ctype = STATIC.get(name)
        if ctype is None:
            return text_response(404, "404 page not found")
        data = resources.files("pprofsh.web").joinpath("static").joinpath(name).read_bytes()
        return Response(200, ctype, data, {"Cache-Control": "no-cache"})

    def download(self) -> Response:
        from pprofsh.profile.write import write

        with self.lock:
            data = write(self.session.profile)
        return Response(
            200,
            "application/vnd.google.protobuf+gzip",
            data,
            {"Content-Disposition": "attachment;filename=profile.pb.gz"},
        )

    def edit_config(self, route: str, query: dict[str, str]) -> Response:
        name = query.get("config", "")
        try:
            if route == "saveconfig":
                if name == "":
                    raise PprofshError("invalid config name")
                cfg = self.config(query)
                urlconfig.save_config(self.settings(), name, cfg, self.session.config)
            else:
                urlconfig.delete_config(self.settings(), name, self.session.config)
        except PprofshError as e:
            return text_response(400, str(e))
        with self.lock:
            self.cache.clear()  # the Config menu of every cached page changed
        return text_response(200, "")


def _q(raw: str) -> str:
    return "?" + raw if raw else ""


# -- report views --------------------------------------------------------------------


Route = Callable[["WebUI", str, dict[str, str]], Response]
Maker = Callable[..., views.View]


def _report_route(make: Maker) -> Route:
    def handler(ui: WebUI, route: str, query: dict[str, str]) -> Response:
        errors: list[str] = []
        try:
            cfg = ui.config(query)
            p = ui.session.profile
            v = make(ui, p, cfg, query, errors.append, ui.cache_for(p))
        except views.GraphvizMissing:
            ui.log("Failed to execute dot. Is Graphviz installed?")
            return text_response(501, "Could not execute dot; may need to install graphviz.")
        except PprofshError as e:
            ui.log(str(e))
            return text_response(400, str(e))
        return ui.page(route, query, v, errors)

    return handler


def _graph(
    ui: WebUI, p: Profile, cfg: Config, query: dict[str, str], warn: views.Warn, cache: ViewCache
) -> views.View:
    if not ui.has_dot:
        from pprofsh.web.flame import flame_view

        v = flame_view(p, cfg, query, warn, cache, ui.has_base())
        v.body = (
            '<div class="notice">Graphviz (<code>dot</code>) is not installed, so there is '
            "no graph: showing the flame graph.</div>" + v.body
        )
        return v
    return views.graph_view(p, cfg, warn, cache)


def _top(
    ui: WebUI, p: Profile, cfg: Config, query: dict[str, str], warn: views.Warn, cache: ViewCache
) -> views.View:
    return views.top_view(p, cfg, warn, cache)


def _peek(
    ui: WebUI, p: Profile, cfg: Config, query: dict[str, str], warn: views.Warn, cache: ViewCache
) -> views.View:
    return views.peek_view(p, cfg, query.get("f", ""), warn, cache)


def _source(
    ui: WebUI, p: Profile, cfg: Config, query: dict[str, str], warn: views.Warn, cache: ViewCache
) -> views.View:
    return views.source_view(p, cfg, query.get("f", ""), warn, cache)


def _flame(
    ui: WebUI, p: Profile, cfg: Config, query: dict[str, str], warn: views.Warn, cache: ViewCache
) -> views.View:
    from pprofsh.web.flame import flame_view

    return flame_view(p, cfg, query, warn, cache, ui.has_base())


def _session_route(make: Maker) -> Route:
    def handler(ui: WebUI, route: str, query: dict[str, str]) -> Response:
        try:
            v = make(ui.session, ui.config(query))
        except PprofshError as e:
            return text_response(400, str(e))
        return ui.page(route, query, v, v.errors)

    return handler


def _snapshots(session: Session, cfg: Config) -> views.View:
    from pprofsh.web.session_views import snapshots_view

    return snapshots_view(session)


def _changes(session: Session, cfg: Config) -> views.View:
    from pprofsh.web.session_views import changes_view

    return changes_view(session, cfg)


def _leaks(session: Session, cfg: Config) -> views.View:
    from pprofsh.web.session_views import leaks_view

    return leaks_view(session, cfg)


def _flame_json(ui: WebUI, route: str, query: dict[str, str]) -> Response:
    import json

    from pprofsh.web.flame import flame_json

    try:
        cfg = ui.config(query)
        p = ui.session.profile
        data = flame_json(p, cfg, query, lambda _m: None, ui.cache_for(p), ui.has_base())
    except PprofshError as e:
        return text_response(400, str(e))
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
    return Response(200, "application/json", body)


def _disasm(ui: WebUI, route: str, query: dict[str, str]) -> Response:
    return text_response(400, "disasm is not supported by pprofsh (it needs the binary)")


_ROUTES: dict[str, Route] = {
    "": _report_route(_graph),
    "top": _report_route(_top),
    "peek": _report_route(_peek),
    "source": _report_route(_source),
    "flamegraph": _report_route(_flame),
    "flamegraph.json": _flame_json,
    "snapshots": _session_route(_snapshots),
    "changes": _session_route(_changes),
    "leaks": _session_route(_leaks),
    "disasm": _disasm,
}


# -- the HTTP server -------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: WebServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the prompt stays readable

    def _serve(self, method: str) -> None:
        srv = self.server
        if srv.local_only and not self._local_request():
            resp = text_response(403, "permission denied")
        else:
            parts = urlsplit(self.path)
            if method == "POST":
                n = int(self.headers.get("Content-Length") or 0)
                if n > 0:
                    self.rfile.read(min(n, 1 << 16))
            try:
                resp = srv.ui.handle(method, parts.path, parts.query, self.headers)
            except Exception as e:  # never a traceback into the shell; one line instead
                srv.ui.log(f"internal error: {type(e).__name__}: {e}")
                resp = text_response(500, "internal error")
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(resp.body)

    def _local_request(self) -> bool:
        """When bound to localhost: the client is on this machine (as pprof checks) and
        the Host header names localhost, so a page of another site that a DNS name was
        rebound to 127.0.0.1 cannot read the profile."""
        if not is_localhost(self.client_address[0]) and not self.client_address[0].startswith(
            "127."
        ):
            return False
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return is_localhost(name)

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")


class WebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr: tuple[str, int], ui: WebUI, local_only: bool) -> None:
        import socket

        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, _Handler)
        self.ui = ui
        self.local_only = local_only


def split_host_port(hostport: str) -> tuple[str, str]:
    """Go's net.SplitHostPort, with its error texts."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise PprofshError(
                f"could not split http address: address {hostport}: missing ']' in address"
            )
        host, rest = hostport[1:end], hostport[end + 1 :]
        if not rest.startswith(":"):
            raise PprofshError(
                f"could not split http address: address {hostport}: missing port in address"
            )
        return host, rest[1:]
    i = hostport.rfind(":")
    if i < 0:
        raise PprofshError(
            f"could not split http address: address {hostport}: missing port in address"
        )
    host, port = hostport[:i], hostport[i + 1 :]
    if ":" in host:
        raise PprofshError(
            f"could not split http address: address {hostport}: too many colons in address"
        )
    return host, port


def start(
    hostport: str,
    session: Session,
    settings_file: str | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[WebServer, str]:
    """Bind (pprof's getHostAndPort: no host is localhost, no port a free one) and serve
    in a background thread; returns the server and its URL."""
    host, port_s = split_host_port(hostport)
    if host == "":
        host = "localhost"
    port = 0
    if port_s != "":
        if not port_s.lstrip("+-").isdigit():
            raise PprofshError(
                f'invalid port number: strconv.Atoi: parsing "{port_s}": invalid syntax'
            )
        port = int(port_s)
    bind = "127.0.0.1" if host == "localhost" else host
    ui = WebUI(session, settings_file, log)
    try:
        srv = WebServer((bind, port), ui, is_localhost(host))
    except OSError as e:
        raise PprofshError(f"listen tcp {host}:{port}: {e.strerror or e}") from None
    real_port = srv.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{real_port}"
    t = threading.Thread(target=srv.serve_forever, name="pprofsh-web", daemon=True)
    t.start()
    return srv, url


def open_browser(url: str) -> bool:
    """pprof's openBrowser: the first browser that starts; False when none did."""
    import subprocess

    from pprofsh.delivery import browsers

    for b in browsers():
        args = b.split()
        if not args:
            continue
        try:
            subprocess.Popen([*args, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            return True
        except OSError:
            continue
    return False


# -- entry points: the -http flag and the shell's `http` -----------------------------


def browser_url(url: str, session: Session) -> str:
    """What pprof opens: the server's URL with the flags' options as URL parameters."""
    q, _ = urlconfig.url_values(session.config, {})
    enc = urlconfig.encode_query(q)
    return url + "/ui/" + ("?" + enc if enc else "")


def serve_cli(session: Session, hostport: str, no_browser: bool) -> int:
    """`pprofsh -http=host:port`: serve until interrupted (pprof's serveWebInterface)."""
    import time

    ui = session.ui
    srv, url = start(hostport, session, log=ui.print_err)
    q = urlsplit(browser_url(url, session)).query
    srv.ui.warm(["/ui/" + _q(q), "/ui/flamegraph" + _q(q), "/ui/top" + _q(q)])
    ui.print_err(f"Serving web UI on {url}")
    if not no_browser:
        u = browser_url(url, session)
        time.sleep(0.2)
        if not open_browser(u):
            ui.print_err(u)
    try:
        while True:  # until Ctrl-C (exit status 130, as any interrupted run)
            time.sleep(3600)
    finally:
        srv.shutdown()
        srv.server_close()
    return 0


_SHELL_SERVERS: dict[int, tuple[Session, WebServer, str]] = {}


def shell_http(session: Session, arg: str | None) -> str:
    """The shell's `http [host:port|off]`: serve this session in the background, the
    prompt stays; `http` again says where; `http off` stops it."""
    running = _SHELL_SERVERS.get(id(session))
    if arg == "off":
        if running is None:
            return "the web UI is not running"
        _SHELL_SERVERS.pop(id(session))
        running[1].shutdown()
        running[1].server_close()
        return f"Stopped the web UI on {running[2]}"
    if running is not None:
        if arg:
            return f"already serving on {running[2]} (`http off` stops it)"
        return f"Serving web UI on {running[2]}"
    srv, url = start(arg or "localhost:0", session)
    srv.ui.warm(["/ui/", "/ui/flamegraph"])
    _SHELL_SERVERS[id(session)] = (session, srv, url)
    return f"Serving web UI on {url}"
