"""Issue #16 item 1: one sanitizer for every write to a terminal.

-watch's live lines, help text, -c echoes and the completion menu now go through
pprofsh.ui.sanitize like reports and messages; bidi controls (U+202E...) are
shown escaped everywhere on a terminal and left as they are in piped output.
"""

from __future__ import annotations

import gzip
import http.server
import io
import re
import threading
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from pprofsh.leaks.watch import watch
from pprofsh.profile import profile_pb2
from pprofsh.session import UI
from pprofsh.ui import sanitize

HERE = Path(__file__).parent
GOROUTINE = HERE / "fixtures" / "profiles" / "goroutine.pb.gz"
# OSC 52 (write the clipboard), a screen clear, a title change, a bidi override
EVIL = "main.sen\x1b]52;c;ZXZpbA==\x07der\x1b[2J\x1b]0;owned\x07\u202egol.evil"
# our own cursor movement (-watch redraws its lines) and colours
OURS = re.compile(r"\x1b\[\d+F\x1b\[J|\x1b\[[0-9;]*m")


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def hostile_goroutine_profile() -> bytes:
    """The real goroutine fixture with main.sender renamed to EVIL."""
    m = profile_pb2.Profile()
    m.ParseFromString(gzip.decompress(GOROUTINE.read_bytes()))
    m.string_table.append(EVIL)
    for f in m.function:
        if m.string_table[f.name] == "main.sender":
            f.name = f.system_name = len(m.string_table) - 1
    return gzip.compress(m.SerializeToString())


def test_sanitize_escapes_controls_and_bidi():
    assert sanitize("a\x1bb\x9bc\u202ed\u2066e\u200ff") == "a\\x1bb\\x9bc\\u202ed\\u2066e\\u200ff"
    assert sanitize("plain main.(*T).f → ▁█ é") == "plain main.(*T).f → ▁█ é"


def test_watch_live_lines_are_sanitized(tmp_path, monkeypatch):
    body = hostile_goroutine_profile()
    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    ui = UI(out=io.StringIO(), err=TTY())
    try:
        watch(f"127.0.0.1:{srv.server_port}", {"interval": "1ms", "count": 2}, ui)
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(served) == 2
    live = ui.err.getvalue()
    assert sanitize(EVIL) in live  # the name is shown, escaped
    rest = OURS.sub("", live)
    assert "\x1b" not in rest and "\x07" not in rest and "\u202e" not in rest


def test_watch_piped_output_is_left_alone(tmp_path, monkeypatch):
    # not a terminal: bytes as they are (what Go's reports do for piped output)
    from pprofsh.leaks import watch as w

    monkeypatch.setattr(w, "is_terminal", lambda s: False)
    body = hostile_goroutine_profile()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    ui = UI(out=io.StringIO(), err=io.StringIO())
    try:
        watch(f"127.0.0.1:{srv.server_port}", {"interval": "1ms", "count": 1}, ui)
    finally:
        srv.shutdown()
        srv.server_close()
    assert EVIL in ui.err.getvalue()


def test_reports_and_help_on_a_terminal_show_bidi_escaped(tmp_path):
    from pprofsh.options import Config
    from pprofsh.session import Session, SourceSpec, load
    from pprofsh.shell import run_shell

    p = tmp_path / "evil.pb.gz"
    p.write_bytes(hostile_goroutine_profile())
    ui = UI(TTY(), TTY())
    s = Session(load(SourceSpec([str(p)]), ui), Config(), ui)
    run_shell(s, script="top; traces; peek sen; help sample_index")
    shown = OURS.sub("", ui.out.getvalue() + ui.err.getvalue())
    assert sanitize(EVIL) in shown
    assert "\x1b" not in shown and "\u202e" not in shown


def test_completion_menu_is_sanitized(tmp_path):
    from pprofsh.completer import PprofCompleter
    from pprofsh.interactive import Interpreter
    from pprofsh.options import Config
    from pprofsh.session import Session, SourceSpec, load

    p = tmp_path / "evil.pb.gz"
    p.write_bytes(hostile_goroutine_profile())
    ui = UI(io.StringIO(), io.StringIO())
    s = Session(load(SourceSpec([str(p)]), ui), Config(), ui)
    c = PprofCompleter(Interpreter(s))
    got = list(c.get_completions(Document("focus=main.sen"), CompleteEvent()))
    shown = [x.display_text for x in got]
    assert sanitize(EVIL) in shown
    assert not any("\x1b" in t or "\u202e" in t for t in shown)
