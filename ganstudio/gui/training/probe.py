"""Cheap live figures of a generator while it trains (no Qt: runs in the training thread).

A ``MetricsProbe`` is built once per run: it computes the real data's reference figures
(features of held-out digits, the real-vs-real Frechet floor, the real data's diversity),
then ``evaluate`` draws a few hundred samples from the generator and returns one row of
figures with ``step``, ready for metrics.jsonl and the live plot, and the collapse check.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

IMAGE_SAMPLES = 256  # a few hundred: an evaluation costs a fraction of a second on a CPU
TOY_SAMPLES = 500
PROBE_SEED = 4242  # the same noise at every evaluation, so the curves move with G only
KIND_CLASSIFIER, KIND_MODES, KIND_DIVERSITY = "classifier", "modes", "diversity"
KIND_TOY = "toy"  # 1-D or 2-D points without named modes (the spiral, the line, a point file)

# the keys a probe writes; the live plot and the run-folder viewer pick rows by these
METRIC_KEYS = (
    "frechet_distance", "frechet_floor", "classes_covered", "class_kl", "classes_seen",
    "modes_covered", "n_modes", "high_quality", "diversity", "real_diversity",
    "diversity_ratio", "collapsed", "kl", "js", "conditional_accuracy",
)  # fmt: skip


def probe_kind(config: Any) -> str:
    """Which figures apply to a RunConfig: classifier (digits), modes (ring, grid), the
    divergences of other points (toy) or diversity (other images)."""
    from ganstudio.core import metrics
    from ganstudio.core.toys import has_modes

    if config.is_toy:
        return KIND_MODES if has_modes(config.data.name) else KIND_TOY
    return KIND_CLASSIFIER if metrics.uses_classifier(config) else KIND_DIVERSITY


def is_metrics_row(row: dict[str, Any]) -> bool:
    return "diversity_ratio" in row


class MetricsProbe:
    """Reference figures of the real data, and ``evaluate(generator, step)`` against them."""

    def __init__(self, config: Any, dataset: Any = None, n: int | None = None) -> None:
        from ganstudio.core import metrics

        self.config = config
        self.kind = probe_kind(config)
        self.n = n or (TOY_SAMPLES if config.is_toy else IMAGE_SAMPLES)
        self.use_classifier = self.kind == KIND_CLASSIFIER
        real = self._real_samples(dataset)
        # Toys: the collapse check also compares the fakes' histogram with the real points'.
        self._toy_real = real if config.is_toy else None
        self.real_diversity = metrics.diversity(real, self.use_classifier, self.n)
        self._reference: np.ndarray | None = None
        self.floor: float | None = None
        if self.use_classifier:
            self._reference, self.floor = _digit_reference(self.n)

    def _real_samples(self, dataset: Any) -> Any:
        import torch

        rng = np.random.default_rng(PROBE_SEED)
        if self.config.is_toy:
            from ganstudio.core.toys import sample_toy

            if hasattr(dataset, "sample"):  # the run's own data, also a point file's
                return dataset.sample(self.n, rng).numpy()

            return sample_toy(self.config.data.name, self.n, rng)
        if self.use_classifier:
            from ganstudio.core import classifier as clf

            images, _ = clf.heldout_images()
            return images[len(images) // 2 :][: self.n]
        images = dataset.images
        idx = torch.from_numpy(rng.choice(len(images), size=min(self.n, len(images)), replace=False))
        return images.index_select(0, idx).float().div(127.5).sub(1.0)

    def evaluate(self, generator: Any, step: int) -> tuple[dict[str, Any], str]:
        """One row of figures for ``generator`` at ``step``, and the collapse check's sentence."""
        from ganstudio.core import metrics

        latent_dim = self.config.model.latent_dim
        samples = metrics.generate(generator, self.n, latent_dim, seed=PROBE_SEED,
                                   dist=self.config.model.latent_dist)
        if self.use_classifier:
            labels = metrics.balanced_labels(generator, self.n)  # a conditional model: all classes
            return self._evaluate_digits(samples, step, labels)
        check = metrics.collapse_check(samples, self._toy_real, real_diversity=self.real_diversity,
                                       max_samples=self.n, arch=self.config.model.arch)
        row = _diversity_row(step, check)
        row.update(check.divergence or {})  # toys: kl (nats), js (bits)
        if self.kind == KIND_MODES:
            modes = metrics.mode_metrics(samples.numpy(), self.config.data.name)
            row.update({k: modes[k] for k in ("modes_covered", "n_modes", "high_quality")})
        return row, check.message

    def _evaluate_digits(self, samples: Any, step: int, labels: Any = None) -> tuple[dict[str, Any], str]:
        """The classifier runs once: its features give the diversity check and the Frechet
        distance, its predictions the class coverage (collapse_check would embed again)."""
        from ganstudio.core import classifier as clf
        from ganstudio.core import metrics

        feats, probs = clf.embed(clf.load_classifier(), samples)
        check = metrics.collapse_check(feats, real_diversity=self.real_diversity, max_samples=self.n,
                                       arch=self.config.model.arch)
        coverage = metrics.class_coverage(probs.numpy())
        counts = np.asarray(coverage["class_histogram"], dtype=np.float64)
        p = counts[counts > 0] / max(counts.sum(), 1.0)
        classes_seen = float(np.exp(-np.sum(p * np.log(p))))
        few_classes = classes_seen < metrics.COLLAPSE_SHARE * 10
        message = check.message
        if few_classes and not check.collapsed:
            message = (f"Possible mode collapse: the samples show only about {classes_seen:.1f} of the "
                       "10 digits equally often (the generator neglects the others); "
                       + REMEDY)
        row = _diversity_row(step, check)
        row.update({
            "collapsed": bool(check.collapsed or few_classes),
            "frechet_distance": metrics.frechet_distance(feats.numpy(), self._reference),
            "frechet_floor": self.floor,
            "classes_covered": coverage["classes_covered"],
            "class_kl": coverage["class_kl"],
            "classes_seen": classes_seen,
        })  # fmt: skip
        if labels is not None:  # the share of samples read as the class they were asked for
            row["conditional_accuracy"] = float((probs.argmax(dim=1) == labels).float().mean())
        return row, message


