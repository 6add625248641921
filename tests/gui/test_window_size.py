"""The main window fits the screen it opens on: at most 90 % of its free area on a first
launch, centred; a saved geometry is kept while it fits, and shrunk when it no longer does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication, QMainWindow

from ganstudio.gui import window_size


@pytest.mark.parametrize("width, height", [(1280, 800), (1366, 768), (1024, 600)])
def test_a_first_window_takes_at_most_nine_tenths_of_a_laptop_screen(width: int, height: int) -> None:
    available = QRect(0, 0, width, height)
    rect = window_size.first_geometry(available)
    assert available.contains(rect)
    assert rect.height() <= 0.9 * height and rect.width() <= 0.9 * width
    assert abs(rect.center().x() - available.center().x()) <= 1
    assert abs(rect.center().y() - available.center().y()) <= 1


def test_a_large_screen_gets_the_size_the_layout_was_drawn_for() -> None:
    rect = window_size.first_geometry(QRect(1920, 0, 2560, 1400))  # a second monitor, right
    assert rect.size() == window_size.FIRST_SIZE
    assert rect.center() == QRect(1920, 0, 2560, 1400).center()


def test_the_layouts_minimum_wins_over_the_share_but_never_the_screen() -> None:
    rect = window_size.first_geometry(QRect(0, 0, 1024, 600), minimum=QSize(990, 320))
    assert rect.width() == 990 and rect.height() <= 540
    rect = window_size.first_geometry(QRect(0, 0, 800, 600), minimum=QSize(990, 320))
    assert rect.width() == 800


def _saved(qtbot, geometry: QRect) -> bytes:  # noqa: ANN001
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setGeometry(geometry)
    return window.saveGeometry()


def _placed(qtbot, saved) -> QMainWindow:  # noqa: ANN001
    window = QMainWindow()
    qtbot.addWidget(window)
    window_size.place(window, saved)
    return window


def test_a_saved_geometry_that_fits_is_kept(qtbot) -> None:  # noqa: ANN001
    available = QApplication.primaryScreen().availableGeometry()
    kept = QRect(available.left() + 20, available.top() + 30, available.width() // 2, available.height() // 2)
    window = _placed(qtbot, _saved(qtbot, kept))
    assert window.geometry() == kept


@pytest.mark.parametrize("where", ["too large", "off every screen"])
def test_a_saved_geometry_that_no_longer_fits_opens_as_a_first_launch(qtbot, where: str) -> None:  # noqa: ANN001
    available = QApplication.primaryScreen().availableGeometry()
    if where == "too large":  # last closed on a larger monitor
        saved = QRect(available.left(), available.top(), available.width() + 600, available.height() + 300)
    else:  # last on a monitor that is gone
        saved = QRect(available.right() + 500, available.top(), 400, 300)
    window = _placed(qtbot, _saved(qtbot, saved))
    assert window.geometry() == window_size.first_geometry(available)


def test_the_main_window_fits_the_height_of_the_screen_it_opens_on(main_window) -> None:  # noqa: ANN001
    # The test screen is 800 px high: the window's 820 px used to run past its bottom. Its
    # width cannot fit, since the layout needs more than the 800 px the test screen has.
    available = main_window.screen().availableGeometry()
    assert main_window.frameGeometry().top() >= available.top()
    assert main_window.frameGeometry().bottom() <= available.bottom()
    assert main_window.height() <= 0.9 * available.height()


def test_on_a_1366_by_768_laptop_the_whole_window_is_on_screen(tmp_path: Path) -> None:
    # Qt's offscreen platform takes its screens from a file: a laptop screen, in a process of
    # its own (settings there are kept in tmp_path, so this is a first launch).
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [
        {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
         "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    code = ("from ganstudio.gui.app import create_main_window, ensure_app;"
            "app = ensure_app(); w = create_main_window(); w.show(); app.processEvents();"
            "a = w.screen().availableGeometry(); f = w.frameGeometry();"
            "print(a.contains(f), w.width(), w.height()); w.close()")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}",
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    inside, width, height = out.stdout.split()
    assert inside == "True"
    assert int(width) <= 0.9 * 1366 and int(height) <= 0.9 * 768
