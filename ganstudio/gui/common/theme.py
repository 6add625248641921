"""Plot colours that follow the application palette (light or dark).

pyqtgraph is imported by the functions that need it, not with this module: the plots are
built after the window is on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    import pyqtgraph as pg

# Colour-blind friendly pairs: (raw, smoothed) per series.
SERIES_COLORS = {
    "loss_D": "#1f77b4",
    "loss_G": "#ff7f0e",
    "D_real": "#2ca02c",
    "D_fake": "#d62728",
    "images_per_s": "#9467bd",
}


def palette_colors() -> tuple[QColor, QColor]:
    """(background, foreground) for plots, from the current application palette."""
    palette = QApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def style_plot(plot: pg.PlotWidget) -> None:
    import pyqtgraph as pg

    background, foreground = palette_colors()
    plot.setBackground(background)
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
    item.titleLabel.setText(item.titleLabel.text, color=foreground.name())
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(foreground)
        for _sample, label in legend.items:
            label.setText(label.text, color=foreground)
        legend.setBrush(pg.mkBrush(background.red(), background.green(), background.blue(), 200))
    # no grid: pyqtgraph repaints grid lines with every axis, and on a small machine that
    # painting alone slowed training in the worker thread by a tenth


def pen(name: str, smoothed: bool = False) -> QPen:
    import pyqtgraph as pg

    color = QColor(SERIES_COLORS.get(name, "#888888"))
    if smoothed:
        return pg.mkPen(color, width=2)
    color.setAlpha(70)
    return pg.mkPen(color, width=1)
