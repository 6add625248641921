"""The resources are found in a checkout, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ganstudio import resources

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("datasets/mnist/t10k-images-idx3-ubyte.gz", "datasets/mnist/t10k-labels-idx1-ubyte.gz",
           "models/default_generator.safetensors", "models/mnist_classifier.safetensors",
           "icons/ganstudio.svg", "icons/ganstudio.png")
# Run in a fresh interpreter that sees only `site`: where does the installed package look?
PROBE = ("import sys; sys.path[:0] = [sys.argv[1]]\n"
         "import ganstudio.resources as r\n"
         "print(r.resource_root()); print(r.resource_path('models', 'default_generator.safetensors'))\n")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _probe(site: Path) -> list[Path]:
    out = subprocess.run([sys.executable, "-I", "-c", PROBE, str(site)], capture_output=True,
                         text=True, check=True, cwd=site)
    return [Path(line) for line in out.stdout.splitlines()]


def test_a_checkout_reads_the_top_level_resources_folder():
    assert resources.resource_root() == ROOT / "resources"
    for name in SHIPPED:
        assert resources.resource_path(*name.split("/")).is_file(), name
    assert not (ROOT / "ganstudio" / "resources").exists()  # one copy, at the top


def test_an_installed_wheel_reads_the_copy_inside_the_package(tmp_path):
    # site-packages as the wheel lays it out (pyproject: resources/ -> ganstudio/_resources),
    # beside a stray top-level `resources` folder of some other distribution.
    site = tmp_path / "site-packages"
    (site / "ganstudio").mkdir(parents=True)
    for name in ("__init__.py", "resources.py"):
        shutil.copy(ROOT / "ganstudio" / name, site / "ganstudio" / name)
    shutil.copytree(ROOT / "resources", site / "ganstudio" / "_resources")
    (site / "resources" / "models").mkdir(parents=True)
    root, model = _probe(site)
    assert root == site / "ganstudio" / "_resources"
    assert _digest(model) == _digest(ROOT / "resources" / "models" / "default_generator.safetensors")


def test_a_bundle_reads_the_folder_the_spec_puts_there(tmp_path, monkeypatch):
    spec = (ROOT / "packaging" / "ganstudio.spec").read_text("utf-8")
    match = re.search(r'datas=\[\(str\(ROOT / "resources"\), "([^"]+)"\)\]', spec)
    assert match, "the spec no longer ships resources/ as the test expects"
    bundled = tmp_path / match.group(1)
    (bundled / "models").mkdir(parents=True)
    (bundled / "models" / "default_generator.safetensors").write_bytes(b"x")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_root() == bundled
    assert resources.default_generator_path() == bundled / "models" / "default_generator.safetensors"


@pytest.mark.slow
def test_a_built_wheel_ships_every_resource(tmp_path):
    pytest.importorskip("hatchling", reason="the wheel is built with the project's backend")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("ganstudio-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {f"ganstudio/_resources/{name}" for name in SHIPPED} <= names
        assert not [n for n in names if n.startswith(("resources/", "tests/")) or "__pycache__" in n]
        zf.extractall(tmp_path / "site-packages")  # what pip does with a pure-Python wheel
    root, model = _probe(tmp_path / "site-packages")
    assert root == tmp_path / "site-packages" / "ganstudio" / "_resources"
    assert _digest(model) == _digest(ROOT / "resources" / "models" / "default_generator.safetensors")
