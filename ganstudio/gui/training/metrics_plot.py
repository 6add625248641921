"""Sample-quality figures against the step, and the mode-collapse banner.

The plot is built (and pyqtgraph imported) when the first figures arrive; until then a
line says when they will, or, for a run followed from disk, that it has none. Its step axis
is the loss plots' (linked), so it always spans the run shown. On toys it shows how far the
generated points are from the real ones, KL and JS divergence (GAN Lab's evaluators),
beside the modes covered or the samples' variety. Figures come a few times a minute, so
each one redraws at once. The banner is one line, whatever its advice's length: shortened
with "…" to its width; ``text()`` and the tooltip hold the whole warning, and a click shows
it in a box (the advice is long, the plots need the room).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QSplitter, QVBoxLayout, QWidget

from ganstudio.gui.common import dialogs
from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.live_plots import set_legend_title
from ganstudio.gui.training.probe import (
    KIND_CLASSIFIER,
    KIND_DIVERSITY,
    KIND_MODES,
    KIND_TOY,
    is_metrics_row,
    probe_kind,
    summary,
)

DEFAULT_EVERY = {"image": 200, "toy": 250}
_KL = ("kl", "KL", "#d62728", False, "left")
_JS = ("js", "JS", "#ff7f0e", False, "left")
# kind -> (left axis, right axis, [(key, legend, colour, dashed, axis)])
LAYOUTS: dict[str, tuple[str, str, list[tuple[str, str, str, bool, str]]]] = {
    KIND_CLASSIFIER: ("Frechet distance", "digits", [
        ("frechet_distance", "Frechet distance", "#1f77b4", False, "left"),
        ("frechet_floor", "real vs real", "#1f77b4", True, "left"),
        ("classes_covered", "digits covered", "#2ca02c", False, "right"),
        ("class_kl", "class KL", "#ff7f0e", False, "right"),
    ]),
    KIND_MODES: ("divergence", "%", [  # axis titles fit a short plot; the legend says more
        _KL, _JS,
        ("modes_pct", "modes %", "#2ca02c", False, "right"),
        ("high_quality_pct", "quality %", "#9467bd", False, "right"),
    ]),
    KIND_TOY: ("divergence", "%", [
        _KL, _JS,
        ("variety_pct", "variety %", "#1f77b4", False, "right"),
    ]),
    KIND_DIVERSITY: ("mean pairwise distance", "", [
        ("diversity", "generated", "#1f77b4", False, "left"),
        ("real_diversity", "real data", "#1f77b4", True, "left"),
    ]),
}  # fmt: skip
RIGHT_RANGE = {KIND_CLASSIFIER: (0.0, 10.5), KIND_MODES: (0.0, 102.0), KIND_TOY: (0.0, 102.0)}
FOLLOWED_NOTE = ("No quality figures: the app measures them while it trains a run, and this run's "
                 "trainer wrote none.")
QWIDGET_SIZE_MAX = (1 << 24) - 1  # Qt's QWIDGETSIZE_MAX: no maximum
# Every generator starts out producing near-identical blobs: before this step the banner
# waits unless the samples were varied once and then fell back (a collapse, not a start).
WARMUP_STEPS = 500
BANNER_STYLE = ("QLabel#collapseWarning { background: #fff3cd; color: #664d03; border: 1px solid #e0b000;"
                " border-radius: 4px; padding: 3px 8px; font-weight: bold; }")
BANNER_MARGIN = 22  # the padding and border the style sheet draws around the text


def _percent(row: Mapping[str, Any], key: str) -> Any:
    """The plotted percentages, derived from the row's shares and counts."""
    if key == "high_quality_pct" and "high_quality" in row:
        return 100 * row["high_quality"]
    if key == "modes_pct" and "modes_covered" in row and row.get("n_modes"):
        return 100 * row["modes_covered"] / row["n_modes"]
    if key == "variety_pct" and "diversity_ratio" in row:
        return 100 * row["diversity_ratio"]
    return row.get(key)


