"""The 2-D data space in the manner of GAN Lab: D's map behind the real and generated points,
G's manifold over them and the gradient arrows that move the fakes; each a layer a person
switches on or off (checkboxes ``toyLayer_<name>``).

D's map uses a diverging colour map centred on 0.5 (purple: judged generated, green: judged
real) whose levels are stretched symmetrically around 0.5 to the map's own spread, with a
dashed line where D = 0.5 and a colour bar saying what the colours mean: a D that is unsure
everywhere (the game's equilibrium) still shows where it leans. The view fits the map and
every point, so fakes that drift off the map stay in sight, until the person zooms; the
"A" button of the plot fits again.

The plot is built (and pyqtgraph imported) by :meth:`ToyView.build`, after the window is up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from ganstudio.gui.common import theme
from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.flow_layout import FlowLayout

if TYPE_CHECKING:
    import pyqtgraph as pg

REAL_COLOR = (34, 139, 34)
FAKE_COLOR = (128, 60, 170)
MANIFOLD_COLOR = (110, 40, 160, 150)
ARROW_COLOR = (60, 20, 90, 220)
LAYERS = ("real", "fake", "heatmap", "manifold", "gradients")
LAYER_TITLES = {"real": "Real", "fake": "Generated", "heatmap": "D's map", "manifold": "Manifold",
                "gradients": "Gradients"}
LAYER_TIPS = {
    "real": "Samples of the training data",
    "fake": "The generator's samples G(z) from fixed noise",
    "heatmap": "The discriminator's output D(x) over the data space: green where it says real, "
    "purple where it says generated; the dashed line is D = 0.5",
    "manifold": "Where G maps a grid over the latent space: the shape G draws the data on",
    "gradients": "The direction each generated point is pushed to fool D (the generator's gradient)",
}
ARROW_SHARE = 0.08  # the longest gradient arrow, as a share of the view's width
HEAD_SHARE = 0.3  # arrow head length, as a share of its arrow
MIN_HALF_RANGE = 0.02  # the map's levels span at least 0.5 +- this: a flat map stays flat
BRUSH_LEVELS = 64  # shades a point judged by D can take
OUTLIER_LIMIT = 10.0  # points further than this many map half-widths away are not chased
# PRGn (ColorBrewer), lightened so the points on top stay legible
MAP_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
MAP_COLORS = np.array([[153, 112, 171, 255], [194, 165, 207, 255], [236, 236, 236, 255],
                       [166, 219, 160, 255], [90, 174, 97, 255]], dtype=np.ubyte)


def heat_colormap() -> pg.ColorMap:
    import pyqtgraph as pg

    return pg.ColorMap(MAP_STOPS, MAP_COLORS)


def symmetric_levels(heat: np.ndarray) -> tuple[float, float]:
    """Levels centred on 0.5 that span the map's values (at least 0.5 +- MIN_HALF_RANGE)."""
    finite = heat[np.isfinite(heat)]
    spread = float(np.max(np.abs(finite - 0.5))) if finite.size else 0.5
    half = min(0.5, max(MIN_HALF_RANGE, spread))
    return 0.5 - half, 0.5 + half


def arrow_segments(starts: np.ndarray, vectors: np.ndarray, length: float) -> np.ndarray:
    """Shaft and two head strokes per arrow as (6 N, 2) points joined in pairs; the longest
    arrow is ``length`` long, the others in proportion."""
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    vectors = np.asarray(vectors, dtype=float).reshape(-1, 2)
    n = min(len(starts), len(vectors))
    if n == 0:
        return np.empty((0, 2))
    starts, vectors = starts[:n], np.nan_to_num(vectors[:n])
    norms = np.linalg.norm(vectors, axis=1)
    top = float(norms.max())
    scale = length / top if top > 0 else 0.0
    tips = starts + vectors * scale
    d = tips - starts
    back = -d * HEAD_SHARE
    cos, sin = np.cos(0.45), np.sin(0.45)
    left = np.stack([back[:, 0] * cos - back[:, 1] * sin, back[:, 0] * sin + back[:, 1] * cos], 1)
    right = np.stack([back[:, 0] * cos + back[:, 1] * sin, -back[:, 0] * sin + back[:, 1] * cos], 1)
    out = np.empty((n, 6, 2))
    out[:, 0], out[:, 1] = starts, tips
    out[:, 2], out[:, 3] = tips, tips + left
    out[:, 4], out[:, 5] = tips, tips + right
    return out.reshape(-1, 2)


