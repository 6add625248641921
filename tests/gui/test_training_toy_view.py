"""The toy lab's views: the 2-D layers (D's map, points, manifold, gradients), the colour key,
the fit that keeps drifting points in sight, the 1-D line, and the model overview."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPushButton, QWidget

RUN_TIMEOUT_MS = 120_000
LAYERS = ("real", "fake", "heatmap", "manifold", "gradients")


def _view(n: int = 64, far: bool = False, flat: bool = False) -> dict:
    rng = np.random.default_rng(1)
    real = rng.normal(0, 0.5, (n, 2))
    fake = rng.normal(0, 0.3, (n, 2))
    if far:
        fake[0] = (9.0, -7.0)  # a fake that drifted off the map
    xs = np.linspace(-2, 2, 32)
    gx, gy = np.meshgrid(xs, xs)
    heat = 0.5 + (0.004 if flat else 0.3) * np.tanh(gx)  # D unsure everywhere, or clearly split
    t = np.linspace(-1, 1, 9)
    manifold = np.stack([np.stack([t, np.full_like(t, c)], 1) for c in (-0.5, 0.0, 0.5)])
    return {"real": real, "fake": fake, "heat": heat.astype(np.float32), "extent": (-2, 2, -2, 2),
            "manifold": manifold, "gradients": -fake, "d_range": (float(heat.min()), float(heat.max()))}


@pytest.fixture
def view(qtbot):  # noqa: ANN001, ANN201
    from ganstudio.gui.training.toy_view import ToyView

    widget = ToyView()
    qtbot.addWidget(widget)
    widget.resize(420, 460)
    widget.show()
    widget.build()
    return widget


def test_each_layer_has_a_toggle_that_hides_it(view) -> None:  # noqa: ANN001
    view.set_view(_view())
    items = view.items
    assert len(view.manifold.getData()[0]) == 27, "G's manifold: 3 lines of 9 points"
    assert len(view.arrows.getData()[0]) == 6 * 64, "one arrow (shaft and head) per generated point"
    for name in LAYERS:
        check = view.findChild(QCheckBox, f"toyLayer_{name}")
        assert check is not None and check.isChecked()
        check.setChecked(False)
        assert not any(it.isVisible() for it in items[name]), f"{name} still shows"
        check.setChecked(True)
        assert all(it.isVisible() for it in items[name])


def test_d_map_has_a_key_and_stays_visible_when_d_is_unsure(view) -> None:  # noqa: ANN001
    view.set_view(_view(flat=True))
    lo, hi = view.colorbar.levels()
    assert lo < 0.5 < hi and abs((lo + hi) / 2 - 0.5) < 1e-9, "the key is not centred on D = 0.5"
    assert hi - lo < 0.1, "a map within 0.496..0.504 would be one flat colour on 0..1"
    image = view.heat.getPixmap().toImage()
    left, right = image.pixelColor(1, 16), image.pixelColor(image.width() - 2, 16)
    assert left != right, "D's lean is invisible"
    view.midline.generatePath()  # what its next paint draws
    assert view.midline.isVisible() and not view.midline.path.isEmpty(), "no line where D = 0.5"
    view.set_view(_view())
    assert view.colorbar.levels() == pytest.approx((0.5 - 0.3 * np.tanh(2), 0.5 + 0.3 * np.tanh(2)), abs=1e-3)


def test_the_view_fits_points_that_drift_off_the_map_until_zoomed(view) -> None:  # noqa: ANN001
    view.set_view(_view(far=True))
    (x0, x1), (y0, y1) = view.plot.getPlotItem().viewRange()
    assert x0 <= -2 and x1 >= 9 and y0 <= -7 and y1 >= 2, "the far point or the map is out of view"
    viewport = view.plot.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, 480), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)  # the person zooms in
    zoomed = view.plot.getPlotItem().viewRange()[0]
    assert zoomed[1] - zoomed[0] < x1 - x0
    view.set_view(_view(far=True))
    assert view.plot.getPlotItem().viewRange()[0] == pytest.approx(zoomed), "the zoom was undone"
    auto = view.plot.getPlotItem().autoBtn
    auto.clicked.emit(auto)  # the plot's "A" button
    assert view.plot.getPlotItem().viewRange()[0][1] >= 9


def test_points_are_coloured_by_d_where_it_judges_them(view) -> None:  # noqa: ANN001
    data = _view()
    view.set_view(data)
    values = view.d_at(np.array([[-1.9, 0.0], [1.9, 0.0], [30.0, 0.0]]))
    assert values[0] < 0.5 < values[1] and np.isnan(values[2])
    view.colour_points_by(view.d_at(data["real"]), view.d_at(data["fake"]))
    brushes = {b.color().name() for b in view.fake.data["brush"]}
    assert len(brushes) > 3, "the points are not filled with D's colours"
    view.colour_points_by(None, None)
    assert view.fake.opts["size"] == 5
    for item in (view.real, view.fake):  # each layer in its own colour again
        assert all(b is None for b in item.data["brush"]) and all(p is None for p in item.data["pen"])


def test_1d_view_draws_densities_d_and_the_mapping(qtbot) -> None:  # noqa: ANN001
    from ganstudio.gui.training.toy_view_1d import ToyView1D

    line = ToyView1D()
    qtbot.addWidget(line)
    line.show()
    x = np.linspace(-4, 4, 100)
    pd, pg_ = np.exp(-(x - 1) ** 2), np.exp(-(x + 1) ** 2)
    z = np.linspace(-2, 2, 40)
    line.set_view({"x": x, "p_data": pd, "p_g": pg_, "d": 1 / (1 + np.exp(-x)), "d_opt": pd / (pd + pg_),
                   "z_lines": np.stack([z, z / 2], 1), "js": 0.25})
    assert line.point_count() == (100, 40)
    for key in ("p_data", "p_g", "d", "d_opt"):
        assert len(line.curves[key].getData()[0]) == 100, key
    assert np.nanmax(line.curves["p_data"].getData()[1]) == pytest.approx(1.0), "densities share D's axis"
    assert "0.250" in line.findChild(QLabel, "toyJsLabel").text()


def test_a_1d_run_shows_the_line_and_js_beside_the_loss(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-1d", steps=6, batch=16)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    assert tab.view_stack.currentWidget() is tab.toy_view_1d
    assert tab.toy_view_1d.point_count()[1] > 0, "no z -> x lines"
    assert "JS divergence" in tab.findChild(QLabel, "toyJsLabel").text()
    js = tab.plots.curves["js"].getData()[1]
    assert js is not None and np.isfinite(js).any(), "no JS curve beside the losses"
    assert "JS" in tab.plots.loss_plot.getPlotItem().titleLabel.text


def test_model_graph_shows_the_run_and_highlights_a_layer(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=4, batch=16)
    graph = tab.findChild(QWidget, "modelGraph")
    qtbot.waitUntil(lambda: graph.details["generator"].startswith("8→32→2"), timeout=RUN_TIMEOUT_MS)  # no run yet
    tab.findChild(QWidget, "latentSpin").setValue(5)
    qtbot.waitUntil(lambda: graph.details["generator"].startswith("5→32→2"), timeout=RUN_TIMEOUT_MS)
    tab.findChild(QWidget, "latentSpin").setValue(8)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    assert graph.isVisible()
    assert graph.details["generator"].startswith("8→32→2"), graph.details["generator"]
    assert graph.details["discriminator"].startswith("2→32") and graph.details["discriminator"].endswith("→1")
    assert graph.details["loss"].startswith("D ") and "G " in graph.details["loss"]
    assert graph.details["real"].startswith("D(x) ")

    d_box = next(b for b in graph.boxes() if b.name == "discriminator").rect
    qtbot.mouseClick(graph, Qt.MouseButton.LeftButton, pos=d_box.center().toPoint())
    assert graph.highlighted == "discriminator"
    assert tab.toy_view.heat.opacity() == 1.0 and tab.toy_view.fake.opacity() < 0.5
    qtbot.mouseClick(graph, Qt.MouseButton.LeftButton, pos=d_box.center().toPoint())
    assert graph.highlighted == "" and tab.toy_view.fake.opacity() == 1.0
    assert graph.box_at(QPointF(-5, -5)) == ""
