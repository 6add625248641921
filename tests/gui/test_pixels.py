"""Enlarged images keep square pixels at fractional display scales (125 %)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from ganstudio.gui.common import pixels
from ganstudio.gui.explorer.image import zoom_step


@pytest.mark.parametrize("dpr", [1.0, 1.25, 1.5, 2.0])
def test_an_enlarged_image_covers_a_whole_number_of_device_pixels_each(dpr):
    for image_w, image_h, widget_w, widget_h in ((28, 28, 448, 448), (5, 7, 301, 203),
                                                 (64, 32, 333, 517)):
        scale = pixels.fit_scale(image_w, image_h, widget_w, widget_h, dpr)
        rect = pixels.device_rect(image_w, image_h, scale, widget_w, widget_h, dpr)
        assert scale == int(scale) >= 1
        assert rect.width() == image_w * scale and rect.height() == image_h * scale
        assert rect.width() <= widget_w * dpr and rect.height() <= widget_h * dpr
        # the next whole number would not fit: the image is as large as it can be
        assert image_w * (scale + 1) > widget_w * dpr or image_h * (scale + 1) > widget_h * dpr


def test_a_shrunk_image_fits():
    scale = pixels.fit_scale(1024, 512, 300, 300, 1.25)
    rect = pixels.device_rect(1024, 512, scale, 300, 300, 1.25)
    assert scale < 1 and rect.width() <= 375


def test_zoom_steps_are_whole_numbers_when_enlarging():
    assert zoom_step(3.0, +1) == 4.0 and zoom_step(3.0, -1) == 2.0
    assert zoom_step(1.0, -1) == pytest.approx(0.8) and zoom_step(0.8, +1) == 1.0


SCRIPT = textwrap.dedent("""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["QT_SCALE_FACTOR"] = "1.25"
    import numpy as np
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from ganstudio.gui.common.image_view import ImageView
    from ganstudio.gui.explorer.image import LatentImageView
    checker = (np.indices((7, 5)).sum(0) % 2 * 255).astype(np.uint8)
    for view in (ImageView(), LatentImageView()):
        view.resize(301, 203)
        view.show()
        (view.set_array if isinstance(view, ImageView) else view.set_frame)(checker)
        app.processEvents()
        shot = view.grab()
        image = shot.toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        rows = [bytes(image.constScanLine(y))[: image.width()] for y in range(image.height())]
        screen = np.frombuffer(b"".join(rows), np.uint8).reshape(image.height(), image.width())
        r = view.device_rect()
        k = r.width() // 5
        drawn = screen[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()]
        same = drawn.shape == (7 * k, 5 * k) and np.array_equal(drawn, np.kron(checker, np.ones((k, k), np.uint8)))
        print(shot.devicePixelRatio(), k, same)
    from ganstudio.gui.explorer.grid import SampleGridView
    grid = SampleGridView()
    grid.resize(301, 203)
    grid.show()
    square = (np.indices((6, 6)).sum(0) % 2 * 255).astype(np.uint8)  # samples are square
    grid.set_tiles(np.stack([square[:, :, None]] * 4), 2)
    app.processEvents()
    shot = grid.grab()
    image = shot.toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = [bytes(image.constScanLine(y))[: image.width()] for y in range(image.height())]
    screen = np.frombuffer(b"".join(rows), np.uint8).reshape(image.height(), image.width())
    cells = [grid.device_cell_rect(i) for i in range(4)]
    k = cells[0].width() // 6
    same = all(np.array_equal(screen[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()],
                              np.kron(square, np.ones((k, k), np.uint8))) for r in cells)
    print(shot.devicePixelRatio(), k, same)
""")


def test_images_are_drawn_with_square_pixels_at_125_percent():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")[:3]  # the image views and the explorer's sample grid
    for line in lines:
        dpr, k, same = line.split()
        assert float(dpr) == 1.25
        assert int(k) >= 2
        assert same == "True", "an enlarged pixel is not a whole number of device pixels"
