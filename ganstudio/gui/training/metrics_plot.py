"""Sample-quality figures against the step, and the mode-collapse banner.

The plot is built (and pyqtgraph imported) when the first figures arrive; until then a
line says when they will. Figures come a few times a minute, so each one redraws at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QSplitter, QVBoxLayout, QWidget

from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.probe import (
    KIND_CLASSIFIER,
    KIND_DIVERSITY,
    KIND_MODES,
    is_metrics_row,
    probe_kind,
    summary,
)

DEFAULT_EVERY = {"image": 200, "toy": 250}
# kind -> (left axis, right axis, [(key, legend, colour, dashed, axis)])
LAYOUTS: dict[str, tuple[str, str, list[tuple[str, str, str, bool, str]]]] = {
    KIND_CLASSIFIER: ("Frechet distance", "digits", [
        ("frechet_distance", "Frechet distance", "#1f77b4", False, "left"),
        ("frechet_floor", "real vs real", "#1f77b4", True, "left"),
        ("classes_covered", "digits covered", "#2ca02c", False, "right"),
        ("class_kl", "class KL", "#ff7f0e", False, "right"),
    ]),
    KIND_MODES: ("modes", "high quality %", [  # axis titles fit a short plot; the legend says more
        ("modes_covered", "modes covered", "#2ca02c", False, "left"),
        ("high_quality_pct", "high quality %", "#9467bd", False, "right"),
    ]),
    KIND_DIVERSITY: ("mean pairwise distance", "", [
        ("diversity", "generated", "#1f77b4", False, "left"),
        ("real_diversity", "real data", "#1f77b4", True, "left"),
    ]),
}  # fmt: skip
# Every generator starts out producing near-identical blobs: before this step the banner
# waits unless the samples were varied once and then fell back (a collapse, not a start).
WARMUP_STEPS = 500
RIGHT_RANGE = {KIND_CLASSIFIER: (0.0, 10.5), KIND_MODES: (0.0, 102.0)}  # digits and class KL; %
BANNER_STYLE = ("QLabel#collapseWarning { background: #fff3cd; color: #664d03; border: 1px solid #e0b000;"
                " border-radius: 4px; padding: 6px 8px; }")


QWIDGET_SIZE_MAX = (1 << 24) - 1  # Qt's QWIDGETSIZE_MAX: no maximum

class CollapseBanner(WrapLabel):
    """A warning strip above the live view; shown while the last check says collapse
    (after the warm-up, or at once when the samples had been varied before)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("collapseWarning")
        self.setStyleSheet(BANNER_STYLE)
        self.setTextFormat(Qt.TextFormat.RichText)
        self._seen_varied = False
        self.hide()

    def reset(self) -> None:
        """A new run: forget whether the samples were ever varied."""
        self._seen_varied = False
        self.clear_warning()

    def show_row(self, row: Mapping[str, Any]) -> None:
        if not row.get("collapsed"):
            self._seen_varied = True
            self.clear_warning()
            return
        if not self._seen_varied and int(row.get("step", 0)) < WARMUP_STEPS:
            return
        message = str(row.get("collapse_message") or "Possible mode collapse: the samples vary far less "
                      "than the real data.")
        head, _, rest = message.partition(":")
        self.setText(f"<b>⚠ {head}</b> (step {int(row.get('step', 0)):,}):{rest}")
        self.setToolTip("The samples were checked against the real data's variety; "
                        "the warning clears once they are varied again.")
        self.show()

    def clear_warning(self) -> None:
        self.setText("")
        self.hide()


