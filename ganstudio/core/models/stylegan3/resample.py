"""Up- and downsampling through separable FIR filters without computing discarded samples.

`upfirdn2d` (StyleGAN2's ops) upsamples by inserting zeros and then filters every sample,
and downsamples by filtering every sample and then dropping most; with StyleGAN3's long
filters (6 x the factor taps, at 2-4x the image's rate) these depthwise convolutions are most
of a frame's time on a CPU. Here the same results come from strided transposed convolutions
(the inserted zeros are never multiplied) and strided convolutions (the dropped samples are
never computed), one axis at a time. `upfirdn2d` stays the reference (tests compare the two).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganstudio.core.models.stylegan2.ops import upfirdn2d


def _axis_weight(f: Tensor, channels: int, axis: int, dtype: torch.dtype) -> Tensor:
    """The 1-D taps as a depthwise (C, 1, 1, k) or (C, 1, k, 1) weight along width (axis 3)
    or height (axis 2)."""
    shape = (1, 1, 1, -1) if axis == 3 else (1, 1, -1, 1)
    return f.to(dtype).reshape(shape).expand(channels, -1, -1, -1)


def _crop_or_pad(x: Tensor, axis: int, start: int, length: int) -> Tensor:
    """x[start : start + length] along `axis`, zeros where that runs off either end."""
    size = x.shape[axis]
    pad = [0, 0, 0, 0]
    lo, hi = (0, 1) if axis == 3 else (2, 3)
    pad[lo], pad[hi] = -start, start + length - size  # negative pads crop
    return F.pad(x, pad) if any(pad) else x


def upsample_separable(x: Tensor, f: Tensor, up: int, padding: tuple[int, int, int, int]) -> Tensor:
    """upfirdn2d(x, f, up=up, padding=padding, gain=up**2) for 1-D taps `f`.

    Per axis, upfirdn's output sample n is sum_i x[i] f[K-1 - (i up + p0) + n] (a true
    convolution of the zero-stuffed, padded signal); the full transposed convolution with
    stride `up` computes the same sums at index n + K-1 - p0, so it is that slice."""
    if up == 1:
        return upfirdn2d(x, f, padding=padding, gain=1)
    k = f.shape[0]
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    taps = f * up  # the per-axis share of the gain up^2 that undoes the zero stuffing
    x = F.conv_transpose2d(x, _axis_weight(taps, c, 3, x.dtype), stride=(1, up), groups=c)
    x = _crop_or_pad(x, 3, k - 1 - px0, w * up + px0 + px1 - k + 1)
    x = F.conv_transpose2d(x, _axis_weight(taps, c, 2, x.dtype), stride=(up, 1), groups=c)
    return _crop_or_pad(x, 2, k - 1 - py0, h * up + py0 + py1 - k + 1)


def downsample_separable(x: Tensor, f: Tensor, down: int) -> Tensor:
    """upfirdn2d(x, f, down=down) for 1-D taps `f`: a strided correlation with the flipped
    taps per axis, so only the kept samples are computed."""
    c = x.shape[1]
    taps = f.flip(0)
    x = F.conv2d(x, _axis_weight(taps, c, 3, x.dtype), stride=(1, down), groups=c)
    return F.conv2d(x, _axis_weight(taps, c, 2, x.dtype), stride=(down, 1), groups=c)
