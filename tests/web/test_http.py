"""The web UI over HTTP: every route and URL parameter, safety checks, configurations."""

from __future__ import annotations

import gzip
import io
import json
import re
from html.parser import HTMLParser

import pytest

from pprofsh.errors import PprofshError
from pprofsh.profile.parse import parse
from pprofsh.web import server as web_server
from pprofsh.web.server import CSP, split_host_port, start
from tests.web.conftest import HOSTILE, PROFILES, hostile_profile, make_session


@pytest.fixture
def cpu(serve):
    return serve(make_session([str(PROFILES / "cpu.pb.gz")]))


def page_data(body: str) -> dict:
    m = re.search(r'<script type="application/json" id="pprofsh-data">(.*?)</script>', body, re.S)
    assert m, body[:500]
    return json.loads(m.group(1))


def top_names(body: str) -> list[str]:
    return page_data(body)["nodes"]


# -- routes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,ctype",
    [
        ("/ui/", "text/html"),
        ("/ui/top", "text/html"),
        ("/ui/flamegraph", "text/html"),
        ("/ui/peek?f=main", "text/html"),
        ("/ui/source?f=fib", "text/html"),
        ("/ui/snapshots", "text/html"),
        ("/ui/changes", "text/html"),
        ("/ui/flamegraph.json?path=", "application/json"),
        ("/ui/flamegraph.json?callers=main.fib", "application/json"),
        ("/ui/static/ui.js", "text/javascript"),
        ("/ui/static/flame.js", "text/javascript"),
        ("/ui/static/ui.css", "text/css"),
        ("/ui/static/source.css", "text/css"),
        ("/ui/download", "application/vnd.google.protobuf+gzip"),
    ],
)
def test_every_route_answers_with_its_content_type_and_the_csp(cpu, path, ctype):
    status, hdrs, _ = cpu.request(path)
    assert status == 200, path
    assert hdrs["content-type"].startswith(ctype)
    assert hdrs["content-security-policy"] == CSP
    assert hdrs["x-content-type-options"] == "nosniff"


def test_csp_forbids_inline_script_and_everything_external():
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "default-src 'none'" in CSP and "http" not in CSP


def test_pages_load_nothing_from_elsewhere(cpu):
    for path in ("/ui/", "/ui/top", "/ui/flamegraph", "/ui/source?f=fib", "/ui/snapshots"):
        body = cpu.get(path)[2]
        for m in re.finditer(r'(?:src|href)="([^"]*)"', body):
            url = m.group(1)
            assert not re.match(r"(?i)[a-z]+:|//", url), (path, url)
        # No inline script: only src= scripts and the JSON data block.
        for m in re.finditer(r"<script([^>]*)>", body):
            assert "src=" in m.group(1) or 'type="application/json"' in m.group(1)


def test_root_redirects_to_ui_with_its_query(cpu):
    status, hdrs, _ = cpu.request("/?f=fib&si=cpu")
    assert status == 307
    assert hdrs["location"] == "/ui/?f=fib&si=cpu"
    assert cpu.request("/ui")[0] == 307


def test_unknown_paths_are_404(cpu):
    assert cpu.request("/ui/nope")[0] == 404
    assert cpu.request("/elsewhere")[0] == 404
    assert cpu.request("/ui/static/../server.py")[0] == 404


def test_disasm_says_it_needs_the_binary(cpu):
    status, _, body = cpu.get("/ui/disasm?f=fib")
    assert status == 400 and "needs the binary" in body


def test_download_is_the_loaded_profile(cpu):
    status, hdrs, body = cpu.request("/ui/download")
    assert status == 200
    assert hdrs["content-disposition"] == "attachment;filename=profile.pb.gz"
    p = parse(gzip.decompress(body))
    assert len(p.samples) == len(cpu.ui.session.profile.samples)


def test_graph_is_dot_svg_with_node_names(cpu):
    status, _, body = cpu.get("/ui/")
    assert status == 200
    assert "<svg" in body and 'class="node"' in body
    nodes = page_data(body)["nodes"]
    assert nodes[0] == "" and "main.fib" in nodes


def test_graph_without_dot_says_so_and_shows_the_flame_graph(cpu):
    cpu.ui.has_dot = False
    status, _, body = cpu.get("/ui/")
    assert status == 200
    assert "Graphviz" in body and "not installed" in body
    assert "flame" in page_data(body)


