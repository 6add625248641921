"""A strip of a few real images, or a scatter of a 2-D toy, for the dataset field."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import QStackedLayout, QWidget

from ganstudio.gui.common.image_view import ImageView

if TYPE_CHECKING:
    import pyqtgraph as pg


def image_strip(images: np.ndarray, gap: int = 2) -> np.ndarray:
    """(N, H, W, C) uint8 to one (H, N*W + gaps, C) strip."""
    n, h, w, c = images.shape
    strip = np.full((h, n * w + (n - 1) * gap, c), 255, dtype=np.uint8)
    for i in range(n):
        strip[:, i * (w + gap): i * (w + gap) + w] = images[i]
    return strip


class DataPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.images = ImageView(self, "")
        self.images.setMinimumSize(64, 40)
        self.scatter_plot: pg.PlotWidget | None = None  # built for the first toy (pyqtgraph)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.images)
        self.setFixedHeight(84)

    def _build_scatter(self) -> pg.PlotWidget:
        if self.scatter_plot is not None:
            return self.scatter_plot
        import pyqtgraph as pg

        from ganstudio.gui.common import theme
        from ganstudio.gui.training.toy_view import REAL_COLOR

        self.scatter_plot = pg.PlotWidget(parent=self)
        self.scatter_plot.setObjectName("dataPreviewScatter")
        item = self.scatter_plot.getPlotItem()
        item.setAspectLocked(True)
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMouseEnabled(False, False)
        item.hideButtons()
        self.scatter = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(*REAL_COLOR, 160))
        item.addItem(self.scatter)
        theme.style_plot(self.scatter_plot)
        self._stack.addWidget(self.scatter_plot)
        return self.scatter_plot

    def show_message(self, text: str) -> None:
        self.images.set_array(None)
        self.images.set_placeholder(text)
        self._stack.setCurrentWidget(self.images)

    def show_images(self, images: np.ndarray) -> None:
        self.images.set_array(image_strip(np.asarray(images)))
        self._stack.setCurrentWidget(self.images)

    def show_points(self, points: np.ndarray) -> None:
        points = np.asarray(points, dtype=float)
        points = points.reshape(len(points), -1)
        if points.shape[1] == 1:  # points on a line: drawn along x, with a little spread to read density
            spread = np.random.default_rng(0).uniform(-0.05, 0.05, len(points)) * np.ptp(points[:, 0])
            points = np.stack([points[:, 0], spread], 1)
        plot = self._build_scatter()
        self.scatter.setData(points[:, 0], points[:, 1])
        plot.getPlotItem().autoRange()
        self._stack.setCurrentWidget(plot)
