"""The StyleGAN2 generator (Karras et al., 2020, "Analyzing and Improving the Image Quality of
StyleGAN"), configuration F: a mapping network z -> w, and a synthesis network of modulated,
demodulated 3x3 convolutions from a learned 4x4 constant, with per-layer noise inputs and
the "skip" output architecture (every resolution adds its RGB to the upsampled sum).

Written from the paper. Module, parameter and buffer names, and the numerics (equalised
learning rate gains, the [1, 3, 3, 1] resampling filter and its paddings, the order of
bias, activation, gain and clamp), follow NVlabs' stylegan2-ada-pytorch `training/networks.py`,
so a state dict of their Generator loads unchanged and computes the same images
(`nvlabs_pickle.py` reads their snapshots). fp16 settings are accepted so such a network
can be built, but everything computes in float32.

Shapes: z (N, z_dim) -> ws (N, num_ws, w_dim) -> img (N, img_channels, R, R), about [-1, 1].
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from ganstudio.core.errors import Interrupted
from ganstudio.core.models.stylegan2.ops import (
    ACTIVATION_GAINS,
    bias_act,
    conv2d_resample,
    downsample2d,
    modulated_conv2d,
    setup_filter,
    upfirdn2d,
    upsample2d,
)

__all__ = [
    "Conv2dLayer", "FullyConnectedLayer", "MappingNetwork", "StyleGAN2Generator", "SynthesisBlock",
    "SynthesisLayer", "SynthesisNetwork", "ToRGBLayer", "bias_act", "conv2d_resample",
    "downsample2d", "modulated_conv2d", "normalize_2nd_moment", "setup_filter", "upfirdn2d",
    "upsample2d",
]

NOISE_MODES = ("const", "random", "none")
ARCHITECTURES = ("skip", "orig")
RESAMPLE_FILTER = (1, 3, 3, 1)


def normalize_2nd_moment(x: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


class FullyConnectedLayer(nn.Module):
    """A linear layer with an equalised learning rate: weights stored N(0, 1) / lr_multiplier
    and scaled by lr_multiplier / sqrt(fan_in) at run time (Karras et al., 2018)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 activation: str = "linear", lr_multiplier: float = 1.0, bias_init: float = 0.0) -> None:
        super().__init__()
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias
        if b is not None:
            b = b.to(x.dtype)
            if self.bias_gain != 1:
                b = b * self.bias_gain
        if self.activation == "linear" and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=self.activation, fresh=True)


