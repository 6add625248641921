"""Is the generator getting better? Sample-quality and diversity figures.

- 2-D toys (ring, grid): modes covered, share of high-quality samples and the
  reverse KL of the mode histogram to uniform, as defined by VEEGAN
  (Srivastava et al., 2017) and PacGAN (Lin et al., 2018).
- MNIST-like images: from the metric classifier (core.classifier) the class
  histogram and its KL to uniform, the Frechet distance between its
  penultimate-layer features of generated and held-out real digits, and k-NN
  precision/recall (Kynkaanniemi et al., 2019). Each comes with the figure two
  disjoint halves of real data reach, the floor (or ceiling) a generator can hope for.
- collapse_check: a cheap mode-collapse warning for the live training view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from ganstudio.core import classifier as clf
from ganstudio.core.config import IMPORTED, POINTS
from ganstudio.core.generate import generate as generate_images
from ganstudio.core.generate import num_classes
from ganstudio.core.latent import sample_z
from ganstudio.core.models.registry import FAMILY_NAMES, family
from ganstudio.core.toys import has_modes, sample_toy, toy_modes

TOY_SAMPLES = 2500  # the VEEGAN / PacGAN evaluation size
IMAGE_SAMPLES = 1000  # matches the 1,000-image real reference half, so floors compare
HIGH_QUALITY_STDS = 3.0
PR_K = 3
# Distances held at once by precision/recall (128 MB of float64): the samples are compared in
# row blocks, so eval -n 100,000 needs this much, not the 80 GB of one 100,000^2 matrix.
DISTANCES_AT_ONCE = 1 << 24
DIGIT_DATASETS = ("mnist-embedded", "mnist")
COLLAPSE_SHARE = 0.5
# Toys: the samples miss much of the data when KL(real || fake) or JS between the grid
# histograms passes these. 500 real points against 500 others of the same toy score KL
# 0.02-0.5 and JS 0.01-0.11 (the spiral's thin curve the most); fakes on one line over 2 of
# toy-grid's 25 modes KL 9.2 / JS 0.87, 15 of 25 modes KL 3.6, 4 of the ring's 8 KL 4.3.
COLLAPSE_KL_NATS = 2.0
COLLAPSE_JS_BITS = 0.5
DIVERGENCE_EPS = 1e-6  # the share given to an empty cell, so that KL stays finite


# --- 2-D toys -----------------------------------------------------------------


def mode_metrics(samples: np.ndarray, name: str) -> dict[str, Any]:
    """Mode coverage of 2-D samples (N, 2) against the toy `name` ("ring" or "grid").

    A sample is high quality when it lies within 3 std of its nearest mode; a mode
    is covered when it has at least one high-quality sample. The reverse KL compares
    the histogram of high-quality samples over modes with the uniform one (the
    PacGAN code counts only high-quality samples), so it is 0 for a perfect spread.
    """
    centres, std = toy_modes(name)
    points = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)  # (N, K)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(points)), nearest] <= HIGH_QUALITY_STDS * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    return {
        "modes_covered": int((counts > 0).sum()),
        "n_modes": len(centres),
        "high_quality": float(good.mean()) if len(points) else 0.0,
        "reverse_kl": kl_to_uniform(counts),
        "mode_counts": counts.tolist(),
    }


def toy_divergence(real: Any, fake: Any, bins: int | None = None) -> dict[str, float]:
    """How far generated 1-D or 2-D points are from real ones, as GAN Lab's evaluators do it:
    histograms of both on one grid over both samples' extent (``bins`` cells per axis; 50 on a
    line, 20 a side in 2-D), every cell's share raised by a small epsilon so empty cells keep
    the figures finite. ``kl``: KL(real || fake) in nats (large when the fakes miss part of the
    data); ``js``: the Jensen-Shannon divergence in bits (0 = the same histogram, 1 = no
    overlap)."""
    r = np.asarray(real, dtype=np.float64).reshape(len(real), -1)
    f = np.asarray(fake, dtype=np.float64).reshape(len(fake), -1)
    bins = bins or (50 if r.shape[1] == 1 else 20)
    lo, hi = np.minimum(r.min(0), f.min(0)), np.maximum(r.max(0), f.max(0))
    hi = np.where(hi > lo, hi, lo + 1e-9)
    edges = [np.linspace(lo[i], hi[i], bins + 1) for i in range(r.shape[1])]

    def shares(x: np.ndarray) -> np.ndarray:
        counts = np.histogramdd(x, bins=edges)[0].ravel()
        p = counts / max(counts.sum(), 1.0) + DIVERGENCE_EPS
        return p / p.sum()

    p, q = shares(r), shares(f)
    m = (p + q) / 2
    js = 0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m))
    return {"kl": float(np.sum(p * np.log(p / q))), "js": float(max(js, 0.0))}


def kl_to_uniform(counts: np.ndarray) -> float:
    """KL(p || uniform) of a histogram; p = counts / sum. Infinite for an empty histogram."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return math.inf
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * len(counts))))


