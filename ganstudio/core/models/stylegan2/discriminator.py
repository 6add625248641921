"""The StyleGAN2 residual discriminator (Karras et al., 2020, "Analyzing and Improving the
Image Quality of StyleGAN", configuration E/F: a "resnet" D).

From the top resolution down to 8 px, each block is

    fromRGB (first block only) -> conv 3x3 -> conv 3x3 + 2x downsample
        + a 1x1 skip conv, downsampled,   summed as (x + skip) / sqrt(2)

and an epilogue at 4x4 appends the minibatch standard deviation (groups of 4, one feature),
then conv 3x3 -> fully connected -> one logit. A conditional D (c_dim > 0) maps the label
to an embedding `cmap` and scores the projection <out, cmap> / sqrt(cmap_dim) (Miyato &
Koyama, 2018), as stylegan2-ada does.

Module and parameter names follow NVlabs' stylegan2-ada-pytorch (`b{res}.fromrgb`,
`b{res}.conv0`, `b{res}.conv1`, `b{res}.skip`, `b4.mbstd`, `b4.conv`, `b4.fc`, `b4.out`,
`mapping.embed`, `mapping.fc{i}`) so a state dict of their D loads unchanged; the layers are
the equalised-learning-rate layers of `stylegan2.py`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganstudio.core.models.stylegan2.networks import (
    Conv2dLayer,
    FullyConnectedLayer,
    MappingNetwork,
    setup_filter,
)

_SQRT_HALF = math.sqrt(0.5)


def _channels(res: int, channel_base: int, channel_max: int) -> int:
    return min(channel_base // res, channel_max)


class MinibatchStdLayer(nn.Module):
    """Appends, per group of `group_size` samples, the mean std of the features over the group."""

    def __init__(self, group_size: int, num_channels: int = 1) -> None:
        super().__init__()
        self.group_size = group_size
        self.num_channels = num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        # The largest group of at most group_size that divides the batch; NVlabs' code simply
        # needs a batch that divides, which a user's sample count may not.
        g = min(self.group_size, n)
        while n % g:
            g -= 1
        f = self.num_channels
        y = x.float().reshape(g, -1, f, c // f, h, w)  # (G, n/G, F, C/F, H, W)
        y = (y - y.mean(dim=0)).square().mean(dim=0)  # variance over the group
        y = (y + 1e-8).sqrt().mean(dim=[2, 3, 4])  # (n/G, F): mean std over channels and pixels
        y = y.reshape(-1, f, 1, 1).repeat(g, 1, h, w).to(x.dtype)
        return torch.cat([x, y], dim=1)


class DiscriminatorBlock(nn.Module):
    """One resolution of the residual D: (N, tmp, R, R) -> (N, out, R/2, R/2)."""

    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, resolution: int,
                 img_channels: int, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.resolution = resolution
        self.register_buffer("resample_filter", setup_filter([1, 3, 3, 1]))
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, kernel_size=1, activation="lrelu",
                                       conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, kernel_size=3, activation="lrelu",
                                 conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, kernel_size=3, activation="lrelu",
                                 down=2, conv_clamp=conv_clamp)
        self.skip = Conv2dLayer(tmp_channels, out_channels, kernel_size=1, bias=False, down=2)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor) -> torch.Tensor:
        if self.in_channels == 0:
            x = self.fromrgb(img)
        assert x is not None
        # The sqrt(1/2) gains keep the residual sum at unit variance (the paper's Fig. 7).
        y = self.skip(x, gain=_SQRT_HALF)
        x = self.conv1(self.conv0(x), gain=_SQRT_HALF)
        return y + x


class DiscriminatorEpilogue(nn.Module):
    """The 4x4 head: minibatch std -> conv -> fc -> out (1 logit, or cmap_dim for projection)."""

    def __init__(self, in_channels: int, cmap_dim: int, resolution: int = 4,
                 mbstd_group_size: int = 4, mbstd_num_channels: int = 1,
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        self.cmap_dim = cmap_dim
        self.mbstd = (MinibatchStdLayer(mbstd_group_size, mbstd_num_channels)
                      if mbstd_num_channels > 0 else None)
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, kernel_size=3,
                                activation="lrelu", conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * resolution**2, in_channels, activation="lrelu")
        self.out = FullyConnectedLayer(in_channels, cmap_dim if cmap_dim > 0 else 1)

    def forward(self, x: torch.Tensor, cmap: torch.Tensor | None) -> torch.Tensor:
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.out(self.fc(self.conv(x).flatten(1)))
        if self.cmap_dim > 0:
            assert cmap is not None
            x = (x * cmap).sum(dim=1, keepdim=True) * (1 / math.sqrt(self.cmap_dim))
        return x


class StyleGAN2Discriminator(nn.Module):
    """Images (N, C, R, R) in [-1, 1] (and labels (N, c_dim) when conditional) -> logits (N,)."""

    def __init__(self, c_dim: int, img_resolution: int, img_channels: int,
                 channel_base: int = 32768, channel_max: int = 512, conv_clamp: float | None = None,
                 cmap_dim: int | None = None, mbstd_group_size: int = 4, mbstd_num_channels: int = 1,
                 mapping_layers: int = 8) -> None:
        super().__init__()
        if img_resolution < 8 or img_resolution & (img_resolution - 1):
            raise ValueError(f"img_resolution {img_resolution} is not a power of two >= 8")
        self.c_dim = c_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.block_resolutions = [2**i for i in range(int(math.log2(img_resolution)), 2, -1)]
        ch = {r: _channels(r, channel_base, channel_max) for r in [*self.block_resolutions, 4]}
        for res in self.block_resolutions:
            block = DiscriminatorBlock(ch[res] if res < img_resolution else 0, ch[res], ch[res // 2],
                                       res, img_channels, conv_clamp)
            setattr(self, f"b{res}", block)
        cmap = (ch[4] if cmap_dim is None else cmap_dim) if c_dim > 0 else 0
        if c_dim > 0:  # the label's embedding: NVlabs' D uses a mapping network with no z
            self.mapping = MappingNetwork(z_dim=0, c_dim=c_dim, w_dim=cmap, num_ws=None,
                                          num_layers=mapping_layers, w_avg_beta=None)
        self.b4 = DiscriminatorEpilogue(ch[4], cmap, 4, mbstd_group_size, mbstd_num_channels,
                                        conv_clamp)

    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f"b{res}")(x, img)
        cmap = None
        if self.c_dim > 0:
            if c is None:
                raise ValueError(f"this discriminator is conditional: it needs labels (N, {self.c_dim})")
            cmap = self.mapping(None, c)
        assert x is not None
        return self.b4(x, cmap).reshape(-1)
