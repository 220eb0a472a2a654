"""The web UI in a real browser: headless Chromium (Debian's) driven by Playwright.

One browser for the module; each test opens a page on a served session and does
what a user does: open the views, sort, search, select and refine, zoom the flame
graph, switch sample type, open the callers view, read a diff, meet hostile names.
Screenshots go to $PPROFSH_SCREENSHOTS (default: the test's tmp directory).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.conftest import HOSTILE, PROFILES, hostile_profile, make_session

CHROMIUM = "/usr/lib/chromium/chromium"
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium at " + CHROMIUM + " (.ci/run installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    d = Path(os.environ.get("PPROFSH_SCREENSHOTS", "") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


class Tab:
    """A page on a served session that fails the test on any script error or dialog."""

    def __init__(self, browser, served) -> None:
        self.served = served
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console: {m.text}")
                if m.type == "error" and "favicon" not in m.text
                else None
            ),
        )
        self.page.on("dialog", lambda d: self.errors.append(f"dialog: {d.message}"))

    def open(self, path: str):
        self.page.goto(self.served.url + path)
        self.page.wait_for_load_state("load")
        return self.page

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def close(self) -> None:
        self.ctx.close()
        assert not self.errors, self.errors


@pytest.fixture
def tab(browser, serve):
    made: list[Tab] = []

    def go(session) -> Tab:
        t = Tab(browser, serve(session))
        made.append(t)
        return t

    yield go
    for t in made:
        t.close()


def cpu_session():
    return make_session([str(PROFILES / "cpu.pb.gz")])


def test_every_view_opens(tab, shots):
    t = tab(cpu_session())
    for path, sel in [
        ("/ui/", "#graph svg g.node"),
        ("/ui/top", "#toptable tbody tr"),
        ("/ui/flamegraph", "#flame .box"),
        ("/ui/peek?f=fib", "#peektext"),
        ("/ui/source?f=busyLoop", ".routine"),
        ("/ui/snapshots", "#snapshots"),
        ("/ui/changes", ".panel"),
    ]:
        page = t.open(path)
        assert page.locator(sel).count() > 0, path
        name = path.strip("/").split("?")[0].replace("ui/", "").replace("ui", "") or "graph"
        page.screenshot(path=str(shots / f"view-{name}.png"))
    page = t.open("/ui/top")
    page.click("#view .menu-name")
    page.click("#flamegraph")
    page.wait_for_selector("#flame .box")
    assert urlsplit(page.url).path == "/ui/flamegraph"


def test_top_sorts_by_any_column(tab):
    t = tab(cpu_session())
    page = t.open("/ui/top")

    def column(attr: str) -> list[str]:
        return page.eval_on_selector_all("#rows tr", f"rows => rows.map(r => r.dataset.{attr})")

    page.click("#cumhdr1")
    cums = [int(x) for x in column("cum")]
    assert cums == sorted(cums, reverse=True) and cums != [int(x) for x in column("flat")]
    page.click("#cumhdr1")
    assert [int(x) for x in column("cum")] == sorted(cums)
    page.click("#namehdr")
    names = column("name")
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    page.click("#flathdr1")
    flats = [int(x) for x in column("flat")]
    assert flats == sorted(flats, reverse=True)
    assert page.locator("#cumhdr1.sorted-desc, #cumhdr1.sorted-asc").count() == 0


def test_search_highlights_and_enter_focuses(tab, shots):
    t = tab(cpu_session())
    page = t.open("/ui/top")
    page.fill("#search", "fib")
    matched = page.eval_on_selector_all("#rows tr.match", "rs => rs.map(r => r.dataset.name)")
    assert matched == ["main.fib"]
    page = t.open("/ui/")
    page.fill("#search", "caller")
    names = page.eval_on_selector_all("g.node.match", "gs => gs.map(g => g.dataset.name)")
    assert sorted(names) == ["main.callerA", "main.callerB"]
    page.screenshot(path=str(shots / "graph-search.png"))
    page.press("#search", "Enter")
    page.wait_for_url(re.compile(r"f=caller"))
    assert t.query()["f"] == ["caller"]


def test_select_two_nodes_and_focus(tab, shots):
    t = tab(cpu_session())
    page = t.open("/ui/")
    for name in ("main.callerA", "main.busyLoop"):
        page.locator(f'g.node[data-name="{name}"]').click()
    assert page.locator("g.node.selected").count() == 2
    page.hover("#refine .menu-name")
    page.screenshot(path=str(shots / "graph-refine.png"))
    page.click("#focus")
    page.wait_for_url(re.compile(r"f="))
    assert t.query()["f"] == [r"^main\.callerA$|^main\.busyLoop$"]
    page.click("#view .menu-name")
    page.click("#topbtn")
    page.wait_for_selector("#rows tr")
    rows = page.eval_on_selector_all("#rows tr", "rs => rs.map(r => r.dataset.name)")
    assert "main.callerA" in rows and "main.busyLoop" in rows
    assert "main.callerB" not in rows  # its samples go through neither
    assert t.query()["f"] == [r"^main\.callerA$|^main\.busyLoop$"]  # kept across views


def test_select_rows_in_top_then_ignore(tab):
    t = tab(cpu_session())
    page = t.open("/ui/top")
    page.locator('#rows tr[data-name="main.fib"]').click()
    page.locator('#rows tr[data-name="main.step"]').click()
    page.locator('#rows tr[data-name="main.step"]').click()  # a second click unselects
    assert page.locator("#rows tr.selected").count() == 1
    page.hover("#refine .menu-name")
    page.click("#ignore")
    page.wait_for_url(re.compile(r"i="))
    rows = page.eval_on_selector_all("#rows tr", "rs => rs.map(r => r.dataset.name)")
    assert "main.fib" not in rows and rows
    page.hover("#refine .menu-name")
    page.click("#reset")
    page.wait_for_load_state("load")
    assert "i" not in t.query()


def box_widths(page) -> dict[str, float]:
    return page.eval_on_selector_all(
        "#flame .box:not(.ancestor)",
        "bs => Object.fromEntries(bs.map(b => [b.dataset.name, b.getBoundingClientRect().width]))",
    )


def test_flame_zoom_and_back(tab, shots):
    t = tab(cpu_session())
    page = t.open("/ui/flamegraph")
    whole = page.locator("#flame").get_attribute("data-boxes")
    width = page.eval_on_selector("#flame", "e => e.clientWidth")
    before = box_widths(page)
    assert before["main.busyLoop"] < width * 0.5
    page.locator('#flame .box[data-name="main.busyLoop"]').first.click()
    page.wait_for_selector("#flame .box.ancestor")
    after = box_widths(page)
    assert abs(after["main.busyLoop"] - width) <= 2  # the zoomed box fills the width
    crumbs = page.locator("#breadcrumbs a").all_text_contents()
    assert crumbs[0] == "all" and crumbs[-1] == "main.busyLoop"
    page.locator('#flame .box[data-name="main.busyLoop"]').first.hover()
    assert page.text_content("#flame-details").startswith("main.busyLoop — ")
    page.screenshot(path=str(shots / "flame-zoomed.png"))
    page.locator("#breadcrumbs a", has_text="all").click()
    page.wait_for_selector("#flame .box.ancestor", state="detached")
    assert page.locator("#flame").get_attribute("data-boxes") == whole
    # Escape comes back too, and the flame/icicle toggle turns the picture over.
    page.locator('#flame .box[data-name="main.fib"]').first.click()
    page.keyboard.press("Escape")
    page.wait_for_selector("#flame .box.ancestor", state="detached")
    top_icicle = page.eval_on_selector('#flame .box[data-name="root"]', "b => b.offsetTop")
    page.click("#flame-flip")
    top_flame = page.eval_on_selector('#flame .box[data-name="root"]', "b => b.offsetTop")
    assert top_icicle == 0 and top_flame > 0
    page.screenshot(path=str(shots / "flame-flipped.png"))
    page.click("#flame-flip")


def test_flame_search_highlights(tab, shots):
    t = tab(cpu_session())
    page = t.open("/ui/flamegraph")
    page.fill("#search", "main\\.step")
    names = page.eval_on_selector_all("#flame .box.match", "bs => bs.map(b => b.dataset.name)")
    assert names and set(names) == {"main.step"}
    assert page.text_content("#flame-details").startswith("Matched: ")
    page.screenshot(path=str(shots / "flame-search.png"))


def test_callers_view(tab, shots):
    t = tab(cpu_session())
    page = t.open("/ui/flamegraph")
    assert page.is_disabled("#flame-callers")
    page.locator('#flame .box[data-name="main.shared"]').first.click()
    assert page.is_enabled("#flame-callers")
    page.click("#flame-callers")
    page.wait_for_selector("#sandwich:not([hidden]) #flame-callers-chart .box")
    callers = page.eval_on_selector_all(
        "#flame-callers-chart .box", "bs => bs.map(b => b.dataset.name)"
    )
    assert "main.callerA" in callers and "main.callerB" in callers
    callees = page.eval_on_selector_all(
        "#flame-callees-chart .box", "bs => bs.map(b => b.dataset.name)"
    )
    assert "main.step" in callees
    assert page.text_content("#sandwich-title") == "Callers of main.shared"
    page.screenshot(path=str(shots / "flame-callers.png"))
    page.click("#flame-callers")  # back
    assert page.is_hidden("#sandwich") and page.is_visible("#flame")


def test_switch_sample_type(tab):
    t = tab(cpu_session())
    page = t.open("/ui/top")
    page.hover("#sample .menu-name")
    page.click("#si-samples")
    page.wait_for_url(re.compile(r"si=samples"))
    assert "Type: samples" in page.text_content("#detailsbox")
    page.click("#details")
    assert page.is_visible("#detailsbox")


def test_diff_colours_with_a_base(tab, shots):
    t = tab(
        make_session(
            [str(PROFILES / "handshake-after.pb.gz")], [str(PROFILES / "handshake-before.pb.gz")]
        )
    )
    page = t.open("/ui/flamegraph")
    colour = page.eval_on_selector(
        '#flame .box[data-name="main.(*conn).handshakeWorker"]',
        "b => getComputedStyle(b).backgroundColor",
    )
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert r > g + 40 and r > b + 40, colour  # grew: red
    assert "grew" in page.text_content("#flame-legend")
    page.screenshot(path=str(shots / "flame-diff.png"))
    page = t.open("/ui/changes")
    assert page.locator("pre.changes .grow").count() >= 1
    page = t.open("/ui/leaks")
    page.screenshot(path=str(shots / "leaks.png"))
    page.locator(".leak .links a", has_text="Flame graph").first.click()
    page.wait_for_selector("#flame .box")
    assert "f" in t.query()


def test_snapshot_buttons(tab):
    t = tab(
        make_session(
            [str(PROFILES / "handshake-after.pb.gz")], [str(PROFILES / "handshake-before.pb.gz")]
        )
    )
    page = t.open("/ui/snapshots")
    assert page.locator("#snapshots tr.base").count() == 1
    page.click("#no-base")
    page.wait_for_selector("#snapshots tr.base", state="detached")
    page.locator('button.use-profile[data-snapshot="2"]').click()
    page.wait_for_selector('#snapshots tr.current[data-snapshot="2"]')
    assert t.served.ui.session.current.number == 2


def test_config_save_and_delete(tab, tmp_path):
    t = tab(cpu_session())
    page = t.open("/ui/top?f=fib")
    page.hover("#config .menu-name")
    page.click("#save-config")
    page.fill("#save-name", "only <fib>")
    page.click("#save-confirm")
    page.wait_for_selector('.config-name:text("only <fib>")', state="attached")
    settings = tmp_path / "pprof" / "settings.json"
    assert '"focus": "fib"' in settings.read_text()
    page = t.open("/ui/top")
    page.hover("#config .menu-name")
    page.click('.menu-delete-btn[data-config="only <fib>"]')
    page.click("#delete-confirm")
    page.wait_for_selector(".menu-delete-btn", state="detached")
    assert '"configs": []' in settings.read_text()


def test_hostile_names_render_as_text(tab, tmp_path, shots):
    t = tab(make_session([str(hostile_profile(tmp_path / "hostile.pb"))]))
    page = t.open("/ui/top")
    shown = page.eval_on_selector_all("#rows td.name", "ts => ts.map(t => t.textContent)")
    assert set(HOSTILE) <= set(shown)
    page.screenshot(path=str(shots / "hostile-top.png"))
    page = t.open("/ui/flamegraph")
    page.set_viewport_size({"width": 1800, "height": 800})
    page = t.open("/ui/flamegraph")
    boxes = page.eval_on_selector_all("#flame .box", "bs => bs.map(b => b.dataset.name)")
    assert set(HOSTILE) <= set(boxes)
    assert page.locator("img").count() == 0
    page.locator('#flame .box[data-name="<script>alert(1)</script>"]').hover()
    assert page.text_content("#flame-details").startswith("<script>alert(1)</script> — ")
    page = t.open("/ui/")
    assert page.locator("g.node").count() >= len(HOSTILE)
    page.screenshot(path=str(shots / "hostile-graph.png"))
    assert page.evaluate("typeof window.alert") == "function"  # nothing replaced it either


def test_graph_pans_and_zooms(tab):
    t = tab(cpu_session())
    page = t.open("/ui/")
    vb0 = page.get_attribute("#graph svg", "viewBox")
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -400)
    vb1 = page.get_attribute("#graph svg", "viewBox")
    assert vb1 != vb0
    w0, w1 = float(vb0.split()[2]), float(vb1.split()[2])
    assert w1 < w0  # zoomed in
    page.mouse.down()
    page.mouse.move(700, 450)
    page.mouse.up()
    assert page.get_attribute("#graph svg", "viewBox") != vb1


def test_no_dot_means_the_flame_graph(tab, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _n: None)
    t = tab(cpu_session())
    t.served.ui.has_dot = False
    page = t.open("/ui/")
    assert "not installed" in page.text_content(".notice")
    assert page.locator("#flame .box").count() > 0


def test_zoom_fetches_what_was_pruned(tab, monkeypatch):
    from pprofsh.web import flame

    monkeypatch.setattr(flame, "PRUNE", 0.2)  # the small fixture then has pruned boxes
    t = tab(cpu_session())
    page = t.open("/ui/flamegraph")
    shown = set(page.eval_on_selector_all("#flame .box", "bs => bs.map(b => b.dataset.name)"))
    assert "main.step" not in shown and "main.fib" not in shown  # under a fifth: not sent
    page.locator('#flame .box.more[data-name="main.shared"]').first.click()
    page.wait_for_selector('#flame .box[data-name="main.step"]')
    page.keyboard.press("Escape")
    page.locator('#flame .box.more[data-name="main.unlabeledWork"]').first.click()
    page.wait_for_selector('#flame .box[data-name="main.fib"]')
    # A box of a fetched subtree is expanded in turn (fib calls itself, 20 deep).
    page.locator('#flame .box[data-name="main.fib"]').first.click()
    page.wait_for_selector('#flame .box.ancestor[data-name="main.unlabeledWork"]')
    assert page.locator("#breadcrumbs a").all_text_contents()[-1] == "main.fib"
    deeper = page.locator('#flame .box:not(.ancestor)[data-name="main.fib"]').count()
    assert deeper > 3