class Conv2dLayer(nn.Module):
    """A conv with an equalised learning rate, optional up/downsampling through the FIR
    filter, bias, activation (with its gain) and an optional clamp of the output."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activation: str = "linear", up: int = 1, down: int = 1,
                 resample_filter: Sequence[float] = RESAMPLE_FILTER, conv_clamp: float | None = None,
                 channels_last: bool = False, trainable: bool = True) -> None:
        super().__init__()
        self.activation = activation
        self.up = up
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.act_gain = ACTIVATION_GAINS[activation]
        weight = torch.randn(out_channels, in_channels, kernel_size, kernel_size)
        b = torch.zeros(out_channels) if bias else None
        if trainable:
            self.weight = nn.Parameter(weight)
            self.bias = nn.Parameter(b) if b is not None else None
        else:  # frozen layers are buffers in NVlabs' code; same names, so their weights load
            self.register_buffer("weight", weight)
            if b is not None:
                self.register_buffer("bias", b)
            else:
                self.bias = None

    def forward(self, x: Tensor, gain: float = 1) -> Tensor:
        w = self.weight * self.weight_gain
        b = self.bias.to(x.dtype) if self.bias is not None else None
        x = conv2d_resample(x, w.to(x.dtype), f=self.resample_filter, up=self.up, down=self.down,
                            padding=self.padding, flip_weight=self.up == 1)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, b, act=self.activation, gain=self.act_gain * gain, clamp=clamp, fresh=True)


class MappingNetwork(nn.Module):
    """z (and a class label c) -> w through `num_layers` fully connected layers with a 100x
    lower learning rate; w is broadcast to the num_ws style inputs of the synthesis."""

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int | None, num_layers: int = 8,
                 embed_features: int | None = None, layer_features: int | None = None,
                 activation: str = "lrelu", lr_multiplier: float = 0.01,
                 w_avg_beta: float | None = 0.995) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        if embed_features is None:
            embed_features = w_dim
        if c_dim == 0:
            embed_features = 0
        if layer_features is None:
            layer_features = w_dim
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for i in range(num_layers):
            setattr(self, f"fc{i}", FullyConnectedLayer(features[i], features[i + 1], activation=activation,
                                                         lr_multiplier=lr_multiplier))
        if num_ws is not None and w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Tensor | None, c: Tensor | None = None, truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None, update_emas: bool = False) -> Tensor:
        """ws (N, num_ws, w_dim). A conditional network given no c maps class 0. Truncation
        pulls the first `truncation_cutoff` ws (all when None) towards w_avg by psi."""
        x = None
        if self.z_dim > 0:
            x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            if c is None:
                n = z.shape[0] if z is not None else 1
                c = torch.zeros(n, self.c_dim, device=self.embed.weight.device)
                c[:, 0] = 1
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        if update_emas and self.w_avg_beta is not None:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.num_ws is not None:
            x = x.unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation_psi != 1:
            if self.num_ws is None or truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x = x.clone()
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff], truncation_psi)
        return x


class _Derived:
    """Values computed from a weight, kept while it is unchanged: in-place updates (optimizer
    steps, EMA, load_state_dict) bump a tensor's version, and a new tensor is a new object.
    Copies and pickles start empty."""

    def __init__(self) -> None:
        self._ref: weakref.ref | None = None
        self._version = -1
        self._values: dict[str, Tensor] = {}

    def __reduce__(self):
        return (_Derived, ())

    def get(self, w: Tensor, name: str, fn: Callable[[Tensor], Tensor]) -> Tensor:
        if self._ref is None or self._ref() is not w or self._version != w._version:
            self._ref, self._version, self._values = weakref.ref(w), w._version, {}
        if name not in self._values:
            # A normal tensor even when first asked for under inference_mode (a render), so
            # that a later autograd pass through a frozen generator (a projection) may use it.
            with torch.inference_mode(False):
                self._values[name] = fn(w.detach())
        return self._values[name]


class SynthesisLayer(nn.Module):
    """A modulated (and demodulated) 3x3 conv, optionally upsampling 2x, + noise, bias, lrelu."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 kernel_size: int = 3, up: int = 1, use_noise: bool = True, activation: str = "lrelu",
                 resample_filter: Sequence[float] = RESAMPLE_FILTER, conv_clamp: float | None = None,
                 channels_last: bool = False) -> None:
        super().__init__()
        self.resolution = resolution
        self.up = up
        self.use_noise = use_noise
        self.activation = activation
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.padding = kernel_size // 2
        self.act_gain = ACTIVATION_GAINS[activation]
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        if use_noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self._derived = _Derived()

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = "random", fused_modconv: bool | None = True,
                gain: float = 1) -> Tensor:
        """fused_modconv None: per layer, whichever modulation path is cheaper (see
        modulated_conv2d)."""
        styles = self.affine(w)
        weight_sq = weight_t = None
        if not (torch.is_grad_enabled() and self.weight.requires_grad):
            # Inference: the weight's square sums (for demodulation) and its transposed copy
            # (for the upsampling conv) are computed once, not per frame.
            weight_sq = self._derived.get(self.weight, "sq", lambda t: t.square().sum(dim=[2, 3]))
            if self.up > 1:
                weight_t = self._derived.get(self.weight, "t", lambda t: t.transpose(0, 1).contiguous())
        noise = None
        if self.use_noise and noise_mode == "random":
            noise = torch.randn(x.shape[0], 1, self.resolution, self.resolution, device=x.device,
                                dtype=x.dtype) * self.noise_strength
        elif self.use_noise and noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise=noise, up=self.up, padding=self.padding,
                             resample_filter=self.resample_filter, flip_weight=self.up == 1,
                             fused=fused_modconv, weight_sq=weight_sq, weight_t=weight_t)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias.to(x.dtype), act=self.activation, gain=self.act_gain * gain,
                        clamp=clamp, fresh=True)


class ToRGBLayer(nn.Module):
    """A modulated 1x1 conv to RGB, without demodulation; the style carries the weight gain."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, kernel_size: int = 1,
                 conv_clamp: float | None = None, channels_last: bool = False) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)

    def forward(self, x: Tensor, w: Tensor, fused_modconv: bool | None = True) -> Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused=fused_modconv)
        return bias_act(x, self.bias.to(x.dtype), clamp=self.conv_clamp, fresh=True)


class SynthesisBlock(nn.Module):
    """One resolution: (the 4x4 constant, or an upsampling conv0) -> conv1 -> toRGB."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 img_channels: int, is_last: bool, architecture: str = "skip",
                 resample_filter: Sequence[float] = RESAMPLE_FILTER, conv_clamp: float | None = None,
                 use_fp16: bool = False, fp16_channels_last: bool = False, **layer_kwargs) -> None:
        if architecture not in ARCHITECTURES:
            raise ValueError(f"StyleGAN2 generator architecture {architecture!r} is not supported "
                             f"(only {', '.join(ARCHITECTURES)})")
        super().__init__()
        self.in_channels = in_channels
        self.w_dim = w_dim
        self.resolution = resolution
        self.img_channels = img_channels
        self.is_last = is_last
        self.architecture = architecture
        self.use_fp16 = use_fp16  # recorded only: computed in float32
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = 0
        self.num_torgb = 0
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim=w_dim, resolution=resolution, up=2,
                                        resample_filter=resample_filter, conv_clamp=conv_clamp, **layer_kwargs)
            self.num_conv += 1
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim=w_dim, resolution=resolution,
                                    conv_clamp=conv_clamp, **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGBLayer(out_channels, img_channels, w_dim=w_dim, conv_clamp=conv_clamp)
            self.num_torgb += 1

    def forward(self, x: Tensor | None, img: Tensor | None, ws: Tensor, noise_mode: str = "random",
                fused_modconv: bool | None = True) -> tuple[Tensor, Tensor | None]:
        """ws (N, num_conv + num_torgb, w_dim)."""
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.to(torch.float32).unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)
            x = self.conv1(x, next(w_iter), noise_mode=noise_mode, fused_modconv=fused_modconv)
        else:
            x = x.to(torch.float32)
            x = self.conv0(x, next(w_iter), noise_mode=noise_mode, fused_modconv=fused_modconv)
            x = self.conv1(x, next(w_iter), noise_mode=noise_mode, fused_modconv=fused_modconv)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.num_torgb:
            y = self.torgb(x, next(w_iter), fused_modconv=fused_modconv).to(torch.float32)
            img = img.add_(y) if img is not None and not torch.is_grad_enabled() else (
                img + y if img is not None else y)
        return x, img