def polylines(lines: Any) -> tuple[np.ndarray, np.ndarray]:
    """(L, K, 2) polylines as one array of points and pyqtgraph's connect flags (no segment
    from one line's end to the next line's start)."""
    arr = np.asarray(lines, dtype=float)
    if arr.ndim != 3 or arr.shape[-1] != 2 or arr.size == 0:
        return np.empty((0, 2)), np.empty(0, dtype=bool)
    n_lines, n_points = arr.shape[:2]
    connect = np.ones((n_lines, n_points), dtype=bool)
    connect[:, -1] = False
    return arr.reshape(-1, 2), connect.reshape(-1)


class ToyView(QWidget):
    """D's map, the real and generated points, G's manifold and gradient arrows (GAN Lab)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot: pg.PlotWidget | None = None
        self.view: dict[str, Any] = {}  # the last view shown (Trainer.toy_view's dict)
        self._extent: tuple[float, float, float, float] | None = None
        self._follow = True  # fit the map and points until the person zooms
        self._fitting = False
        self._real_key: tuple[int, float] | None = None
        self._brushes: np.ndarray | None = None
        self.caption = WrapLabel()  # wraps: a long phase caption must not widen the window
        self.caption.setObjectName("toyPhaseCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setStyleSheet("font-weight: bold;")
        self.caption.hide()
        self.layer_checks: dict[str, QCheckBox] = {}
        self.toolbar = QWidget()  # the layer toggles, then tools others add (drawing); they wrap
        self.toolbar.setObjectName("toyToolbar")
        self.tools = FlowLayout(self.toolbar)
        for name in LAYERS:
            check = QCheckBox(LAYER_TITLES[name])
            check.setObjectName(f"toyLayer_{name}")
            check.setChecked(True)
            check.setToolTip(LAYER_TIPS[name])
            check.toggled.connect(self._on_layer_toggled)
            self.layer_checks[name] = check
            self.tools.addWidget(check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        self._plot_slot = layout.count()
        layout.addWidget(self.toolbar)

    # ----------------------------------------------------------------- building
    def build(self) -> None:
        """Create the plot (imports pyqtgraph); does nothing the second time."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(parent=self)
        self.plot.setObjectName("toyPlot")
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setLabel("left", "x₂")
        item.setLabel("bottom", "x₁")
        item.setMenuEnabled(False)
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setColorMap(heat_colormap())
        self.heat.setZValue(-10)
        item.addItem(self.heat)
        self.midline = pg.IsocurveItem(level=0.5, axisOrder="row-major",
                                       pen=pg.mkPen((70, 70, 70, 200), width=1, style=Qt.PenStyle.DashLine))
        self.midline.setParentItem(self.heat)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=heat_colormap(), interactive=False,
                                        width=10, label="D(x)", colorMapMenu=False)
        self.colorbar.setImageItem(self.heat, insert_in=item)
        self.manifold = pg.PlotCurveItem(pen=pg.mkPen(MANIFOLD_COLOR, width=1))
        self.manifold.setZValue(-5)
        self.real = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*REAL_COLOR, 200))
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*FAKE_COLOR, 210))
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen(ARROW_COLOR, width=1), connect="pairs")
        self.drawn = pg.ScatterPlotItem(size=5, pen=pg.mkPen(20, 90, 40), brush=pg.mkBrush(*REAL_COLOR, 120))
        for it in (self.manifold, self.real, self.fake, self.arrows, self.drawn):
            item.addItem(it)
        self.drawn.hide()
        item.vb.sigRangeChangedManually.connect(self._on_range_changed_by_hand)
        item.autoBtn.clicked.connect(self._on_fit_clicked)
        self.layout().insertWidget(self._plot_slot, self.plot, 1)
        theme.style_plot(self.plot)
        self._apply_layers()

    @property
    def items(self) -> dict[str, Any]:
        """Layer name -> the plot items that draw it."""
        return {"real": (self.real,), "fake": (self.fake,), "heatmap": (self.heat, self.colorbar),
                "manifold": (self.manifold,), "gradients": (self.arrows,)}

    def layer_visible(self, name: str) -> bool:
        return self.layer_checks[name].isChecked()

    def set_score_label(self, text: str) -> None:
        """What the map's values are: "D(x)" for a probability, else a centred score."""
        self.build()
        self.colorbar.getAxis("left").setLabel(text)

    # ----------------------------------------------------------------- showing a view
    def clear(self) -> None:
        self.view = {}
        self._extent = None
        self._follow = True
        self._real_key = None
        self.set_caption("")
        if self.plot is None:
            return
        for it in (self.real, self.fake, self.drawn):
            it.setData([], [])
        self.heat.clear()
        self.midline.setData(None)
        self.manifold.setData([], [])
        self.arrows.setData([], [])

    def set_view(self, view: Mapping[str, Any]) -> None:
        """Show a ``Trainer.toy_view()`` dict: ``real``, ``fake``, ``heat``, ``extent``, and when
        present ``manifold`` ((L, K, 2) polylines) and ``gradients`` ((N, 2), one per fake)."""
        self.build()
        self.view = dict(view)
        real = _points(view.get("real"))
        key = (len(real), float(real.sum())) if len(real) else None
        if key != self._real_key:  # the real sample is the same fixed one at every view
            self.real.setData(real[:, 0], real[:, 1])
            self._real_key = key
        fake = view.get("fake")
        if fake is not None:
            fake = _points(fake)
            self.fake.setData(fake[:, 0], fake[:, 1])
        heat, extent = view.get("heat"), view.get("extent")
        if heat is not None and extent is not None:
            self.show_heat(np.asarray(heat, dtype=np.float32), extent)
        self.show_manifold(view.get("manifold"))
        if fake is not None:
            self.show_gradients(fake, view.get("gradients"))
        self.fit()

    def show_heat(self, heat: np.ndarray, extent: Any) -> None:
        x0, x1, y0, y1 = (float(v) for v in extent)
        self._extent = (x0, x1, y0, y1)
        levels = symmetric_levels(heat)
        self.heat.setImage(heat, levels=levels)
        self.heat.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colorbar.setLevels(levels)
        self.midline.setData(heat if self.layer_visible("heatmap") and heat.min() < 0.5 < heat.max() else None)

    def show_points(self, real: Any = None, fake: Any = None) -> None:
        if real is not None:
            real = _points(real)
            self.real.setData(real[:, 0], real[:, 1])
            self._real_key = None
        if fake is not None:
            fake = _points(fake)
            self.fake.setData(fake[:, 0], fake[:, 1])

    def show_manifold(self, lines: Any) -> None:
        if lines is None or not self.layer_visible("manifold"):
            self.manifold.setData([], [])
            return
        points, connect = polylines(lines)
        self.manifold.setData(points[:, 0], points[:, 1], connect=connect)

    def show_gradients(self, starts: Any, vectors: Any) -> None:
        if vectors is None or not self.layer_visible("gradients"):
            self.arrows.setData([], [])
            return
        segments = arrow_segments(starts, vectors, ARROW_SHARE * self._span())
        self.arrows.setData(segments[:, 0], segments[:, 1])

    def colour_points_by(self, real_values: np.ndarray | None, fake_values: np.ndarray | None) -> None:
        """Fill each point with the map's colour of D at that point (D judging the points),
        keeping its own colour as the outline; None restores the plain colours."""
        import pyqtgraph as pg

        lo, hi = self.colorbar.levels()
        table = self._brush_table()
        for item, values, colour in ((self.real, real_values, REAL_COLOR), (self.fake, fake_values, FAKE_COLOR)):
            if values is None:  # each point's own brush and pen go: the layer's colour again
                item.data["brush"] = None
                item.data["pen"] = None
                item.setPen(None, update=False)
                item.setBrush(pg.mkBrush(*colour, 210), update=False)
                item.setSize(5)
                continue
            scaled = np.nan_to_num((np.asarray(values, dtype=float) - lo) / max(hi - lo, 1e-9), nan=0.5)
            index = np.clip((scaled * (len(table) - 1)).round().astype(int), 0, len(table) - 1)
            item.setSize(8)
            item.setPen(pg.mkPen(*colour, width=1.5))
            item.setBrush(table[index])

    def _brush_table(self) -> np.ndarray:
        """The map's colours as brushes, in BRUSH_LEVELS steps (made once: a brush per point per
        frame made a slow-motion frame take 125 ms)."""
        if self._brushes is None:
            import pyqtgraph as pg

            colours = heat_colormap().map(np.linspace(0, 1, BRUSH_LEVELS), mode="qcolor")
            self._brushes = np.array([pg.mkBrush(c) for c in colours], dtype=object)
        return self._brushes

    def d_at(self, points: Any) -> np.ndarray:
        """D's value at ``points`` read off the map shown (nearest cell; NaN off the map)."""
        heat = self.heat.image if self.plot is not None else None
        pts = _points(points)
        if heat is None or self._extent is None or not len(pts):
            return np.full(len(pts), np.nan)
        x0, x1, y0, y1 = self._extent
        rows, cols = heat.shape
        col = np.floor((pts[:, 0] - x0) / (x1 - x0) * cols).astype(int)
        row = np.floor((pts[:, 1] - y0) / (y1 - y0) * rows).astype(int)
        inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        out = np.full(len(pts), np.nan)
        out[inside] = heat[row[inside], col[inside]]
        return out

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def point_count(self) -> tuple[int, int]:
        if self.plot is None:
            return 0, 0
        return len(self.real.data), len(self.fake.data)

    # ----------------------------------------------------------------- fitting the view
    def fit(self, force: bool = False) -> None:
        """Show the map and every point (outliers within reason), unless the person zoomed."""
        if self.plot is None or not (self._follow or force):
            return
        boxes = []
        if self._extent is not None:
            x0, x1, y0, y1 = self._extent
            boxes.append((x0, x1, y0, y1))
        for name, item in (("real", self.real), ("fake", self.fake), ("real", self.drawn)):
            if not self.layer_visible(name) and item is not self.drawn:
                continue
            x, y = item.getData()
            if x is None or not len(x):
                continue
            xy = np.stack([x, y], 1)
            xy = xy[np.isfinite(xy).all(1)]
            if self._extent is not None and len(xy):
                half = max(x1 - x0, y1 - y0) / 2
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                near = np.abs(xy - [cx, cy]).max(1) <= OUTLIER_LIMIT * half
                xy = xy[near]
            if len(xy):
                boxes.append((xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()))
        if not boxes:
            return
        b = np.array(boxes)
        x0, x1, y0, y1 = b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max()
        if x1 <= x0 or y1 <= y0:
            return
        self._fitting = True
        try:
            self.plot.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.03)
        finally:
            self._fitting = False

    def _span(self) -> float:
        if self._extent is not None:
            x0, x1, y0, y1 = self._extent
            return max(x1 - x0, y1 - y0)
        return 1.0

    def _on_range_changed_by_hand(self, *_args: object) -> None:
        if not self._fitting:
            self._follow = False

    def _on_fit_clicked(self) -> None:
        self._follow = True
        self.fit(force=True)

    # ----------------------------------------------------------------- layers
    def _on_layer_toggled(self, _checked: bool) -> None:
        self._apply_layers()
        if self.view:
            self.show_manifold(self.view.get("manifold"))
            fake = self.view.get("fake")
            if fake is not None:
                self.show_gradients(fake, self.view.get("gradients"))
            heat = self.heat.image
            if heat is not None:
                self.midline.setData(heat if self.layer_visible("heatmap") and heat.min() < 0.5 < heat.max()
                                     else None)

    def _apply_layers(self) -> None:
        if self.plot is None:
            return
        for name, items in self.items.items():
            for it in items:
                it.setVisible(self.layer_visible(name))


    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.PaletteChange and self.plot is not None:
            theme.style_plot(self.plot)
        super().changeEvent(event)


def _points(value: Any) -> np.ndarray:
    if value is None:
        return np.empty((0, 2))
    return np.asarray(value, dtype=float).reshape(-1, 2)
