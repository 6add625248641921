"""Generator and discriminator families, built by name from a ModelConfig.

The DCGAN generator keeps its layers in a `main` nn.Sequential laid out exactly like the
PyTorch DCGAN example (ConvTranspose2d, BatchNorm2d, ReLU, ..., Tanh), so a state dict saved
by that example loads into it unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from .config import ModelConfig, RunConfig

# Per resolution: width multipliers of the hidden blocks (generator order) and the kernel,
# stride, padding of the first transposed conv and of the block after it.
_DCGAN_LAYOUT = {
    64: ([8, 4, 2, 1], (4, 1, 0), (4, 2, 1)),  # 4 -> 8 -> 16 -> 32 -> 64
    32: ([4, 2, 1], (4, 1, 0), (4, 2, 1)),  # 4 -> 8 -> 16 -> 32
    28: ([4, 2, 1], (3, 1, 0), (3, 2, 0)),  # 3 -> 7 -> 14 -> 28
}


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights N(0, 0.02), batch norm N(1, 0.02)."""
    name = type(module).__name__
    if "Conv" in name or name == "Linear":
        nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)
    elif "BatchNorm" in name:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim: int, resolution: int, channels: int, width: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sample_shape = (channels, resolution, resolution)
        mults, first, second = _DCGAN_LAYOUT[resolution]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, width * mults[0], *first, bias=False),
            nn.BatchNorm2d(width * mults[0]),
            nn.ReLU(True),
        ]
        for i, (m_in, m_out) in enumerate(zip(mults, mults[1:])):
            k, s, p = second if i == 0 else (4, 2, 1)
            layers += [nn.ConvTranspose2d(width * m_in, width * m_out, k, s, p, bias=False),
                       nn.BatchNorm2d(width * m_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(width * mults[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # (N, latent) -> (N, latent, 1, 1) -> (N, C, H, W) in [-1, 1]
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


class MinibatchStd(nn.Module):
    """Appends the mean standard deviation over the batch as one extra feature map."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.float().std(dim=0, unbiased=False).mean().to(x.dtype)
        extra = std.expand(x.shape[0], 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)


class DCGANDiscriminator(nn.Module):
    """Outputs one logit per (packed) input; no sigmoid, the losses take logits."""

    def __init__(self, resolution: int, channels: int, width: int, *, norm: bool, sn: bool,
                 minibatch_std: bool, pack: int) -> None:
        super().__init__()
        self.pack = pack
        wrap: Callable[[nn.Module], nn.Module] = _sn if sn else (lambda m: m)
        mults, first, second = _DCGAN_LAYOUT[resolution]
        mults = mults[::-1]  # 1, 2, 4(, 8)
        layers: list[nn.Module] = [wrap(nn.Conv2d(channels * pack, width, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        n_blocks = len(mults) - 1
        for i, (m_in, m_out) in enumerate(zip(mults, mults[1:])):
            k, s, p = second if i == n_blocks - 1 else (4, 2, 1)
            layers.append(wrap(nn.Conv2d(width * m_in, width * m_out, k, s, p, bias=not norm)))
            if norm:
                layers.append(nn.BatchNorm2d(width * m_out))
            layers.append(nn.LeakyReLU(0.2, True))
        last_in = width * mults[-1]
        if minibatch_std:
            layers.append(MinibatchStd())
            last_in += 1
        layers.append(wrap(nn.Conv2d(last_in, 1, first[0], 1, 0)))
        self.main = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        x = x.reshape(n // self.pack, c * self.pack, h, w)  # PacGAN: m samples per input
        return self.main(x).reshape(-1)


class MLPGenerator(nn.Module):
    def __init__(self, latent_dim: int, sample_shape: tuple[int, ...], hidden: int, layers: int,
                 image: bool) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.sample_shape = tuple(sample_shape)
        out = math.prod(sample_shape)  # no tensor: the module also builds on the meta device
        mods: list[nn.Module] = []
        dim = latent_dim
        for _ in range(layers):
            mods += [nn.Linear(dim, hidden), nn.ReLU(True)]
            dim = hidden
        mods.append(nn.Linear(dim, out))
        if image:
            mods.append(nn.Tanh())
        self.main = nn.Sequential(*mods)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
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
                 feature_scale: float = 1.0) -> None:
        super().__init__()
        self.pack = pack
        self.minibatch_std = minibatch_std
        wrap: Callable[[nn.Module], nn.Module] = _sn if sn else (lambda m: m)
        dim = math.prod(sample_shape)
        # Only for 2-D toy points: images already have thousands of inputs per sample.
        self.features = FourierFeatures(dim, features, feature_scale) if features else None
        if self.features is not None:
            dim = self.features.out_dim
        dim *= pack
        mods: list[nn.Module] = []
        for _ in range(layers):
            mods += [wrap(nn.Linear(dim, hidden)), nn.LeakyReLU(0.2, True)]
            dim = hidden
        self.body = nn.Sequential(*mods)
        self.head = wrap(nn.Linear(dim + int(minibatch_std), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.features is not None:  # per sample, before packing
            x = self.features(x.reshape(x.shape[0], -1))
        x = x.reshape(x.shape[0] // self.pack, -1)
        h = self.body(x)
        if self.minibatch_std:
            std = h.float().std(dim=0, unbiased=False).mean().to(h.dtype)
            h = torch.cat([h, std.expand(h.shape[0], 1)], dim=1)
        return self.head(h).reshape(-1)


def _sample_shape(cfg: ModelConfig, toy: bool) -> tuple[int, ...]:
    return (2,) if toy else (cfg.channels, cfg.resolution, cfg.resolution)


def build_generator(cfg: ModelConfig | RunConfig, toy: bool = False) -> nn.Module:
    """A generator for a run (or a model config; `toy` then says whether it makes 2-D points)."""
    if isinstance(cfg, RunConfig):
        cfg, toy = cfg.model, cfg.is_toy
    if cfg.arch == "dcgan":
        return DCGANGenerator(cfg.latent_dim, cfg.resolution, cfg.channels, cfg.g_width)
    if cfg.arch == "mlp":
        return MLPGenerator(cfg.latent_dim, _sample_shape(cfg, toy), cfg.mlp_hidden, cfg.mlp_layers,
                            image=not toy)
    if cfg.arch == "stylegan2":
        from .stylegan2 import StyleGAN2Generator

        return StyleGAN2Generator(z_dim=cfg.latent_dim, c_dim=cfg.c_dim, w_dim=cfg.w_dim,
                                  img_resolution=cfg.resolution, img_channels=cfg.channels,
                                  mapping_layers=cfg.mapping_layers, channel_base=cfg.channel_base,
                                  channel_max=cfg.channel_max, conv_clamp=cfg.conv_clamp,
                                  architecture=cfg.architecture)
    raise ValueError(f"unknown architecture {cfg.arch!r}")


def build_discriminator(cfg: ModelConfig | RunConfig, toy: bool = False, loss: str = "bce") -> nn.Module:
    if isinstance(cfg, RunConfig):
        cfg, toy, loss = cfg.model, cfg.is_toy, cfg.train.loss
    # Batch norm mixes samples in a batch, which breaks the per-sample gradient penalty of
    # WGAN-GP; spectral norm already constrains D, so both leave batch norm out.
    norm = loss != "wgan-gp" and not cfg.spectral_norm
    if cfg.arch == "dcgan":
        return DCGANDiscriminator(cfg.resolution, cfg.channels, cfg.d_width, norm=norm,
                                  sn=cfg.spectral_norm, minibatch_std=cfg.minibatch_std, pack=cfg.pack)
    if cfg.arch == "mlp":
        return MLPDiscriminator(_sample_shape(cfg, toy), cfg.mlp_hidden, cfg.mlp_layers,
                                sn=cfg.spectral_norm, minibatch_std=cfg.minibatch_std, pack=cfg.pack,
                                features=cfg.toy_features if toy else 0,
                                feature_scale=cfg.toy_feature_scale)
    if cfg.arch == "stylegan2":
        from .stylegan2_disc import StyleGAN2Discriminator

        return StyleGAN2Discriminator(cfg.c_dim, cfg.resolution, cfg.channels,
                                      channel_base=cfg.channel_base, channel_max=cfg.channel_max,
                                      conv_clamp=cfg.conv_clamp)
    raise ValueError(f"unknown architecture {cfg.arch!r}")


GENERATORS = {"dcgan": DCGANGenerator, "mlp": MLPGenerator}
DISCRIMINATORS = {"dcgan": DCGANDiscriminator, "mlp": MLPDiscriminator}


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
