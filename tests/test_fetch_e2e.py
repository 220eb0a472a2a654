"""pprofsh fetching from a real Go net/http/pprof server (tests/e2e/pprofserver).

The server is built here with the system `go`; without Go these tests skip
(`.ci/run` installs golang-go). pprofsh runs in-process (pprofsh.cli.main) with
PPROF_TMPDIR pointing at the test's temporary directory; `go tool pprof` reads
the very file pprofsh saved, and the two `-top` outputs must be identical.
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pprofsh.cli import main
from pprofsh.profile.parse import parse

GO = shutil.which("go")
SERVER_SRC = Path(__file__).parent / "e2e" / "pprofserver" / "main.go"

pytestmark = pytest.mark.skipif(
    GO is None,
    reason="the system `go` is not installed: the end-to-end fetch tests build a Go "
    "net/http/pprof server (install golang-go, as .ci/run does)",
)


@pytest.fixture(scope="module")
def server_binary(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pprofserver") / "pprofserver"
    env = dict(os.environ, CGO_ENABLED="0", GO111MODULE="off")
    r = subprocess.run(
        [GO, "build", "-o", str(out), str(SERVER_SRC)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if r.returncode != 0:
        pytest.fail(f"go build of {SERVER_SRC} failed:\n{r.stderr}")
    return out


def _start(binary: Path, *args: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [str(binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("PORT "):
        proc.kill()
        pytest.fail(f"pprofserver did not start: {line!r} {proc.stderr.read()!r}")  # type: ignore[union-attr]
    return proc, int(line.split()[1])


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=10)
    for f in (proc.stdout, proc.stderr):
        if f:
            f.close()


@pytest.fixture(scope="module")
def server(server_binary):
    proc, port = _start(server_binary)
    time.sleep(0.3)  # let a few goroutines start
    yield port
    _stop(proc)


def run(args: list[str], tmp: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("PPROF_TMPDIR", str(tmp))
    for k in ("PPROF_BINARY_PATH", "PPROF_TOOLS"):
        monkeypatch.delenv(k, raising=False)
    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def go_top(path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPROF")}
    r = subprocess.run(
        [GO, "tool", "pprof", "-top", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def saved(err: str) -> list[Path]:
    return [
        Path(line.removeprefix("Saved profile in "))
        for line in err.splitlines()
        if line.startswith("Saved profile in ")
    ]


def test_goroutine_saved_name_and_top_match_go(server, tmp_path, monkeypatch, capsys):
    rc, out, err = run(
        ["-top", f"127.0.0.1:{server}/debug/pprof/goroutine"], tmp_path, monkeypatch, capsys
    )
    assert rc == 0, err
    lines = err.splitlines()
    assert (
        lines[0]
        == f"Fetching profile over HTTP from http://127.0.0.1:{server}/debug/pprof/goroutine"
    )
    path = tmp_path / "pprof.pprofserver.goroutine.001.pb.gz"
    assert saved(err) == [path]
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temp file left behind
    rc, out2, err2 = run(["-top", str(path)], tmp_path, monkeypatch, capsys)
    assert rc == 0, err2
    assert out2 == go_top(path)
    assert "parkedWorker" in out2

    # the counter moves on, nothing is overwritten
    rc, _, err = run(
        ["-top", f"http://127.0.0.1:{server}/debug/pprof/goroutine"], tmp_path, monkeypatch, capsys
    )
    assert rc == 0, err
    assert saved(err) == [tmp_path / "pprof.pprofserver.goroutine.002.pb.gz"]


def test_heap_saved_name_and_top_match_go(server, tmp_path, monkeypatch, capsys):
    rc, out, err = run(
        ["-top", f"http://127.0.0.1:{server}/debug/pprof/heap"], tmp_path, monkeypatch, capsys
    )
    assert rc == 0, err
    types = "alloc_objects.alloc_space.inuse_objects.inuse_space"
    path = tmp_path / f"pprof.pprofserver.{types}.001.pb.gz"
    assert saved(err) == [path]
    rc, out2, err2 = run(["-top", str(path)], tmp_path, monkeypatch, capsys)
    assert rc == 0, err2
    assert out2 == go_top(path)


def _goroutines(path: Path) -> int:
    p = parse(path.read_bytes())
    return sum(s.values[0] for s in p.samples)


def test_seconds_delta_on_goroutine(server, tmp_path, monkeypatch, capsys):
    src = f"127.0.0.1:{server}/debug/pprof/goroutine"
    rc, out, err = run(["-top", "-seconds", "1", src], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    lines = err.splitlines()
    url = f"http://127.0.0.1:{server}/debug/pprof/goroutine?seconds=1"
    assert lines[:2] == [f"Fetching profile over HTTP from {url}", "Please wait... (1s)"]
    [path] = saved(err)
    assert path.name == "pprof.pprofserver.goroutine.001.pb.gz"
    delta = _goroutines(path)
    rc, _, err = run(["-top", src], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    absolute = _goroutines(saved(err)[0])
    # about ten goroutines start per second; the delta holds those, not all of them
    assert 0 < delta < absolute
    # The server measures the second itself; on a loaded machine it is 1.01s.
    assert re.search(r"Duration: 1(\.\d+)?s,", out), out
    rc, out2, _ = run(["-top", str(path)], tmp_path, monkeypatch, capsys)
    assert out2 == go_top(path)


def test_several_sources_fetched_concurrently(server, tmp_path, monkeypatch, capsys):
    src = f"127.0.0.1:{server}/debug/pprof/goroutine"
    t0 = time.monotonic()
    rc, out, err = run(["-top", "-seconds", "1", src, src], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert time.monotonic() - t0 < 1.9  # the two 1 s collections overlapped
    assert len(saved(err)) == 2


def test_shell_fetch_command(server, tmp_path, monkeypatch, capsys):
    from pprofsh.options import Config
    from pprofsh.remote_commands import endpoint_completions
    from pprofsh.session import UI, Session, SourceSpec, load

    monkeypatch.setenv("PPROF_TMPDIR", str(tmp_path))
    ui = UI()
    spec = SourceSpec([f"127.0.0.1:{server}/debug/pprof/goroutine"])
    session = Session(load(spec, ui), Config(), ui, spec)
    session.run("fetch", ["heap"])
    assert [t.type for t in session.profile.sample_types][-1] == "inuse_space"
    assert session.current.sources == [f"http://127.0.0.1:{server}/debug/pprof/heap"]
    session.run("fetch")  # the current URL again
    assert len(session.snapshots.items) == 3
    with pytest.raises(Exception, match="404 Not Found - Unknown profile"):
        session.run("fetch", ["nosuch"])
    err = capsys.readouterr().err
    assert len(saved(err)) == 3
    assert endpoint_completions(f"127.0.0.1:{server}/debug/pprof/gor") == [
        f"127.0.0.1:{server}/debug/pprof/goroutine"
    ]


# ------------------------------------------------------------------ https


def _self_signed(dir: Path) -> tuple[Path, Path]:
    cert, key = dir / "cert.pem", dir / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip(
                "neither the cryptography package nor the openssl CLI is available "
                "to make a self-signed certificate"
            )
        r = subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            capture_output=True,
        )
        if r.returncode != 0:
            pytest.skip(f"openssl could not make a self-signed certificate: {r.stderr!r}")
        return cert, key
    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    c = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(k, hashes.SHA256())
    )
    cert.write_bytes(c.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_server(server_binary, tmp_path_factory):
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    proc, port = _start(server_binary, "-cert", str(cert), "-key", str(key))
    yield port, cert
    _stop(proc)


def test_https_insecure(tls_server, tmp_path, monkeypatch, capsys):
    port, _ = tls_server
    rc, out, err = run(
        ["-top", f"https+insecure://127.0.0.1:{port}/debug/pprof/goroutine"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert rc == 0, err
    lines = err.splitlines()
    assert lines[0] == (
        f"Fetching profile over HTTP from https+insecure://127.0.0.1:{port}/debug/pprof/goroutine"
    )
    assert any("not verified" in line for line in lines)
    assert saved(err) == [tmp_path / "pprof.pprofserver.goroutine.001.pb.gz"]


def test_https_unknown_authority_then_tls_ca(tls_server, tmp_path, monkeypatch, capsys):
    port, cert = tls_server
    url = f"https://127.0.0.1:{port}/debug/pprof/goroutine"
    rc, out, err = run(["-top", url], tmp_path, monkeypatch, capsys)
    assert rc == 1
    assert err.splitlines() == [
        f"Fetching profile over HTTP from {url}",
        f'{url}: Get "{url}": x509: certificate signed by unknown authority',
        "failed to fetch any source profiles",
    ]
    assert os.listdir(tmp_path) == []
    rc, out, err = run(["-top", "-tls_ca", str(cert), url], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert saved(err) == [tmp_path / "pprof.pprofserver.goroutine.001.pb.gz"]
    assert "Traceback" not in err


def test_leaks_and_watch_pass_the_tls_flags(tls_server, tmp_path, monkeypatch, capsys):
    """-leaks and -watch fetch with the -tls_* flags, as every other fetch does."""
    port, cert = tls_server
    url = f"https://127.0.0.1:{port}/debug/pprof/goroutine"
    rc, out, err = run(["-leaks", url, url], tmp_path, monkeypatch, capsys)
    assert rc == 1
    assert "x509: certificate signed by unknown authority" in err
    rc, out, err = run(["-leaks", "-tls_ca", str(cert), url, url], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert "x509" not in err
    rc, out, err = run(
        ["-watch", url, "-tls_ca", str(cert), "-count", "1", "-interval", "1ms"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert rc == 0, err
    assert "x509" not in err


def test_saved_file_is_gzip(server, tmp_path, monkeypatch, capsys):
    rc, _, err = run(
        ["-raw", f"127.0.0.1:{server}/debug/pprof/goroutine?debug=0"], tmp_path, monkeypatch, capsys
    )
    assert rc == 0, err
    [path] = saved(err)
    gzip.decompress(path.read_bytes())
    assert sys.version_info >= (3, 10)


# --- debug=1 text: the runtime's unnamed frames, named by the service's symbol endpoint ---


def _top_rows(out: str) -> list[list[str]]:
    rows = out.splitlines()
    start = next(i for i, r in enumerate(rows) if r.strip().startswith("flat")) + 1
    return [r.split() for r in rows[start:]]


def test_debug1_runtime_frames_named_by_symbol_endpoint(server, tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{server}/debug/pprof/goroutine?debug=1"
    rc, out, err = run(["-top", url], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert "<unknown>" not in out
    rows = _top_rows(out)
    # the parked workers now sit in runtime.gopark (named by /debug/pprof/symbol), as in
    # a proto profile, with main.parkedWorker above them
    assert rows[0][-1] == "runtime.gopark", out
    names = {r[-1] for r in rows}
    assert {"runtime.chanrecv1", "main.parkedWorker"} <= names, out

    rc, traces, err = run(["-traces", url], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert "<unknown>" not in traces and "runtime.goexit" in traces


def test_debug1_without_symbolization_folds(server, tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{server}/debug/pprof/goroutine?debug=1"
    rc, out, err = run(["-top", "-symbolize=none", url], tmp_path, monkeypatch, capsys)
    assert rc == 0, err
    assert "runtime.gopark" not in out
    flat = {r[-1]: int(r[0]) for r in _top_rows(out)}
    assert flat["main.parkedWorker"] > 0  # the runtime's frames folded into it
    # only a stack with no named frame at all (a goroutine that has not run yet: just
    # runtime.goexit) has nothing to fold into
    (path,) = saved(err)
    text = parse(path.read_bytes())
    bare = sum(s.values[0] for s in text.samples if not any(loc.lines for loc in s.locations))
    assert flat.get("<unknown>", 0) == bare
