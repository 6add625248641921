"""The StyleGAN3 (alias-free) generator of Karras et al., 2021, "Alias-Free Generative
Adversarial Networks": configs T (translation equivariant, 3x3 convolutions) and R (rotation
equivariant: 1x1 convolutions and radially symmetric downsampling filters).

Written from the paper. The mapping network is StyleGAN2's (two layers by default). The
synthesis network starts from Fourier features and runs `num_layers` filtered layers whose
cutoff frequency grows geometrically from `first_cutoff` to half the image resolution, the
last `num_critical` of them critically sampled, then a ToRGB layer; section 3 and appendix F
give the schedule computed in `layer_plan`. Module, parameter and buffer names follow NVIDIA's
`training/networks_stylegan3.py`, so their state dicts load strictly by name
(`io/nvlabs_pickle.py` reads their snapshots); fp16 settings are recorded, but everything
computes in float32.

Shapes: z (N, z_dim) -> ws (N, num_ws, w_dim), num_ws = num_layers + 2 -> img (N, C, R, R).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from ganstudio.core.errors import Interrupted
from ganstudio.core.models.stylegan2.networks import MappingNetwork

from .layers import SynthesisInput, SynthesisLayer

__all__ = ["LayerPlan", "StyleGAN3Generator", "SynthesisNetwork", "layer_plan"]

NOISE_MODES = ("const", "random", "none")


@dataclass(frozen=True)
class LayerPlan:
    """One stage's sampling: index 0 is the Fourier input, the last is ToRGB."""

    channels: int
    size: int  # pixels per side, with the margin
    sampling_rate: int
    cutoff: float  # f_c
    half_width: float  # f_h: the transition band is [f_c - f_h, f_c + f_h]


def layer_plan(img_resolution: int, img_channels: int, channel_base: int = 32768,
               channel_max: int = 512, num_layers: int = 14, num_critical: int = 2,
               first_cutoff: float = 2, first_stopband: float = 2**2.1,
               last_stopband_rel: float = 2**0.3, margin_size: int = 10) -> list[LayerPlan]:
    """The num_layers + 1 stages after the input, preceded by the input's (appendix F.1).

    Cutoffs f_c and stopbands f_t grow geometrically from the first layer to the last
    non-critical one, then stay at f_c = R / 2; the sampling rate is the smallest power of two
    with its Nyquist frequency at or above the stopband (at most R); feature maps carry a
    margin of `margin_size` pixels each side, except the last two stages, which are the image.
    The number of channels falls as the cutoff rises, like StyleGAN2's per resolution."""
    if num_layers <= num_critical:
        raise ValueError(f"num_layers ({num_layers}) must exceed num_critical ({num_critical})")
    last_cutoff = img_resolution / 2
    last_stopband = last_cutoff * last_stopband_rel
    exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
    cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
    stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
    rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))
    half_widths = np.maximum(stopbands, rates / 2) - cutoffs
    sizes = rates + margin_size * 2
    sizes[-2:] = img_resolution
    channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
    channels[-1] = img_channels
    return [LayerPlan(int(channels[i]), int(sizes[i]), int(rates[i]), float(cutoffs[i]),
                      float(half_widths[i])) for i in range(num_layers + 1)]