def test_top_rows_are_the_shell_top(cpu):
    body = cpu.get("/ui/top")[2]
    names = top_names(body)
    out = io.StringIO()
    cpu.ui.session.run("top", ["500"], out)
    text = out.getvalue()
    rows = [
        ln.split(None, 5)[5].removesuffix(" (inline)")
        for ln in text.splitlines()
        if re.match(r"\s+[\d.]+\w*\s+[\d.]+%", ln)
    ]
    assert names == rows and "main.fib" in names
    assert body.count("<tr data-name=") == len(names)


def test_peek_and_source_take_the_regexp_from_f(cpu):
    body = cpu.get("/ui/peek?f=fib")[2]
    assert "main.fib" in body and "calls calls%" in body
    body = cpu.get("/ui/source?f=busyLoop")[2]
    assert "main.busyLoop" in body and "(flat, cum)" in body
    status, _, text = cpu.get("/ui/source?f=nosuchfunction")
    assert status == 400 and text.strip() == "no matches found for regexp: nosuchfunction"


def test_source_is_highlighted_with_hot_lines(serve):
    cfg = make_session([str(PROFILES / "cpu.pb.gz")]).config
    cfg.source_path = str(PROFILES.parent / "src" / "cpu")
    cfg.trim_path = "/tmp/pprofsh-fixtures/src/cpu"
    s = serve(make_session([str(PROFILES / "cpu.pb.gz")], cfg=cfg))
    body = s.get("/ui/source?f=busyLoop")[2]
    assert 'class="listing"' in body
    assert re.search(r'<tr class="hot[1-5]">', body)
    assert '<span class="kd">func</span>' in body or '<span class="k">' in body


# -- URL parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "param",
    [
        "f=fib",
        "i=fib",
        "h=fib",
        "s=main",
        "sf=main",
        "prunefrom=fib",
        "tf=worker",
        "ti=worker",
        "ts=worker",
        "th=worker",
        "n=3",
        "nf=0.1",
        "ef=0.1",
        "g=lines",
        "sort=cum",
        "si=cpu",
        "unit=ms",
        "rel=t",
        "compact=t",
        "calltree=t",
        "trim=f",
        "dropneg=t",
        "mean=t",
        "norm=t",
        "noinlines=t",
    ],
)
def test_every_pprof_url_parameter_is_accepted_by_every_report_view(cpu, param):
    for view in ("", "top", "flamegraph", "peek", "source?f=main&"):
        sep = "" if view.endswith("&") else "?"
        status, _, body = cpu.get(f"/ui/{view}{sep}{param}")
        assert status == 200, (view, param, body[:300])


def test_focus_ignore_hide_show_change_the_rows(cpu):
    all_rows = set(top_names(cpu.get("/ui/top")[2]))
    focused = set(top_names(cpu.get("/ui/top?f=busyLoop")[2]))
    assert "main.busyLoop" in focused and "main.callerA" not in focused
    ignored = set(top_names(cpu.get("/ui/top?i=busyLoop")[2]))
    assert "main.busyLoop" not in ignored and "main.callerA" in ignored
    hidden = set(top_names(cpu.get("/ui/top?h=fib")[2]))
    assert "main.fib" not in hidden and hidden < all_rows
    shown = set(top_names(cpu.get("/ui/top?s=main%5C.fib")[2]))
    assert shown == {"main.fib"}


def test_granularity_sort_unit_and_sample_index(serve):
    s = serve(make_session([str(PROFILES / "heap.pb.gz")]))
    lines = top_names(s.get("/ui/top?g=lines")[2])
    assert all(":" in n for n in lines if n.startswith("main."))
    body = s.get("/ui/top?si=alloc_objects")[2]
    assert "Type: alloc_objects" in body
    body = s.get("/ui/top?unit=kb")[2]
    assert "kB" in body
    flat = top_names(s.get("/ui/top")[2])
    cum = top_names(s.get("/ui/top?sort=cum")[2])
    assert flat != cum


def test_top_shows_at_most_500_rows_whatever_n_says(cpu):
    assert len(top_names(cpu.get("/ui/top?n=1")[2])) > 1


def test_bad_parameter_values_are_400_with_pprofs_message(cpu):
    status, _, body = cpu.get("/ui/top?g=bogus")
    assert status == 400
    assert (
        body.strip()
        == 'error setting config field granularity: invalid "granularity" value "bogus"'
    )
    status, _, body = cpu.get("/ui/top?n=x")
    assert status == 400 and body.startswith("error setting config field nodecount:")
    status, _, body = cpu.get("/ui/top?si=nosuch")
    assert status == 400 and "sample_index" in body
    status, _, body = cpu.get("/ui/top?f=(")
    assert status == 400


