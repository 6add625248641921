"""The class a conditional model draws, as the explorer keeps it: in its states (z and W),
blended between two classes, and in latent files (z and W) with their keyframes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganstudio.core import export
from ganstudio.core.config import preset
from ganstudio.core.export import FileFormatError, load_latents, save_latents
from ganstudio.core.generate import generate
from ganstudio.core.latent import LatentState, blend_classes, class_label, sample_z
from ganstudio.core.latent.wspace import WRenderer, WState, seed_w, ws_of
from ganstudio.core.latent.wspace_files import load_w_latents, save_w_latents
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small_cdcgan() -> torch.nn.Module:
    cfg = preset("mnist-cdcgan")
    cfg.model.g_width = 8
    torch.manual_seed(0)
    return build_generator(cfg).eval()


def conditional_style(c_dim: int = 4) -> StyleGAN2Generator:
    torch.manual_seed(0)
    return StyleGAN2Generator(z_dim=8, c_dim=c_dim, w_dim=8, img_resolution=8, img_channels=3,
                              mapping_layers=2, channel_base=64, channel_max=8).eval()


def test_a_z_state_carries_its_class_to_generate():
    G = small_cdcgan()
    state = LatentState.from_seed(5, 100).with_(class_index=3)
    assert state.label == 3
    shown = generate(G, state.effective_z(), label=state.label)
    assert torch.equal(shown, generate(G, state.z, label=3))
    assert not torch.equal(shown, generate(G, state.z, label=8))


def test_a_blend_is_a_soft_row_between_two_classes():
    row = blend_classes(3, 8, 0.25, 10)
    assert row[3] == 0.75 and row[8] == 0.25 and sum(row) == 1.0
    assert blend_classes(3, 8, 0.0, 10) == tuple(float(i == 3) for i in range(10))
    label = class_label(row)
    assert isinstance(label, np.ndarray) and label.shape == (1, 10)
    G = small_cdcgan()
    z = torch.randn(1, 100)
    ends = generate(G, z, label=class_label(blend_classes(3, 8, 1.0, 10)))
    assert torch.equal(ends, generate(G, z, label=8))


def test_a_w_state_maps_its_seed_with_its_class_and_blends_embeddings_linearly():
    G = conditional_style()
    a, b = seed_w(G, 7, 1), seed_w(G, 7, 2)
    assert not np.allclose(a, b)
    z = sample_z(7, 1, 8)
    with torch.inference_mode():
        expected = G.mapping(z, torch.eye(4)[1:2])[0, 0].numpy()
    assert np.allclose(a, expected)
    # soft rows go through the same mapping (its class embedding is linear in c)
    half = blend_classes(1, 2, 0.5, 4)
    with torch.inference_mode():
        mixed = G.mapping(z, torch.tensor([half]))[0, 0].numpy()
    renderer = WRenderer(G)
    assert np.allclose(renderer.seed_w(7, half), mixed)
    assert np.allclose(renderer.seed_w(7, blend_classes(1, 2, 0.0, 4)), a)
    ws = ws_of(G, WState(seed=7, class_index=2), w_lookup=renderer.seed_w)
    assert np.allclose(ws[0, 0].numpy(), b)
    assert WState(seed=7, class_index=half).describe()["class_index"] == list(half)


@pytest.mark.parametrize("suffix", [".json", ".npy"])
def test_z_latent_files_keep_the_class_of_the_latent_and_each_keyframe(tmp_path, suffix):
    z = np.arange(4, dtype=np.float32)
    keys = np.ones((2, 4), np.float32)
    target = tmp_path / f"latent{suffix}"
    save_latents(target, z, keys, classes=[3, 1, 8])
    data = load_latents(target)
    assert np.array_equal(data["z"], z) and np.array_equal(data["keyframes"], keys)
    assert data["classes"].tolist() == [3, 1, 8]
    if suffix == ".npy":
        assert export.classes_sidecar(target).is_file()
        # saved again for an unconditional model: no stale classes are left behind
        save_latents(target, z, keys)
        assert not export.classes_sidecar(target).exists()
        assert load_latents(target)["classes"] is None


def test_z_latent_files_without_classes_still_load(tmp_path):
    target = tmp_path / "old.json"
    target.write_text(json.dumps({"format": export.LATENT_FORMAT, "version": 1,
                                  "z": [0.5, 1.0], "keyframes": []}))
    data = load_latents(target)
    assert data["classes"] is None and data["z"].tolist() == [0.5, 1.0]


def test_a_file_whose_classes_do_not_match_its_latents_is_refused(tmp_path):
    target = tmp_path / "bad.json"
    save_latents(target, np.zeros(3), np.zeros((1, 3)), classes=[2, 5])
    doc = json.loads(target.read_text())
    doc["keyframe_classes"] = []
    target.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="2 class numbers"):
        load_latents(target)


@pytest.mark.parametrize("suffix", [".json", ".npy", ".npz"])
def test_w_latent_files_keep_classes_and_old_files_still_load(tmp_path, suffix):
    ws = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    keys = np.stack([ws + 1, ws - 1])
    target = tmp_path / f"w{suffix}"
    save_w_latents(target, ws, keys, WState(seed=1, class_index=2).describe(), classes=[2, 0, 3])
    data = load_w_latents(target, 4, 8)
    assert np.allclose(data["ws"], ws) and np.allclose(data["keyframes"], keys)
    assert data["classes"].tolist() == [2, 0, 3]
    older = tmp_path / f"older{suffix}"
    save_w_latents(older, ws, keys)
    assert load_w_latents(older, 4, 8)["classes"] is None


def test_pca_directions_of_a_conditional_generator_are_found_for_one_class():
    from ganstudio.core.latent import pca_directions
    from ganstudio.core.latent.directions import default_layer

    G = small_cdcgan()
    layer = default_layer(G)
    three = pca_directions(G, 256, 4, layer=layer, label=3)
    again = pca_directions(G, 256, 4, layer=layer, label=3)
    five = pca_directions(G, 256, 4, layer=layer, label=5)
    assert np.allclose(three.vectors, again.vectors)
    assert not np.allclose(three.vectors, five.vectors)
    # no label: the class a conditional generator draws by default (0)
    assert np.allclose(pca_directions(G, 256, 4, layer=layer).vectors,
                       pca_directions(G, 256, 4, layer=layer, label=0).vectors)
