"""The explorer's layer view: a model's blocks, their feature maps for the current latent."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.core.config import preset
from ganstudio.core.latent import sample_z
from ganstudio.core.latent.layers import feature_maps, maps_grid
from ganstudio.core.models.build import build_generator
from ganstudio.gui.explorer.layer_view import LayerView


@pytest.fixture
def small_dcgan():
    cfg = preset("mnist-dcgan")
    cfg.model.g_width = 8
    return build_generator(cfg).eval()


def _wait_for_image(qtbot, view):
    qtbot.waitUntil(lambda: not view.image.image().isNull(), timeout=20000)


def test_the_view_lists_the_blocks_and_paints_the_maps_of_the_latent(qtbot, small_dcgan):
    view = LayerView()
    qtbot.addWidget(view)
    view.set_generator(small_dcgan)
    qtbot.waitUntil(lambda: view.layer_combo.count() == 4, timeout=20000)
    z = sample_z(1, 1, 100)
    view.show_latent(z)
    _wait_for_image(qtbot, view)
    expected = maps_grid(feature_maps(small_dcgan, view.layer_combo.currentData(), z))
    shown = view.image.image()
    assert (shown.height(), shown.width()) == expected.shape
    assert "maps, values" in view.range_label.text()

    # one map large, with its own range in the caption
    view.single_check.setChecked(True)
    view.channel_spin.setValue(3)
    qtbot.waitUntil(lambda: view.range_label.text().startswith("Map 3 of"), timeout=20000)
    assert (view.image.image().height(), view.image.image().width()) == (3, 3)


def test_choosing_a_later_block_shows_bigger_maps(qtbot, small_dcgan):
    view = LayerView()
    qtbot.addWidget(view)
    view.set_generator(small_dcgan)
    qtbot.waitUntil(lambda: view.layer_combo.count() == 4, timeout=20000)
    view.show_latent(sample_z(2, 1, 100))
    _wait_for_image(qtbot, view)
    view.single_check.setChecked(True)
    view.layer_combo.setCurrentIndex(3)  # the image block: one 28x28 map
    qtbot.waitUntil(lambda: view.image.image().width() == 28, timeout=20000)
    assert view.range_label.text().startswith("Map 0 of 1")
    assert np.isfinite(float(view.range_label.text().split("values ")[1].split(" to")[0]))
