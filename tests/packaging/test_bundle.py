"""Builds the PyInstaller bundle and runs its self-test (minutes, several GB: `make test-packaging`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.packaging
@pytest.mark.timeout(3600)
def test_the_bundle_builds_and_passes_its_self_test() -> None:
    pytest.importorskip("PyInstaller", reason="pip install -e '.[packaging]'")
    out = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=3500)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]
    exe = ROOT / "dist" / "ganstudio" / ("ganstudio.exe" if sys.platform == "win32" else "ganstudio")
    assert exe.is_file()
    for said in ("(frozen bundle)", "shipped generator:", "painted frame", "samples, saved",
                 "step  20:", "Self-test passed", "The bundle's self-test passed", "Bundle: "):
        assert said in out.stdout, f"{said!r} missing from:\n{out.stdout[-6000:]}"
