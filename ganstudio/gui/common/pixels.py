"""Where an image goes on screen, in device pixels, so that enlarged pixels stay crisp.

At a fractional scale (125 %: 1.25 device pixels per logical pixel) an image enlarged
to a whole number of *logical* pixels per image pixel still lands on a fractional
number of device pixels, and nearest-neighbour sampling then draws some image pixels
one device pixel wider than others. Sizes here are counted in device pixels instead:
an enlarged image gets a whole number of device pixels per image pixel, and its corner
sits on a device pixel. The painters draw in device coordinates (see ``device_painter``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QPainter


def fit_scale(image_w: int, image_h: int, avail_w: float, avail_h: float, dpr: float) -> float:
    """Device pixels per image pixel for the largest image that fits ``avail`` (logical
    pixels): a whole number when the image is enlarged, any factor when it shrinks."""
    if image_w <= 0 or image_h <= 0:
        return 1.0
    scale = min(avail_w * dpr / image_w, avail_h * dpr / image_h)
    return float(math.floor(scale)) if scale >= 1 else max(scale, 1e-6)


def device_rect(image_w: int, image_h: int, scale: float, widget_w: float, widget_h: float,
                dpr: float, pan: QPointF | None = None) -> QRect:
    """The image's rectangle in device pixels: ``scale`` device pixels per image pixel,
    centred in the widget (logical size), moved by ``pan`` (logical pixels)."""
    w = max(1, round(image_w * scale))
    h = max(1, round(image_h * scale))
    px, py = (pan.x(), pan.y()) if pan is not None else (0.0, 0.0)
    x = round((widget_w * dpr - w) / 2 + px * dpr)
    y = round((widget_h * dpr - h) / 2 + py * dpr)
    return QRect(x, y, w, h)


def to_logical(rect: QRect, dpr: float) -> QRectF:
    return QRectF(rect.x() / dpr, rect.y() / dpr, rect.width() / dpr, rect.height() / dpr)


def device_painter(painter: QPainter, dpr: float) -> None:
    """Make ``painter`` (on a widget) count in device pixels: the widget's own scale by
    ``dpr`` and this one cancel, so an image drawn at a whole-number size is not resampled."""
    if dpr != 1.0:
        painter.scale(1.0 / dpr, 1.0 / dpr)
