"""Metric definitions on hand-made samples, the shipped classifier, and the collapse warning."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from ganstudio.core import classifier as clf
from ganstudio.core import metrics
from ganstudio.core.config import preset
from ganstudio.core.toys import has_modes, sample_toy, toy_modes

# --- toys ---------------------------------------------------------------------------


def test_toy_modes_match_the_published_setups() -> None:
    ring, ring_std = toy_modes("toy-ring")
    grid, grid_std = toy_modes("grid")
    assert ring.shape == (8, 2) and ring_std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    assert grid.shape == (25, 2) and grid_std == 0.05
    assert sorted(set(grid[:, 0])) == [-4, -2, 0, 2, 4]
    assert not has_modes("toy-spiral")
    with pytest.raises(ValueError):
        toy_modes("spiral")


def test_spiral_samples_lie_on_a_bounded_curve() -> None:
    points = sample_toy("toy-spiral", 1000, np.random.default_rng(0))
    assert points.shape == (1000, 2) and points.dtype == np.float32
    assert np.abs(points).max() < 2.5


def test_real_toy_data_scores_what_a_2d_gaussian_predicts() -> None:
    # Within 3 std in 2-D: chi-square(2) mass 1 - exp(-4.5) = 0.989.
    for name in ("ring", "grid"):
        m = metrics.mode_metrics(sample_toy(name, 2500, np.random.default_rng(1)), name)
        assert m["modes_covered"] == m["n_modes"]
        assert abs(m["high_quality"] - (1 - math.exp(-4.5))) < 0.01
        assert m["reverse_kl"] < 0.02


def test_all_points_on_one_mode_cover_one_mode() -> None:
    centres, std = toy_modes("ring")
    points = centres[3] + np.random.default_rng(0).normal(0, std / 2, size=(2500, 2))
    m = metrics.mode_metrics(points, "ring")
    assert m["modes_covered"] == 1
    assert m["high_quality"] > 0.99
    assert m["reverse_kl"] == pytest.approx(math.log(8))
    assert m["mode_counts"][3] == m["high_quality"] * 2500


def test_uniform_over_modes_has_zero_kl() -> None:
    centres, _ = toy_modes("grid")
    m = metrics.mode_metrics(np.repeat(centres, 100, axis=0), "grid")
    assert m["modes_covered"] == 25 and m["high_quality"] == 1.0
    assert m["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_points_far_from_modes_are_not_high_quality() -> None:
    # Midpoints between grid modes, and points just outside 3 std.
    centres, std = toy_modes("grid")
    far = np.concatenate([centres[:-1] + [1.0, 1.0], centres + [3.2 * std, 0.0]])
    m = metrics.mode_metrics(far, "grid")
    assert m["high_quality"] == 0.0 and m["modes_covered"] == 0
    assert m["reverse_kl"] == math.inf


# --- feature statistics -----------------------------------------------------------------


def test_frechet_distance_of_identical_sets_is_zero() -> None:
    feats = np.random.default_rng(0).normal(size=(500, 16))
    assert metrics.frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_matches_closed_forms() -> None:
    feats = np.random.default_rng(0).normal(size=(500, 8)) @ np.diag(np.arange(1, 9) / 4)
    feats -= feats.mean(axis=0)  # so that doubling below changes only the spread
    shift = np.arange(8) / 10
    assert metrics.frechet_distance(feats, feats + shift) == pytest.approx(
        (shift**2).sum(), rel=1e-6
    )
    # Doubling the spread: tr S + 4 tr S - 2 * 2 tr S = tr S.
    trace = np.trace(np.cov(feats, rowvar=False))
    assert metrics.frechet_distance(feats, 2 * feats) == pytest.approx(trace, rel=1e-6)


def test_precision_recall_extremes() -> None:
    real = np.random.default_rng(0).normal(size=(300, 4))
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)
    collapsed = np.repeat(real[:1], 300, axis=0)
    precision, recall = metrics.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05


def test_precision_recall_in_row_blocks_is_the_whole_matrixs_answer(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(300, 8)), rng.normal(0.3, 1.2, size=(700, 8))
    whole = metrics.precision_recall(real, fake)
    assert 0 < whole[0] < 1 and 0 < whole[1] < 1
    calls = []
    cdist = torch.cdist
    monkeypatch.setattr(torch, "cdist", lambda a, b: calls.append(a.shape[0] * b.shape[0]) or cdist(a, b))
    for at_once in (1, 1000, 7 * 300 + 5):  # one row at a time, 3 fakes at a time, uneven blocks
        monkeypatch.setattr(metrics, "DISTANCES_AT_ONCE", at_once)
        calls.clear()
        assert metrics.precision_recall(real, fake) == whole
        assert max(calls) <= max(at_once, 700)  # never more than a block (or one row) at once


def test_class_coverage_counts_predictions() -> None:
    probs = np.eye(10)[np.array([0, 0, 1, 1])]
    cov = metrics.class_coverage(probs)
    assert cov["class_histogram"][:3] == [2, 2, 0] and cov["classes_covered"] == 2
    assert cov["class_kl"] == pytest.approx(math.log(5))


# --- classifier ----------------------------------------------------------------------------


def test_shipped_classifier_reads_real_digits() -> None:
    model = clf.load_classifier()
    images, labels = clf.heldout_images()
    assert clf.accuracy(model, images[:300], labels[:300]) >= 0.97
    # Generators at 32 px are shrunk to 28 px first and still read.
    big = torch.nn.functional.pad(images[:100], (2, 2, 2, 2), value=-1.0)
    assert clf.accuracy(model, big, labels[:100]) >= 0.9


def test_classifier_split_is_fixed_and_disjoint() -> None:
    train_a, held_a = clf.split_indices()
    train_b, held_b = clf.split_indices()
    np.testing.assert_array_equal(held_a, held_b)
    assert len(train_a) == 8000 and len(held_a) == 2000
    assert not set(train_a) & set(held_a)


def test_classifier_rejects_a_damaged_file(tmp_path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(clf.ClassifierError, match="bad.safetensors"):
        clf.load_classifier(str(bad))


# --- collapse warning -----------------------------------------------------------------------


def _train_digits(n: int) -> torch.Tensor:
    images, _ = clf.load_embedded_mnist()
    train_idx, _ = clf.split_indices()
    return clf.to_model_input(images[train_idx[:n]])


def test_collapse_warning_fires_on_a_constant_generator() -> None:
    real, _ = clf.heldout_images()
    same = _train_digits(1).repeat(300, 1, 1, 1)
    check = metrics.collapse_check(same, real[:300], use_classifier=True)
    assert check.collapsed and check.ratio < 0.05
    assert "mode collapse" in check.message and "model.pack" in check.message
    # A StyleGAN2 refuses packing and spectral norm: its advice names what it can use.
    sg2 = metrics.collapse_check(same, real[:300], use_classifier=True, arch="stylegan2")
    assert sg2.collapsed and "model.pack" not in sg2.message and "r1_gamma" in sg2.message


def test_collapse_warning_fires_on_a_single_class() -> None:
    images, labels = clf.load_embedded_mnist()
    ones = clf.to_model_input(images[labels == 1][:300])
    real, _ = clf.heldout_images()
    assert metrics.collapse_check(ones, real[:300], use_classifier=True).collapsed


def test_collapse_warning_fires_on_three_varied_digits() -> None:
    # Varied threes, fives and eights look diverse in feature space; the class count gives it away.
    images, labels = clf.load_embedded_mnist()
    few = clf.to_model_input(images[np.isin(labels, [3, 5, 8])][:300])
    real, _ = clf.heldout_images()
    check = metrics.collapse_check(few, real[:300], use_classifier=True)
    assert check.ratio > 0.5
    assert check.collapsed and 2.5 < check.classes_seen < 3.5
    assert "digits" in check.message


def test_collapse_warning_quiet_for_real_data() -> None:
    real, _ = clf.heldout_images()
    check = metrics.collapse_check(_train_digits(300), real[:300], use_classifier=True)
    assert not check.collapsed and check.ratio > 0.9 and check.classes_seen > 9
    assert "no sign" in check.message
    # Without the classifier (other image data), pooled pixels give the same verdicts.
    assert not metrics.collapse_check(_train_digits(300), real[:300]).collapsed
    assert metrics.collapse_check(_train_digits(1).repeat(300, 1, 1, 1), real[:300]).collapsed


def test_collapse_warning_on_toys() -> None:
    rng = np.random.default_rng(0)
    real = sample_toy("ring", 500, rng)
    diversity = metrics.diversity(real)
    assert not metrics.collapse_check(
        sample_toy("ring", 500, rng), real_diversity=diversity
    ).collapsed
    centres, std = toy_modes("ring")
    one_mode = centres[0] + rng.normal(0.0, std, size=(500, 2))
    assert metrics.collapse_check(one_mode, real_diversity=diversity).collapsed


# --- evaluate ----------------------------------------------------------------------------


class _PerfectRing(nn.Module):
    """Sends z to the ring's modes: the first coordinate picks the mode, the second the offset."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        centres, std = toy_modes("ring")
        u = 0.5 * (1 + torch.erf(z[:, 0] / math.sqrt(2)))
        idx = (u * 8).long().clamp(max=7)
        return torch.as_tensor(centres, dtype=torch.float32)[idx] + std * 0.5 * z[:, 1:2]