def test_sample_menu_lists_every_sample_type(serve):
    s = serve(make_session([str(PROFILES / "heap.pb.gz")]))
    body = s.get("/ui/top?f=main")[2]
    for st in ("alloc_objects", "alloc_space", "inuse_objects", "inuse_space"):
        assert f'id="si-{st}"' in body
    assert 'href="./top?f=main&amp;si=alloc_space"' in body


def test_view_links_keep_the_current_parameters(cpu):
    body = cpu.get("/ui/top?f=fib&g=lines")[2]
    assert 'href="./flamegraph?f=fib&amp;g=lines"' in body
    assert 'href="./?f=fib&amp;g=lines"' in body


# -- the flame graph ------------------------------------------------------------------------


def test_flame_data_is_the_call_tree(cpu):
    data = page_data(cpu.get("/ui/flamegraph")[2])["flame"]
    assert data["parent"][0] == -1 and data["frame"][0] == -1
    total = data["total"][0]
    assert total == data["grandTotal"] > 0
    names = [data["names"][f] if f >= 0 else "root" for f in data["frame"]]
    assert "main.fib" in names
    # children never outweigh their parent
    kids: dict[int, int] = {}
    for k, p in enumerate(data["parent"]):
        if p >= 0:
            kids[p] = kids.get(p, 0) + data["weight"][k]
    for p, w in kids.items():
        assert w <= data["weight"][p]


def test_flame_subtree_and_callers(cpu):
    data = page_data(cpu.get("/ui/flamegraph")[2])["flame"]
    fid = data["fid"][1]
    status, hdrs, body = cpu.get(f"/ui/flamegraph.json?path={fid}")
    sub = json.loads(body)
    assert sub["fid"][0] == fid and sub["weight"][0] == data["weight"][1]
    # Two levels down: the path is the frames from the root.
    child = data["parent"].index(1)
    got = json.loads(cpu.get(f"/ui/flamegraph.json?path={fid}.{data['fid'][child]}")[2])
    assert got["weight"][0] == data["weight"][child] and got["path"] == [
        data["names"][data["frame"][1]]
    ]
    got = json.loads(cpu.get("/ui/flamegraph.json?callers=main.fib")[2])
    assert got["name"] == "main.fib"
    up = got["callers"]
    assert up["names"][up["frame"][1]] == "main.fib"
    assert cpu.request("/ui/flamegraph.json?path=99999999")[0] == 400
    assert cpu.request("/ui/flamegraph.json?path=x")[0] == 400
    assert cpu.request("/ui/flamegraph.json?callers=nosuch")[0] == 400


def test_flame_with_a_base_is_a_diff(serve):
    s = serve(
        make_session(
            [str(PROFILES / "handshake-after.pb.gz")], [str(PROFILES / "handshake-before.pb.gz")]
        )
    )
    data = page_data(s.get("/ui/flamegraph")[2])["flame"]
    assert data["diff"] is True
    assert min(data["total"]) >= 0 < max(data["total"])


# -- session views -----------------------------------------------------------------------


@pytest.fixture
def handshake(serve):
    return serve(
        make_session(
            [str(PROFILES / "handshake-after.pb.gz")], [str(PROFILES / "handshake-before.pb.gz")]
        )
    )


def test_snapshots_changes_and_leaks(handshake):
    body = handshake.get("/ui/snapshots")[2]
    assert 'id="snapchart"' in body and body.count('data-snapshot="') >= 2
    body = handshake.get("/ui/changes")[2]
    assert "main.(*conn).handshakeWorker" in body and 'class="grow"' in body
    body = handshake.get("/ui/leaks")[2]
    # Two snapshots: a suspect at least (three make it a leak; leaks14's rules decide).
    assert "handshakeWorker" in body and re.search(r"verdict-(leak|suspect|certain)", body)
    assert "./source?f=%5Emain%5C.%5C%28%5C%2Aconn%5C%29%5C.handshakeWorker%24" in body


def test_changes_without_a_base_says_how_to_get_one(cpu):
    body = cpu.get("/ui/changes")[2]
    assert "no base profile" in body


def test_leaks_need_a_goroutine_profile(cpu):
    status, _, body = cpu.get("/ui/leaks")
    assert status == 400 and "goroutine" in body


