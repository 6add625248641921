"""The low-level operations of StyleGAN2, in plain PyTorch (no compiled plugins).

Semantics follow the operations NVlabs' stylegan2-ada-pytorch defines in `torch_utils/ops`
(`bias_act`, `upfirdn2d`, `conv2d_resample`) and its `modulated_conv2d`, so that a network
with their weights computes their images: the same paddings, filter gains and operation
order. Only the implementation differs: everything here is built from `F.pad`, `F.conv2d`
and `F.conv_transpose2d`.

Resampling uses a small FIR low-pass filter (the paper's [1, 3, 3, 1] binomial), applied as
"upfirdn": upsample by inserting zeros, pad, filter, downsample by dropping pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

SQRT2 = math.sqrt(2.0)
# The default gains that keep the signal's magnitude through an activation (He et al., 2015).
ACTIVATION_GAINS = {"linear": 1.0, "relu": SQRT2, "lrelu": SQRT2}
LRELU_SLOPE = 0.2

Padding = int | Sequence[int]


def bias_act(x: Tensor, b: Tensor | None = None, act: str = "linear", gain: float | None = None,
             clamp: float | None = None, dim: int = 1, fresh: bool = False) -> Tensor:
    """x + b, the activation, times `gain` (default: the activation's own), clamped to +-clamp.

    fresh: x is a temporary the caller never reads again, so it may be overwritten where no
    gradient needs it (at 1024 px each pass over an activation map costs a noticeable share
    of a frame).
    """
    if act not in ACTIVATION_GAINS:
        raise ValueError(f"unknown activation {act!r}")
    gain = ACTIVATION_GAINS[act] if gain is None else float(gain)
    inplace = fresh and not (torch.is_grad_enabled()
                             and (x.requires_grad or (b is not None and b.requires_grad)))
    if b is not None:
        shape = [-1 if i == dim else 1 for i in range(x.ndim)]
        x = x.add_(b.reshape(shape)) if inplace else x + b.reshape(shape)
    if act == "lrelu":
        x = F.leaky_relu_(x, LRELU_SLOPE) if inplace else F.leaky_relu(x, LRELU_SLOPE)
    elif act == "relu":
        x = F.relu_(x) if inplace else F.relu(x)
    if gain != 1:
        x = x.mul_(gain) if inplace else x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp_(-clamp, clamp) if inplace else x.clamp(-clamp, clamp)
    return x


def setup_filter(f: Sequence[float] | Tensor | None = (1, 3, 3, 1), normalize: bool = True,
                 flip_filter: bool = False, gain: float = 1.0, separable: bool | None = None) -> Tensor:
    """A float32 FIR filter: taps of up to 7 become their 2-D outer product (as NVlabs stores
    it in the `resample_filter` buffers), normalised to unit DC gain."""
    t = torch.as_tensor(1.0 if f is None else f, dtype=torch.float32)
    if t.ndim == 0:
        t = t[None]
    if t.ndim not in (1, 2) or t.numel() == 0:
        raise ValueError("a filter is a non-empty list of taps or a 2-D array")
    if separable is None:
        separable = t.ndim == 1 and t.numel() >= 8
    if t.ndim == 1 and not separable:
        t = torch.outer(t, t)
    if normalize:
        t = t / t.sum()
    if flip_filter:
        t = t.flip(list(range(t.ndim)))
    return t * (gain ** (t.ndim / 2))


def _padding4(padding: Padding) -> tuple[int, int, int, int]:
    """(x0, x1, y0, y1) from an int, (x, y) or (x0, x1, y0, y1)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    p = [int(v) for v in padding]
    if len(p) == 2:
        return p[0], p[0], p[1], p[1]
    return p[0], p[1], p[2], p[3]


def _depthwise(f: Tensor, channels: int, dtype: torch.dtype, flip: bool) -> Tensor:
    """The filter as a (C, 1, fh, fw) depthwise conv weight; F.conv2d correlates, so a true
    convolution flips the taps (irrelevant for symmetric filters, kept for exactness)."""
    f = f.to(dtype)
    if flip:
        f = f.flip(list(range(f.ndim)))
    return f.reshape(1, 1, *f.shape).expand(channels, 1, *f.shape)


def filter_size(f: Tensor | None) -> tuple[int, int]:
    if f is None:
        return 1, 1
    return int(f.shape[-1]), int(f.shape[0])


def upfirdn2d(x: Tensor, f: Tensor | None, up: int = 1, down: int = 1, padding: Padding = 0,
              flip_filter: bool = False, gain: float = 1.0) -> Tensor:
    """Upsample by zero insertion, pad (negative = crop), convolve with `f`, keep every
    `down`-th pixel. `gain` scales the 2-D filter (the per-axis square root for 1-D taps)."""
    if f is None:
        f = torch.ones(1, 1, dtype=torch.float32, device=x.device)
    n, c, h, w = x.shape
    px0, px1, py0, py1 = _padding4(padding)
    f = f * (gain ** (f.ndim / 2))
    if f.ndim == 2 and up == 1 and px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
        # One depthwise conv does pad, filter and (by its stride) the downsampling.
        return F.conv2d(x, _depthwise(f, c, x.dtype, not flip_filter), stride=down,
                        padding=(py0, px0), groups=c)
    if up > 1 and down == 1:
        fast = _upsample_transposed(x, f, up, (px0, px1, py0, py1), flip_filter)
        if fast is not None:
            return fast
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]
    if f.ndim == 2:
        x = F.conv2d(x, _depthwise(f, c, x.dtype, not flip_filter), groups=c)
    else:
        taps = _depthwise(f, c, x.dtype, not flip_filter)  # (C, 1, k)
        x = F.conv2d(x, taps.unsqueeze(2), groups=c)
        x = F.conv2d(x, taps.unsqueeze(3), groups=c)
    return x[:, :, ::down, ::down] if down > 1 else x


