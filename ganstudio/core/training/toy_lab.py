"""What the toy labs draw, after GAN Lab (Kahng et al., 2019): on a 2-D toy the real and
generated points, D's map behind them, G's manifold (how G warps the latent space) and the
direction G's loss pushes each fake; on a 1-D toy the densities, D(x), the optimal D and the
z -> x map. Fixed latents and no random state: watching a run never changes its course.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ganstudio.core import toys
from ganstudio.core.generate import generate

if TYPE_CHECKING:
    from ganstudio.core.training.trainer import Trainer

VIEW_EXTENT = {"toy-ring": 1.6, "toy-grid": 5.5, "toy-spiral": 2.6, "toy-1d": 4.0}
MANIFOLD_LINES = 11  # latent grid lines each way
MANIFOLD_POINTS = 41  # points along each line
LINE_SAMPLES = 5000  # G's samples behind the 1-D density
Z_LINES = 40
REAL_SEED = 12345


def extent(trainer: Trainer) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the view: fixed for the named toys, the data's own for a point file
    (its bounding box, widened by 15% and squared up so that circles stay round)."""
    points = trainer.dataset.points
    if points is None:
        e = VIEW_EXTENT.get(trainer.config.data.name, 3.0)
        return (-e, e, -e, e)
    lo, hi = points.min(0).astype(np.float64), points.max(0).astype(np.float64)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.15, 1e-3)
    cx, cy = float(centre[0]), float(centre[1]) if len(centre) > 1 else 0.0
    return (cx - half, cx + half, cy - half, cy + half)


@contextmanager
def _eval(trainer: Trainer) -> Iterator[tuple[torch.nn.Module, torch.nn.Module]]:
    G, D = trainer.sampler, trainer.D
    modes = G.training, D.training
    G.eval()
    D.eval()
    try:
        yield G, D
    finally:
        G.train(modes[0])
        D.train(modes[1])


