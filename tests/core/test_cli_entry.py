"""What `ganstudio` does with flags and names before any command runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ganstudio import __version__

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def _ganstudio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True, text=True,
                          timeout=60, env=ENV)


def test_version_prints_the_version_and_exits_0():
    out = _ganstudio("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"ganstudio {__version__}" == "ganstudio 0.1.0"


def test_version_imports_neither_torch_nor_qt():
    script = ("import sys\nfrom ganstudio.cli import main\n"
              "try:\n    main(['--version'])\nexcept SystemExit as e:\n    code = e.code\n"
              "print(code, sorted(m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=ENV)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr


@pytest.mark.parametrize("argv", [["--bogus"], ["--bogus", "x.safetensors"], ["a.safetensors", "b.safetensors"]])
def test_unknown_flags_and_extra_arguments_get_a_usage_error_not_the_app(argv):
    out = _ganstudio(*argv)
    assert out.returncode == 2, out
    assert out.stderr.startswith("ganstudio: ") and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "--help" in out.stderr  # one line


def _fake_app(monkeypatch) -> list[list[str]]:
    """Stands in for ganstudio.gui.app (no Qt in the core tests); returns the argv it was given."""
    import types

    seen: list[list[str]] = []
    fake = types.ModuleType("ganstudio.gui.app")
    fake.main = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "ganstudio.gui.app", fake)
    return seen


def test_a_single_path_still_opens_the_app_with_that_path(monkeypatch, tmp_path):
    from ganstudio import cli

    seen = _fake_app(monkeypatch)
    target = tmp_path / "g.safetensors"
    assert cli.main([str(target)]) == 0
    assert cli.main([]) == 0
    assert seen == [[str(target)], []]


# --- `default`: the shipped generator by name ----------------------------------------------

def test_default_names_the_shipped_generator_in_every_command(tmp_path, monkeypatch, capsys):
    import json

    import imageio.v3 as iio
    from PIL import Image

    from ganstudio import cli
    from ganstudio.core.io.loader import load_generator
    from ganstudio.core.names import shipped_generator_file

    monkeypatch.chdir(tmp_path)  # no file called default here
    assert cli.main(["sample", "default", "-n", "4", "-o", "s.png"]) == 0
    assert Image.open(tmp_path / "s.png").size == (2 * 28 + 3 * 2, 2 * 28 + 3 * 2)  # 2x2 tiles
    assert "default_generator.safetensors" in capsys.readouterr().out
    assert cli.main(["interpolate", "default", "--seeds", "1", "2", "--frames", "3", "--scale", "1",
                     "-o", "w.gif"]) == 0
    assert iio.imread(tmp_path / "w.gif", index=None).shape[:3] == (3 + 1, 28, 28)  # one segment and its end
    assert cli.main(["export", "default", "-o", "g.safetensors"]) == 0
    assert load_generator(tmp_path / "g.safetensors").config.data.name == "mnist-embedded"
    capsys.readouterr()
    assert cli.main(["eval", "default", "-n", "64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"] == "mnist-embedded"
    seen = _fake_app(monkeypatch)
    assert cli.main(["default"]) == 0
    assert seen == [[str(shipped_generator_file())]]


def test_a_file_named_default_in_the_current_folder_wins(tmp_path, monkeypatch, tiny_config):
    from ganstudio import cli
    from ganstudio.core.io.checkpoint import export_generator
    from ganstudio.core.io.loader import load_generator
    from ganstudio.core.models.build import build_generator
    from ganstudio.core.names import resolve_model_name

    monkeypatch.chdir(tmp_path)
    cfg = tiny_config()
    export_generator(build_generator(cfg), cfg, tmp_path / "default")
    assert resolve_model_name("default") == tmp_path.joinpath("default").relative_to(tmp_path)
    assert load_generator("default").config.model.g_width == 8  # the tiny one, not the shipped one
    seen = _fake_app(monkeypatch)
    assert cli.main(["default"]) == 0 and seen == [["default"]]


def test_default_without_a_shipped_generator_is_one_clear_line(tmp_path, monkeypatch, capsys):
    from ganstudio import cli
    from ganstudio.core import names

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(names, "shipped_generator_file", lambda name="default": tmp_path / "missing.safetensors")
    for argv in (["sample", "default"], ["default"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "ships with GAN Studio" in err and "missing" in err
