"""The 2-D toy distributions, defined once for the data module and the metrics.

Ring and grid follow the set-ups of VEEGAN (Srivastava et al., 2017) and PacGAN
(Lin et al., 2018) so that our mode-coverage figures compare with theirs:
ring = 8 Gaussians on a circle of radius 1 with std 0.01, grid = 25 Gaussians at
{-4,-2,0,2,4}^2 with std 0.05, every mode equally likely. The spiral is a
continuous curve with a little noise; it has no modes to count. The 1-D toy (GAN Lab's
1-D view) is two Gaussians on a line, N(-2, 0.5^2) and N(2, 0.5^2), equally likely; its
points are (N, 1).
"""

from __future__ import annotations

import math

import numpy as np

TOY_NAMES: tuple[str, ...] = ("ring", "grid", "spiral", "1d")
MODE_TOYS: tuple[str, ...] = ("ring", "grid")

# The spiral turns 1.5 times and ends at radius 2, so all three toys fit in a box
# a few units wide; the noise is small next to the gap between turns (~1.3).
_SPIRAL_TURNS = 1.5
_SPIRAL_RADIUS = 2.0
_SPIRAL_NOISE = 0.05
LINE_MODES: tuple[tuple[float, float], ...] = ((-2.0, 0.5), (2.0, 0.5))  # 1-D: (mean, std)


def _short_name(name: str) -> str:
    short = name.removeprefix("toy-")
    if short not in TOY_NAMES:
        raise ValueError(
            f"unknown toy distribution {name!r}: expected one of {', '.join(TOY_NAMES)}"
        )
    return short


def has_modes(name: str) -> bool:
    """Whether the toy is a mixture of separated 2-D modes (so mode coverage applies); False
    for the others and for data that are no named toy (a point file)."""
    return name.removeprefix("toy-") in MODE_TOYS


def toy_modes(name: str) -> tuple[np.ndarray, float]:
    """Mode centres (K, 2) float64 and the per-axis std shared by every mode.

    Accepts "ring"/"grid" or the data names "toy-ring"/"toy-grid". The spiral is
    continuous and raises ValueError.
    """
    short = _short_name(name)
    if short == "ring":
        angles = 2.0 * math.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01
    if short == "grid":
        axis = np.arange(-4.0, 5.0, 2.0)
        xs, ys = np.meshgrid(axis, axis, indexing="ij")
        return np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05
    if short == "1d":
        raise ValueError("toy-1d lies on a line: its modes are counted by the 1-D view")
    raise ValueError("toy-spiral is a continuous curve: it has no modes to count")


def toy_dims(name: str) -> int:
    """Coordinates per point: 1 for the 1-D toy, 2 for the others."""
    return 1 if _short_name(name) == "1d" else 2


def line_density(x: np.ndarray) -> np.ndarray:
    """The exact density of the 1-D toy at x (any shape), float64."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    for mean, std in LINE_MODES:
        out += np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
    return out / len(LINE_MODES)


def sample_toy(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples (n, 2) float32 from the toy distribution ((n, 1) for the 1-D toy), drawn with rng."""
    short = _short_name(name)
    if short == "1d":
        means = np.array([m for m, _ in LINE_MODES])
        stds = np.array([s for _, s in LINE_MODES])
        which = rng.integers(0, len(means), size=n)
        return (means[which] + stds[which] * rng.normal(size=n)).astype(np.float32)[:, None]
    if short == "spiral":
        # sqrt spreads the points evenly along the arc instead of crowding the centre.
        t = np.sqrt(rng.uniform(0.0, 1.0, size=n))
        angle = 2.0 * math.pi * _SPIRAL_TURNS * t
        radius = _SPIRAL_RADIUS * t
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        points += rng.normal(0.0, _SPIRAL_NOISE, size=(n, 2))
        return points.astype(np.float32)
    centres, std = toy_modes(short)
    which = rng.integers(0, len(centres), size=n)
    points = centres[which] + rng.normal(0.0, std, size=(n, 2))
    return points.astype(np.float32)
