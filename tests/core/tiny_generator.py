"""A generator small enough for the latent and direction tests to render, search and
project with in milliseconds."""

from __future__ import annotations

import torch
from torch import nn


class TinyGenerator(nn.Module):
    """(N, 8) -> (N, 1, 6, 6) in [-1, 1] through one hidden ReLU layer (for PCA to read)."""

    def __init__(self, latent_dim: int = 8, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.latent_dim = latent_dim
        self.sample_shape = (1, 6, 6)
        self.main = nn.Sequential(
            nn.Linear(latent_dim, 32), nn.ReLU(), nn.Linear(32, 36), nn.Tanh()
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z).reshape(z.shape[0], *self.sample_shape)
