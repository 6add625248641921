"""The 2-D toy distributions, defined once for the data module and the metrics.

Ring and grid follow the set-ups of VEEGAN (Srivastava et al., 2017) and PacGAN
(Lin et al., 2018) so that our mode-coverage figures compare with theirs:
ring = 8 Gaussians on a circle of radius 1 with std 0.01, grid = 25 Gaussians at
{-4,-2,0,2,4}^2 with std 0.05, every mode equally likely. The spiral is a
continuous curve with a little noise; it has no modes to count.
"""

from __future__ import annotations

import math

import numpy as np

TOY_NAMES: tuple[str, ...] = ("ring", "grid", "spiral")
MODE_TOYS: tuple[str, ...] = ("ring", "grid")

# The spiral turns 1.5 times and ends at radius 2, so all three toys fit in a box
# a few units wide; the noise is small next to the gap between turns (~1.3).
_SPIRAL_TURNS = 1.5
_SPIRAL_RADIUS = 2.0
_SPIRAL_NOISE = 0.05


def _short_name(name: str) -> str:
    short = name.removeprefix("toy-")
    if short not in TOY_NAMES:
        raise ValueError(
            f"unknown toy distribution {name!r}: expected one of {', '.join(TOY_NAMES)}"
        )
    return short


def has_modes(name: str) -> bool:
    """Whether the toy is a mixture of separated modes (so mode coverage applies)."""
    return _short_name(name) in MODE_TOYS


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
    raise ValueError("toy-spiral is a continuous curve: it has no modes to count")


def sample_toy(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples (n, 2) float32 from the toy distribution, drawn with rng."""
    short = _short_name(name)
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
