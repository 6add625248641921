"""Fully connected generator and discriminator: images flattened, or 2-D toy points."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganstudio.core.models.conditioning import label_embedding, one_hot_or_first


class MLPGenerator(nn.Module):
    """z (and, when conditional, a one-hot class c, embedded and concatenated) -> sample."""

    def __init__(self, latent_dim: int, sample_shape: tuple[int, ...], hidden: int, layers: int,
                 image: bool, c_dim: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.c_dim = c_dim
        self.sample_shape = tuple(sample_shape)
        out = math.prod(sample_shape)  # no tensor: the module also builds on the meta device
        mods: list[nn.Module] = []
        embed_dim = min(latent_dim, 64) if c_dim else 0
        dim = latent_dim + embed_dim
        for _ in range(layers):
            mods += [nn.Linear(dim, hidden), nn.ReLU(True)]
            dim = hidden
        mods.append(nn.Linear(dim, out))
        if image:
            mods.append(nn.Tanh())
        self.main = nn.Sequential(*mods)
        # Unconditional: an identity without weights, so that TorchScript finds the attribute.
        self.embed = label_embedding(c_dim, embed_dim) if c_dim else nn.Identity()

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if self.c_dim:
            z = torch.cat([z, self.embed(one_hot_or_first(c, z.shape[0], self.c_dim, z))], dim=1)
        return self.main(z).reshape(z.shape[0], *self.sample_shape)


class FourierFeatures(nn.Module):
    """x -> [x, sin(2 pi B x), cos(2 pi B x)] with a fixed random B (Tancik et al., 2020).

    A plain ReLU/LeakyReLU MLP on raw 2-D coordinates is biased towards smooth functions
    (the spectral bias of Rahaman et al., 2019), so the toy discriminator cannot draw the
    fine bumps of 25 narrow Gaussians. Random Fourier features of scale `scale` (the std of
    B, in cycles per data unit) let it. B is a buffer, so checkpoints carry it and a loaded
    discriminator sees the same features it was trained with.
    """

    def __init__(self, in_dim: int, n: int, scale: float) -> None:
        super().__init__()
        self.register_buffer("B", torch.randn(n, in_dim) * scale)
        self.out_dim = in_dim + 2 * n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        proj = 2 * torch.pi * x @ self.B.t()
        return torch.cat([x, torch.sin(proj), torch.cos(proj)], dim=-1)


class MLPDiscriminator(nn.Module):
    def __init__(self, sample_shape: tuple[int, ...], hidden: int, layers: int, *, sn: bool,
                 minibatch_std: bool, pack: int, features: int = 0,
                 feature_scale: float = 1.0, c_dim: int = 0) -> None:
        super().__init__()
        self.pack = pack
        self.c_dim = c_dim
        self.minibatch_std = minibatch_std
        wrap: Callable[[nn.Module], nn.Module] = _sn if sn else (lambda m: m)
        dim = math.prod(sample_shape)
        # Only for 2-D toy points: images already have thousands of inputs per sample.
        self.features = FourierFeatures(dim, features, feature_scale) if features else None
        if self.features is not None:
            dim = self.features.out_dim
        dim = dim * pack + c_dim  # a conditional D reads the one-hot label beside the sample
        mods: list[nn.Module] = []
        for _ in range(layers):
            mods += [wrap(nn.Linear(dim, hidden)), nn.LeakyReLU(0.2, True)]
            dim = hidden
        self.body = nn.Sequential(*mods)
        self.head = wrap(nn.Linear(dim + int(minibatch_std), 1))

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if self.features is not None:  # per sample, before packing
            x = self.features(x.reshape(x.shape[0], -1))
        x = x.reshape(x.shape[0] // self.pack, -1)
        if self.c_dim:
            x = torch.cat([x, one_hot_or_first(c, len(x), self.c_dim, x)], dim=1)
        h = self.body(x)
        if self.minibatch_std:
            std = h.float().std(dim=0, unbiased=False).mean().to(h.dtype)
            h = torch.cat([h, std.expand(h.shape[0], 1)], dim=1)
        return self.head(h).reshape(-1)