# --- feature statistics ------------------------------------------------------------


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def frechet_distance(
    feats_a: np.ndarray | torch.Tensor, feats_b: np.ndarray | torch.Tensor
) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, D) and (M, D).

    tr sqrt(S_a S_b) is computed as tr sqrt(sqrt(S_a) S_b sqrt(S_a)): that product
    is symmetric positive semi-definite, so eigh gives it stably without scipy.
    """
    a = np.asarray(feats_a, dtype=np.float64)
    b = np.asarray(feats_b, dtype=np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrtm_psd(cov_a)
    inner = root_a @ cov_b @ root_a
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    tr_sqrt = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    fd = float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * tr_sqrt)
    return max(fd, 0.0)


def _row_blocks(rows: int, columns: int) -> list[slice]:
    """Row blocks of a (rows, columns) distance matrix that DISTANCES_AT_ONCE holds."""
    step = max(1, DISTANCES_AT_ONCE // max(columns, 1))
    return [slice(i, i + step) for i in range(0, rows, step)]


def _kth_neighbour_radius(feats: torch.Tensor, k: int) -> torch.Tensor:
    # +1: each point is its own nearest neighbour
    return torch.cat([torch.cdist(feats[rows], feats).kthvalue(k + 1, dim=1).values
                      for rows in _row_blocks(len(feats), len(feats))])


def precision_recall(
    real: np.ndarray | torch.Tensor, fake: np.ndarray | torch.Tensor, k: int = PR_K
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., 2019).

    Each set's manifold is the union of balls around its points reaching the k-th
    nearest neighbour. Precision: share of fake points inside the real manifold;
    recall: share of real points inside the fake manifold.
    """
    r = torch.as_tensor(np.asarray(real), dtype=torch.float64)
    f = torch.as_tensor(np.asarray(fake), dtype=torch.float64)
    r_radius = _kth_neighbour_radius(r, k)
    f_radius = _kth_neighbour_radius(f, k)
    in_real = torch.zeros(len(f), dtype=torch.bool)  # fake i inside the real manifold
    covered = torch.zeros(len(r), dtype=torch.bool)  # real j inside the fake manifold
    for rows in _row_blocks(len(f), len(r)):
        cross = torch.cdist(f[rows], r)  # (fakes of the block, N_real)
        in_real[rows] = (cross <= r_radius[None, :]).any(dim=1)
        covered |= (cross <= f_radius[rows, None]).any(dim=0)
    return in_real.double().mean().item(), covered.double().mean().item()


def class_coverage(probs: np.ndarray | torch.Tensor) -> dict[str, Any]:
    """Histogram of predicted classes, its KL to uniform and how many classes appear."""
    predicted = np.asarray(probs).argmax(axis=1)
    n_classes = np.asarray(probs).shape[1]
    counts = np.bincount(predicted, minlength=n_classes)
    return {
        "class_histogram": counts.tolist(),
        "class_kl": kl_to_uniform(counts),
        "classes_covered": int((counts > 0).sum()),
    }


# --- real references ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _real_reference() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of the held-out digits split into two disjoint halves, and class probs of half A."""
    model = clf.load_classifier()
    images, _ = clf.heldout_images()
    feats, probs = clf.embed(model, images)
    half = len(images) // 2
    return feats[:half].numpy(), feats[half:].numpy(), probs[half:].numpy()


def real_floor() -> dict[str, float]:
    """What real data scores against the reference: FD, precision/recall and class KL of half B vs half A."""
    ref_a, ref_b, probs_b = _real_reference()
    precision, recall = precision_recall(ref_a, ref_b)
    return {
        "frechet_distance": frechet_distance(ref_b, ref_a),
        "precision": precision,
        "recall": recall,
        "class_kl": class_coverage(probs_b)["class_kl"],
    }


def image_metrics(images: torch.Tensor) -> dict[str, Any]:
    """Classifier-based figures for generated digits (N, 1, H, W) in [-1, 1]."""
    feats, probs = clf.embed(clf.load_classifier(), images)
    ref_a, _, _ = _real_reference()
    precision, recall = precision_recall(ref_a, feats.numpy())
    return {
        "frechet_distance": frechet_distance(feats.numpy(), ref_a),
        "precision": precision,
        "recall": recall,
        **class_coverage(probs.numpy()),
    }


