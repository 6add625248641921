"""The 1-D game as Goodfellow et al. (2014) draw it in their Figure 1: the data's density,
G's density, D(x) and the best D for this G, D*(x) = p_data / (p_data + p_g), over the line;
below, the mapping x = G(z) from a line of z to the data line. The Jensen-Shannon divergence
between the two densities, in bits, is the caption.

The densities are drawn scaled to a peak of 1 so they share the axis with D in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ganstudio.gui.common import theme
from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.toy_view import FAKE_COLOR, REAL_COLOR

if TYPE_CHECKING:
    import pyqtgraph as pg

Z_LINE, X_LINE = -0.45, -0.08  # heights of the z line and the data line under the curves
TOP = 1.5
D_COLOR = (31, 119, 180)
CURVES = {  # key -> (legend, colour, dashed)
    "p_data": ("p_data", REAL_COLOR, False),
    "p_g": ("p_g", FAKE_COLOR, False),
    "d": ("D(x)", D_COLOR, False),
    "d_opt": ("D*(x)", (90, 90, 90), True),
}


def js_text(js: Any) -> str:
    try:
        value = float(js)
    except (TypeError, ValueError):
        return ""
    return f"JS divergence {value:.3f} bits  (0: G draws the data's density; 1: no overlap)"


class ToyView1D(QWidget):
    """The 1-D data line: densities, D, D*, and z -> x (objectName ``toyPlot1d``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot: pg.PlotWidget | None = None
        self.view: dict[str, Any] = {}
        self.curves: dict[str, Any] = {}
        self.caption = WrapLabel()
        self.caption.setObjectName("toyJsLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)

    def build(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(parent=self)
        self.plot.setObjectName("toyPlot1d")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setLabel("bottom", "x")
        item.setLabel("left", "D,  density (scaled)")
        item.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
        item.addLegend(offset=(6, 2), labelTextSize="8pt", colCount=2)
        self.mapping = pg.PlotCurveItem(pen=pg.mkPen((*FAKE_COLOR, 110), width=1), connect="pairs")
        item.addItem(self.mapping)
        self.axes_lines = pg.PlotCurveItem(pen=pg.mkPen((110, 110, 110), width=1), connect="pairs")
        item.addItem(self.axes_lines)
        self.z_label = pg.TextItem("z", color=(90, 90, 90), anchor=(0.0, 1.0))
        self.x_label = pg.TextItem("x = G(z)", color=(90, 90, 90), anchor=(0.0, 1.0))
        item.addItem(self.z_label)
        item.addItem(self.x_label)
        for key, (name, colour, dashed) in CURVES.items():
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = pg.mkPen(colour, width=2, style=style)
            if key == "p_data":
                curve = item.plot(pen=pen, name=name, fillLevel=0.0, brush=pg.mkBrush(*REAL_COLOR, 50))
            else:
                curve = item.plot(pen=pen, name=name)
            self.curves[key] = curve
        item.setYRange(Z_LINE - 0.08, TOP, padding=0)  # room above 1 for the legend
        self.layout().addWidget(self.plot, 1)
        theme.style_plot(self.plot)

    def clear(self) -> None:
        self.view = {}
        self.caption.setText("")
        if self.plot is None:
            return
        for curve in self.curves.values():
            curve.setData([], [])
        self.mapping.setData([], [])
        self.axes_lines.setData([], [])

    def set_view(self, view: Mapping[str, Any]) -> None:
        """Show a ``Trainer.toy_view_1d()`` dict: ``x``, ``p_data``, ``p_g``, ``d``, ``d_opt``,
        ``z_lines`` ((M, 2) pairs z -> x) and ``js``."""
        self.build()
        self.view = dict(view)
        x = np.asarray(view.get("x", ()), dtype=float).reshape(-1)
        if not len(x):
            return
        densities = [np.asarray(view[k], dtype=float) for k in ("p_data", "p_g") if view.get(k) is not None]
        peak = max((float(np.nanmax(p)) for p in densities if p.size), default=1.0) or 1.0
        for key, curve in self.curves.items():
            values = view.get(key)
            if values is None:
                curve.setData([], [])
                continue
            y = np.asarray(values, dtype=float).reshape(-1)
            curve.setData(x, y / peak if key.startswith("p_") else y)
        x0, x1 = float(x[0]), float(x[-1])
        self.axes_lines.setData([x0, x1, x0, x1], [Z_LINE, Z_LINE, X_LINE, X_LINE])
        self.z_label.setPos(x0, Z_LINE)
        self.x_label.setPos(x0, X_LINE)
        self.mapping.setData(*self._mapping_segments(view.get("z_lines"), x0, x1))
        self.plot.getPlotItem().setXRange(x0, x1, padding=0.02)
        self.caption.setText(js_text(view.get("js")))

    @staticmethod
    def _mapping_segments(pairs: Any, x0: float, x1: float) -> tuple[np.ndarray, np.ndarray]:
        """z spread over the line's width (its own scale is another space), joined to G(z)."""
        if pairs is None:
            return np.empty(0), np.empty(0)
        zx = np.asarray(pairs, dtype=float).reshape(-1, 2)
        zx = zx[np.isfinite(zx).all(1)]
        if not len(zx):
            return np.empty(0), np.empty(0)
        z, gx = zx[:, 0], np.clip(zx[:, 1], x0, x1)
        lo, hi = float(z.min()), float(z.max())
        zs = x0 + (z - lo) / (hi - lo) * (x1 - x0) if hi > lo else np.full_like(z, (x0 + x1) / 2)
        xs = np.stack([zs, gx], 1).reshape(-1)
        ys = np.tile([Z_LINE, X_LINE], len(zx))
        return xs, ys

    def point_count(self) -> tuple[int, int]:
        """(points on the data density, z -> x lines) shown."""
        if self.plot is None:
            return 0, 0
        x, _ = self.curves["p_data"].getData()
        lines, _ = self.mapping.getData()
        return (0 if x is None else len(x)), (0 if lines is None else len(lines) // 2)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and self.plot is not None:
            theme.style_plot(self.plot)
        super().changeEvent(event)
