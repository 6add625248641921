"""The explorer's Layers page: the blocks of the generator shown, with the feature maps of the
latent on screen, for a z model and a StyleGAN2 in W; nothing is computed while it is hidden."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import torch
from explorer_helpers import make_tab, wait_frame
from PySide6.QtWidgets import QSpinBox

from ganstudio.core.io.checkpoint import LoadedGenerator
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import wspace
from ganstudio.core.latent.layers import feature_maps, maps_grid
from ganstudio.core.latent.wspace import WState
from ganstudio.core.models.build import build_generator
from ganstudio.gui.common.image_view import array_to_qimage

TINY32 = Path(__file__).resolve().parents[1] / "fixtures" / "stylegan2-ada" / "G_tiny32.pkl"


def shown_grid(qtbot, tab, expected: np.ndarray) -> None:
    """Wait until the view shows ``expected`` (uint8 grid), pixel for pixel."""
    image = array_to_qimage(expected)
    qtbot.waitUntil(lambda: tab.layer_view.image.image() == image, timeout=20000)


def test_the_layers_page_follows_the_latent_of_a_z_model(qtbot, tmp_path, errors, tiny_config):
    torch.manual_seed(0)
    config = tiny_config()
    loaded = LoadedGenerator(build_generator(config).eval().requires_grad_(False), config, 1, None)
    tab = make_tab(qtbot, tmp_path / "cache", loaded)
    try:
        assert tab.layer_view.layer_names() == []  # hidden: the model was not even copied
        tab.show_page(tab.layer_view)
        qtbot.waitUntil(lambda: tab.layer_view.layer_combo.count() > 0, timeout=20000)
        layer = tab.layer_view.layer_combo.currentData()
        G = loaded.generator
        z = tab.mode.vector(tab.state, tab.directions)
        shown_grid(qtbot, tab, maps_grid(feature_maps(G, layer, z)))
        assert "maps, values" in tab.findChild(object, "layerViewRange").text()
        tab.findChild(QSpinBox, "seedSpin").setValue(9)  # from the Latent page's seed box
        wait_frame(qtbot, tab)
        z9 = tab.mode.vector(tab.state, tab.directions)
        shown_grid(qtbot, tab, maps_grid(feature_maps(G, layer, z9)))
    finally:
        tab.shutdown()


def test_the_layers_page_shows_a_stylegan2_block_of_the_styles_on_screen(qtbot, tmp_path, errors):
    loaded = load_generator(TINY32)
    tab = make_tab(qtbot, tmp_path / "cache", loaded)
    try:
        tab.edit("mix", mix_seed=5, mix_from=4, psi=0.7)
        tab.show_page(tab.layer_view)
        view = tab.layer_view
        qtbot.waitUntil(lambda: view.layer_combo.count() > 0, timeout=20000)
        assert view.layer_names()[0].startswith("synthesis.")
        view.layer_combo.setCurrentIndex(2)
        ws = wspace.ws_of(loaded.generator, WState(seed=0, mix_seed=5, mix_from=4, psi=0.7))
        expected = maps_grid(feature_maps(loaded.generator, view.layer_combo.currentData(), ws,
                                          space="w"))
        shown_grid(qtbot, tab, expected)
    finally:
        tab.shutdown()