class MetricsPanel(QWidget):
    """The quality plot (objectName ``metricsPlot``), a summary line and the cadence spin box."""

    every_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metricsPanel")
        self.kind = KIND_CLASSIFIER
        self._every = dict(DEFAULT_EVERY)
        self._family = "image"
        self.rows: list[dict[str, Any]] = []
        self.plot: Any = None
        self._right: Any = None
        self._curves: dict[str, Any] = {}

        self.every_spin = QSpinBox()
        self.every_spin.setObjectName("metricsEverySpin")
        self.every_spin.setRange(1, 1_000_000)
        self.every_spin.setGroupSeparatorShown(True)
        self.every_spin.setSuffix(" steps")
        self.every_spin.setValue(self._every["image"])
        self.every_spin.setToolTip("How often the training thread measures sample quality and diversity")
        self.every_spin.valueChanged.connect(self._on_every_changed)
        self.summary = WrapLabel("Quality figures appear after the first evaluation.")
        self.summary.setObjectName("metricsSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # The readout has the whole width to itself (two lines, not five in a narrow
        # column), and the cadence sits on the bottom line like the samples' on the right.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Measure every"))
        row.addWidget(self.every_spin)
        row.addStretch(1)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addWidget(self.summary)
        self._layout.addLayout(row)
        # Until the first figures come this pane is a caption and a spin box: cap its height so
        # the splitter gives the room to the loss plots (on a 600 px screen they need it).
        lines = self.fontMetrics().lineSpacing() * 3
        self.setMaximumHeight(lines + self.every_spin.sizeHint().height() + 12)

    # ----------------------------------------------------------------- configuration
    def every_for(self, config: Any) -> int:
        """The cadence for a run of ``config`` (and show it in the spin box)."""
        self.set_config(config)
        return self.every_spin.value()

    def set_config(self, config: Any) -> None:
        if config is None:
            return
        self._family = "toy" if config.is_toy else "image"
        self.every_spin.blockSignals(True)
        self.every_spin.setValue(self._every[self._family])
        self.every_spin.blockSignals(False)
        kind = probe_kind(config)
        if kind != self.kind:
            self.kind = kind
            if self.plot is not None:
                self._build_curves()

    # ----------------------------------------------------------------- data
    def clear(self) -> None:
        self.rows.clear()
        self.summary.setText(f"Quality figures appear every {self.every_spin.value():,} steps.")
        for curve in self._curves.values():
            curve.setData([], [])

    def append(self, rows: Iterable[Mapping[str, Any]]) -> None:
        new = [dict(r) for r in rows if is_metrics_row(r)]
        if not new:
            return
        kind = _kind_of(new[-1])
        if kind != self.kind and not self.rows:
            self.kind = kind
            if self.plot is not None:
                self._build_curves()
        self.rows.extend(new)
        self._ensure_plot()
        self.redraw()
        text = summary(new[-1])
        if "metrics_s" in new[-1]:
            text += f" — measured in {new[-1]['metrics_s']:.2f} s"
        self.summary.setText(text)

    def truncate_after(self, step: int) -> None:
        self.rows = [r for r in self.rows if int(r.get("step", 0)) <= step]
        if self.plot is not None:
            self.redraw()

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of one figure, as plotted."""
        xs, ys = [], []
        for r in self.rows:
            value = 100 * r["high_quality"] if key == "high_quality_pct" and "high_quality" in r else r.get(key)
            xs.append(float(r["step"]))
            ys.append(_finite(value))
        return xs, ys

    def redraw(self) -> None:
        for key, curve in self._curves.items():
            xs, ys = self.series(key)
            curve.setData(xs, ys, connect="finite")
        item = self.plot.getPlotItem()
        if len(self.rows) == 1:  # one point: show it against the run so far, not a 1-step-wide axis
            item.setXRange(0, float(self.rows[0]["step"]), padding=0.02)
        elif len(self.rows) == 2:
            item.enableAutoRange(x=True)
        if self.kind == KIND_MODES and self.rows:  # a count: the axis runs from none to all modes
            n_modes = int(self.rows[-1].get("n_modes") or 1)
            item.setYRange(0, n_modes + 0.5, padding=0)

    # ----------------------------------------------------------------- the plot (built lazily)
    def _ensure_plot(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(parent=self)
        self.plot.setObjectName("metricsPlot")
        self.plot.setMinimumHeight(90)  # a 1024 x 600 screen holds it under the loss plots
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "step")
        for axis in ("left", "bottom", "right"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        item.addLegend(offset=(-10, 10), labelTextSize="9pt", colCount=2)  # short: less over the curves
        self._right = pg.ViewBox()
        item.scene().addItem(self._right)
        item.getAxis("right").linkToView(self._right)
        self._right.setXLink(item)
        item.vb.sigResized.connect(self._on_view_resized)
        self._apply_theme()
        self._layout.insertWidget(0, self.plot, 1)
        self.setMaximumHeight(QWIDGET_SIZE_MAX)
        column = self.parentWidget()
        if isinstance(column, QSplitter) and column.count() == 2:
            # until now this pane held two lines of text: give the new plot its share
            total = sum(column.sizes())
            mine = column.indexOf(self)
            sizes = [int(total * 0.62), total - int(total * 0.62)]
            column.setSizes(sizes if mine == 1 else sizes[::-1])
        self._build_curves()

    def _build_curves(self) -> None:
        import pyqtgraph as pg
        from PySide6.QtGui import QColor

        item = self.plot.getPlotItem()
        for curve in self._curves.values():
            (self._right if curve.getViewBox() is self._right else item).removeItem(curve)
        if item.legend is not None:
            item.legend.clear()
        self._curves = {}
        left, right, specs = LAYOUTS[self.kind]
        item.setTitle("Sample quality")
        item.setLabel("left", left)
        if right:
            item.showAxis("right")
            item.setLabel("right", right)
        else:
            item.hideAxis("right")
        for key, label, colour, dashed, axis in specs:
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = pg.mkPen(QColor(colour), width=2, style=style)
            symbol = None if dashed else "o"
            curve = pg.PlotDataItem(pen=pen, symbol=symbol, symbolSize=5, symbolBrush=QColor(colour),
                                    symbolPen=None, name=label)
            if axis == "right":
                self._right.addItem(curve)
                if item.legend is not None:
                    item.legend.addItem(curve, label)
            else:
                item.addItem(curve)
            self._curves[key] = curve
        if self.kind in RIGHT_RANGE:
            self._right.setYRange(*RIGHT_RANGE[self.kind], padding=0)
        else:
            self._right.enableAutoRange(axis="y")
        self._on_view_resized()
        self.redraw()

    def _on_view_resized(self) -> None:
        item = self.plot.getPlotItem()
        self._right.setGeometry(item.vb.sceneBoundingRect())
        self._right.linkedViewChanged(item.vb, self._right.XAxis)

    def _apply_theme(self) -> None:
        import pyqtgraph as pg

        from ganstudio.gui.common import theme

        theme.style_plot(self.plot)
        _background, foreground = theme.palette_colors()
        axis = self.plot.getPlotItem().getAxis("right")
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and self.plot is not None:
            self._apply_theme()
        super().changeEvent(event)

    def _on_every_changed(self, steps: int) -> None:
        self._every[self._family] = steps
        self.every_changed.emit(steps)


def _kind_of(row: Mapping[str, Any]) -> str:
    if "frechet_distance" in row:
        return KIND_CLASSIFIER
    if "modes_covered" in row:
        return KIND_MODES
    return KIND_DIVERSITY


def _finite(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan
