"""Your own distribution, drawn with the mouse on the data space (GAN Lab's drawing).

Draw sprays points along the stroke, Erase removes the points under the brush, Clear
removes them all; "Train on these" writes them atomically to a .npy point file in the app's
data folder (``points/`` beside the runs folder, a new file per drawing, so a run keeps its
data) and hands the file to the form as the ``points`` dataset. The file is written off the
GUI thread; a failure is one dialog line.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Signal
from PySide6.QtWidgets import QPushButton

from ganstudio.gui.common import dialogs, jobs, settings
from ganstudio.gui.training.toy_view import ToyView

SPRAY = 3  # points added per mouse position
SPRAY_SHARE = 0.012  # their spread, as a share of the view's width
ERASE_SHARE = 0.05  # the eraser's radius, as a share of the view's width
MIN_POINTS = 2  # what the core's point files need
DEFAULT_EXTENT = (-2.0, 2.0, -2.0, 2.0)


def points_folder() -> Path:
    """Where drawn distributions are saved: ``points/`` beside the runs folder."""
    return settings.runs_root().parent / "points"


def save_points(points: np.ndarray, folder: Path, now: datetime | None = None) -> Path:
    """Write ``points`` (N, 2) to a new .npy file in ``folder``, atomically; returns its path."""
    from ganstudio.core.fsutil import atomic_write_bytes

    stamp = f"{(now or datetime.now()):%Y%m%d-%H%M%S}"
    path, n = folder / f"drawn-{stamp}.npy", 1
    while path.exists():
        n += 1
        path = folder / f"drawn-{stamp}-{n}.npy"
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(points, dtype=np.float32).reshape(-1, 2), allow_pickle=False)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, buffer.getvalue())


class PointEditor(QObject):
    """The drawing tools of a ToyView and the points drawn so far."""

    saved = Signal(str)  # the point file written, to train on

    def __init__(self, view: ToyView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.points = np.empty((0, 2), dtype=np.float32)
        self.folder: Path | None = None  # None: points_folder()
        self._rng = np.random.default_rng()
        self._pressed = False
        self.jobs = jobs.JobRunner(self, on_error=self._on_save_failed)
        self.draw_button = _tool("Draw", "drawPointsButton", "Draw your own data: drag on the data space", True)
        self.erase_button = _tool("Erase", "erasePointsButton", "Erase drawn points: drag over them", True)
        self.clear_button = _tool("Clear", "clearPointsButton", "Remove every drawn point", False)
        self.use_button = _tool("Train on these", "usePointsButton",
                                "Save the drawn points as a point file and train on them", False)
        self.draw_button.toggled.connect(lambda on: self._on_mode_toggled(on, self.erase_button))
        self.erase_button.toggled.connect(lambda on: self._on_mode_toggled(on, self.draw_button))
        self.clear_button.clicked.connect(self.clear)
        self.use_button.clicked.connect(self.save)
        for button in self.buttons:
            view.tools.addWidget(button)
        self._available = True
        self._update_buttons()

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.draw_button, self.erase_button, self.clear_button, self.use_button)

    @property
    def mode(self) -> str:
        if self.draw_button.isChecked():
            return "draw"
        if self.erase_button.isChecked():
            return "erase"
        return ""

    def set_available(self, available: bool) -> None:
        """Drawing is for the data of the next run: off while a run trains."""
        if not available:
            self.draw_button.setChecked(False)
            self.erase_button.setChecked(False)
        self._available = available
        self._update_buttons()

    # ----------------------------------------------------------------- editing
    def add_at(self, x: float, y: float) -> None:
        spread = SPRAY_SHARE * self._span()
        new = np.array([x, y]) + self._rng.normal(0.0, spread, (SPRAY, 2))
        self.points = np.concatenate([self.points, new.astype(np.float32)])
        self._show()

    def erase_at(self, x: float, y: float) -> None:
        radius = ERASE_SHARE * self._span()
        keep = np.hypot(self.points[:, 0] - x, self.points[:, 1] - y) > radius
        if not keep.all():
            self.points = self.points[keep]
            self._show()

    def clear(self) -> None:
        self.points = np.empty((0, 2), dtype=np.float32)
        self._show()

    def save(self) -> None:
        """Write the points to a new point file (in a job); ``saved`` follows."""
        if len(self.points) < MIN_POINTS:
            return
        points, folder = self.points.copy(), self.folder or points_folder()
        self.use_button.setEnabled(False)
        self.jobs.start("save", lambda _state: save_points(points, folder), done=self._on_saved)

    def _on_saved(self, path: Path) -> None:
        self._update_buttons()
        self.draw_button.setChecked(False)
        self.erase_button.setChecked(False)
        self.saved.emit(str(path))

    def _on_save_failed(self, exc: BaseException, details: str) -> None:
        self._update_buttons()
        message, more = jobs.describe(exc, details)
        dialogs.show_error(self.view, "Save drawn points", message, more)

    # ----------------------------------------------------------------- the mouse
    def _on_mode_toggled(self, on: bool, other: QPushButton) -> None:
        plot = self.view.plot
        if on:
            other.setChecked(False)
        if plot is not None:
            drawing = bool(self.mode)
            plot.getPlotItem().vb.setMouseEnabled(not drawing, not drawing)  # no panning while drawing
            if drawing:
                plot.viewport().installEventFilter(self)
            else:
                plot.viewport().removeEventFilter(self)
        self.view.drawn.setVisible(bool(self.mode) or len(self.points) > 0)
        self._update_buttons()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = True
        elif kind == QEvent.Type.MouseButtonRelease:
            self._pressed = False
            return True
        elif kind != QEvent.Type.MouseMove or not self._pressed:
            return False
        self.apply_at(self._to_data(event.position()))
        return True

    def apply_at(self, pos: QPointF) -> None:
        """Draw or erase at a point of the data space (what a press or drag does)."""
        if self.mode == "draw":
            self.add_at(pos.x(), pos.y())
        elif self.mode == "erase":
            self.erase_at(pos.x(), pos.y())

    def _to_data(self, pos: Any) -> QPointF:
        plot = self.view.plot
        scene = plot.mapToScene(pos.toPoint())
        return plot.getPlotItem().vb.mapSceneToView(scene)

    # ----------------------------------------------------------------- showing
    def _span(self) -> float:
        extent = self.view._extent or DEFAULT_EXTENT
        return max(extent[1] - extent[0], extent[3] - extent[2])

    def _show(self) -> None:
        self.view.build()
        self.view.drawn.setData(self.points[:, 0], self.points[:, 1])
        self.view.drawn.setVisible(True)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = len(self.points) > 0
        self.draw_button.setVisible(self._available)
        for button in (self.erase_button, self.clear_button, self.use_button):  # once there is a drawing
            button.setVisible(self._available and (has or bool(self.mode)))
        self.clear_button.setEnabled(has)
        self.use_button.setEnabled(len(self.points) >= MIN_POINTS and not self.jobs.running("save"))


def _tool(text: str, name: str, tip: str, checkable: bool) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    return button
