"""Class conditioning shared by the families that take a label: labels travel as one-hot rows
(N, c_dim) (core.generate.class_vector makes them), so soft rows blend classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from ganstudio.core.config import check, is_int

if TYPE_CHECKING:
    from ganstudio.core.config import RunConfig

MAX_CLASSES = 1000


def label_embedding(c_dim: int, dim: int) -> nn.Linear:
    """A learned class embedding applied to one-hot rows (a bias-free linear layer, so that a
    blend of two one-hot rows embeds as the blend of the two classes: class interpolation).
    Unit-variance init, so the label weighs as much as z from the first step."""
    embed = nn.Linear(c_dim, dim, bias=False)
    nn.init.normal_(embed.weight, 0.0, 1.0)
    return embed


def one_hot_or_first(c: torch.Tensor | None, n: int, c_dim: int, like: torch.Tensor) -> torch.Tensor:
    """The labels to use: ``c`` (N, c_dim), or class 0 for every sample when none is given."""
    if c is None:
        c = torch.zeros(n, c_dim, device=like.device, dtype=like.dtype)
        c[:, 0] = 1
    return c.to(like.device, like.dtype)


def check_labels(config: RunConfig) -> None:
    """The config checks of a family that takes labels the plain way (a label embedding in G,
    a projection in D)."""
    m = config.model
    check(is_int(m.c_dim) and 0 <= m.c_dim <= MAX_CLASSES, "model.c_dim", m.c_dim,
          f"a whole number from 0 (unconditional) to {MAX_CLASSES} classes")
    if m.c_dim:
        check(m.pack == 1, "model.pack", m.pack, "1 for a conditional model (each sample has its own label)")