class _Replay(nn.Module):
    """Returns fixed images in turn, whatever z is: real data standing in for a generator."""

    def __init__(self, images: torch.Tensor) -> None:
        super().__init__()
        self.images = images
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        idx = torch.arange(len(z)) % len(self.images)
        return self.images[idx]


def _loaded(generator: nn.Module, config) -> SimpleNamespace:
    return SimpleNamespace(generator=generator, config=config, step=7, source=None)


def test_evaluate_toy_generator() -> None:
    result = metrics.evaluate(_loaded(_PerfectRing(), preset("toy-ring")), seed=0)
    assert result["n"] == 2500 and result["step"] == 7
    assert result["modes_covered"] == 8 and result["high_quality"] > 0.99
    assert result["reverse_kl"] < 0.01
    report = metrics.format_report(result)
    assert "modes covered      8 of 8" in report


def test_evaluate_digits_real_versus_collapsed() -> None:
    cfg = preset("mnist-dcgan")
    healthy = metrics.evaluate(_loaded(_Replay(_train_digits(1000)), cfg), n=1000)
    collapsed = metrics.evaluate(_loaded(_Replay(_train_digits(1)), cfg), n=1000)
    floor = healthy["floor"]
    assert healthy["frechet_distance"] < 3 * floor["frechet_distance"] + 1.0
    assert collapsed["frechet_distance"] > 10 * healthy["frechet_distance"]
    assert healthy["classes_covered"] == 10 and collapsed["classes_covered"] == 1
    assert collapsed["class_kl"] == pytest.approx(math.log(10))
    assert healthy["recall"] > 0.5 and collapsed["recall"] < 0.05
    assert "Frechet distance" in metrics.format_report(healthy)


def test_evaluate_says_which_figures_do_not_apply() -> None:
    assert metrics.uses_classifier(preset("mnist-dcgan"))
    assert not metrics.uses_classifier(preset("toy-ring"))
    cfg = preset("mnist-dcgan").replace(
        model={"channels": 3, "resolution": 32}, data={"name": "cifar10"}
    )
    images = torch.rand(50, 3, 32, 32) * 2 - 1
    result = metrics.evaluate(_loaded(_Replay(images), cfg), n=50)
    assert "frechet_distance" not in result
    assert set(result["not_applicable"]) >= {"frechet_distance", "class_kl", "precision", "recall"}
    assert not metrics.uses_classifier(cfg)
    report = metrics.format_report(result)
    assert "not computed: Frechet distance, precision, recall, class KL" in report
    assert "trained on cifar10, not on digits" in report
