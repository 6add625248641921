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
    assert out.stderr.startswith("usage: ganstudio") and "Traceback" not in out.stderr
    assert "error:" in out.stderr.splitlines()[-1]


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
