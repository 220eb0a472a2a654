"""Web UI view times and page sizes: `python benchmarks/web_views.py PROFILE...`.

For each profile: load time, then each view's first answer (cold: the report is
built) and second answer with other parameters (warm caches for the profile, not
for the view), and the page size. Runs a real server on 127.0.0.1 and fetches
over HTTP, as a browser would. Not a test: no clock ever fails anything.
"""

from __future__ import annotations

import http.client
import io
import sys
import time

from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, finish, load_sides
from pprofsh.web.server import start

VIEWS = [
    ("flamegraph", ""),
    ("top", ""),
    ("", ""),  # the graph (dot)
    ("peek", "f=main"),
    ("source", "f=ServeHTTP"),
    ("flamegraph", "f=main"),
    ("top", "g=lines"),
    ("flamegraph.json", "path=0"),
]


def fetch(port: int, path: str) -> tuple[int, int, float]:
    t = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, len(body), time.perf_counter() - t


def main(paths: list[str]) -> None:
    for path in paths:
        t = time.perf_counter()
        ui = UI(io.StringIO(), io.StringIO())
        spec = SourceSpec([path])
        new, _, _ = load_sides(spec, ui)
        prof = finish(new, spec, ui)
        s = Session(prof, Config(), ui, spec, new, None)
        load = time.perf_counter() - t
        srv, _url = start("127.0.0.1:0", s)
        port = srv.server_address[1]
        print(f"{path}: load {load:.2f}s")
        for route, q in VIEWS:
            p = "/ui/" + route + ("?" + q if q else "")
            status, size, took = fetch(port, p)
            _, _, again = fetch(port, p)
            print(f"  {p:40s} {status} {size / 1e6:8.3f} MB  {took:6.2f}s  (cached {again:.3f}s)")
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