REMEDY = ("try packing (model.pack = 2-4), spectral norm or an R1 penalty on the discriminator, "
          "a lower generator learning rate, or resume from an earlier checkpoint.")


def _diversity_row(step: int, check: Any) -> dict[str, Any]:
    return {"step": int(step), "diversity": check.diversity, "real_diversity": check.real_diversity,
            "diversity_ratio": check.ratio, "collapsed": bool(check.collapsed)}


@lru_cache(maxsize=2)
def _digit_reference(n: int) -> tuple[np.ndarray, float]:
    """Classifier features of held-out half A, and the Frechet distance ``n`` real digits of
    half B reach against them: the floor a generator's ``n`` samples can hope for."""
    from ganstudio.core import classifier as clf
    from ganstudio.core import metrics

    images, _ = clf.heldout_images()
    half = len(images) // 2
    model = clf.load_classifier()
    ref, _ = clf.embed(model, images[:half])
    real, _ = clf.embed(model, images[half:][:n])
    return ref.numpy(), metrics.frechet_distance(real.numpy(), ref.numpy())


def summary(row: dict[str, Any]) -> str:
    """The last evaluation in a few words, for the line under the plot."""
    step = f"step {int(row.get('step', 0)):,}"
    if "frechet_distance" in row:
        return (f"{step}: Frechet distance {row['frechet_distance']:.1f} "
                f"(real vs real {row['frechet_floor']:.1f}), {row['classes_covered']} of 10 digits, "
                f"class KL {row['class_kl']:.2f}"
                + (f", {100 * row['conditional_accuracy']:.0f}% drawn as the class asked for"
                   if "conditional_accuracy" in row else ""))
    divergence = ""
    if "kl" in row and "js" in row:
        divergence = f"KL {row['kl']:.3g} nats, JS {row['js']:.3f} bits"
    if "modes_covered" in row:
        text = (f"{step}: {row['modes_covered']} of {row['n_modes']} modes, "
                f"{100 * row['high_quality']:.0f}% high quality")
        return f"{text}, {divergence}" if divergence else text
    if divergence:
        return f"{step}: {divergence}, variety {100 * row['diversity_ratio']:.0f}% of the data's"
    return (f"{step}: diversity {row['diversity']:.3g} "
            f"({100 * row['diversity_ratio']:.0f}% of the real data's {row['real_diversity']:.3g})")
