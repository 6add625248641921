"""Latent tools on a tiny generator: seeds, paths, truncation, directions, projection."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from tiny_generator import TinyGenerator

from ganstudio.core import latent
from ganstudio.core.generate import generate

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_same_seed_same_z_and_different_seeds_differ():
    a = latent.sample_z(7, 3, 16)
    assert a.shape == (3, 16) and a.dtype == torch.float32
    assert torch.equal(a, latent.sample_z(7, 3, 16))
    assert not torch.equal(a, latent.sample_z(8, 3, 16))


def test_slerp_endpoints_are_the_keyframes_and_norm_is_kept():
    a, b = latent.sample_z(1, 2, 32)
    assert torch.allclose(latent.slerp(a, b, 0.0), a, atol=1e-5)
    assert torch.allclose(latent.slerp(a, b, 1.0), b, atol=1e-5)
    b_scaled = b / b.norm() * a.norm()
    mid = latent.slerp(a, b_scaled, 0.5)
    assert mid.norm() == pytest.approx(float(a.norm()), rel=1e-4)
    # Parallel vectors fall back to lerp instead of dividing by zero.
    assert torch.allclose(latent.slerp(a, 2 * a, 0.5), 1.5 * a, atol=1e-5)


@pytest.mark.parametrize("mode", ["lerp", "slerp"])
def test_interpolate_path_passes_through_keyframes(mode):
    keys = latent.sample_z(3, 3, 10)
    path = latent.interpolate_path(keys, 4, mode, loop=False)
    assert path.shape == (9, 10)
    for i in range(3):
        assert torch.allclose(path[i * 4], keys[i], atol=1e-5)
    looped = latent.interpolate_path(keys, 4, mode, loop=True)
    assert looped.shape == (12, 10)
    assert torch.allclose(looped[8], keys[2], atol=1e-5)
    assert not torch.allclose(looped[-1], keys[0], atol=1e-3)


def test_interpolate_path_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        latent.interpolate_path(latent.sample_z(0, 2, 4), 3, "cubic")


def test_truncation_pulls_towards_mean():
    z = latent.sample_z(0, 1, 8)
    assert torch.allclose(latent.truncate(z, 0.5), 0.5 * z)
    mean = torch.ones(8)
    assert torch.allclose(latent.truncate(z, 0.0, mean)[0], mean)


def test_latent_state_effective_z_applies_psi_and_offsets():
    state = latent.LatentState.from_seed(4, 8, psi=0.5)
    assert state.seed == 4
    dirs = np.eye(8, dtype=np.float32)[:2]
    moved = state.with_(offsets=(2.0, -1.0)).effective_z(dirs)
    expected = state.z * 0.5
    expected[0] += 2.0
    expected[1] -= 1.0
    np.testing.assert_allclose(moved, expected, atol=1e-6)


def test_pca_directions_are_unit_sorted_and_deterministic(tmp_path):
    gen = TinyGenerator().eval()
    steps: list[tuple[int, int]] = []
    d = latent.pca_directions(gen, 512, 4, progress=lambda i, n: steps.append((i, n)))
    assert d.vectors.shape == (4, 8)
    np.testing.assert_allclose(np.linalg.norm(d.vectors, axis=1), 1.0, atol=1e-5)
    assert np.all(np.diff(d.explained) <= 1e-6) and 0 < d.explained.sum() <= 1.0
    assert steps and steps[-1][0] == steps[-1][1]
    again = latent.pca_directions(gen, 512, 4)
    np.testing.assert_allclose(again.vectors, d.vectors, atol=1e-4)
    d.save(tmp_path / "dirs.npz")
    loaded = latent.Directions.load(tmp_path / "dirs.npz")
    np.testing.assert_array_equal(loaded.vectors, d.vectors)
    assert loaded.layer == d.layer


def test_first_direction_moves_the_layer_most():
    gen = TinyGenerator().eval()
    d = latent.pca_directions(gen, 1024, 3)
    z = latent.sample_z(9, 64, 8)
    hidden = gen.main[1]

    def spread(direction: np.ndarray) -> float:
        step = torch.from_numpy(direction)[None]
        with torch.no_grad():
            return float((hidden(gen.main[0](z + step)) - hidden(gen.main[0](z))).norm())

    random_dir = np.random.default_rng(0).normal(size=8).astype(np.float32)
    random_dir /= np.linalg.norm(random_dir)
    assert spread(d.vectors[0]) > spread(random_dir)


def test_other_threads_can_use_the_generator_during_the_search():
    gen = TinyGenerator().eval()
    shapes: list[tuple[int, ...]] = []

    def render_elsewhere(_done: int, _total: int) -> None:
        worker = threading.Thread(
            target=lambda: shapes.append(
                tuple(generate(gen, latent.sample_z(0, 2, 8)).shape)
            )
        )
        worker.start()
        worker.join()

    latent.pca_directions(gen, 256, 2, progress=render_elsewhere)
    assert shapes and all(s == (2, 1, 6, 6) for s in shapes)


def test_pca_can_be_cancelled():
    with pytest.raises(latent.Cancelled):
        latent.pca_directions(TinyGenerator(), 512, 2, should_stop=lambda: True)


def test_weights_hash_follows_the_weights():
    a, b = TinyGenerator(seed=0), TinyGenerator(seed=0)
    assert latent.weights_hash(a) == latent.weights_hash(b)
    with torch.no_grad():
        b.main[0].weight[0, 0] += 1.0
    assert latent.weights_hash(a) != latent.weights_hash(b)


def test_projection_of_a_generated_image_reproduces_it():
    gen = TinyGenerator().eval().requires_grad_(False)
    z_true = latent.sample_z(123, 1, 8)
    target = generate(gen, z_true)[0]
    random_error = float((generate(gen, latent.sample_z(5, 1, 8))[0] - target).pow(2).mean())
    result = latent.project(gen, target, steps=150, lr=0.1, seed=0)
    assert result.z.shape == (8,)
    assert result.image.shape == target.shape
    assert result.error < 1e-3
    assert result.error < random_error / 20
    assert all(p.grad is None for p in gen.parameters())


def test_projection_rejects_a_target_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shaped"):
        latent.project(TinyGenerator(), torch.zeros(3, 6, 6), steps=1, lr=0.1, seed=0)
