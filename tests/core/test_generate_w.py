"""The W half of the one generator call (core.generate): the mapping alone, seeded noise,
preview blocks, bfloat16 previews and frames given up between blocks or layers. The W
explorer, projection and direction search make their images only through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.core.errors import Cancelled, Interrupted
from ganstudio.core.generate import generate, map_z, noise_variant
from ganstudio.core.io.nvlabs_pickle import load_nvlabs_generator
from ganstudio.core.latent import sample_z
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def G() -> StyleGAN2Generator:
    torch.manual_seed(0)
    G = StyleGAN2Generator(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3,
                           mapping_layers=2, channel_base=256, channel_max=32).eval()
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.5)  # as training leaves them: the noise inputs show
    return G.requires_grad_(False)


@pytest.fixture(scope="module")
def G3():
    return load_nvlabs_generator(FIXTURES / "stylegan3" / "sg3t_tiny32.pkl")[0]


def test_map_z_is_the_mapping_generate_synthesises_from(G):
    z = sample_z(4, 3, 16)
    ws = map_z(G, z, truncation_psi=0.6)
    with torch.inference_mode():
        assert torch.equal(ws, G.mapping(z, None, truncation_psi=0.6))
        direct = G.synthesis(ws, noise_mode="const")
    assert torch.equal(generate(G, ws, space="w"), direct)
    assert torch.equal(generate(G, z, truncation_psi=0.6), direct)


def test_map_z_carries_the_class_of_a_conditional_generator():
    G = load_nvlabs_generator(FIXTURES / "stylegan2-ada-conditional" / "sg2ada_cond10_tiny32.pkl")[0]
    z = sample_z(1, 2, int(G.z_dim))
    a, b = map_z(G, z, label=3), map_z(G, z, label=[3, 7])
    assert torch.equal(a[0], b[0]) and not torch.equal(a[1], b[1])
    half = np.zeros((1, 10), np.float32)
    half[0, [3, 7]] = 0.5  # a soft row: the mapping embeds c linearly
    assert map_z(G, z[:1], label=half).shape == a[:1].shape


def test_seeded_noise_repeats_differs_by_seed_and_leaves_the_global_rng_alone(G):
    ws = map_z(G, sample_z(2, 1, 16))
    rng = torch.get_rng_state()
    a = generate(G, ws, space="w", noise_mode="random", noise_seed=5)
    b = generate(G, ws, space="w", noise_mode="random", noise_seed=5)
    c = generate(G, ws, space="w", noise_mode="random", noise_seed=6)
    assert torch.equal(rng, torch.get_rng_state())
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a, generate(G, ws, space="w"))  # not the constant noise
    with torch.inference_mode():
        explicit = noise_variant(G.synthesis, 5)(ws, noise_mode="const")
    assert torch.equal(a, explicit)
    # Without a seed "random" is fresh noise each call, as NVlabs' noise_mode="random".
    fresh = [generate(G, ws, space="w", noise_mode="random") for _ in range(2)]
    assert not torch.equal(*fresh)


def test_a_preview_block_is_the_synthesis_image_at_that_block(G):
    ws = map_z(G, sample_z(3, 2, 16))
    with torch.inference_mode():
        for res in (4, 8, 16):
            assert torch.equal(generate(G, ws, space="w", max_res=res), G.synthesis(ws, max_res=res))
    # The full size or more is the full image.
    assert torch.equal(generate(G, ws, space="w", max_res=64), generate(G, ws, space="w"))


def test_a_bfloat16_preview_is_close_to_the_float32_frame(G):
    ws = map_z(G, sample_z(3, 1, 16))
    full = generate(G, ws, space="w")
    low = generate(G, ws, space="w", precision="bfloat16")
    assert low.dtype == torch.float32 and low.shape == full.shape
    assert 0 < float((low - full).abs().max()) < 0.25
    with pytest.raises(ValueError, match="precision"):
        generate(G, ws, space="w", precision="float8")


@pytest.mark.parametrize("family", ["stylegan2", "stylegan3"])
def test_a_frame_is_given_up_between_blocks_or_layers(family, G, G3):
    model = G if family == "stylegan2" else G3
    steps = len(model.synthesis.block_resolutions) if family == "stylegan2" else len(model.synthesis.layer_names)
    ws = map_z(model, sample_z(8, 1, int(model.z_dim)))
    whole = generate(model, ws, space="w")
    asked = []

    def never() -> bool:
        asked.append(1)
        return False

    assert torch.equal(generate(model, ws, space="w", should_stop=never), whole)
    assert len(asked) == steps + 1  # once before the batch, then before each block or layer
    asked.clear()

    def after_two() -> bool:
        asked.append(1)
        return len(asked) > 3  # the batch check, then two blocks or layers run

    with pytest.raises(Interrupted) as caught:
        generate(model, ws, space="w", should_stop=after_two)
    assert isinstance(caught.value, Cancelled) and len(asked) == 4
