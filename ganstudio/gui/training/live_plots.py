"""Loss and discriminator-output curves against the training step.

The plots are built (and pyqtgraph imported, most of a second) by :meth:`LivePlots.build`,
which the Training tab calls once the window is up; rows appended before wait in the buffer.
Each plot's legend is its title line, above the data, so no legend covers the newest part
of a curve; on a 1-D toy the Jensen-Shannon divergence of the lab joins the losses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ganstudio.gui.common import theme
from ganstudio.gui.training.metric_buffer import MetricBuffer, Smoother

if TYPE_CHECKING:
    import pyqtgraph as pg

# Curves redraw at most twice a second. pyqtgraph's setData and paint are Python: on a
# 2-core machine, redrawing 4 times a second cost the training thread a fifth of its speed.
REDRAW_MS = 500
RAW_SHOWN = ("loss_D", "loss_G")  # the other series show smoothed only: fewer curves to draw

SMOOTHED = ("loss_D", "loss_G", "D_real", "D_fake", "images_per_s")
SERIES = ("loss_D", "loss_G", "D_real", "D_fake", "images_per_s", "js") + tuple(f"{n}_smooth" for n in SMOOTHED)
LABELS = {
    "loss_D": "loss D",
    "loss_G": "loss G",
    "D_real": "D(x)",
    "D_fake": "D(G(z))",
    "images_per_s": "images/s",
    "js": "JS divergence (bits)",
}
JS_COLOR = "#9467bd"
TITLE_SIZE = "8pt"


def set_legend_title(item: pg.PlotItem, text: str) -> None:
    """The legend line as the plot's title, in a row as tall as its text (pyqtgraph's title
    row is 30 px, a sixth of a short plot)."""
    item.setTitle(text, size=TITLE_SIZE)
    height = item.titleLabel.item.boundingRect().height() + 2
    item.titleLabel.setMaximumHeight(height)
    item.layout.setRowFixedHeight(0, height)


def legend_title(names: tuple[str, ...]) -> str:
    """A legend as one line of text: a coloured dash before each series' name."""
    parts = []
    for name in names:
        colour = JS_COLOR if name == "js" else theme.SERIES_COLORS.get(name, "#888888")
        parts.append(f'<span style="color:{colour}">━━</span>&nbsp;{LABELS[name]}')
    return "&nbsp;&nbsp;&nbsp;".join(parts)


def _make_plot(name: str, y_label: str, parent: QWidget) -> pg.PlotWidget:
    import pyqtgraph as pg

    plot = pg.PlotWidget(parent=parent)
    plot.setObjectName(name)
    item = plot.getPlotItem()
    item.setLabel("left", y_label)
    item.setLabel("bottom", "step")
    for axis in ("left", "bottom"):
        item.getAxis(axis).enableAutoSIPrefix(False)
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    item.setMenuEnabled(True)
    plot.setMinimumHeight(60)
    return plot


class LivePlots(QWidget):
    """Two stacked plots sharing the step axis: losses, D outputs."""

    def __init__(self, parent: QWidget | None = None, max_points: int = 200_000) -> None:
        super().__init__(parent)
        self.buffer = MetricBuffer(SERIES, max_points=max_points)
        self._smoother = Smoother(SMOOTHED)
        self._dirty = False
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self._on_redraw_due)
        self.splitter: QSplitter | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self.splitter is not None

    def build(self) -> None:
        """Create the plots (imports pyqtgraph); does nothing the second time."""
        if self.splitter is not None:
            return
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("plotSplitter")
        splitter.setChildrenCollapsible(False)
        # Throughput is the status bar's figure: a third plot left the other two 60 px tall
        # on a 1024 x 600 screen.
        self.loss_plot = _make_plot("lossPlot", "loss", splitter)
        self.d_plot = _make_plot("dOutputPlot", "D", splitter)
        self.d_plot.setXLink(self.loss_plot)
        self.loss_plot.getPlotItem().hideAxis("bottom")  # the step axis is drawn once, at the bottom
        self.loss_plot.getPlotItem().setContentsMargins(0, 0, 0, 8)  # room for the lowest tick's text
        self.d_plot.setMinimumHeight(80)  # it holds the step axis too
        for plot, stretch in ((self.loss_plot, 1), (self.d_plot, 1)):
            splitter.addWidget(plot)
            splitter.setStretchFactor(splitter.indexOf(plot), stretch)
        splitter.setSizes([300, 300])  # the lower one also holds the step axis
        self.splitter = splitter
        self._legends = {self.loss_plot: ("loss_D", "loss_G"), self.d_plot: ("D_real", "D_fake")}
        for plot, names in self._legends.items():
            for name in names:
                if name in RAW_SHOWN:  # raw: faint beside the smoothed one
                    self.curves[name] = plot.plot(pen=theme.pen(name))
                self.curves[name + "_smooth"] = plot.plot(pen=theme.pen(name, True))
        import pyqtgraph as pg

        self.curves["js"] = self.loss_plot.plot(pen=pg.mkPen(JS_COLOR, width=2, style=Qt.PenStyle.DashLine))
        self._shows_js = False
        for curve in self.curves.values():
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            curve.setSkipFiniteCheck(False)
        self.layout().addWidget(splitter)
        self._apply_theme()
        if len(self.buffer):
            self.redraw()

    def clear(self) -> None:
        self._dirty = False
        self.buffer.clear()
        self._smoother.reset()
        for curve in self.curves.values():
            curve.setData([], [])

    def append(self, rows: Iterable[Mapping[str, float]]) -> None:
        """Add metric rows (dicts with ``step`` and any of the series); the curves follow
        at once when they were idle, else at the next redraw slot (at most 2 per second)."""
        rows = self._smoother.apply(rows)
        if not rows:
            return
        self.buffer.append_rows(rows)
        if self._redraw_timer.isActive() or not self.isVisible() or not self.is_built:
            self._dirty = True
        else:
            self.redraw()
            self._redraw_timer.start()

    def _on_redraw_due(self) -> None:
        if self._dirty and self.isVisible() and self.is_built:  # a hidden tab catches up when shown
            self.redraw()
            self._redraw_timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self.redraw()

    def flush(self) -> None:
        """Draw whatever is pending now (a run ended)."""
        if self._dirty and self.is_built:
            self.redraw()

    def truncate_after(self, step: int) -> None:
        self.buffer.truncate_after(step)
        self.redraw()

    def redraw(self) -> None:
        self._dirty = False
        x = self.buffer.x()
        for name, curve in self.curves.items():
            y = self.buffer.y(name)
            if name == "js":  # measured with the 1-D view only: its points joined across the gaps
                keep = np.isfinite(y)
                curve.setData(x[keep], y[keep])
            else:
                curve.setData(x, y, connect="finite")
        shows_js = bool(len(x)) and bool(np.isfinite(self.buffer.y("js")).any())
        if shows_js != self._shows_js:
            self._shows_js = shows_js
            self._apply_theme()

    def point_count(self, name: str = "loss_D_smooth") -> int:
        """How many points the named curve shows (what a person sees on the plot)."""
        if name not in self.curves:
            return 0
        data = self.curves[name].getData()[1]
        return 0 if data is None else int((data == data).sum())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)

    def _apply_theme(self) -> None:
        if not self.is_built:
            return
        for plot, names in self._legends.items():
            if plot is self.loss_plot and self._shows_js:
                names = (*names, "js")
            set_legend_title(plot.getPlotItem(), legend_title(names))
            theme.style_plot(plot)
