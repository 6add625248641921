"""The user's rotation and translation of a StyleGAN3 image, through its input transform.

Fourier features are functions of continuous coordinates, so moving the image is a change
of the coordinates they are sampled at: `synthesis.input.transform` holds the inverse of the
wanted image transform (NVIDIA's visualizer writes it the same way), and the network draws
the rotated, translated image without resampling any pixels.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import torch
from torch import nn


class InputTransformError(ValueError):
    """A transform that is not a finite rotation and translation, or a generator without one."""


def input_transform_matrix(tx: float = 0.0, ty: float = 0.0, angle_deg: float = 0.0) -> np.ndarray:
    """The 3x3 matrix (float64) to write into `input.transform` to show the image rotated by
    `angle_deg` and translated by (tx, ty) in image units (1 = the image's width)."""
    values = {"tx": tx, "ty": ty, "angle_deg": angle_deg}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
            raise InputTransformError(f"The input transform takes a finite rotation and translation, "
                                      f"but {name} is {value!r}.")
    angle = math.radians(float(angle_deg))
    cos, sin = math.cos(angle), math.sin(angle)
    # The image transform as NVIDIA's tools define it; the network wants its inverse.
    forward = np.array([[cos, sin, float(tx)], [-sin, cos, float(ty)], [0.0, 0.0, 1.0]])
    return np.linalg.inv(forward)


def set_input_transform(G: nn.Module, tx: float = 0.0, ty: float = 0.0, angle_deg: float = 0.0) -> None:
    """Rotate and translate every image G draws from now on; (0, 0, 0) restores the default."""
    synthesis = getattr(G, "synthesis", G)
    layer = getattr(synthesis, "input", None)
    buffer = getattr(layer, "transform", None)
    if not isinstance(buffer, torch.Tensor) or tuple(buffer.shape) != (3, 3):
        raise InputTransformError("Only StyleGAN3 generators can be rotated and translated this way.")
    m = input_transform_matrix(tx, ty, angle_deg)
    with torch.no_grad():
        buffer.copy_(torch.from_numpy(m).to(buffer.dtype))
