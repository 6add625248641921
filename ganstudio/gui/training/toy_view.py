"""2-D toy view in the manner of GAN Lab: real and generated points over D's heat map.

The plot is built (and pyqtgraph imported) by :meth:`ToyView.build`, after the window is up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ganstudio.gui.common import theme

if TYPE_CHECKING:
    import pyqtgraph as pg

REAL_COLOR = (34, 139, 34)
FAKE_COLOR = (128, 60, 170)


def _heat_colormap() -> pg.ColorMap:
    import pyqtgraph as pg

    # D(x) = 0 (judged fake) is tinted purple, D(x) = 1 (judged real) green, 0.5 neutral.
    stops = np.array([0.0, 0.5, 1.0])
    colors = np.array([[196, 160, 226, 255], [246, 246, 246, 255], [160, 214, 160, 255]], dtype=np.ubyte)
    return pg.ColorMap(stops, colors)


class ToyView(QWidget):
    """Scatter of real (green) and generated (purple) points; D's output as the background."""

    def __init__(self, parent: QWidget | None = None, title: str = "Data space") -> None:
        super().__init__(parent)
        self._title = title
        self.plot: pg.PlotWidget | None = None
        self._ranged = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> None:
        """Create the plot (imports pyqtgraph); does nothing the second time."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(parent=self)
        self.plot.setObjectName("toyPlot")
        item = self.plot.getPlotItem()
        item.setTitle(self._title)
        item.setAspectLocked(True)
        item.addLegend(offset=(-10, 10), labelTextSize="9pt")
        item.setLabel("left", "x₂")
        item.setLabel("bottom", "x₁")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setColorMap(_heat_colormap())
        self.heat.setLevels((0.0, 1.0))
        self.heat.setZValue(-10)
        item.addItem(self.heat)
        self.real = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*REAL_COLOR, 200), name="real")
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*FAKE_COLOR, 200),
                                       name="generated")
        item.addItem(self.real)
        item.addItem(self.fake)
        self.layout().addWidget(self.plot)
        theme.style_plot(self.plot)

    def clear(self) -> None:
        if self.plot is None:
            return
        self.real.setData([], [])
        self.fake.setData([], [])
        self.heat.clear()
        self._ranged = False

    def set_view(self, view: Mapping[str, object]) -> None:
        """Show a ``Trainer.toy_view()`` dict: ``real``, ``fake``, ``heat``, ``extent``."""
        self.build()
        real = np.asarray(view.get("real", np.empty((0, 2))), dtype=float).reshape(-1, 2)
        self.real.setData(real[:, 0], real[:, 1])
        fake = view.get("fake")
        if fake is not None:
            fake = np.asarray(fake, dtype=float).reshape(-1, 2)
            self.fake.setData(fake[:, 0], fake[:, 1])
        heat = view.get("heat")
        extent = view.get("extent")
        if heat is not None and extent is not None:
            x0, x1, y0, y1 = (float(v) for v in extent)  # type: ignore[union-attr]
            self.heat.setImage(np.asarray(heat, dtype=np.float32), levels=(0.0, 1.0))
            self.heat.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            if not self._ranged:
                self.plot.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
                self._ranged = True
        elif not self._ranged and len(real):
            self.plot.getPlotItem().autoRange()
            self._ranged = True

    def point_count(self) -> tuple[int, int]:
        if self.plot is None:
            return 0, 0
        return len(self.real.data), len(self.fake.data)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and self.plot is not None:
            theme.style_plot(self.plot)
        super().changeEvent(event)
