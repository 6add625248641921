"""GANSpace tools: layers to read, direction files with names, sweeps and grid latents."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_generator import TinyGenerator

from ganstudio.core import latent
from ganstudio.core.config import ModelConfig
from ganstudio.core.export import FileFormatError
from ganstudio.core.latent import directions as dirs
from ganstudio.core.models.build import build_generator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_layers_are_z_then_each_block_in_forward_order():
    layers = dirs.direction_layers(TinyGenerator().eval())
    assert [(la.name, la.shape, la.kind) for la in layers] == [
        ("z", (8,), "latent"),
        ("main.1", (32,), "ReLU"),
        ("main.3", (36,), "Tanh"),
    ]
    assert dirs.default_layer(TinyGenerator()) == "main.1"


def test_dcgan_layers_carry_their_activation_shapes():
    cfg = ModelConfig(arch="dcgan", latent_dim=16, resolution=32, channels=1, g_width=8)
    gen = build_generator(cfg).eval()
    layers = dirs.direction_layers(gen)
    shapes = [la.shape for la in layers]
    assert shapes[0] == (16,)
    assert shapes[1][1:] == (4, 4) and shapes[-1] == (1, 32, 32)
    # each block doubles the side up to the image
    assert [s[1] for s in shapes[1:]] == [4, 8, 16, 32]


@pytest.mark.parametrize("layer", ["z", "main.1", "main.3"])
def test_every_listed_layer_gives_unit_directions_named_after_it(layer):
    d = latent.pca_directions(TinyGenerator().eval(), 256, 3, layer=layer)
    assert d.layer == layer and d.vectors.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(d.vectors, axis=1), 1.0, atol=1e-5)


def test_directions_of_z_are_its_principal_axes():
    d = latent.pca_directions(TinyGenerator(), 2048, 2, layer="z")
    # z is isotropic: each axis holds about 1/8 of the variance
    assert np.all(np.abs(d.explained - 1 / 8) < 0.05)


def test_an_unknown_layer_is_one_sentence():
    with pytest.raises(ValueError, match="no layer 'main.9'"):
        latent.pca_directions(TinyGenerator(), 64, 2, layer="main.9")


def test_a_wide_layer_is_read_on_fewer_samples(monkeypatch):
    totals: list[int] = []
    monkeypatch.setattr(latent, "PCA_MAX_VALUES", 32 * 100)
    d = latent.pca_directions(
        TinyGenerator(), 512, 2, lambda _i, n: totals.append(n), layer="main.1", batch=64
    )
    assert totals[-1] == 3  # 100 samples: two batches and the PCA, instead of 8 and the PCA
    assert d.vectors.shape == (2, 8)


def test_names_and_hash_survive_save_and_load(tmp_path):
    gen = TinyGenerator()
    d = latent.pca_directions(gen, 256, 3)
    d = latent.Directions(d.vectors, d.explained, d.layer, weights_hash=latent.weights_hash(gen))
    named = d.renamed(1, "  stroke width ")
    assert named.labels() == ["PC1", "stroke width", "PC3"]
    named.save(tmp_path / "d.npz")
    back = latent.Directions.load(tmp_path / "d.npz")
    assert back.labels() == ["PC1", "stroke width", "PC3"]
    assert back.layer == "main.1" and back.weights_hash == latent.weights_hash(gen)
    np.testing.assert_array_equal(back.vectors, d.vectors)
    np.testing.assert_array_equal(back.explained, d.explained)
    assert back.renamed(1, "").name(1) == "PC2"  # a blank name falls back to the default


def test_first_format_files_still_load(tmp_path):
    vectors = np.eye(4, 8, dtype=np.float32)
    with open(tmp_path / "old.npz", "wb") as fh:
        np.savez(
            fh,
            vectors=vectors,
            explained=np.full(4, 0.1, np.float32),
            layer=np.frombuffer(b"main.1", dtype=np.uint8),
        )
    old = latent.Directions.load(tmp_path / "old.npz")
    assert old.labels() == ["PC1", "PC2", "PC3", "PC4"]
    assert old.layer == "main.1" and old.weights_hash == ""
    np.testing.assert_array_equal(old.vectors, vectors)


def test_a_file_that_is_not_directions_is_one_sentence(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(FileFormatError, match="x.npz is not a directions file"):
        latent.Directions.load(tmp_path / "x.npz")


def test_loading_checks_the_generator(tmp_path):
    d = latent.Directions(np.eye(3, 8, dtype=np.float32), np.ones(3, np.float32), "z",
                          weights_hash="aaaa")
    d.save(tmp_path / "d.npz")
    same, warning = dirs.load_directions(tmp_path / "d.npz", 8, "aaaa")
    assert warning == "" and same.latent_dim == 8
    other, warning = dirs.load_directions(tmp_path / "d.npz", 8, "bbbb")
    assert "another generator" in warning
    np.testing.assert_array_equal(other.vectors, d.vectors)
    with pytest.raises(FileFormatError, match="8-dimensional latent; this generator takes 16"):
        dirs.load_directions(tmp_path / "d.npz", 16, "aaaa")


def test_w_directions_are_refused_for_z(tmp_path):
    with open(tmp_path / "w.npz", "wb") as fh:
        np.savez(
            fh,
            vectors=np.eye(2, 8, dtype=np.float32),
            explained=np.ones(2, np.float32),
            layer=np.frombuffer(b"mapping", dtype=np.uint8),
            stds=np.ones(2, np.float32),
            space=np.frombuffer(b"w", dtype=np.uint8),
        )
    with pytest.raises(FileFormatError, match="in W"):
        dirs.load_directions(tmp_path / "w.npz", 8)


def test_sweep_moves_z_evenly_along_the_direction():
    z = np.arange(4, dtype=np.float32)
    d = np.array([1, 0, 0, 0], np.float32)
    frames = dirs.direction_sweep(z, d, 3.0, 7)
    assert frames.shape == (7, 4)
    np.testing.assert_allclose(frames[:, 0], [-3, -2, -1, 0, 1, 2, 3], atol=1e-6)
    np.testing.assert_array_equal(frames[:, 1:], np.tile(z[1:], (7, 1)))
    there_and_back = dirs.direction_sweep(z, d, 3.0, 7, loop=True)
    np.testing.assert_allclose(
        there_and_back[:, 0], [-3, -2, -1, 0, 1, 2, 3, 2, 1, 0, -1, -2], atol=1e-6
    )
    with pytest.raises(ValueError, match="at least 2"):
        dirs.direction_sweep(z, d, 3.0, 1)


def test_grid_latents_are_each_seed_moved_like_the_current_state():
    vectors = latent.pca_directions(TinyGenerator(), 256, 3).vectors
    offsets = (1.5, 0.0, -2.0)
    got = dirs.seeds_latents([4, 5, 6], 8, 0.7, offsets, vectors)
    for row, seed in zip(got, [4, 5, 6], strict=True):
        state = latent.LatentState.from_seed(seed, 8, psi=0.7).with_(offsets=offsets)
        np.testing.assert_allclose(row, state.effective_z(vectors), atol=1e-6)
    plain = dirs.seeds_latents([4], 8, 0.7)
    np.testing.assert_allclose(plain[0], latent.sample_z(4, 1, 8)[0].numpy() * 0.7, atol=1e-6)
