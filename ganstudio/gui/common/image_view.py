"""Show uint8 numpy images crisply scaled, and scrub back through a history of grids."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from ganstudio.gui.common import pixels


def array_to_qimage(array: np.ndarray) -> QImage:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 to a QImage that owns its pixels."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    if a.ndim == 2:
        fmt, stride = QImage.Format.Format_Grayscale8, w
    elif a.shape[2] == 3:
        fmt, stride = QImage.Format.Format_RGB888, 3 * w
    elif a.shape[2] == 4:
        fmt, stride = QImage.Format.Format_RGBA8888, 4 * w
    else:
        raise ValueError(f"cannot show an image of shape {a.shape}")
    return QImage(a.data, w, h, stride, fmt).copy()


class ImageView(QWidget):
    """Paints one image, scaled to fit with whole pixels kept sharp (nearest neighbour):
    enlarged, each image pixel is a whole number of device pixels, at any display scale.
    With ``whole_pixels`` False it fills the widget instead, smoothly scaled (a grid of many
    small images that a whole-number scale would leave a third of the panel short of)."""

    whole_pixels = True

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self._image = QImage()
        self._placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 96)

    def set_array(self, array: np.ndarray | None) -> None:
        self._image = QImage() if array is None else array_to_qimage(array)
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def image(self) -> QImage:
        return self._image

    def placeholder(self) -> str:
        """The line shown while there is no image (a message such as a dataset's error)."""
        return self._placeholder

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(280, 280)

    def device_rect(self) -> QRect:
        """Where the image is drawn, in device pixels."""
        if self._image.isNull():
            return QRect()
        w, h, dpr = self._image.width(), self._image.height(), self.devicePixelRatioF()
        scale = pixels.fit_scale(w, h, self.width(), self.height(), dpr)
        if not self.whole_pixels:
            scale = max(1e-6, min(self.width() * dpr / w, self.height() * dpr / h))
        return pixels.device_rect(w, h, scale, self.width(), self.height(), dpr)

    def target_rect(self) -> QRectF:
        """Where the image is drawn, in the widget's (logical) pixels."""
        return pixels.to_logical(self.device_rect(), self.devicePixelRatioF())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self._image.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            return
        target = self.device_rect()
        whole = target.width() % self._image.width() == 0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                              target.width() < self._image.width() or not whole)  # resampled: filtered
        pixels.device_painter(painter, self.devicePixelRatioF())
        painter.drawImage(target, self._image)


class SampleHistory(QWidget):
    """The newest fixed-noise grid, with a slider to scrub back through earlier ones."""

    shown_step_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None, max_grids: int = 120) -> None:
        super().__init__(parent)
        self.max_grids = max(4, max_grids)
        self._grids: list[tuple[int, np.ndarray]] = []
        self._follow = True

        self.view = ImageView(self, "Samples from fixed noise appear here while training.")
        self.view.setObjectName("samplePreview")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("sampleHistorySlider")
        self.slider.setToolTip("Scrub back through earlier sample grids of this run")
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.step_label = QLabel("–", self)
        self.step_label.setMinimumWidth(90)
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.step_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    def __len__(self) -> int:
        return len(self._grids)

    def clear(self) -> None:
        self._grids.clear()
        self._follow = True
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(False)
        self.step_label.setText("–")
        self.view.set_array(None)

    def add(self, step: int, grid: np.ndarray) -> None:
        at_end = self._follow or self.slider.value() == self.slider.maximum()
        self._grids.append((int(step), np.asarray(grid)))
        if len(self._grids) > self.max_grids:
            # thin the older half so the history keeps spanning the whole run
            half = len(self._grids) // 2
            self._grids = self._grids[:half:2] + self._grids[half:]
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self._grids) - 1)
        self.slider.setEnabled(len(self._grids) > 1)
        if at_end:
            self.slider.setValue(len(self._grids) - 1)
        self.slider.blockSignals(False)
        self._show(self.slider.value())

    def truncate_after(self, step: int) -> None:
        kept = [(s, g) for s, g in self._grids if s <= step]
        self.clear()
        for s, g in kept:
            self.add(s, g)

    def steps(self) -> list[int]:
        return [s for s, _ in self._grids]

    def _on_slider_moved(self, index: int) -> None:
        self._follow = index == self.slider.maximum()
        self._show(index)

    def _show(self, index: int) -> None:
        if not self._grids:
            return
        index = max(0, min(index, len(self._grids) - 1))
        step, grid = self._grids[index]
        self.view.set_array(grid)
        latest = " (latest)" if index == len(self._grids) - 1 else ""
        self.step_label.setText(f"step {step:,}{latest}")
        self.shown_step_changed.emit(step)
