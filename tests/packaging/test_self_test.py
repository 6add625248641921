"""`ganstudio --self-test` from source, and the resources it relies on."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=path)


@pytest.mark.timeout(900)
def test_self_test_from_source_passes_and_says_what_it_did(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "ganstudio", "--self-test"], cwd=tmp_path,
                         env=_env(), capture_output=True, text=True, timeout=850)
    assert out.returncode == 0, out.stdout + out.stderr
    for said in ("Opening the main window", "Loading the model core", "Loading the generator",
                 "Rendering the latent of seed", "painted frame", "sample grid", "samples, saved",
                 "Training a tiny DCGAN for 20 steps", "worker: TrainingWorker", "step  20:",
                 "checkpoint written", "Closing the window", "Self-test passed"):
        assert said in out.stdout, f"{said!r} missing from:\n{out.stdout}"
    assert "Traceback" not in out.stderr


def test_a_frozen_bundle_without_its_generator_fails_in_one_line(tmp_path: Path) -> None:
    code = ("import sys; sys.frozen = True\n"
            "import ganstudio.resources as r; r.default_generator_path = lambda: None\n"
            "from ganstudio.gui.self_test import run; sys.exit(run())")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "SELF-TEST FAILED: the shipped generator is missing from this bundle" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_resource_path_finds_the_embedded_mnist() -> None:
    from ganstudio.resources import resource_path

    images = resource_path("datasets", "mnist", "t10k-images-idx3-ubyte.gz")
    labels = resource_path("datasets", "mnist", "t10k-labels-idx1-ubyte.gz")
    with gzip.open(images, "rb") as f:
        header = f.read(16)
    assert int.from_bytes(header[:4], "big") == 0x803  # idx3: unsigned bytes, 3 dimensions
    assert [int.from_bytes(header[i:i + 4], "big") for i in (4, 8, 12)] == [10_000, 28, 28]
    with gzip.open(labels, "rb") as f:
        assert int.from_bytes(f.read(8)[4:], "big") == 10_000

