"""Your own distribution: drawn on the data space (add, erase, clear), saved as a point file
and trained on; a point file opened from the form; a bad file is one dialog line."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton, QWidget

RUN_TIMEOUT_MS = 120_000


def _button(tab: QWidget, name: str) -> QPushButton:
    button = tab.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _stroke(qtbot, tab, points: list[tuple[float, float]]) -> None:  # noqa: ANN001
    """Press, drag through ``points`` (data coordinates) and release, on the plot."""
    plot = tab.toy_view.plot
    vb = plot.getPlotItem().vb
    from PySide6.QtCore import QPointF

    pixels = [plot.mapFromScene(vb.mapViewToScene(QPointF(x, y))) for x, y in points]
    viewport = plot.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=pixels[0])
    for p in pixels[1:]:
        qtbot.mouseMove(viewport, pos=p)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pixels[-1])


def _toy_shown(qtbot, tab, tiny_run) -> None:  # noqa: ANN001
    tiny_run(tab, "toy-ring", steps=4, batch=16)
    qtbot.waitUntil(lambda: tab.toy_view.point_count()[0] > 0, timeout=RUN_TIMEOUT_MS)


def test_drawn_points_become_a_point_file_to_train_on(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    from ganstudio.core.data import load_points

    tab = training_tab
    _toy_shown(qtbot, tab, tiny_run)
    editor = tab.lab.points
    assert _button(tab, "drawPointsButton").isVisible()
    assert not _button(tab, "usePointsButton").isVisible(), "nothing drawn yet"
    qtbot.mouseClick(_button(tab, "drawPointsButton"), Qt.MouseButton.LeftButton)
    _stroke(qtbot, tab, [(-1.0 + 0.1 * i, 0.5) for i in range(21)])
    drawn = len(editor.points)
    assert drawn >= 21 * 3 - 3, drawn
    assert len(tab.toy_view.drawn.getData()[0]) == drawn, "the drawing is not shown"

    qtbot.mouseClick(_button(tab, "erasePointsButton"), Qt.MouseButton.LeftButton)
    assert not _button(tab, "drawPointsButton").isChecked()
    _stroke(qtbot, tab, [(-1.0, 0.5), (-0.8, 0.5)])
    assert 0 < len(editor.points) < drawn, "the eraser removed nothing, or everything"
    assert (editor.points[:, 0] > -0.85).all()

    qtbot.mouseClick(_button(tab, "clearPointsButton"), Qt.MouseButton.LeftButton)
    assert len(editor.points) == 0
    qtbot.mouseClick(_button(tab, "drawPointsButton"), Qt.MouseButton.LeftButton)
    _stroke(qtbot, tab, [(0.2 * np.cos(a), 0.2 * np.sin(a)) for a in np.linspace(0, 6.28, 30)])
    with qtbot.waitSignal(editor.saved, timeout=RUN_TIMEOUT_MS) as saved:
        qtbot.mouseClick(_button(tab, "usePointsButton"), Qt.MouseButton.LeftButton)
    path = saved.args[0]
    assert path.startswith(str(runs_root.parent / "points")) and path.endswith(".npy")
    assert np.allclose(load_points(path), editor.points)
    assert tab.form.dataset_combo.currentData() == "points"
    assert tab.findChild(QLineEdit, "pointFileEdit").text() == path
    assert tab.form.is_valid
    assert not _button(tab, "drawPointsButton").isChecked()

    qtbot.waitUntil(lambda: _button(tab, "startButton").isEnabled(), timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(_button(tab, "startButton"), Qt.MouseButton.LeftButton)
    assert finished.args == ["completed"]
    assert not _button(tab, "drawPointsButton").isVisible() or not tab.is_training


def test_a_point_file_opens_from_the_form_and_a_bad_one_is_one_line(qtbot, training_tab, tiny_run, tmp_path,
                                                                    monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QFileDialog

    tab = training_tab
    _toy_shown(qtbot, tab, tiny_run)
    good = tmp_path / "mine.csv"
    good.write_text("x,y\n" + "\n".join(f"{np.cos(a):.3f},{np.sin(a):.3f}" for a in np.linspace(0, 6, 50)))
    chosen = [str(good)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen[0], ""))
    index = tab.form.dataset_combo.findData("points")
    tab.form.dataset_combo.setCurrentIndex(index)
    tab.form._on_dataset_chosen(index)
    assert tab.findChild(QLineEdit, "pointFileEdit").isVisible()
    qtbot.mouseClick(_button(tab, "pointFileBrowseButton"), Qt.MouseButton.LeftButton)
    assert tab.form.raw_config().data.path == str(good)
    qtbot.waitUntil(lambda: tab.toy_view.point_count()[0] > 0 and tab.form.is_valid, timeout=RUN_TIMEOUT_MS)

    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,4,5\n")
    chosen[0] = str(bad)
    qtbot.mouseClick(_button(tab, "pointFileBrowseButton"), Qt.MouseButton.LeftButton)

    def error_boxes() -> list[QMessageBox]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]

    qtbot.waitUntil(lambda: bool(error_boxes()), timeout=RUN_TIMEOUT_MS)
    box = error_boxes()[0]
    assert "bad.csv" in box.text() and "\n" not in box.text().strip()
    assert box.detailedText() == "", "a bad file is not a bug: no traceback"
    box.close()
    qtbot.waitUntil(lambda: "bad.csv" in tab.form.data_preview.images.placeholder(), timeout=RUN_TIMEOUT_MS)


def test_drawing_is_put_away_while_a_run_trains(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    _toy_shown(qtbot, tab, tiny_run)
    tab.findChild(QWidget, "stepsSpin").setValue(100_000)
    qtbot.mouseClick(_button(tab, "drawPointsButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(_button(tab, "startButton"), Qt.MouseButton.LeftButton)
    assert not _button(tab, "drawPointsButton").isVisible()
    assert not tab.lab.points.mode
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(_button(tab, "stopButton"), Qt.MouseButton.LeftButton)
    assert _button(tab, "drawPointsButton").isVisible()
