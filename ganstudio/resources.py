"""Finds the bundled resources in a checkout, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    # A PyInstaller bundle unpacks data under sys._MEIPASS; the spec puts resources at
    # ganstudio/resources there, the same relative place as in a checkout or a wheel.
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidate = Path(bundle) / "ganstudio" / "resources"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def default_generator_path() -> Path | None:
    """The generator that ships with the app, if this installation has it."""
    p = resource_path("models", "default_generator.safetensors")
    return p if p.is_file() else None
