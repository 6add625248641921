"""The view beside the plots: the sample grid of an image run, or the lab of a toy run (the
2-D data space or the 1-D line), with the model overview above it, the drawing tools and
slow motion of the 2-D view, and how often the view updates.

It owns what it shows: the tab hands it configs and the worker's views, and it decides
where each goes (a view held for a slow-motion replay waits; a 1-D view goes to the line).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QStackedWidget, QVBoxLayout, QWidget

from ganstudio.gui.common import jobs, settings
from ganstudio.gui.common.image_view import SampleHistory
from ganstudio.gui.training.model_graph import ModelGraph
from ganstudio.gui.training.point_editor import PointEditor
from ganstudio.gui.training.slow_motion import SlowMotion
from ganstudio.gui.training.toy_view import ToyView
from ganstudio.gui.training.toy_view_1d import ToyView1D

# what a box of the model graph highlights in the 2-D view
HIGHLIGHTS = {"latent": ("manifold",), "generator": ("fake", "manifold", "gradients"),
              "fake": ("fake", "gradients"), "real": ("real",), "discriminator": ("heatmap",), "loss": ()}
DIMMED = 0.2
PREVIEW_BINS = 60


def data_extent(points: np.ndarray, half_width: float | None) -> tuple[float, float, float, float]:
    """The view of a toy before any run: its fixed half-width, else the points' bounding box
    widened by 15% and squared up (as the core's lab frames a point file)."""
    if half_width is not None:
        return (-half_width, half_width, -half_width, half_width)
    pts = np.asarray(points, dtype=float).reshape(len(points), -1)
    lo, hi = pts.min(0), pts.max(0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.15, 1e-3)
    cy = centre[1] if len(centre) > 1 else 0.0
    return (centre[0] - half, centre[0] + half, cy - half, cy + half)


class LabPanel(QWidget):
    """Samples or the toy lab, the model graph, and the update cadence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labPanel")
        self.samples = SampleHistory(self)
        self.samples.view.whole_pixels = False  # a grid of small images fills the panel
        self.toy_view = ToyView(self)
        self.toy_view_1d = ToyView1D(self)
        self.view_stack = QStackedWidget()
        self.view_stack.setObjectName("liveViewStack")
        for page in (self.samples, self.toy_view, self.toy_view_1d):
            self.view_stack.addWidget(page)
        self.jobs = jobs.JobRunner(self)
        self.graph = ModelGraph(self)
        self.graph.box_clicked.connect(self._on_graph_box_clicked)
        self.slow = SlowMotion(self.toy_view, self)
        self.points = PointEditor(self.toy_view, self)
        self.sample_every_spin = QSpinBox()
        self.sample_every_spin.setObjectName("sampleEverySpin")
        self.sample_every_spin.setRange(1, 100_000)
        self.sample_every_spin.setGroupSeparatorShown(True)
        self.sample_every_spin.setSuffix(" steps")
        self.sample_every_spin.setValue(settings.get("training/sample_every"))
        self.sample_every_spin.setToolTip("How often the samples (or the 2-D view) are drawn while training")
        every_row = QHBoxLayout()
        every_row.addWidget(QLabel("Update every"))
        every_row.addWidget(self.sample_every_spin)
        every_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.graph)
        layout.addWidget(self.view_stack, 1)
        layout.addLayout(every_row)
        self.is_1d = False

    def build(self) -> None:
        """The plots (pyqtgraph), once the window is up."""
        self.toy_view.build()
        self.toy_view_1d.build()

    # ----------------------------------------------------------------- what kind of run
    def show_kind(self, toy: bool, one_d: bool = False) -> None:
        self.is_1d = toy and one_d
        page = self.samples if not toy else (self.toy_view_1d if one_d else self.toy_view)
        self.view_stack.setCurrentWidget(page)

    def set_config(self, config: Any) -> None:
        """A run's (or the form's) config: the graph's boxes and the map's meaning."""
        if config is None:
            return
        from ganstudio.core import losses

        self.graph.set_config(config)
        reads = losses.loss(config.train.loss).reads_as_probability
        self.toy_view.set_score_label("D(x)" if reads else "D score (normalised)")
        self.show_kind(config.is_toy, config.sample_shape == (1,))

    def set_networks(self, widths: Mapping[str, Any]) -> None:
        self.jobs.cancel("networks")  # a run's own networks win over the form's
        self.graph.set_networks(widths)

    def preview_networks(self, config: Any) -> None:
        """The form's networks in the graph before a run (built on the meta device, in a job)."""
        from ganstudio.gui.training.networks import config_widths

        self.jobs.start("networks", lambda _state: config_widths(config), done=self.graph.set_networks,
                        failed=lambda _exc, _details: self.graph.set_networks({}), newest_wins=True)

    def clear(self) -> None:
        self.slow.stop()
        self.samples.clear()
        self.toy_view.clear()
        self.toy_view_1d.clear()
        self.graph.clear_values()

    # ----------------------------------------------------------------- views
    def show_view(self, view: Mapping[str, Any]) -> None:
        """A view from the worker: the 1-D line's curves, or the 2-D lab's layers (held while
        slow motion replays a step)."""
        if "x" in view and "heat" not in view:
            self.toy_view_1d.set_view(view)
            return
        if self.slow.offer(dict(view)):
            return
        self.toy_view.set_view(view)

    def show_preview(self, points: Any, half_width: float | None) -> None:
        """The data before any run: its points over a neutral map, or its histogram on a line."""
        pts = np.asarray(points, dtype=float)
        pts = pts.reshape(len(pts), -1)
        if not len(pts):
            return
        x0, x1, y0, y1 = data_extent(pts, half_width)
        if pts.shape[1] == 1:
            counts, edges = np.histogram(pts[:, 0], bins=PREVIEW_BINS, range=(x0, x1), density=True)
            self.toy_view_1d.clear()
            self.toy_view_1d.set_view({"x": (edges[:-1] + edges[1:]) / 2, "p_data": counts})
            self.show_kind(True, True)
            return
        self.toy_view.clear()
        self.toy_view.set_view({"real": pts, "heat": np.full((2, 2), 0.5, np.float32),
                                "extent": (x0, x1, y0, y1)})
        self.show_kind(True, False)

    def _on_graph_box_clicked(self, name: str) -> None:
        """Bring the layers a box stands for to the front; the others fade."""
        view = self.toy_view
        if view.plot is None:
            return
        wanted = HIGHLIGHTS.get(name, ()) if name else ()
        for layer, items in view.items.items():
            opacity = 1.0 if not name or layer in wanted else DIMMED
            for item in items:
                item.setOpacity(opacity)
