"""Regenerate the web UI screenshots in docs/img (README and docs/web.md show them).

    python docs/img/make_screenshots.py [BENCHPROF_DIR]

Uses the system Chromium through Playwright. The flame graph pictures use the
benchmark profiles (`sh /work/shared/bench/make_profiles.sh DIR` makes them); the
others the bundled example and the test fixtures.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from pprofsh.options import Config
from pprofsh.session import UI, Session, SourceSpec, combine_sides, finish, load_sides
from pprofsh.web.server import start

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img"


def session(sources: list[str], base: list[str] | None = None) -> Session:
    ui = UI(io.StringIO(), io.StringIO())
    spec = SourceSpec(sources, base or [])
    new, old, _ = load_sides(spec, ui)
    prof = finish(combine_sides(new, old, False, False) if old is not None else new, spec, ui)
    s = Session(prof, Config(), ui, spec, new, old)
    for extra in sources[1:]:
        s.snapshots.add([extra], new)
    return s


def main(bench: str) -> None:
    ex = ROOT / "pprofsh" / "examples"
    fx = ROOT / "tests" / "fixtures" / "profiles"
    shots = [
        (session([f"{bench}/cpu_M.pb.gz"]), "/ui/flamegraph", "web-flame.png", None),
        (
            session([f"{bench}/cpu_M.pb.gz"], [f"{bench}/cpu_M_base.pb.gz"]),
            "/ui/flamegraph",
            "web-flame-diff.png",
            None,
        ),
        (session([str(fx / "cpu.pb.gz")]), "/ui/flamegraph", "web-callers.png", "main.shared"),
        (session([str(fx / "cpu.pb.gz")]), "/ui/", "web-graph.png", None),
        (session([str(fx / "cpu.pb.gz")]), "/ui/top", "web-top.png", None),
    ]
    leaks = session([str(ex / "handshake-after.pb.gz")], [str(ex / "handshake-before.pb.gz")])
    leaks.snapshots.add(
        [str(ex / "handshake-during.pb.gz")],
        load_sides(SourceSpec([str(ex / "handshake-during.pb.gz")]), leaks.ui)[0],
    )
    shots.append((leaks, "/ui/leaks", "web-leaks.png", None))
    shots.append((leaks, "/ui/snapshots", "web-snapshots.png", None))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/lib/chromium/chromium")
        for s, path, name, callers in shots:
            srv, url = start("127.0.0.1:0", s)
            page = b.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url + path)
            page.wait_for_load_state("load")
            if callers:
                page.locator(f'#flame .box[data-name="{callers}"]').first.click()
                page.click("#flame-callers")
                page.wait_for_selector("#flame-callers-chart .box")
            page.screenshot(path=str(OUT / name))
            print(OUT / name)
            page.close()
            srv.shutdown()
            srv.server_close()
        b.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/benchprof")
