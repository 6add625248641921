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


@pytest.mark.packaging
@pytest.mark.timeout(600)
def test_the_bundle_opens_the_kinds_of_model_file_users_share(tmp_path: Path) -> None:
    """The frozen command line (no Python on the machine) opens the shipped model by name, an
    NVlabs StyleGAN2 pickle through the restricted unpickler, and an ONNX export."""
    exe = ROOT / "dist" / "ganstudio" / ("ganstudio.exe" if sys.platform == "win32" else "ganstudio")
    if not exe.is_file():
        pytest.skip("build the bundle first (the test above)")

    def frozen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300,
                              cwd=tmp_path)

    version = frozen("--version")
    assert version.returncode == 0 and version.stdout.startswith("ganstudio "), version
    pkl = ROOT / "tests" / "fixtures" / "stylegan2-ada" / "G_tiny32.pkl"
    models = {"default": "default", "pickle": str(pkl)}
    onnx = tmp_path / "g.onnx"
    made = subprocess.run([sys.executable, "-m", "ganstudio", "export", "default", "-o", str(onnx)],
                          capture_output=True, text=True, timeout=300)
    if made.returncode == 0:
        models["onnx"] = str(onnx)
    for name, model in models.items():
        out = tmp_path / f"{name}.png"
        run = frozen("sample", model, "-n", "4", "-o", str(out))
        assert run.returncode == 0, f"{name}: {run.stdout[-2000:]}{run.stderr[-2000:]}"
        assert out.is_file() and out.stat().st_size > 100, name