def _logits(trainer: Trainer, D: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    # A packing D (PacGAN) judges groups of samples: each point is shown as a group of copies.
    return D(x.repeat_interleave(trainer.config.model.pack, 0)).float().reshape(-1)


def _latent_range(trainer: Trainer) -> float:
    return 1.0 if trainer.config.model.latent_dist == "uniform" else 2.0  # uniform's edge, or 2 std


@torch.no_grad()
def _manifold(trainer: Trainer, G: torch.nn.Module) -> np.ndarray:
    """G's image of latent lines: (1, K, 2) along z for a 1-D latent; else (2 L, K, 2), the
    first L lines along z1 (z2 fixed), the next L along z2, in the plane of the first two
    latent axes (the others 0)."""
    dim, r = trainer.config.model.latent_dim, _latent_range(trainer)
    ts = torch.linspace(-r, r, MANIFOLD_POINTS)
    if dim == 1:
        z = ts[:, None]
        return generate(G, z).cpu().numpy()[None]
    fixed = torch.linspace(-r, r, MANIFOLD_LINES)
    z = torch.zeros(2, MANIFOLD_LINES, MANIFOLD_POINTS, dim)
    z[0, :, :, 0], z[0, :, :, 1] = ts[None, :], fixed[:, None]
    z[1, :, :, 0], z[1, :, :, 1] = fixed[:, None], ts[None, :]
    x = generate(G, z.reshape(-1, dim)).cpu()
    return x.reshape(2 * MANIFOLD_LINES, MANIFOLD_POINTS, -1).numpy()


def _g_gradients(trainer: Trainer, D: torch.nn.Module, fake: torch.Tensor) -> np.ndarray:
    """-d loss_G / d x for each fake: the direction (and strength) G's loss pushes it, from
    each fake's own term of the loss (the batch mean's gradient times N)."""
    x = fake.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = trainer.loss.g_loss(_logits(trainer, D, x)) * len(x)
        (grad,) = torch.autograd.grad(loss, x)
    return (-grad).cpu().numpy()


def toy_view(trainer: Trainer, resolution: int = 64, n: int = 512) -> dict[str, Any]:
    """real (n, 2) and fake (n, 2) points; heat (res, res) D's output in [0, 1] over the view,
    rows along y (Loss.probability: P(real) for bce, a normalised score for the other losses);
    extent (x0, x1, y0, y1); d_range (min, max) of heat; manifold (lines, K, 2) G's image of
    a latent grid (see _manifold); gradients (n, 2) -d loss_G / d fake, unscaled."""
    if trainer.config.sample_shape != (2,):
        raise ValueError("this run's points lie on a line; use toy_view_1d()")
    ext = extent(trainer)
    real = trainer.dataset.sample(n, np.random.default_rng(REAL_SEED)).numpy()
    z = trainer.toy_latents(n)
    with _eval(trainer) as (G, D):
        with torch.no_grad():
            fake = generate(G, z)
            xs = torch.linspace(ext[0], ext[1], resolution, device=trainer.device)
            ys = torch.linspace(ext[2], ext[3], resolution, device=trainer.device)
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
            heat = trainer.loss.probability(_logits(trainer, D, pts))
            manifold = _manifold(trainer, G)
        gradients = _g_gradients(trainer, D, fake)
    heat_np = heat.reshape(resolution, resolution).cpu().numpy()
    return {"real": real, "fake": fake.cpu().numpy(), "heat": heat_np, "extent": ext,
            "d_range": (float(heat_np.min()), float(heat_np.max())), "manifold": manifold,
            "gradients": gradients}


def _kde(samples: np.ndarray, x: np.ndarray, width: float) -> np.ndarray:
    """A Gaussian kernel density of 1-D samples at x; Silverman's bandwidth, at least a grid
    cell wide (a collapsed G would otherwise draw an infinitely thin spike)."""
    s = samples.astype(np.float64).reshape(-1)
    h = max(1.06 * float(s.std()) * len(s) ** -0.2, width)
    u = (x[:, None] - s[None, :]) / h
    return np.exp(-0.5 * u * u).sum(1) / (len(s) * h * math.sqrt(2 * math.pi))


def _z_quantiles(trainer: Trainer, m: int) -> torch.Tensor:
    q = (torch.arange(m, dtype=torch.float64) + 0.5) / m
    if trainer.config.model.latent_dist == "uniform":
        return (2 * q - 1).float()
    return torch.special.ndtri(q).float()


def toy_view_1d(trainer: Trainer, resolution: int = 200) -> dict[str, Any]:
    """The 1-D lab: on x (R,) across the view, p_data (the toy's exact density; a kernel
    density of the file's points for a point file), p_g (a kernel density of 5000 of G's
    samples), d (D(x) as Loss.probability: P(real) for bce, for the other losses the sigmoid
    of the score minus its mean over x, a normalised score), d_opt = p_data / (p_data + p_g),
    the optimal D for this G (Goodfellow et al., 2014); z_lines (40, 2) pairs (z, G(z)) at
    evenly spaced quantiles of the latent distribution (z on the first latent axis, the others
    0); js the Jensen-Shannon divergence of the two densities on the grid, in bits (0: the
    same, 1: no overlap)."""
    if trainer.config.sample_shape != (1,):
        raise ValueError("this run's points are 2-D; use toy_view()")
    x0, x1 = extent(trainer)[:2]
    x = np.linspace(x0, x1, resolution)
    cell = (x1 - x0) / max(resolution - 1, 1)
    points = trainer.dataset.points
    p_data = toys.line_density(x) if points is None else _kde(points, x, cell)
    dim = trainer.config.model.latent_dim
    zq = torch.zeros(Z_LINES, dim)
    zq[:, 0] = _z_quantiles(trainer, Z_LINES)
    with _eval(trainer) as (G, D), torch.no_grad():
        fake = generate(G, trainer.toy_latents(LINE_SAMPLES)).cpu().numpy()
        xq = generate(G, zq).cpu().numpy().reshape(-1)
        grid = torch.as_tensor(x, dtype=torch.float32, device=trainer.device)[:, None]
        d = trainer.loss.probability(_logits(trainer, D, grid)).cpu().numpy()
    p_g = _kde(fake, x, cell)
    total = p_data + p_g
    d_opt = np.where(total > 1e-12, p_data / np.maximum(total, 1e-300), 0.5)
    return {"x": x, "p_data": p_data, "p_g": p_g, "d": d.astype(np.float64), "d_opt": d_opt,
            "z_lines": np.stack([zq[:, 0].numpy(), xq], 1), "js": _js_bits(p_data, p_g)}


def _js_bits(p: np.ndarray, q: np.ndarray) -> float:
    p = p / max(p.sum(), 1e-300)
    q = q / max(q.sum(), 1e-300)
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        keep = a > 0
        return float(np.sum(a[keep] * np.log2(a[keep] / m[keep])))

    return max(0.0, 0.5 * kl(p) + 0.5 * kl(q))
