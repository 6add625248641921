"""Every pane lays out cleanly in a 1024 x 600 window: no clipped text, no overlapping
widgets in the quality panel, and a toy preset shows its data space before any run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

SIZE = (1024, 600)
TIMEOUT_MS = 120_000


def clipped_labels(root: QWidget) -> list[str]:
    """Visible labels whose text does not fit: a line wider than the label, or wrapped
    text taller than it. Labels that shorten themselves ("…") are judged by what they show."""
    problems = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or not QLabel.text(label):
            continue
        shown = QLabel.sizeHint(label)  # of the text on screen
        name = f"{label.objectName() or type(label).__name__} {QLabel.text(label)[:60]!r}"
        if label.wordWrap():
            if label.heightForWidth(label.width()) > label.height():
                problems.append(f"{name}: needs {label.heightForWidth(label.width())} px of height, "
                                f"has {label.height()}")
        elif shown.width() > label.width() or shown.height() > label.height():
            problems.append(f"{name}: needs {shown.width()}x{shown.height()}, "
                            f"has {label.width()}x{label.height()}")
    return problems


def overlapping(panel: QWidget) -> list[str]:
    kids = [w for w in panel.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if w.isVisible()]
    return [f"{a.objectName() or type(a).__name__} overlaps {b.objectName() or type(b).__name__}"
            for i, a in enumerate(kids) for b in kids[i + 1:] if a.geometry().intersects(b.geometry())]


@pytest.fixture
def small(qtbot, main_window):  # noqa: ANN001, ANN201
    main_window.resize(*SIZE)
    qtbot.waitUntil(lambda: (main_window.width(), main_window.height()) == SIZE, timeout=5000)
    return main_window


def settle(qtbot) -> None:  # noqa: ANN001
    for _ in range(3):  # wrapped labels take their height over a layout pass or two
        QApplication.processEvents()
        qtbot.wait(30)


def test_the_window_fits_a_1024_by_600_screen(small) -> None:  # noqa: ANN001
    hint = small.minimumSizeHint()
    assert hint.width() <= SIZE[0]
    assert hint.height() <= SIZE[1] - 30, "no room left for a title bar"


def test_training_tab_shows_all_its_text(qtbot, small) -> None:  # noqa: ANN001
    small.tabs.setCurrentWidget(small.training_tab)
    settle(qtbot)
    assert clipped_labels(small) == []
    assert overlapping(small.training_tab.metrics_panel) == []


def test_explorer_tab_shows_all_its_text(qtbot, small) -> None:  # noqa: ANN001
    explorer = small.explorer_tab
    small.tabs.setCurrentWidget(explorer)
    qtbot.waitUntil(lambda: explorer.image.array() is not None, timeout=TIMEOUT_MS)
    settle(qtbot)
    assert clipped_labels(small) == []
    assert explorer.findChild(QPushButton, "explorerToolbarOpenButton").isVisible()


def test_a_toy_preset_shows_its_data_space_before_any_run(qtbot, small, tiny_run) -> None:  # noqa: ANN001
    tab = small.training_tab
    tiny_run(tab, "toy-ring")
    qtbot.waitUntil(lambda: tab.toy_view.point_count()[0] > 0, timeout=TIMEOUT_MS)
    assert tab.view_stack.currentWidget() is tab.toy_view
    assert tab.toy_view.point_count() == (tab.toy_view.point_count()[0], 0)  # no generator yet
    settle(qtbot)
    assert clipped_labels(small) == []
    tab.form.set_config(tab.form.raw_config().__class__())  # back to images: the samples' place
    qtbot.waitUntil(lambda: tab.view_stack.currentWidget() is tab.samples, timeout=5000)


def test_a_toy_run_keeps_its_quality_readout_clear_of_the_controls(qtbot, small, tiny_run) -> None:  # noqa: ANN001
    tab = small.training_tab
    tiny_run(tab, "toy-ring", steps=60, batch=16)
    panel = tab.metrics_panel
    panel.set_config(tab.form.raw_config())
    panel.every_spin.setValue(10)
    tab.start()
    qtbot.waitUntil(lambda: len(panel.rows) >= 2, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "measured in" in panel.summary.text(), timeout=TIMEOUT_MS)
    settle(qtbot)
    assert (small.width(), small.height()) == SIZE
    assert panel.plot is not None and panel.plot.isVisible()
    assert overlapping(panel) == []
    assert clipped_labels(small) == []
    qtbot.waitUntil(lambda: not tab.is_training, timeout=TIMEOUT_MS)  # may have ended already