class SynthesisNetwork(nn.Module):
    """ws (N, num_ws, w_dim) -> image: the Fourier input (ws[:, 0]), then one layer per style.

    There is no image before the last layer, so `max_res` is accepted and ignored; the
    `architecture` attribute says so to the W explorer (it previews at full size)."""

    architecture = "alias-free"

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int,
                 channel_base: int = 32768, channel_max: int = 512, num_layers: int = 14,
                 num_critical: int = 2, first_cutoff: float = 2, first_stopband: float = 2**2.1,
                 last_stopband_rel: float = 2**0.3, margin_size: int = 10, output_scale: float = 0.25,
                 num_fp16_res: int = 4, **layer_kwargs) -> None:
        super().__init__()
        self.w_dim = w_dim
        self.num_ws = num_layers + 2
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.num_layers = num_layers
        self.num_critical = num_critical
        self.margin_size = margin_size
        self.output_scale = output_scale
        self.num_fp16_res = num_fp16_res
        # The image exists only at full size: one "block" for code that asks for blocks.
        self.block_resolutions = [img_resolution]
        plan = layer_plan(img_resolution, img_channels, channel_base, channel_max, num_layers,
                          num_critical, first_cutoff, first_stopband, last_stopband_rel, margin_size)
        first = plan[0]
        self.input = SynthesisInput(w_dim, first.channels, first.size, first.sampling_rate, first.cutoff)
        self.layer_names: list[str] = []
        for idx, cur in enumerate(plan):
            prev = plan[max(idx - 1, 0)]
            layer = SynthesisLayer(
                w_dim=w_dim, is_torgb=idx == num_layers, is_critically_sampled=idx >= num_layers - num_critical,
                use_fp16=cur.sampling_rate * 2**num_fp16_res > img_resolution,
                in_channels=prev.channels, out_channels=cur.channels, in_size=prev.size, out_size=cur.size,
                in_sampling_rate=prev.sampling_rate, out_sampling_rate=cur.sampling_rate,
                in_cutoff=prev.cutoff, out_cutoff=cur.cutoff, in_half_width=prev.half_width,
                out_half_width=cur.half_width, **layer_kwargs)
            name = f"L{idx}_{cur.size}_{cur.channels}"  # NVIDIA's naming: index, size, channels
            setattr(self, name, layer)
            self.layer_names.append(name)

    def forward(self, ws: Tensor, noise_mode: str = "const", max_res: int | None = None,
                update_emas: bool = False, should_stop: Callable[[], bool] | None = None,
                **_ignored: object) -> Tensor:
        """img (N, C, R, R). noise_mode is checked but has no effect (no noise inputs);
        max_res and StyleGAN2's options (fused_modconv, force_fp32) are ignored.
        should_stop, when given, is asked before each layer (errors.Interrupted)."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {', '.join(NOISE_MODES)}, not {noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f"ws must be (N, {self.num_ws}, {self.w_dim}), not {tuple(ws.shape)}")
        ws = ws.to(torch.float32).unbind(dim=1)
        x = self.input(ws[0])
        for name, w in zip(self.layer_names, ws[1:]):
            if should_stop is not None and should_stop():
                raise Interrupted("a newer frame is wanted")
            x = getattr(self, name)(x, w, update_emas=update_emas)
        if self.output_scale != 1:
            x = x * self.output_scale
        return x

    def extra_repr(self) -> str:
        return (f"w_dim={self.w_dim}, num_ws={self.num_ws}, img_resolution={self.img_resolution}, "
                f"num_layers={self.num_layers}, num_critical={self.num_critical}")


class StyleGAN3Generator(nn.Module):
    """z (N, z_dim) [and c (N, c_dim)] -> images (N, img_channels, R, R) in about [-1, 1].

    Called as NVIDIA's Generator: `G(z, c, truncation_psi, truncation_cutoff, noise_mode)`;
    follows the app's generator convention (`latent_dim`, `sample_shape`) and offers the
    `.mapping` / `.synthesis` pair the W-space tools use. `synthesis_kwargs` are
    SynthesisNetwork's and SynthesisLayer's options (conv_kernel, use_radial_filters, ...).
    """

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, img_resolution: int, img_channels: int,
                 mapping_kwargs: dict | None = None, **synthesis_kwargs) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution,
                                          img_channels=img_channels, **synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        mapping = dict(mapping_kwargs or {})
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws,
                                      num_layers=int(mapping.pop("num_layers", 2)),
                                      lr_multiplier=float(mapping.pop("lr_multiplier", 0.01)),
                                      w_avg_beta=float(mapping.pop("w_avg_beta", 0.998)))
        if mapping:
            raise ValueError(f"unknown mapping option {next(iter(mapping))!r}")

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return (self.img_channels, self.img_resolution, self.img_resolution)

    def forward(self, z: Tensor, c: Tensor | None = None, truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None, noise_mode: str = "const",
                update_emas: bool = False, **synthesis_kwargs: object) -> Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff,
                          update_emas=update_emas)
        return self.synthesis(ws, noise_mode=noise_mode, update_emas=update_emas, **synthesis_kwargs)
