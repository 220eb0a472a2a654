"""Shared pieces of the web UI tests: sessions on real profiles, a served UI, hostile names."""

from __future__ import annotations

import http.client
import io
from pathlib import Path

import pytest

from pprofsh.options import Config
from pprofsh.profile import profile_pb2
from pprofsh.session import UI, Session, SourceSpec, combine_sides, finish, load_sides
from pprofsh.web.server import start

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "tests" / "fixtures" / "profiles"

# Names no Go program can have; each would run script if a page put it into HTML unescaped.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</script><script>alert(3)</script>",
    "x' onmouseover='alert(4)",
    "a&amp;b<!--",
    "javascript:alert(5)",
]


def hostile_profile(path: Path) -> Path:
    """A CPU-like profile whose stacks run main.main -> each hostile name -> a leaf."""
    m = profile_pb2.Profile()
    names = ["main.main", *HOSTILE, "main.leaf"]
    m.string_table.extend(["", "samples", "count", "main.go", *names])
    t = m.sample_type.add()
    t.type, t.unit = 1, 2
    for i, _ in enumerate(names, start=1):
        f = m.function.add()
        f.id, f.name, f.system_name, f.filename = i, i + 3, i + 3, 3
        loc = m.location.add()
        loc.id = i
        ln = loc.line.add()
        ln.function_id, ln.line = i, 10 * i
    leaf = len(names)
    for i in range(2, len(names)):
        s = m.sample.add()
        s.location_id.extend([leaf, i, 1])
        s.value.append(10 * i)
    path.write_bytes(m.SerializeToString())
    return path


def make_session(sources: list[str], base: list[str] | None = None, cfg: Config | None = None):
    ui = UI(io.StringIO(), io.StringIO())
    spec = SourceSpec(list(sources), list(base or []))
    new, old, _ = load_sides(spec, ui)
    prof = combine_sides(new, old, False, False) if old is not None else new
    prof = finish(prof, spec, ui)
    return Session(prof, cfg or Config(), ui, spec, new, old)


class Served:
    def __init__(self, session, settings: Path) -> None:
        self.server, self.url = start("127.0.0.1:0", session, str(settings))
        self.port = self.server.server_address[1]
        self.ui = self.server.ui

    def request(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        status, hdrs, body = self.request(path)
        return status, hdrs, body.decode("utf-8", "replace")

    def post(self, path: str, token: str | None = None, origin: str | None = None):
        headers = {}
        if token is not None:
            headers["X-Pprofsh-Token"] = token
        if origin is not None:
            headers["Origin"] = origin
        return self.request(path, "POST", headers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve(tmp_path):
    """serve(session) -> Served, shut down after the test; settings in tmp_path."""
    made: list[Served] = []

    def go(session) -> Served:
        s = Served(session, tmp_path / "pprof" / "settings.json")
        made.append(s)
        return s

    yield go
    for s in made:
        s.close()
