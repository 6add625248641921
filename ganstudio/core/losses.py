"""GAN losses on discriminator logits, and the gradient penalties (WGAN-GP, R1)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


class Loss:
    """A GAN objective on discriminator logits: D's loss, G's loss, how D's output reads as a
    probability, and what the objective needs of the discriminator. One subclass per loss,
    registered by its config name (train.loss); the trainer names none of them."""

    name: str = ""
    title: str = ""
    allows_batch_norm = True  # False where a penalty needs per-sample gradients (WGAN-GP)
    gradient_penalty = False  # True: train.gp_weight x WGAN-GP's penalty is part of D's loss
    reads_as_probability = False  # D's output through a sigmoid is P(real)

    def d_loss(self, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
        raise NotImplementedError

    def g_loss(self, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def d_real(self, logits: Tensor) -> float:
        """A readable "D says real" figure: the mean sigmoid where D's output is a log-odds,
        the mean raw score otherwise."""
        return self.score(logits).item()

    def score(self, logits: Tensor) -> Tensor:
        """d_real as a 0-d tensor, so a step's figures reach the CPU in one transfer."""
        logits = logits.detach().float()
        return torch.sigmoid(logits).mean() if self.reads_as_probability else logits.mean()

    def probability(self, logits: Tensor) -> Tensor:
        """D's output per sample as a value in [0, 1]: the sigmoid of a log-odds; for the
        other losses, whose scores are not log-odds, the sigmoid of the score minus its mean
        over ``logits`` (a normalised score: 0.5 is D's average opinion, not P(real))."""
        logits = logits.detach().float()
        return torch.sigmoid(logits if self.reads_as_probability else logits - logits.mean())


class NonSaturating(Loss):
    """Binary cross-entropy for D; the non-saturating G loss of Goodfellow et al. (2014)."""

    name, title, reads_as_probability = "bce", "Non-saturating (BCE)", True

    def d_loss(self, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
        real, fake = real.float(), fake.float()
        # One-sided label smoothing (Salimans et al., 2016): only the real targets move.
        target = torch.full_like(real, 1.0 - label_smoothing)
        return (F.binary_cross_entropy_with_logits(real, target)
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))

    def g_loss(self, fake: Tensor) -> Tensor:
        fake = fake.float()
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


class Hinge(Loss):
    """The hinge loss (Lim & Ye, 2017; Miyato et al., 2018)."""

    name, title = "hinge", "Hinge"

    def d_loss(self, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
        return F.relu(1.0 - real.float()).mean() + F.relu(1.0 + fake.float()).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return -fake.float().mean()


class WassersteinGP(Loss):
    """The Wasserstein critic with a gradient penalty (Gulrajani et al., 2017). Batch norm
    would mix the samples whose gradients the penalty takes one by one, so D goes without."""

    name, title = "wgan-gp", "Wasserstein + gradient penalty"
    allows_batch_norm = False
    gradient_penalty = True

    def d_loss(self, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
        return fake.float().mean() - real.float().mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return -fake.float().mean()


class LeastSquares(Loss):
    """Least squares (Mao et al., 2017): real towards 1, fake towards 0."""

    name, title = "lsgan", "Least squares"

    def d_loss(self, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
        real, fake = real.float(), fake.float()
        return 0.5 * ((real - (1.0 - label_smoothing)) ** 2).mean() + 0.5 * (fake**2).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return 0.5 * ((fake.float() - 1.0) ** 2).mean()


LOSSES: dict[str, Loss] = {c.name: c() for c in (NonSaturating, Hinge, WassersteinGP, LeastSquares)}


def loss(name: str) -> Loss:
    """The loss registered as ``name`` (train.loss)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}")
    return LOSSES[name]


def gradient_penalty(disc: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
    """WGAN-GP (Gulrajani et al., 2017): (||grad D(x_hat)|| - 1)^2 on random interpolates."""
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = disc(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.reshape(grad.shape[0], -1).norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(real_logits: Tensor, real: Tensor) -> Tensor:
    """R1 (Mescheder et al., 2018): squared gradient norm of D on real data."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.pow(2).reshape(grad.shape[0], -1).sum(1).mean()