def upsample2d(x: Tensor, f: Tensor, up: int = 2, padding: Padding = 0, flip_filter: bool = False,
               gain: float = 1.0) -> Tensor:
    """(N, C, H, W) -> (N, C, H*up, W*up) through the low-pass filter `f` (unit DC gain)."""
    fw, fh = filter_size(f)
    px0, px1, py0, py1 = _padding4(padding)
    p = (px0 + (fw + up - 1) // 2, px1 + (fw - up) // 2, py0 + (fh + up - 1) // 2, py1 + (fh - up) // 2)
    return upfirdn2d(x, f, up=up, padding=p, flip_filter=flip_filter, gain=gain * up * up)


def _upsample_transposed(x: Tensor, f: Tensor, up: int, p: tuple[int, int, int, int],
                         flip_filter: bool) -> Tensor | None:
    """Zero insertion, padding and filtering as one strided transposed depthwise conv, which
    skips the multiplications by the inserted zeros; None where the two would differ.

    upfirdn's output is H*up + p0 + p1 - k + 1 long; conv_transpose2d's, with a crop of q on
    both sides, (H - 1)*up + k - 2q. They start at the same pixel when q = k - 1 - p0 and
    end at the same one when p1 = p0 + 1 - up.
    """
    if f.ndim != 2:
        return None
    fw, fh = filter_size(f)
    px0, px1, py0, py1 = p
    qx, qy = fw - 1 - px0, fh - 1 - py0
    if qx < 0 or qy < 0 or px1 != px0 + 1 - up or py1 != py0 + 1 - up:
        return None
    # conv_transpose2d scatters each input pixel through the kernel as it is, which is the
    # true convolution upfirdn performs; flip_filter asks for a correlation instead.
    weight = _depthwise(f, x.shape[1], x.dtype, flip_filter)
    return F.conv_transpose2d(x, weight, stride=up, padding=(qy, qx), groups=x.shape[1])


def downsample2d(x: Tensor, f: Tensor, down: int = 2, padding: Padding = 0,
                 flip_filter: bool = False, gain: float = 1.0) -> Tensor:
    """(N, C, H, W) -> (N, C, H/down, W/down) through the low-pass filter `f`."""
    fw, fh = filter_size(f)
    px0, px1, py0, py1 = _padding4(padding)
    p = (px0 + (fw - down + 1) // 2, px1 + (fw - down) // 2, py0 + (fh - down + 1) // 2,
         py1 + (fh - down) // 2)
    return upfirdn2d(x, f, down=down, padding=p, flip_filter=flip_filter, gain=gain)


def _conv(x: Tensor, w: Tensor, stride: int = 1, padding: Padding = 0, groups: int = 1,
          transpose: bool = False, flip_weight: bool = True) -> Tensor:
    """F.conv2d correlates; flip_weight=False asks for a true convolution."""
    if not flip_weight and (w.shape[2] > 1 or w.shape[3] > 1):
        w = w.flip([2, 3])
    op = F.conv_transpose2d if transpose else F.conv2d
    return op(x, w, stride=stride, padding=padding, groups=groups)


def conv2d_resample(x: Tensor, w: Tensor, f: Tensor | None = None, up: int = 1, down: int = 1,
                    padding: Padding = 0, groups: int = 1, flip_weight: bool = True,
                    flip_filter: bool = False) -> Tensor:
    """A 2-D convolution with optional up- or downsampling through the filter `f`; the padding
    is with respect to the upsampled image and applied once, before the convolution."""
    out_channels, in_per_group, kh, kw = (int(s) for s in w.shape)
    fw, fh = filter_size(f)
    px0, px1, py0, py1 = _padding4(padding)
    if up > 1:
        px0 += (fw + up - 1) // 2
        px1 += (fw - up) // 2
        py0 += (fh + up - 1) // 2
        py1 += (fh - up) // 2
    if down > 1:
        px0 += (fw - down + 1) // 2
        px1 += (fw - down) // 2
        py0 += (fh - down + 1) // 2
        py1 += (fh - down) // 2

    if kw == 1 and kh == 1 and down > 1 and up == 1:  # 1x1: downsample first, then the conv
        x = upfirdn2d(x, f, down=down, padding=(px0, px1, py0, py1), flip_filter=flip_filter)
        return _conv(x, w, groups=groups, flip_weight=flip_weight)
    if kw == 1 and kh == 1 and up > 1 and down == 1:  # 1x1: the conv first, then upsample
        x = _conv(x, w, groups=groups, flip_weight=flip_weight)
        return upfirdn2d(x, f, up=up, padding=(px0, px1, py0, py1), gain=up**2, flip_filter=flip_filter)
    if down > 1 and up == 1:  # filter, then a strided conv
        x = upfirdn2d(x, f, padding=(px0, px1, py0, py1), flip_filter=flip_filter)
        return _conv(x, w, stride=down, groups=groups, flip_weight=flip_weight)
    if up > 1:  # a strided transposed conv, then the filter
        if groups == 1:
            w = w.transpose(0, 1)
        else:
            w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
            w = w.reshape(groups * in_per_group, out_channels // groups, kh, kw)
        px0 -= kw - 1
        px1 -= kw - up
        py0 -= kh - 1
        py1 -= kh - up
        pxt = max(min(-px0, -px1), 0)
        pyt = max(min(-py0, -py1), 0)
        x = _conv(x, w, stride=up, padding=(pyt, pxt), groups=groups, transpose=True,
                  flip_weight=not flip_weight)
        x = upfirdn2d(x, f, padding=(px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt), gain=up**2,
                      flip_filter=flip_filter)
        if down > 1:
            x = upfirdn2d(x, f, down=down, flip_filter=flip_filter)
        return x
    if px0 == px1 and py0 == py1 and px0 >= 0 and py0 >= 0:
        return _conv(x, w, padding=(py0, px0), groups=groups, flip_weight=flip_weight)
    x = upfirdn2d(x, None, padding=(px0, px1, py0, py1), flip_filter=flip_filter)
    return _conv(x, w, groups=groups, flip_weight=flip_weight)


def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, noise: Tensor | None = None,
                     up: int = 1, padding: int = 0, resample_filter: Tensor | None = None,
                     demodulate: bool = True, flip_weight: bool = True, fused: bool | None = True,
                     weight_sq: Tensor | None = None, weight_t: Tensor | None = None) -> Tensor:
    """StyleGAN2's modulated convolution (paper, section 2.2): the weights scaled per input
    channel by each sample's style, then (demodulate) rescaled to unit L2 norm per output
    channel (epsilon 1e-8), then the noise added.

    fused: the per-sample weights are computed and applied as one conv (a grouped conv for a
    batch); unfused: the activations are scaled before and after one shared conv. Both are the
    same function; fused=None takes whichever touches fewer values (weights vs activations).
    weight_sq (O, I) = sum of weight^2 over the kernel and weight_t = weight transposed to
    (I, O, k, k), contiguous, may be passed in precomputed (inference caches them).
    """
    n = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    if fused is None:
        pixels = x.shape[2] * x.shape[3]
        fused = n == 1 and weight.numel() < in_channels * pixels + out_channels * pixels * up * up
    if demodulate:
        # sum over (i, kh, kw) of (W s_i)^2 = sum_i s_i^2 * sum_k W_ik^2
        sq = weight.square().sum(dim=[2, 3]) if weight_sq is None else weight_sq
        dcoefs = (styles.square() @ sq.t() + 1e-8).rsqrt()  # (N, O)
    if up > 1 and weight_t is not None:
        weight = weight_t.transpose(0, 1)  # a view that conv2d_resample transposes back for free

    if not fused:
        x = x * styles.to(x.dtype).reshape(n, -1, 1, 1)
        x = conv2d_resample(x, weight.to(x.dtype), f=resample_filter, up=up, padding=padding,
                            flip_weight=flip_weight)
        if demodulate and noise is not None:
            return torch.addcmul(noise.to(x.dtype), x, dcoefs.to(x.dtype).reshape(n, -1, 1, 1))
        if demodulate:
            return x * dcoefs.to(x.dtype).reshape(n, -1, 1, 1)
        return x + noise.to(x.dtype) if noise is not None else x

    scale = styles.reshape(n, 1, -1)  # (N, 1, I), times (N, O, 1) when demodulating
    if demodulate:
        scale = scale * dcoefs.reshape(n, -1, 1)
    if n == 1 and up > 1:
        # Built directly in the (I, O, k, k) layout the transposed conv wants: no copy later.
        w = (weight.transpose(0, 1) * scale[0].t()[:, :, None, None]).transpose(0, 1)
    else:
        w = (weight.unsqueeze(0) * scale[:, :, :, None, None]).reshape(-1, in_channels, kh, kw)
    x = x.reshape(1, -1, *x.shape[2:])
    x = conv2d_resample(x, w.to(x.dtype), f=resample_filter, up=up, padding=padding, groups=n,
                        flip_weight=flip_weight)
    x = x.reshape(n, -1, *x.shape[2:])
    if noise is not None:
        x = x + noise.to(x.dtype) if torch.is_grad_enabled() else x.add_(noise.to(x.dtype))
    return x
