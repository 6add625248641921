"""Finds the bundled resources (embedded MNIST, shipped models, icons) in the three places the
app runs from.

- A checkout (and an editable install, which imports from it): ``resources/`` at the top of
  the repository, beside the ``ganstudio`` package.
- An installed wheel: the build copies ``resources/`` into the package as
  ``ganstudio/_resources`` (pyproject.toml, ``force-include``).
- A PyInstaller bundle: the spec puts ``resources/`` at the top of the unpacked bundle,
  ``sys._MEIPASS/resources``.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
IN_WHEEL = "_resources"


def candidates() -> list[Path]:
    """Where resources may be, most specific first."""
    found = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    found.append(PACKAGE / IN_WHEEL)
    found.append(PACKAGE.parent / "resources")  # a checkout
    return found


def resource_root() -> Path:
    """The first of candidates() that exists; the checkout's folder when none does, so that a
    message about a missing file names the place it belongs."""
    options = candidates()
    return next((p for p in options if p.is_dir()), options[-1])


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def default_generator_path() -> Path | None:
    """The generator that ships with the app, if this installation has it."""
    p = resource_path("models", "default_generator.safetensors")
    return p if p.is_file() else None
