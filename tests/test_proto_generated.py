"""The committed profile_pb2.py is what proto/regen.sh makes from proto/profile.proto."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    shutil.which("protoc") is None,
    reason="protoc missing (.ci/run installs Debian's protobuf-compiler)",
)
def test_generated_module_is_current(tmp_path: Path) -> None:
    subprocess.run(["bash", str(ROOT / "proto" / "regen.sh"), str(tmp_path)], check=True, cwd=ROOT)
    fresh = (tmp_path / "profile_pb2.py").read_text()
    committed = (ROOT / "pprofsh" / "profile" / "profile_pb2.py").read_text()
    assert fresh == committed, "run proto/regen.sh and commit pprofsh/profile/profile_pb2.py"


def test_backend_is_fast() -> None:
    from google.protobuf.internal import api_implementation

    assert api_implementation.Type() in ("upb", "cpp")


def test_pure_python_backend_is_reported(monkeypatch) -> None:
    import io

    from google.protobuf.internal import api_implementation

    from pprofsh.cli import _check_protobuf_backend
    from pprofsh.session import UI

    err = io.StringIO()
    monkeypatch.setattr(api_implementation, "Type", lambda: "python")
    _check_protobuf_backend(UI(io.StringIO(), err))
    assert err.getvalue().count("\n") == 1 and "pure-Python backend" in err.getvalue()
