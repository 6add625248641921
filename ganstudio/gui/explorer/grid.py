"""An N x N grid of samples from one seed (N columns and one row per class for a
conditional model, when asked); click a cell to explore it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common import pixels
from ganstudio.gui.explorer.image import to_display_image

GAP = 2
MAX_N = 12
MAX_GRID_SEED = 2**31 - 1 - MAX_N * MAX_N  # cell i shows seed + i, which must stay a seed


class SampleGridView(QWidget):
    """Paints N x N cells; ``cell_clicked(index, shift)`` on a left click."""

    cell_clicked = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleGrid")
        self._cells: list = []
        self._tiles: np.ndarray | None = None
        self._n = 0  # columns
        self._rows = 0
        self._hover = -1
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Click: explore this sample.  Shift-click: add it as a keyframe.")

    def set_tiles(self, tiles: np.ndarray, n: int) -> None:
        """uint8 tiles (rows * n, H, W, C), row by row, n to a row (n rows unless more)."""
        self._tiles = tiles
        self._n = n
        self._rows = -(-len(tiles) // max(1, n))
        self._cells = [to_display_image(t) for t in tiles]
        self.update()

    def clear(self) -> None:
        self._tiles, self._cells, self._n, self._rows = None, [], 0, 0
        self.update()

    def tiles(self) -> np.ndarray | None:
        return self._tiles

    def grid_size(self) -> int:
        return self._n

    def device_cell_rect(self, index: int) -> QRect:
        """Where cell ``index`` is drawn, in device pixels: a whole number of device pixels
        per sample pixel when enlarged, so samples stay crisp at any display scale."""
        if not self._n:
            return QRect()
        dpr = self.devicePixelRatioF()
        gap = round(GAP * dpr)
        rows = max(1, self._rows)
        room = min((self.width() * dpr - gap * (self._n - 1)) / self._n,
                   (self.height() * dpr - gap * (rows - 1)) / rows)
        tile = self._cells[0].width() if self._cells else 0
        cell = int(room // tile) * tile if tile and room >= tile else max(1, int(room))
        x0 = round((self.width() * dpr - (cell * self._n + gap * (self._n - 1))) / 2)
        y0 = round((self.height() * dpr - (cell * rows + gap * (rows - 1))) / 2)
        r, c = divmod(index, self._n)
        return QRect(x0 + c * (cell + gap), y0 + r * (cell + gap), cell, cell)

    def cell_rect(self, index: int) -> QRect:
        """Cell ``index`` in the widget's (logical) pixels, for clicks and the hover frame."""
        return pixels.to_logical(self.device_cell_rect(index), self.devicePixelRatioF()).toRect()

    def index_at(self, x: float, y: float) -> int:
        for i in range(len(self._cells)):
            if self.cell_rect(i).contains(int(x), int(y)):
                return i
        return -1

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 320)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        if not self._cells:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No samples yet")
            return
        painter.save()
        pixels.device_painter(painter, self.devicePixelRatioF())
        for i, img in enumerate(self._cells):
            rect = self.device_cell_rect(i)
            painter.setRenderHint(
                QPainter.RenderHint.SmoothPixmapTransform, rect.width() < img.width()
            )
            painter.drawImage(rect, img)
        painter.restore()
        if 0 <= self._hover < len(self._cells):
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(QColor(0, 0, 0, 0))
            painter.drawRect(self.cell_rect(self._hover).adjusted(1, 1, -1, -1))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        index = self.index_at(event.position().x(), event.position().y())
        if index != self._hover:
            self._hover = index
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if index >= 0 else Qt.CursorShape.ArrowCursor
            )
            self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover = -1
        self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.index_at(event.position().x(), event.position().y())
            if index >= 0:
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.cell_clicked.emit(index, shift)
        super().mouseReleaseEvent(event)


class SampleGridPanel(QWidget):
    """Grid size and seed controls above the grid, Save PNG below."""

    regenerate_requested = Signal(int, int)  # seed, n
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("gridSizeSpin")
        self.size_spin.setRange(2, MAX_N)
        self.size_spin.setValue(6)
        self.size_spin.setSuffix(" × n")
        self.size_spin.setToolTip("Samples per row and column")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("gridSeedSpin")
        self.seed_spin.setRange(0, MAX_GRID_SEED)
        self.seed_spin.setPrefix("seed ")
        self.new_button = QPushButton("New seed")
        self.new_button.setObjectName("gridNewSeedButton")
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setObjectName("gridSaveButton")
        self.save_button.setEnabled(False)
        self.offsets_check = QCheckBox("Apply direction offsets")
        self.offsets_check.setObjectName("gridOffsetsCheck")
        self.offsets_check.setToolTip(
            "Move every sample along the directions as far as the Directions sliders move the "
            "image shown; picking a sample keeps the offsets"
        )
        self.view = SampleGridView()
        hint = QLabel("Click a sample to explore it; shift-click adds it as a keyframe.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Grid"))
        top.addWidget(self.size_spin)
        top.addWidget(self.seed_spin, 1)
        top.addWidget(self.new_button)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.offsets_check)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.size_spin.valueChanged.connect(self._on_settings_changed)
        self.seed_spin.valueChanged.connect(self._on_settings_changed)
        self.new_button.clicked.connect(self._on_new_seed_clicked)
        self.save_button.clicked.connect(self.save_requested)

    def request(self) -> None:
        self.regenerate_requested.emit(self.seed_spin.value(), self.size_spin.value())

    def set_tiles(self, tiles: np.ndarray, n: int) -> None:
        self.view.set_tiles(tiles, n)
        self.save_button.setEnabled(True)

    def apply_offsets(self) -> bool:
        return self.offsets_check.isChecked()

    def _on_settings_changed(self, _value: int) -> None:
        self.request()

    def _on_new_seed_clicked(self) -> None:
        rng = np.random.default_rng()
        self.seed_spin.setValue(int(rng.integers(0, MAX_GRID_SEED)))
