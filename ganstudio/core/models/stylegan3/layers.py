"""The two kinds of layer of the alias-free synthesis network (Karras et al., 2021).

`SynthesisInput` replaces StyleGAN2's learned 4x4 constant with Fourier features: sinusoids
of fixed random frequencies, sampled on a grid, which can be rotated and translated
continuously (by the first style, and by a user transform) because they are functions of
continuous image coordinates. `SynthesisLayer` is a modulated convolution followed by the
"filtered nonlinearity" of section 3.2: upsample, leaky ReLU at the higher rate, low-pass and
downsample, so the nonlinearity introduces no frequencies the next layer cannot represent.

Names of modules, parameters and buffers follow NVIDIA's `networks_stylegan3.py` (their
state dicts load strictly); the computation follows their reference (non-CUDA) path, built
from our StyleGAN2 operations.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.core.models.stylegan2.networks import FullyConnectedLayer
from ganstudio.core.models.stylegan2.ops import bias_act, modulated_conv2d, upfirdn2d

from .filters import design_lowpass
from .resample import downsample_separable, upsample_separable

__all__ = ["SynthesisInput", "SynthesisLayer", "filtered_lrelu", "normalised_modulated_conv2d"]


def filtered_lrelu(x: Tensor, fu: Tensor | None, fd: Tensor | None, b: Tensor, up: int, down: int,
                   padding: tuple[int, int, int, int], linear: bool, clamp: float | None) -> Tensor:
    """Bias, upsample through `fu`, leaky ReLU (x sqrt 2; or nothing when `linear`) and clamp,
    then low-pass through `fd` and downsample. `padding` applies to the upsampled signal.
    `x` is a temporary of the caller's (a conv output): outside autograd it is overwritten."""
    x = bias_act(x, b, fresh=True)
    # Zero insertion divides the signal's mean by up^2; the filter's gain restores it.
    if fu is None and up == 1:
        x = F.pad(x, list(padding)) if any(padding) else x  # negative amounts crop
    elif fu is not None and fu.ndim == 1:
        x = upsample_separable(x, fu, up, padding)
    else:
        x = upfirdn2d(x, fu, up=up, padding=padding, gain=up * up)
    x = bias_act(x, act="linear" if linear else "lrelu", gain=1.0 if linear else math.sqrt(2),
                 clamp=clamp, fresh=True)  # x is a temporary in every branch
    if fd is None:
        return x[:, :, ::down, ::down] if down > 1 else x
    if fd.ndim == 1:
        return downsample_separable(x, fd, down)
    return upfirdn2d(x, fd, down=down)  # radial (2-D): one strided depthwise convolution


def normalised_modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, demodulate: bool,
                                padding: int, input_gain: Tensor) -> Tensor:
    """StyleGAN2's modulated convolution with StyleGAN3's additions: when demodulating, the
    weight (per output channel) and the styles (over the whole batch) are first scaled to unit
    RMS, which demodulation then cancels except through its epsilon; they keep the sums
    within float16 range on NVIDIA's GPUs, and matter here only to agree with them to the
    last bits. `input_gain` (a scalar: 1 / the tracked RMS of the layer's input) keeps every
    layer's input near unit magnitude (section 3.2)."""
    if demodulate:
        weight = weight * weight.square().mean(dim=[1, 2, 3], keepdim=True).rsqrt()
        styles = styles * styles.square().mean().rsqrt()
    # The gain is one number, so it can scale the input instead of every per-sample weight.
    return modulated_conv2d(x * input_gain.to(x.dtype), weight, styles, padding=padding,
                            demodulate=demodulate, fused=None)


