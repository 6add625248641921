"""The explorer's large image: crisp zoom for tiny samples, panning, a frame counter."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QRegion,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.gui.common import pixels
from ganstudio.gui.common.image_view import array_to_qimage

MIN_ZOOM, MAX_ZOOM = 0.25, 64.0
CANVAS = QColor(0x26, 0x27, 0x2A)  # neutral and dark: samples read the same in either theme


def to_display_image(array: np.ndarray) -> QImage:
    """A QImage in the format the raster engine scales fastest (about 4x faster than
    drawing a grayscale image enlarged)."""
    return array_to_qimage(array).convertToFormat(QImage.Format.Format_RGB32)


def _inner_pixels(rect: QRectF) -> QRect:
    """The whole pixels inside ``rect``: those its image surely covers when drawn."""
    left, top = math.ceil(rect.left()), math.ceil(rect.top())
    right, bottom = math.floor(rect.right()), math.floor(rect.bottom())
    return QRect(left, top, max(0, right - left), max(0, bottom - top))


def zoom_step(zoom: float, direction: int) -> float:
    """The next zoom in or out: whole numbers from 1 up (each image pixel a whole number of
    device pixels), steps of 1.25 below."""
    if direction > 0:
        return float(math.floor(zoom + 1e-9) + 1) if zoom >= 1 - 1e-9 else min(1.0, zoom * 1.25)
    if zoom > 1 + 1e-9:
        return float(math.ceil(zoom - 1e-9) - 1)
    return zoom / 1.25


class LatentImageView(QWidget):
    """Paints one uint8 image; fits the widget until the person zooms (wheel, +/-).

    Upscaling uses nearest neighbour so a 28-pixel digit stays a grid of
    sharp pixels; ``frame_painted`` reports each frame id once it is on screen.
    The zoom counts device pixels per image pixel (100 %: one screen pixel each) and
    stays a whole number when enlarging, so pixels stay square at 125 % display scale too.
    """

    frame_painted = Signal(int)
    zoom_changed = Signal(float)
    # With set_content_draggable(True), a drag on the fitted image moves what it shows:
    # (dx, dy) in image widths, between content_drag_started and content_drag_finished.
    content_dragged = Signal(float, float)
    content_drag_started = Signal()
    content_drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self._image = QImage()
        self._array: np.ndarray | None = None
        self._frame_id = 0
        self._painted_id = -1
        self._placeholder = placeholder
        self._zoom: float | None = None  # None: fit to the widget
        self._pan = QPointF(0, 0)
        self._drag_from: QPointF | None = None
        self._content_draggable = False
        self._moving_from: QPointF | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Ctrl+C copies the image it shows
        self.setToolTip("Wheel or +/- to zoom, drag to pan, double-click to fit")

    # ------------------------------------------------------------ content
    def set_frame(self, array: np.ndarray, frame_id: int = 0, image: QImage | None = None) -> None:
        """Show ``array``; ``image``, when given, is ``to_display_image(array)`` made already
        (the render worker builds it in its own thread)."""
        same_size = self._image.size() == QSize(array.shape[1], array.shape[0])
        self._array = array
        self._image = to_display_image(array) if image is None else image
        self._frame_id = frame_id
        if not self.isVisible():
            self.update()
        elif same_size:
            # Now, not after the queued events; and only the image, the margins stay.
            self.repaint(self.target_rect().toAlignedRect())
        else:
            self.repaint()

    def clear(self, placeholder: str | None = None) -> None:
        self._array, self._image = None, QImage()
        if placeholder is not None:
            self._placeholder = placeholder
        self.update()

    def array(self) -> np.ndarray | None:
        """The pixels now shown, uint8 (H, W, C)."""
        return self._array

    def image(self) -> QImage:
        return self._image

    @property
    def painted_id(self) -> int:
        return self._painted_id

    # ------------------------------------------------------------ zoom and pan
    def zoom(self) -> float:
        return self._zoom if self._zoom is not None else self._fit_scale()

    def set_zoom(self, zoom: float | None) -> None:
        self._zoom = None if zoom is None else float(np.clip(zoom, MIN_ZOOM, MAX_ZOOM))
        if zoom is None:
            self._pan = QPointF(0, 0)
        self.update()
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        self.set_zoom(zoom_step(self.zoom(), +1))

    def zoom_out(self) -> None:
        self.set_zoom(zoom_step(self.zoom(), -1))

    def fit(self) -> None:
        self.set_zoom(None)

    def actual_size(self) -> None:
        """One image pixel per device pixel."""
        self.set_zoom(1.0)

    def _fit_scale(self) -> float:
        if self._image.isNull():
            return 1.0
        return pixels.fit_scale(self._image.width(), self._image.height(), self.width(),
                                self.height(), self.devicePixelRatioF())

    def device_rect(self) -> QRect:
        """Where the image is drawn, in device pixels. Whole-pixel corners also let the
        raster engine draw the scaled image about twice as fast as half a pixel off."""
        if self._image.isNull():
            return QRect()
        return pixels.device_rect(self._image.width(), self._image.height(), self.zoom(),
                                  self.width(), self.height(), self.devicePixelRatioF(), self._pan)

    def target_rect(self) -> QRectF:
        """Where the image is drawn, in the widget's (logical) pixels."""
        return pixels.to_logical(self.device_rect(), self.devicePixelRatioF())

    # ------------------------------------------------------------ Qt events
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(448, 448)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        if self._image.isNull():
            painter.fillRect(event.rect(), CANVAS)
            painter.setPen(QColor(0x9A, 0x9C, 0xA0))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder,
            )
            painter.end()
            return
        target = self.target_rect()
        # The image is opaque: fill only around it, so its pixels are written once.
        around = QRegion(event.rect()).subtracted(QRegion(_inner_pixels(target)))
        for rect in around:
            painter.fillRect(rect, CANVAS)
        smooth = self.zoom() < 1.0  # shrinking looks better filtered; enlarging stays sharp
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        pixels.device_painter(painter, self.devicePixelRatioF())
        painter.drawImage(self.device_rect(), self._image)
        painter.end()
        if self._painted_id != self._frame_id:
            self._painted_id = self._frame_id
            self.frame_painted.emit(self._frame_id)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        steps = round(event.angleDelta().y() / 120.0)
        if steps and not self._image.isNull():
            zoom = self.zoom()
            for _ in range(abs(steps)):
                zoom = zoom_step(zoom, 1 if steps > 0 else -1)
            self.set_zoom(zoom)
        event.accept()

    def set_content_draggable(self, on: bool) -> None:
        """A drag on the fitted image moves its content (a StyleGAN3's input transform)."""
        self._content_draggable = bool(on)
        self.setToolTip("Drag to move the image, wheel or +/- to zoom, double-click to fit" if on
                        else "Wheel or +/- to zoom, drag to pan, double-click to fit")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        left = event.button() == Qt.MouseButton.LeftButton
        if left and self._zoom is None and self._content_draggable and not self._image.isNull():
            self._moving_from = event.position()
            self.setCursor(Qt.CursorShape.SizeAllCursor)
            self.content_drag_started.emit()
        elif left and self._zoom is not None:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._moving_from is not None:
            delta = event.position() - self._moving_from
            self._moving_from = event.position()
            width = max(1.0, self.target_rect().width())
            self.content_dragged.emit(delta.x() / width, delta.y() / width)
        if self._drag_from is not None:
            self._pan += event.position() - self._drag_from
            self._drag_from = event.position()
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._moving_from is not None:
            self._moving_from = None
            self.content_drag_finished.emit()
        self._drag_from = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.fit()
        super().mouseDoubleClickEvent(event)


class CaptionBar(QWidget):
    """One line of text under the image.

    Unlike a QLabel, changing the text never asks the layout to recompute, so
    a caption that changes with every frame costs only its own repaint.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 8)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (the QLabel spelling)
        if text != self._text:
            self._text = text
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)
        painter.end()
