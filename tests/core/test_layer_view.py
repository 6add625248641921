"""The layer view's core: a generator's feature maps, read with a hook on one forward pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.core.config import preset
from ganstudio.core.generate import generate
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import sample_z
from ganstudio.core.latent.layers import channel_image, feature_layers, feature_maps, maps_grid
from ganstudio.core.models.build import build_generator

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_dcgan_lists_its_blocks_in_order_and_the_last_is_the_image():
    cfg = preset("mnist-dcgan")
    cfg.model.g_width = 8
    G = build_generator(cfg).eval()
    layers = feature_layers(G)
    assert [layer.shape[1] for layer in layers] == [3, 7, 14, 28]  # growing, in forward order
    z = sample_z(3, 1, 100)
    last = feature_maps(G, layers[-1].name, z)
    # the Tanh block's single map is the image itself
    assert np.allclose(last.maps[0], generate(G, z)[0, 0].numpy(), atol=1e-6)
    assert last.low == pytest.approx(float(last.maps.min())) and last.high == pytest.approx(float(last.maps.max()))


def test_stylegan_blocks_show_their_features_not_the_rgb(tmp_path):
    G = load_generator(FIXTURES / "stylegan2-ada" / "G_tiny32.pkl").generator
    layers = feature_layers(G)
    assert [layer.name for layer in layers] == ["synthesis.b4", "synthesis.b8", "synthesis.b16", "synthesis.b32"]
    z = sample_z(0, 1, G.latent_dim)
    a = feature_maps(G, "synthesis.b8", z)
    b = feature_maps(G, "synthesis.b8", z, truncation_psi=0.0)  # every image is the average one
    assert a.maps.shape == layers[1].shape and not np.allclose(a.maps, b.maps)


def test_pictures_of_the_maps_are_normalised_and_tiled():
    G = build_generator(preset("mnist-dcgan")).eval()
    fm = feature_maps(G, feature_layers(G)[1].name, sample_z(0, 1, 100))
    grid = maps_grid(fm)  # 128 maps of 7x7: a 12x11 grid with 1 px gaps
    assert grid.dtype == np.uint8 and grid.shape == (11 * 8 + 1, 12 * 8 + 1)
    one = channel_image(fm, 5)
    assert one.shape == (7, 7) and (one.max() == 255 or one.min() == one.max())
    with pytest.raises(ValueError, match="no block named"):
        feature_maps(G, "nothing", torch.zeros(1, 100))