class SynthesisInput(nn.Module):
    """Fourier features: `channels` sinusoids of random frequencies inside a disc of radius
    `bandwidth`, sampled on a `size` x `size` grid at `sampling_rate`, then mixed by a learned
    matrix. The first style turns into a rotation and translation of the features; `transform`
    (3x3, the inverse of the user's transform of the image) is applied after it."""

    def __init__(self, w_dim: int, channels: int, size: int, sampling_rate: float,
                 bandwidth: float) -> None:
        super().__init__()
        self.w_dim = w_dim
        self.channels = channels
        self.size = int(size)
        self.sampling_rate = float(sampling_rate)
        self.bandwidth = float(bandwidth)
        # Frequencies uniform in the disc, phases uniform: what a fresh network starts from.
        freqs = torch.randn(channels, 2)
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs = freqs / (radii * radii.square().exp().pow(0.25)) * bandwidth
        self.weight = nn.Parameter(torch.randn(channels, channels))
        # The affine starts as the identity transform: rotation (1, 0), no translation.
        self.affine = FullyConnectedLayer(w_dim, 4, bias_init=0.0)
        with torch.no_grad():
            self.affine.weight.zero_()
            self.affine.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0]))
        self.register_buffer("transform", torch.eye(3))
        self.register_buffer("freqs", freqs)
        self.register_buffer("phases", torch.rand(channels) - 0.5)

    def _transforms(self, w: Tensor) -> Tensor:
        """(N, 3, 3): the style's inverse rotation, then its inverse translation, then the
        user's transform, composed right to left as they act on image coordinates."""
        t = self.affine(w)
        t = t / t[:, :2].norm(dim=1, keepdim=True)  # (cos, sin) of the angle, (tx, ty)
        cos, sin, tx, ty = t.unbind(dim=1)
        zero, one = torch.zeros_like(cos), torch.ones_like(cos)
        rotate = torch.stack([cos, -sin, zero, sin, cos, zero, zero, zero, one], dim=1).reshape(-1, 3, 3)
        shift = torch.stack([one, zero, -tx, zero, one, -ty, zero, zero, one], dim=1).reshape(-1, 3, 3)
        return rotate @ shift @ self.transform.to(w.dtype)

    def forward(self, w: Tensor) -> Tensor:
        m = self._transforms(w)
        # A coordinate transform x -> A x + b turns sin(2 pi (f.x + p)) into a sinusoid of
        # frequency f A and phase p + f.b.
        phases = self.phases + (self.freqs @ m[:, :2, 2:]).squeeze(2)  # (N, C)
        freqs = self.freqs @ m[:, :2, :2]  # (N, C, 2)
        # A transform can push a frequency past what the grid represents (e.g. a zoom):
        # such features fade out linearly between the bandwidth and Nyquist.
        nyquist = self.sampling_rate / 2
        amplitudes = (1 - (freqs.norm(dim=2) - self.bandwidth) / (nyquist - self.bandwidth)).clamp(0, 1)
        # Pixel centres in image units: the image spans size / sampling_rate, centred on 0.
        coords = (torch.arange(self.size, device=w.device, dtype=w.dtype) + 0.5 - self.size / 2) / self.sampling_rate
        fx, fy = freqs[:, None, None, :, 0], freqs[:, None, None, :, 1]
        x = coords[None, None, :, None] * fx + coords[None, :, None, None] * fy  # (N, H, W, C)
        x = torch.sin((x + phases[:, None, None, :]) * (2 * np.pi)) * amplitudes[:, None, None, :]
        x = x @ (self.weight / math.sqrt(self.channels)).t()
        return x.permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return (f"w_dim={self.w_dim}, channels={self.channels}, size={self.size}, "
                f"sampling_rate={self.sampling_rate:g}, bandwidth={self.bandwidth:g}")