def test_snapshot_buttons_switch_profile_and_base(handshake):
    token = handshake.ui.token
    first = handshake.ui.session.profile
    assert handshake.post("/ui/usesnapshot?base=off")[0] == 403  # no token
    status, _, _ = handshake.post("/ui/usesnapshot?base=off", token)
    assert status == 200 and handshake.ui.session.base is None
    assert handshake.ui.session.profile is not first
    status, _, _ = handshake.post("/ui/usesnapshot?profile=2", token)
    assert status == 200 and handshake.ui.session.current.number == 2
    status, _, body = handshake.post("/ui/usesnapshot?profile=9", token)
    assert status == 400 and b"no snapshot #9" in body
    assert handshake.request("/ui/usesnapshot?profile=1")[0] == 405


# -- safety --------------------------------------------------------------------------------


def test_other_hosts_are_refused_when_bound_to_localhost(cpu):
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
        status, hdrs, body = cpu.request("/ui/top", headers={"Host": host})
        assert status == 403 and body == b"permission denied\n", host
        assert hdrs["content-security-policy"] == CSP
    for host in (f"localhost:{cpu.port}", f"127.0.0.1:{cpu.port}", "localhost"):
        assert cpu.request("/ui/top", headers={"Host": host})[0] == 200, host


class _Tags(HTMLParser):
    """Every start tag and attribute of a page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_names_are_text_everywhere(serve, tmp_path):
    s = serve(make_session([str(hostile_profile(tmp_path / "hostile.pb"))]))
    for path in ("/ui/", "/ui/top", "/ui/flamegraph", "/ui/peek?f=.", "/ui/source?f=."):
        status, _, body = s.get(path)
        assert status == 200, path
        p = _Tags()
        p.feed(body)
        for tag, attrs in p.tags:
            assert tag != "img", path
            for k, _v in attrs:
                assert not k.startswith("on"), (path, tag, k)
            if tag == "script":
                a = dict(attrs)
                assert a.get("type") == "application/json" or a.get("src", "").startswith(
                    "./static/"
                ), (path, attrs)
        scripts = [t for t, _ in p.tags if t == "script"]
        assert len(scripts) <= 3, path
        data = page_data(body)  # the data block parses back to the very names
        if path in ("/ui/top", "/ui/"):
            assert set(HOSTILE) <= set(data["nodes"]), path
        if path == "/ui/flamegraph":
            assert set(HOSTILE) <= set(data["flame"]["names"])
        if path in ("/ui/top", "/ui/peek?f=."):
            text = "".join(p.text)
            assert all(name in text for name in HOSTILE), path  # shown, as text
    body = s.get("/ui/top")[2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in body


def test_json_block_cannot_be_closed_by_a_name():
    from pprofsh.web.page import script_json

    text = script_json({"n": "</script><!--<script>"})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"n": "</script><!--<script>"}


def test_posts_only_from_the_page(cpu, tmp_path):
    token = cpu.ui.token
    url = "/ui/saveconfig?config=mine&f=fib"
    assert cpu.request(url)[0] == 405
    assert cpu.post(url)[0] == 403
    assert cpu.post(url, "wrong")[0] == 403
    assert cpu.post(url, token, origin="http://evil.example")[0] == 403
    assert cpu.post(url, token, origin=f"http://127.0.0.1:{cpu.port}")[0] == 200
    assert cpu.post(url, token)[0] == 200


# -- configurations in pprof's settings file -------------------------------------------------


def test_config_round_trip_in_pprofs_format(cpu, tmp_path):
    token = cpu.ui.token
    settings = tmp_path / "pprof" / "settings.json"
    status, _, _ = cpu.post("/ui/saveconfig?config=fibs&f=fib&g=lines&n=7&rel=t&sort=cum", token)
    assert status == 200
    doc = json.loads(settings.read_text())
    # pprof's struct: zero values omitted, JSON names of the config fields, name first.
    assert doc == {
        "configs": [
            {
                "name": "fibs",
                "relative_percentages": True,
                "unit": "minimum",
                "sort": "cum",
                "nodecount": 7,
                "nodefraction": 0.005,
                "edgefraction": 0.001,
                "trim": True,
                "focus": "fib",
                "granularity": "lines",
            }
        ]
    }
    body = cpu.get("/ui/top")[2]
    assert '<span class="config-name">fibs</span>' in body
    assert 'href="./top?f=fib&amp;g=lines&amp;n=7&amp;rel=t&amp;sort=cum"' in body
    # The current configuration is checked in the menu.
    body = cpu.get("/ui/top?f=fib&g=lines&n=7&rel=t&sort=cum")[2]
    assert re.search(r'menu-check-mark">✓</span><span class="config-name">fibs<', body)
    # Saving again under the same name replaces it; deleting removes it.
    assert cpu.post("/ui/saveconfig?config=fibs&f=busy", token)[0] == 200
    doc = json.loads(settings.read_text())
    assert [c["focus"] for c in doc["configs"]] == ["busy"]
    assert cpu.post("/ui/deleteconfig?config=fibs", token)[0] == 200
    assert json.loads(settings.read_text()) == {"configs": []}
    status, _, body = cpu.post("/ui/deleteconfig?config=fibs", token)
    assert status == 400 and body == b"config fibs not found\n"
    status, _, body = cpu.post("/ui/saveconfig?f=x", token)
    assert status == 400 and body == b"invalid config name\n"


def test_a_settings_file_written_by_pprof_is_read(cpu, tmp_path):
    settings = tmp_path / "pprof" / "settings.json"
    settings.parent.mkdir(parents=True)
    # As pprof's writeSettings writes it (json.MarshalIndent, two spaces).
    settings.write_text(
        '{\n  "configs": [\n    {\n      "name": "Heavy \\u003cones\\u003e",\n'
        '      "unit": "minimum",\n      "sort": "cum",\n      "nodecount": 80,\n'
        '      "nodefraction": 0.005,\n      "edgefraction": 0.001,\n      "trim": true,\n'
        '      "hide": "runtime",\n      "granularity": "functions"\n    }\n  ]\n}'
    )
    body = cpu.get("/ui/top")[2]
    assert '<span class="config-name">Heavy &lt;ones&gt;</span>' in body
    assert 'href="./top?h=runtime&amp;n=80&amp;sort=cum"' in body
    assert 'data-config="Heavy &lt;ones&gt;"' in body


def test_a_broken_settings_file_leaves_the_default_menu(cpu, tmp_path):
    settings = tmp_path / "pprof" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{not json")
    status, _, body = cpu.get("/ui/top")
    assert status == 200 and '<span class="config-name">Default</span>' in body
    status, _, body = cpu.post("/ui/saveconfig?config=x", cpu.ui.token)
    assert status == 400 and body.startswith(b"could not parse settings:")


# -- binding -------------------------------------------------------------------------------


def test_host_and_port_rules():
    assert split_host_port(":0") == ("", "0")
    assert split_host_port("[::1]:8080") == ("::1", "8080")
    assert split_host_port("localhost:") == ("localhost", "")
    with pytest.raises(
        PprofshError, match="could not split http address: address bad: missing port in address"
    ):
        split_host_port("bad")
    with pytest.raises(PprofshError, match="invalid port number"):
        start("localhost:x", None)


def test_no_host_is_localhost_and_no_port_a_free_one():
    session = make_session([str(PROFILES / "cpu.pb.gz")])
    srv, url = start(":", session)
    try:
        assert re.fullmatch(r"http://localhost:\d+", url) and not url.endswith(":0")
        assert srv.local_only
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.shutdown()
        srv.server_close()


def test_handler_errors_are_one_line_not_a_traceback(cpu, monkeypatch):
    def boom(*_a):
        raise RuntimeError("kaput")

    monkeypatch.setitem(web_server._ROUTES, "top", boom)
    status, _, body = cpu.get("/ui/top")
    assert status == 500 and body == "internal error\n"


def test_pages_follow_the_shell(handshake):
    """What the shell changes (load, base, options) shows at the next page load."""
    s = handshake.ui.session
    first = top_names(handshake.get("/ui/top")[2])
    s.run("base", ["off"])
    no_base = top_names(handshake.get("/ui/top")[2])
    assert "main.(*server).acceptLoop" in no_base and no_base != first
    s.config["focus"] = "acceptLoop"  # as `focus=acceptLoop` in the shell
    focused = top_names(handshake.get("/ui/top")[2])
    assert "main.(*conn).handshakeWorker" not in focused and focused
    s.config["focus"] = ""
    s.run("load", ["#2"])
    assert top_names(handshake.get("/ui/top")[2]) != no_base


def test_highlighted_lines_are_each_well_formed():
    from pprofsh.web.views import highlight_go

    lines = [
        "func f() {",
        "\t/* a comment",
        "\t   over <three> lines */",
        "\tx := `raw",
        "text`",
        "}",
    ]
    got = highlight_go(lines)
    assert len(got) == len(lines)
    for ln in got:
        assert ln.count("<span") == ln.count("</span>"), ln
        assert "<three>" not in ln
    assert "&lt;three&gt;" in got[2]