class SynthesisNetwork(nn.Module):
    """ws -> image through one block per resolution from 4x4 to img_resolution; channels per
    resolution min(channel_base / res, channel_max)."""

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int, channel_base: int = 32768,
                 channel_max: int = 512, num_fp16_res: int = 0, **block_kwargs) -> None:
        if img_resolution < 4 or img_resolution & (img_resolution - 1):
            raise ValueError(f"img_resolution must be a power of two >= 4, not {img_resolution}")
        super().__init__()
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_resolution_log2 = int(math.log2(img_resolution))
        self.img_channels = img_channels
        self.architecture = block_kwargs.get("architecture", "skip")
        self.block_resolutions = [2**i for i in range(2, self.img_resolution_log2 + 1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions}
        fp16_resolution = max(2 ** (self.img_resolution_log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            in_channels = channels[res // 2] if res > 4 else 0
            is_last = res == img_resolution
            block = SynthesisBlock(in_channels, channels[res], w_dim=w_dim, resolution=res,
                                   img_channels=img_channels, is_last=is_last,
                                   use_fp16=res >= fp16_resolution, **block_kwargs)
            self.num_ws += block.num_conv
            if is_last:
                self.num_ws += block.num_torgb
            setattr(self, f"b{res}", block)

    def forward(self, ws: Tensor, noise_mode: str = "const", max_res: int | None = None,
                fused_modconv: bool | None = None,
                should_stop: Callable[[], bool] | None = None) -> Tensor:
        """img (N, C, R, R). max_res (a power of two <= img_resolution) stops after that block
        and returns the RGB summed so far at that resolution: a cheap preview, since a
        skip-architecture image is the upsampled sum of every block's RGB. The "orig"
        architecture has RGB only at the end, so it ignores max_res.
        should_stop, when given, is asked before each block; errors.Interrupted is raised when
        it says so (a 1024 px frame takes seconds on a CPU, and a newer one may be wanted).
        fused_modconv: True modulates the weights per sample (a grouped conv for a batch),
        False scales the activations around one shared conv; the default is False while
        training and, otherwise, whichever is cheaper layer by layer. Results agree to ~1e-6."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {', '.join(NOISE_MODES)}, not {noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f"ws must be (N, {self.num_ws}, {self.w_dim}), not {tuple(ws.shape)}")
        last = self.img_resolution
        if max_res is not None and self.architecture == "skip":
            if max_res not in self.block_resolutions:
                raise ValueError(f"max_res must be one of {self.block_resolutions}, not {max_res}")
            last = max_res
        fused = (False if self.training else None) if fused_modconv is None else fused_modconv
        ws = ws.to(torch.float32)
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            if should_stop is not None and should_stop():
                raise Interrupted("a newer frame is wanted")
            block = getattr(self, f"b{res}")
            cur = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)
            w_idx += block.num_conv
            x, img = block(x, img, cur, noise_mode=noise_mode, fused_modconv=fused)
            if res == last:
                break
        return img


class StyleGAN2Generator(nn.Module):
    """z (N, z_dim) [and c (N, c_dim)] -> images (N, img_channels, R, R) in about [-1, 1].

    Follows the app's generator convention (`latent_dim`, `sample_shape`, `G(z)`), so every
    tool that samples a generator works with it; W-space tools use `.mapping` and
    `.synthesis`. A conditional generator (c_dim > 0) called without c draws class 0.
    """

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, img_resolution: int, img_channels: int,
                 mapping_layers: int = 8, channel_base: int = 32768, channel_max: int = 512,
                 num_fp16_res: int = 0, conv_clamp: float | None = None,
                 architecture: str = "skip") -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution,
                                          img_channels=img_channels, channel_base=channel_base,
                                          channel_max=channel_max, num_fp16_res=num_fp16_res,
                                          conv_clamp=conv_clamp, architecture=architecture)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws,
                                      num_layers=mapping_layers)

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return (self.img_channels, self.img_resolution, self.img_resolution)

    def forward(self, z: Tensor, c: Tensor | None = None, truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None, noise_mode: str = "const") -> Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode)