# --- collapse warning -----------------------------------------------------------------


@dataclass
class CollapseCheck:
    collapsed: bool
    diversity: float  # mean pairwise feature distance of the generated samples
    real_diversity: float
    ratio: float  # diversity / real_diversity
    message: str  # one sentence for a person: what it means and what to try
    classes_seen: float | None = None  # digits only: effective number of predicted classes
    divergence: dict[str, float] | None = None  # toys given real points: toy_divergence()


def _features(x: torch.Tensor, use_classifier: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    if use_classifier:
        return clf.embed(clf.load_classifier(), x)
    if x.ndim == 4:
        if x.shape[-1] > 16:
            x = torch.nn.functional.adaptive_avg_pool2d(x, 16)
        return x.flatten(1), None
    return x.reshape(len(x), -1), None


def _mean_pairwise(feats: torch.Tensor) -> float:
    n = len(feats)
    if n < 2:
        return 0.0
    d = torch.cdist(feats.double(), feats.double())
    return float(d.sum() / (n * (n - 1)))


def _as_tensor(samples: torch.Tensor | np.ndarray, max_samples: int) -> torch.Tensor:
    x = samples if isinstance(samples, torch.Tensor) else torch.from_numpy(np.asarray(samples))
    return x[:max_samples].float().cpu()


def diversity(
    samples: torch.Tensor | np.ndarray, use_classifier: bool = False, max_samples: int = 500
) -> float:
    """Mean pairwise distance of samples in feature space.

    Features are the metric classifier's for MNIST-like digits (use_classifier),
    otherwise the samples themselves (2-D points, or images pooled to at most
    16x16 so that the figure is cheap and ignores pixel noise).
    """
    feats, _ = _features(_as_tensor(samples, max_samples), use_classifier)
    return _mean_pairwise(feats)


def collapse_check(
    fake: torch.Tensor | np.ndarray,
    real: torch.Tensor | np.ndarray | None = None,
    *,
    real_diversity: float | None = None,
    use_classifier: bool = False,
    share: float = COLLAPSE_SHARE,
    max_samples: int = 500,
    arch: str | None = None,
) -> CollapseCheck:
    """Whether the generated samples' diversity fell below `share` of the real data's.

    Pass either real samples or a real_diversity computed once with diversity()
    (the live view does that, so each check only embeds the fake samples).
    use_classifier: the data are 28x28-like grey digits (mnist-embedded, mnist);
    then a generator whose predicted digits cover fewer than share x 10 classes
    (effective number, exp of the entropy) is flagged too, even if each class varies.
    On toy points (N, 1 or 2) given real points, fakes that miss much of the data are
    flagged too (toy_divergence past COLLAPSE_KL_NATS or COLLAPSE_JS_BITS): a line across a
    few modes can be as spread out as the data and still cover 2 of 25 modes.
    """
    divergence = None
    fake_np = np.asarray(fake.detach().cpu() if isinstance(fake, torch.Tensor) else fake)
    if real is not None and fake_np.ndim == 2 and fake_np.shape[1] <= 2:
        real_np = np.asarray(real.detach().cpu() if isinstance(real, torch.Tensor) else real)
        divergence = toy_divergence(real_np[:max_samples], fake_np[:max_samples])
    misses = divergence is not None and (divergence["kl"] > COLLAPSE_KL_NATS
                                         or divergence["js"] > COLLAPSE_JS_BITS)
    if real_diversity is None:
        if real is None:
            raise ValueError("collapse_check needs real samples or real_diversity")
        real_diversity = diversity(real, use_classifier, max_samples)
    feats, probs = _features(_as_tensor(fake, max_samples), use_classifier)
    fake_div = _mean_pairwise(feats)
    ratio = fake_div / real_diversity if real_diversity > 0 else 0.0
    classes_seen = None
    if probs is not None:
        p = np.bincount(probs.argmax(dim=1).numpy(), minlength=10) / max(len(probs), 1)
        classes_seen = float(np.exp(-np.sum(p[p > 0] * np.log(p[p > 0]))))
    few_classes = classes_seen is not None and classes_seen < share * 10
    collapsed = ratio < share or few_classes or misses
    pct = f"{100 * ratio:.0f}%"
    advice = family(arch).collapse_advice if arch in FAMILY_NAMES else ""
    if advice:
        remedy = f"{advice}; otherwise resume from an earlier checkpoint."
    else:
        remedy = (
            "try packing (model.pack = 2-4), spectral norm or an R1 penalty on the "
            "discriminator, a lower generator learning rate, or resume from an earlier checkpoint."
        )
    if ratio < share:
        message = (
            f"Possible mode collapse: the samples are only {pct} as varied as the real data "
            f"(the generator keeps producing a few similar outputs); {remedy}"
        )
    elif few_classes:
        message = (
            f"Possible mode collapse: the samples show only about {classes_seen:.1f} of the 10 "
            f"digits equally often (the generator neglects the others); {remedy}"
        )
    elif misses:
        assert divergence is not None
        message = (
            f"Possible mode collapse: the samples miss much of the data (KL "
            f"{divergence['kl']:.1f} nats, JS {divergence['js']:.2f} bits); {remedy}"
        )
    else:
        message = f"Diversity is {pct} of the real data's: no sign of mode collapse."
    return CollapseCheck(collapsed, fake_div, real_diversity, ratio, message, classes_seen,
                         divergence)


# --- whole-generator evaluation ----------------------------------------------------------


def balanced_labels(generator: torch.nn.Module, n: int) -> torch.Tensor | None:
    """Class labels 0, 1, ..., c-1, 0, 1, ... for n samples of a conditional generator (each
    class equally often, as a uniform class prior), None for an unconditional one."""
    c = num_classes(generator)
    return torch.arange(n) % c if c else None


@torch.no_grad()
def generate(
    generator: torch.nn.Module, n: int, latent_dim: int, seed: int = 0, batch: int = 500,
    label: Any = None, dist: str = "normal",
) -> torch.Tensor:
    """n samples from generator with z drawn from `seed` (standard normal, or uniform in
    [-1, 1] for `dist` "uniform": model.latent_dist), on the CPU; a conditional generator
    draws every class equally often unless `label` says otherwise."""
    z = sample_z(seed, n, latent_dim, dist)
    if label is None:
        label = balanced_labels(generator, n)
    was_training = generator.training
    generator.eval()
    out = generate_images(generator, z, batch=batch, label=label).cpu()
    generator.train(was_training)
    return out


def conditional_accuracy(images: torch.Tensor, labels: torch.Tensor) -> dict[str, Any]:
    """The share of samples asked for class k that the metric classifier reads as k, overall
    and per class (digits only)."""
    _, probs = clf.embed(clf.load_classifier(), images)
    read = probs.argmax(dim=1)
    hit = (read == labels).float()
    per_class = [float(hit[labels == k].mean()) if (labels == k).any() else float("nan")
                 for k in range(int(labels.max()) + 1)]
    return {"conditional_accuracy": float(hit.mean()), "per_class_accuracy": per_class}


CLASSIFIER_KEYS = ("frechet_distance", "precision", "recall", "class_kl")
_LABELS = {"frechet_distance": "Frechet distance", "class_kl": "class KL",
           "modes_covered": "modes covered"}  # fmt: skip


def classifier_mismatch(config: Any) -> str | None:
    """Why the metric classifier's figures do not apply to a RunConfig's generator, or None.

    They apply to grey generators trained on MNIST digits, at any of the model sizes: the
    classifier resamples 32 and 64 px images to its 28 px by area, the same way the digits
    were resampled for training. Anything else (other data, colour, an imported generator
    whose training data are unknown) would be scored against digits it never tried to make.
    """
    known = "GAN Studio's metric classifier is trained on MNIST digits"
    if config.is_toy:
        return f"{config.data.name} is 2-D data, not images"
    if config.data.name == IMPORTED:
        source = config.data.path or "another program"
        return f"this generator was imported from {source} and its training data are unknown; {known}"
    if config.data.name not in DIGIT_DATASETS:
        return f"it was trained on {config.data.name}, not on digits; {known}"
    if config.model.channels != 1:
        return f"it makes colour images; {known} in grey"
    return None


def uses_classifier(config: Any) -> bool:
    """Whether a RunConfig's generator makes the grey digits the metric classifier knows."""
    return classifier_mismatch(config) is None


_NO_MODES = {"toy-1d": "toy-1d lies on a line (its 1-D view shows both modes)",
             POINTS: "a point file has no known modes"}


def _real_points(cfg: Any, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if cfg.data.name == POINTS:
        from ganstudio.core.data import ToyData, load_points

        return ToyData(POINTS, load_points(cfg.data.path or "")).sample(n, rng).numpy()
    return sample_toy(cfg.data.name, n, rng)


def evaluate(loaded_generator: Any, n: int | None = None, seed: int = 0,
             label: int | None = None) -> dict[str, Any]:
    """All figures that apply to a core.checkpoint.LoadedGenerator, as a JSON-ready dict.
    A conditional generator draws every class equally often, or only class ``label``."""
    cfg = loaded_generator.config
    name = cfg.data.name
    n = n or (TOY_SAMPLES if cfg.is_toy else IMAGE_SAMPLES)
    samples = generate(loaded_generator.generator, n, cfg.model.latent_dim, seed, label=label,
                       dist=cfg.model.latent_dist)
    result: dict[str, Any] = {
        "data": name, "step": int(loaded_generator.step), "n": n, "seed": seed, "not_applicable": {},
    }  # fmt: skip
    if label is not None:
        result["class"] = int(label)
    if name == IMPORTED:
        result["source"] = cfg.data.path
    if cfg.is_toy:
        result["kind"] = "toy"
        real = _real_points(cfg, n, seed + 1)
        result["diversity_ratio"] = collapse_check(samples.numpy(), real).ratio
        result.update(toy_divergence(real, samples.numpy()))  # kl (nats), js (bits)
        if name in _NO_MODES or not has_modes(name):
            result["not_applicable"]["modes_covered"] = _NO_MODES.get(
                name, f"{name} is a continuous curve without modes")
        else:
            result.update(mode_metrics(samples.numpy(), name))
        return result
    result["kind"] = "image"
    if uses_classifier(cfg):
        result.update(image_metrics(samples))
        result["floor"] = real_floor()
        result["n_real"] = clf.N_HELDOUT // 2
        labels = balanced_labels(loaded_generator.generator, n)
        if labels is not None and label is not None:
            labels = torch.full((n,), int(label))
        if labels is not None:
            result.update(conditional_accuracy(samples, labels))
        if label is not None:  # one class asked for: the others have no figure (JSON null, not NaN)
            result["per_class_accuracy"] = [a if k == label else None
                                            for k, a in enumerate(result["per_class_accuracy"])]
    else:
        reason = classifier_mismatch(cfg)
        result["not_applicable"] = {key: reason for key in CLASSIFIER_KEYS}
        result["pixel_diversity"] = diversity(samples)
    return result


def format_report(result: dict[str, Any]) -> str:
    """A few aligned lines a person reads in a terminal."""
    data = result["data"]
    if data == IMPORTED:
        data = f"generator imported from {result.get('source') or 'another program'}"
    lines = [f"{data} at step {result['step']}: {result['n']} samples, seed {result['seed']}"]
    if "modes_covered" in result:
        lines += [
            f"  modes covered      {result['modes_covered']} of {result['n_modes']}",
            f"  high quality       {100 * result['high_quality']:.1f}% (within 3 std of a mode)",
            f"  reverse KL         {result['reverse_kl']:.3f} (0 = every mode equally often)",
        ]
    if "js" in result:
        lines.append(f"  divergence         KL {result['kl']:.3f} nats, JS {result['js']:.3f} bits "
                     "(0 = the real histogram)")
    if "diversity_ratio" in result:
        lines.append(
            f"  diversity          {100 * result['diversity_ratio']:.0f}% of the real data's"
        )
    if "frechet_distance" in result:
        floor = result["floor"]
        lines += [
            "                     generated   real vs real",
            f"  Frechet distance   {result['frechet_distance']:9.2f}   {floor['frechet_distance']:9.2f}  (lower is better)",
            f"  precision          {result['precision']:9.3f}   {floor['precision']:9.3f}  (realism)",
            f"  recall             {result['recall']:9.3f}   {floor['recall']:9.3f}  (coverage)",
            f"  class KL           {result['class_kl']:9.3f}   {floor['class_kl']:9.3f}  (0 = all digits equally often)",
            f"  classes            {result['classes_covered']} of 10: {result['class_histogram']}",
        ]
    if "conditional_accuracy" in result:
        per = " ".join("-" if a is None else f"{a:.2f}" for a in result["per_class_accuracy"])
        lines.append(f"  conditional acc.   {result['conditional_accuracy']:9.3f}   (samples read as the "
                     f"class asked for; per class: {per})")
    if "pixel_diversity" in result:
        lines.append(
            f"  pixel diversity    {result['pixel_diversity']:.3f} (mean pairwise distance)"
        )
    by_reason: dict[str, list[str]] = {}
    for key, reason in result["not_applicable"].items():
        by_reason.setdefault(reason, []).append(key)
    for reason, keys in by_reason.items():
        names = ", ".join(_LABELS.get(k, k.replace("_", " ")) for k in keys)
        lines.append(f"  not computed: {names} ({reason})")
    return "\n".join(lines)