class SynthesisLayer(nn.Module):
    """Modulated conv -> filtered leaky ReLU, between two sampling rates and cutoffs.

    The signal is upsampled to `tmp_sampling_rate` (lrelu_upsampling times the higher of the
    two rates, so the nonlinearity's new harmonics mostly fall below its Nyquist), and
    low-passed to `out_cutoff` before the downsampling. The last layer (ToRGB) is a plain
    modulated 1x1 conv without demodulation or leaky ReLU (its bias and clamp remain)."""

    def __init__(self, w_dim: int, is_torgb: bool, is_critically_sampled: bool, use_fp16: bool,
                 in_channels: int, out_channels: int, in_size: int, out_size: int,
                 in_sampling_rate: int, out_sampling_rate: int, in_cutoff: float, out_cutoff: float,
                 in_half_width: float, out_half_width: float, conv_kernel: int = 3,
                 filter_size: int = 6, lrelu_upsampling: int = 2, use_radial_filters: bool = False,
                 conv_clamp: float | None = 256, magnitude_ema_beta: float = 0.999) -> None:
        super().__init__()
        self.w_dim = w_dim
        self.is_torgb = is_torgb
        self.is_critically_sampled = is_critically_sampled
        self.use_fp16 = use_fp16  # recorded only: everything computes in float32
        self.in_channels, self.out_channels = in_channels, out_channels
        self.in_size, self.out_size = int(in_size), int(out_size)
        self.in_sampling_rate, self.out_sampling_rate = in_sampling_rate, out_sampling_rate
        self.tmp_sampling_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)
        self.in_cutoff, self.out_cutoff = in_cutoff, out_cutoff
        self.in_half_width, self.out_half_width = in_half_width, out_half_width
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.magnitude_ema_beta = magnitude_ema_beta

        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, self.conv_kernel, self.conv_kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("magnitude_ema", torch.ones([]))

        self.up_factor = self._ratio(self.tmp_sampling_rate, in_sampling_rate)
        self.down_factor = self._ratio(self.tmp_sampling_rate, out_sampling_rate)
        # Filters span `filter_size` pixels of the lower rate; ToRGB and unit factors need none.
        self.up_taps = filter_size * self.up_factor if self.up_factor > 1 and not is_torgb else 1
        self.down_taps = filter_size * self.down_factor if self.down_factor > 1 and not is_torgb else 1
        # Radial filters only where there is room above the cutoff (not critically sampled).
        self.down_radial = use_radial_filters and not is_critically_sampled
        self.register_buffer("up_filter", design_lowpass(
            self.up_taps, in_cutoff, in_half_width * 2, self.tmp_sampling_rate))
        self.register_buffer("down_filter", design_lowpass(
            self.down_taps, out_cutoff, out_half_width * 2, self.tmp_sampling_rate, radial=self.down_radial))
        self.padding = self._padding()

    @staticmethod
    def _ratio(high: float, low: float) -> int:
        factor = int(np.rint(high / low))
        if low * factor != high:
            raise ValueError(f"sampling rates {high:g} and {low:g} are not whole multiples of each other")
        return factor

    def _padding(self) -> tuple[int, int, int, int]:
        """(left, right, top, bottom) padding of the upsampled signal that makes the output
        `out_size` and keeps pixel centres where the paper puts them: input and output
        grids share their centre (the "symmetric interpretation" of appendix C.3)."""
        wanted = (self.out_size - 1) * self.down_factor + 1  # size before dropping samples
        have = (self.in_size + self.conv_kernel - 1) * self.up_factor  # after the full conv and zero insertion
        total = wanted - have + self.up_taps + self.down_taps - 2  # the filters shrink it by taps - 1 each
        lo = (total + self.up_factor) // 2
        return (lo, total - lo, lo, total - lo)

    def forward(self, x: Tensor, w: Tensor, update_emas: bool = False, **_ignored: object) -> Tensor:
        if update_emas:
            magnitude = x.detach().to(torch.float32).square().mean()
            self.magnitude_ema.copy_(magnitude.lerp(self.magnitude_ema, self.magnitude_ema_beta))
        styles = self.affine(w)
        if self.is_torgb:
            styles = styles * (1 / math.sqrt(self.in_channels * self.conv_kernel**2))
        x = normalised_modulated_conv2d(x, self.weight, styles, demodulate=not self.is_torgb,
                                        padding=self.conv_kernel - 1,
                                        input_gain=self.magnitude_ema.rsqrt())
        return filtered_lrelu(x, self.up_filter, self.down_filter, self.bias.to(x.dtype),
                              self.up_factor, self.down_factor, self.padding, linear=self.is_torgb,
                              clamp=self.conv_clamp)

    def extra_repr(self) -> str:
        return (f"is_torgb={self.is_torgb}, critical={self.is_critically_sampled}, "
                f"{self.in_channels}x{self.in_size}px@{self.in_sampling_rate:g} -> "
                f"{self.out_channels}x{self.out_size}px@{self.out_sampling_rate:g}, "
                f"cutoff {self.in_cutoff:g} -> {self.out_cutoff:g}")
