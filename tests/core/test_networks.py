from __future__ import annotations

import pytest
import torch

from ganstudio.core.config import ModelConfig
from ganstudio.core.models.build import build_discriminator, build_generator, count_parameters


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
@pytest.mark.parametrize("resolution", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_and_range(arch, resolution, channels):
    cfg = ModelConfig(arch=arch, latent_dim=16, resolution=resolution, channels=channels,
                      g_width=8, d_width=8, mlp_hidden=32)
    G, D = build_generator(cfg), build_discriminator(cfg)
    x = G(torch.randn(4, 16))
    assert x.shape == (4, channels, resolution, resolution)
    assert x.abs().max() <= 1.0
    assert D(x).shape == (4,)


def test_dcgan_32_matches_the_reference_size():
    # DESIGN: the plain 32 px DCGAN has 1.07 M + 0.66 M parameters.
    cfg = ModelConfig(resolution=32)
    assert round(count_parameters(build_generator(cfg)) / 1e6, 2) == 1.07
    assert round(count_parameters(build_discriminator(cfg)) / 1e6, 2) == 0.66


def test_dcgan_init_is_normal_0_02():
    G = build_generator(ModelConfig(resolution=64))
    w = G.main[0].weight
    assert abs(w.mean().item()) < 1e-3
    assert abs(w.std().item() - 0.02) < 2e-3


def test_packing_minibatch_std_and_spectral_norm():
    cfg = ModelConfig(latent_dim=16, g_width=8, d_width=8, pack=2, minibatch_std=True, spectral_norm=True)
    D = build_discriminator(cfg)
    assert D(torch.randn(6, 1, 28, 28)).shape == (3,)
    assert any("parametrizations" in k for k in D.state_dict())


def test_toy_networks_make_points():
    cfg = ModelConfig(arch="mlp", latent_dim=2, mlp_hidden=16, mlp_layers=2, pack=2)
    G, D = build_generator(cfg, toy=True), build_discriminator(cfg, toy=True)
    pts = G(torch.randn(10, 2))
    assert pts.shape == (10, 2)
    assert D(pts).shape == (5,)


def test_toy_fourier_features_shape_and_checkpoint_round_trip(tmp_path):
    from ganstudio.core.config import DataConfig, RunConfig
    from ganstudio.core.io.checkpoint import (
        load_into,
        read_checkpoint,
        save_checkpoint,
        strip_prefix,
    )
    from ganstudio.core.models.mlp.networks import FourierFeatures

    feats = FourierFeatures(2, 8, 0.5)
    assert feats(torch.randn(5, 2)).shape == (5, 2 + 2 * 8)
    model = ModelConfig(arch="mlp", latent_dim=2, mlp_hidden=16, mlp_layers=2, pack=2,
                        toy_features=8, toy_feature_scale=0.5)
    config = RunConfig(model, DataConfig(name="toy-grid")).validate()
    G, D = build_generator(config), build_discriminator(config)
    assert D.body[0].in_features == (2 + 2 * 8) * 2  # features per sample, then packing
    pts = G(torch.randn(10, 2))
    assert D(pts).shape == (5,)
    assert "features.B" in D.state_dict()  # a buffer: the checkpoint carries the fixed B

    path = save_checkpoint(tmp_path / "ckpt.safetensors", config=config, step=1, G=G, D=D)
    tensors, _ = read_checkpoint(path)
    torch.manual_seed(123)  # a fresh D draws another B; loading must restore the saved one
    D2 = build_discriminator(config)
    assert not torch.equal(D2.features.B, D.features.B)
    load_into(D2, strip_prefix(tensors, "D."), "discriminator", path)
    assert torch.equal(D2.features.B, D.features.B)
    assert torch.equal(D2(pts), D(pts))


def test_toy_features_are_off_for_images_and_by_default():
    assert build_discriminator(ModelConfig(arch="mlp", mlp_hidden=16)).features is None
    cfg = ModelConfig(arch="mlp", mlp_hidden=16, toy_features=8)
    assert build_discriminator(cfg, toy=False).features is None
