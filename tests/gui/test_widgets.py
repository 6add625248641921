"""The live-view building blocks on their own: bounded buffers, smoothing, images, history."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.gui.common.image_view import SampleHistory, array_to_qimage
from ganstudio.gui.training.metric_buffer import MetricBuffer, Smoother


def test_metric_buffer_stays_bounded_and_spans_the_whole_run() -> None:
    buffer = MetricBuffer(["loss_D"], max_points=10_000)
    rows = ({"step": s, "loss_D": float(s % 7)} for s in range(1, 150_001))
    buffer.append_rows(rows)
    assert len(buffer) <= 10_000
    assert buffer.x()[0] <= 16 and buffer.x()[-1] >= 149_000
    assert np.all(np.diff(buffer.x()) > 0)
    assert abs(float(np.mean(buffer.y("loss_D"))) - 3.0) < 0.05


def test_metric_buffer_keeps_missing_values_as_gaps() -> None:
    buffer = MetricBuffer(["loss_D", "D_real"])
    buffer.append_rows([{"step": 1, "loss_D": 0.5}, {"step": 2, "loss_D": None, "D_real": 0.9}])
    assert buffer.y("loss_D")[0] == 0.5 and np.isnan(buffer.y("loss_D")[1])
    assert np.isnan(buffer.y("D_real")[0]) and buffer.y("D_real")[1] == 0.9


def test_smoother_starts_on_the_raw_value_and_follows_a_step() -> None:
    smoother = Smoother(["loss_G"], alpha=0.1)
    rows = smoother.apply([{"step": 1, "loss_G": 4.0}])
    assert rows[0]["loss_G_smooth"] == pytest.approx(4.0)
    rows = smoother.apply({"step": s, "loss_G": 0.0} for s in range(2, 200))
    assert rows[-1]["loss_G_smooth"] < 0.01
    assert 0.0 < rows[0]["loss_G_smooth"] < 4.0


def test_grey_and_colour_arrays_become_images() -> None:
    grey = np.zeros((5, 7, 1), dtype=np.uint8)
    grey[2, 3] = 255
    image = array_to_qimage(grey)
    assert (image.width(), image.height()) == (7, 5)
    assert image.pixelColor(3, 2).value() == 255 and image.pixelColor(0, 0).value() == 0
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    assert array_to_qimage(rgb).pixelColor(1, 1).red() == 200


def test_history_scrubs_back_and_stays_bounded(qtbot) -> None:  # noqa: ANN001
    history = SampleHistory(max_grids=10)
    qtbot.addWidget(history)
    for step in range(1, 31):
        history.add(step * 100, np.full((4, 4, 1), step, dtype=np.uint8))
    assert len(history) <= 10
    assert history.steps()[-1] == 3000 and history.steps()[0] == 100
    assert history.view.image().pixelColor(0, 0).value() == 30
    history.slider.setValue(0)
    assert history.view.image().pixelColor(0, 0).value() == 1
    assert "step 100" in history.step_label.text()
    history.add(3100, np.full((4, 4, 1), 31, dtype=np.uint8))
    assert history.view.image().pixelColor(0, 0).value() == 1, "scrubbing was interrupted"
