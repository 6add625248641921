"""The runtime needs no test-only package: imageio is in the test extra, and GIF (Pillow) and
MP4 (imageio-ffmpeg) export work without it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def test_animations_export_without_imageio(tmp_path, monkeypatch):
    from ganstudio.core.export import save_animation

    frames = [np.full((16, 16, 3), v, np.uint8) for v in (0, 128, 255)]
    monkeypatch.setitem(sys.modules, "imageio", None)  # `import imageio` now fails
    gif = save_animation(frames, tmp_path / "a.gif", fps=10)
    mp4 = save_animation(frames, tmp_path / "a.mp4", fps=10)
    monkeypatch.delitem(sys.modules, "imageio")
    import imageio.v3 as iio

    assert iio.imread(gif, index=None).shape[:3] == (3, 16, 16)
    assert iio.imread(mp4, index=None).shape[0] == 3


def test_no_runtime_module_imports_imageio():
    import re

    users = [p.relative_to(ROOT).as_posix() for p in (ROOT / "ganstudio").rglob("*.py")
             if re.search(r"^\s*(import|from) imageio(\.|\s|$)", p.read_text("utf-8"), re.M)]
    assert users == [], f"{users} import imageio, which only the test extra installs"