class CollapseBanner(QLabel):
    """A warning strip above the live view; shown while the last check says collapse
    (after the warm-up, or at once when the samples had been varied before)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("collapseWarning")
        self.setStyleSheet(BANNER_STYLE)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._full = ""
        self._seen_varied = False
        self.hide()

    def text(self) -> str:  # the whole warning, not the shortened line on screen
        return self._full

    def reset(self) -> None:
        """A new run: forget whether the samples were ever varied."""
        self._seen_varied = False
        self.clear_warning()

    def show_row(self, row: Mapping[str, Any]) -> None:
        if not row.get("collapsed"):
            self._seen_varied = True
            self.clear_warning()
            return
        step = int(row.get("step", 0))
        if not self._seen_varied and step < WARMUP_STEPS:
            return
        message = str(row.get("collapse_message") or "Possible mode collapse: the samples vary far less "
                      "than the real data.")
        head, _, rest = message.partition(":")
        self._full = f"⚠ {head} (step {step:,}):{rest}"
        self.setToolTip(f"{self._full}\n\nThe samples were checked against the real data's variety; "
                        "the warning clears once they are varied again. Click to read it in full.")
        self._elide()
        self.show()

    def clear_warning(self) -> None:
        self._full = ""
        QLabel.setText(self, "")
        self.hide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(60, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(60, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._full:
            dialogs.show_info(self, "Mode collapse", self._full)
        super().mousePressEvent(event)

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(10, self.width() - BANNER_MARGIN))
        QLabel.setText(self, shown)


class MetricsPanel(QWidget):
    """The quality plot (objectName ``metricsPlot``), a summary line and the cadence spin box."""

    every_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metricsPanel")
        self.kind = KIND_CLASSIFIER
        self._every = dict(DEFAULT_EVERY)
        self._family = "image"
        self._following = False
        self._steps_plot: Any = None  # the loss plot whose step axis this one shares
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
        self.every_label = QLabel("Measure every")
        self.summary = WrapLabel("")
        self.summary.setObjectName("metricsSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._show_waiting()

        # The readout has the whole width to itself (two lines, not five in a narrow
        # column), and the cadence sits on the bottom line like the samples' on the right.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.every_label)
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
        self._show_waiting()

    def set_following(self, following: bool) -> None:
        """A run followed from disk: no cadence to set, and maybe no figures at all."""
        self._following = following
        self.every_label.setVisible(not following)
        self.every_spin.setVisible(not following)
        self._show_waiting()

    def link_steps(self, plot: Any) -> None:
        """Show the steps ``plot`` (the loss plot) shows. Not pyqtgraph's X link, which lines
        up screen columns: beside this plot's right axis it would cut off the newest steps."""
        self._steps_plot = plot
        plot.getPlotItem().vb.sigXRangeChanged.connect(self._on_steps_changed)
        self._on_steps_changed()

    def _on_steps_changed(self, *_args: object) -> None:
        if self.plot is not None and self._steps_plot is not None:
            x0, x1 = self._steps_plot.getPlotItem().viewRange()[0]
            self.plot.getPlotItem().setXRange(x0, x1, padding=0)

    def _show_waiting(self) -> None:
        if self.rows:
            return
        if self._following:
            self.summary.setText(FOLLOWED_NOTE)
        else:
            self.summary.setText(f"Quality figures appear every {self.every_spin.value():,} steps.")

    # ----------------------------------------------------------------- data
    def clear(self) -> None:
        self.rows.clear()
        self._show_waiting()
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
            xs.append(float(r["step"]))
            ys.append(_finite(_percent(r, key)))
        return xs, ys

    def redraw(self) -> None:
        for key, curve in self._curves.items():
            xs, ys = self.series(key)
            curve.setData(xs, ys, connect="finite")
        if self._steps_plot is None and len(self.rows) == 1:  # one point: against the run so far
            self.plot.getPlotItem().setXRange(0, float(self.rows[0]["step"]), padding=0.02)

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
        self._right = pg.ViewBox()
        item.scene().addItem(self._right)
        item.getAxis("right").linkToView(self._right)
        self._right.setXLink(item)
        item.vb.sigResized.connect(self._on_view_resized)
        self._layout.insertWidget(0, self.plot, 1)
        self.setMaximumHeight(QWIDGET_SIZE_MAX)
        column = self.parentWidget()
        if isinstance(column, QSplitter) and column.count() == 2:
            # until now this pane held two lines of text: give the new plot its share
            total = sum(column.sizes())
            mine = column.indexOf(self)
            sizes = [int(total * 0.55), total - int(total * 0.55)]
            column.setSizes(sizes if mine == 1 else sizes[::-1])
        self._build_curves()

    def _build_curves(self) -> None:
        import pyqtgraph as pg
        from PySide6.QtGui import QColor

        item = self.plot.getPlotItem()
        for curve in self._curves.values():
            (self._right if curve.getViewBox() is self._right else item).removeItem(curve)
        self._curves = {}
        left, right, specs = LAYOUTS[self.kind]
        item.setLabel("left", left)
        if right:
            item.showAxis("right")
            item.setLabel("right", right)
        else:
            item.hideAxis("right")
        for key, _label, colour, dashed, axis in specs:
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = pg.mkPen(QColor(colour), width=2, style=style)
            symbol = None if dashed else "o"
            curve = pg.PlotDataItem(pen=pen, symbol=symbol, symbolSize=5, symbolBrush=QColor(colour),
                                    symbolPen=None)
            (self._right if axis == "right" else item).addItem(curve)
            self._curves[key] = curve
        if self.kind in RIGHT_RANGE:
            self._right.setYRange(*RIGHT_RANGE[self.kind], padding=0)
        else:
            self._right.enableAutoRange(axis="y")
        self._apply_theme()
        self._on_view_resized()
        self.redraw()
        self._on_steps_changed()

    def _legend_title(self) -> str:
        parts = []
        for _key, label, colour, dashed, _axis in LAYOUTS[self.kind][2]:
            mark = "╌╌" if dashed else "━━"
            parts.append(f'<span style="color:{colour}">{mark}</span>&nbsp;{label}')
        return "&nbsp;&nbsp;&nbsp;".join(parts)

    def _on_view_resized(self) -> None:
        item = self.plot.getPlotItem()
        self._right.setGeometry(item.vb.sceneBoundingRect())
        self._right.linkedViewChanged(item.vb, self._right.XAxis)

    def _apply_theme(self) -> None:
        import pyqtgraph as pg

        from ganstudio.gui.common import theme

        set_legend_title(self.plot.getPlotItem(), self._legend_title())
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
        self._show_waiting()
        self.every_changed.emit(steps)


def _kind_of(row: Mapping[str, Any]) -> str:
    if "frechet_distance" in row:
        return KIND_CLASSIFIER
    if "modes_covered" in row:
        return KIND_MODES
    if "js" in row:
        return KIND_TOY
    return KIND_DIVERSITY


def _finite(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan
