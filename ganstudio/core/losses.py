"""GAN losses on discriminator logits, and the gradient penalties (WGAN-GP, R1)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def d_loss(kind: str, real: Tensor, fake: Tensor, label_smoothing: float = 0.0) -> Tensor:
    """Discriminator loss from its logits on real and generated samples."""
    real, fake = real.float(), fake.float()
    if kind == "bce":
        # One-sided label smoothing (Salimans et al., 2016): only the real targets move.
        target = torch.full_like(real, 1.0 - label_smoothing)
        return (F.binary_cross_entropy_with_logits(real, target)
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    if kind == "lsgan":
        return 0.5 * ((real - (1.0 - label_smoothing)) ** 2).mean() + 0.5 * (fake**2).mean()
    raise ValueError(f"unknown loss {kind!r}")


def g_loss(kind: str, fake: Tensor) -> Tensor:
    """Generator loss from the discriminator's logits on generated samples."""
    fake = fake.float()
    if kind == "bce":  # the non-saturating loss of Goodfellow et al. (2014)
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    if kind in ("hinge", "wgan-gp"):
        return -fake.mean()
    if kind == "lsgan":
        return 0.5 * ((fake - 1.0) ** 2).mean()
    raise ValueError(f"unknown loss {kind!r}")


def d_real_probability(kind: str, logits: Tensor) -> float:
    """A readable "D says real" figure: the mean sigmoid for BCE, the mean raw score otherwise."""
    if kind == "bce":
        return torch.sigmoid(logits.float()).mean().item()
    return logits.float().mean().item()


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
