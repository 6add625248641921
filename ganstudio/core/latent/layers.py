"""What a generator computes inside: the feature maps of any block, for the layer view.

`feature_layers(G)` lists the blocks whose output is a stack of feature maps (N, C, H, W), in
the order the forward pass reaches them: a DCGAN's or MLP's nonlinearities, a StyleGAN2's
synthesis blocks (b4, b8, ...; their feature maps, not the RGB they add up), a StyleGAN3's
synthesis layers. `feature_maps(G, layer, latent, ...)` runs one forward pass through
core.generate with a hook on that block and returns its maps for one sample. `maps_grid` and
`channel_image` turn them into pictures, normalised over the layer or per channel.
"""

from __future__ import annotations

import math
import threading
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from ganstudio.core.generate import generate, is_stylegan
from ganstudio.core.latent import ACTIVATIONS, sample_z


class FeatureLayer(NamedTuple):
    name: str  # the module's name in the generator
    shape: tuple[int, int, int]  # (channels, height, width) per sample

    @property
    def title(self) -> str:
        c, h, w = self.shape
        return f"{self.name} ({c} map{'s' if c != 1 else ''}, {h}x{w})"


class FeatureMaps(NamedTuple):
    layer: str
    maps: np.ndarray  # float32 (C, H, W)
    low: float  # the layer's value range over its maps
    high: float


def _candidates(G: nn.Module) -> list[tuple[str, nn.Module]]:
    if is_stylegan(G):  # the synthesis network's blocks or layers, each a stage of the image
        return [(f"synthesis.{n}", m) for n, m in G.synthesis.named_children()
                if not isinstance(m, (nn.ModuleList, nn.ModuleDict))]
    leaves = [(n, m) for n, m in G.named_modules() if n and not list(m.children())]
    return [(n, m) for n, m in leaves if isinstance(m, ACTIVATIONS)] or leaves


def _maps_of(out: Any) -> torch.Tensor | None:
    """The feature maps in a module's output: a 4-D tensor, or the first of a tuple (a
    StyleGAN2 block returns its features and the image so far)."""
    if isinstance(out, (tuple, list)) and out:
        out = out[0]
    return out if isinstance(out, torch.Tensor) and out.ndim == 4 else None


def _run_with_hooks(G: nn.Module, modules: list[tuple[str, nn.Module]], latent: torch.Tensor,
                    keep: str | None, **kwargs: Any) -> dict[str, torch.Tensor]:
    found: dict[str, torch.Tensor] = {}
    me = threading.get_ident()

    def recorder(name: str):  # noqa: ANN202 (a forward hook)
        def hook(_m: nn.Module, _i: object, out: object) -> None:
            maps = _maps_of(out)
            # Only this thread's pass: the explorer's renderer may use the generator meanwhile.
            if maps is not None and threading.get_ident() == me and name not in found:
                found[name] = maps[0].detach().float().cpu() if (keep in (None, name)) else maps[:0]

        return hook

    handles = [m.register_forward_hook(recorder(n)) for n, m in modules]
    try:
        generate(G, latent, **kwargs)
    finally:
        for h in handles:
            h.remove()
    return found


def feature_layers(G: nn.Module) -> list[FeatureLayer]:
    """The blocks with feature maps, in forward order (one forward pass of one latent)."""
    latent = sample_z(0, 1, int(G.latent_dim))
    found = _run_with_hooks(G, _candidates(G), latent, keep="")
    layers = []
    for name, _ in _candidates(G):
        if name in found:
            # the hook kept an empty slice: its shape is (0, C, H, W)
            layers.append(FeatureLayer(name, tuple(int(s) for s in found[name].shape[1:])))
    order = {n: i for i, n in enumerate(found)}
    return sorted(layers, key=lambda layer: order[layer.name])


def feature_maps(G: nn.Module, layer: str, latent: torch.Tensor | np.ndarray, **kwargs: Any) -> FeatureMaps:
    """The maps of ``layer`` for one latent (z, or w/w+ with ``space="w"``); ``kwargs`` go to
    core.generate (label, space, truncation_psi, truncation_cutoff, noise_mode)."""
    modules = [(n, m) for n, m in _candidates(G) if n == layer]
    if not modules:
        raise ValueError(f"the generator has no block named {layer!r}")
    x = torch.as_tensor(np.asarray(latent, np.float32)) if not isinstance(latent, torch.Tensor) else latent
    found = _run_with_hooks(G, modules, x, keep=layer, **kwargs)
    if layer not in found:
        raise ValueError(f"block {layer!r} made no feature maps in this forward pass")
    maps = found[layer].numpy().astype(np.float32, copy=False)
    finite = maps[np.isfinite(maps)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    return FeatureMaps(layer, maps, low, high)


def _to_uint8(x: np.ndarray, low: float, high: float) -> np.ndarray:
    span = high - low
    if not span > 0:
        return np.full(x.shape, 128, np.uint8)
    return np.clip((np.nan_to_num(x, nan=low) - low) / span * 255.0 + 0.5, 0, 255).astype(np.uint8)


def channel_image(fm: FeatureMaps, channel: int) -> np.ndarray:
    """One channel as a grey uint8 (H, W) image, stretched over its own range."""
    m = fm.maps[int(channel)]
    finite = m[np.isfinite(m)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    return _to_uint8(m, low, high)


def maps_grid(fm: FeatureMaps, per_channel: bool = False, max_maps: int = 256, pad: int = 1) -> np.ndarray:
    """The first ``max_maps`` channels tiled in a near-square grey uint8 grid; normalised over
    the layer's range (maps compare with each other) or each over its own (``per_channel``)."""
    maps = fm.maps[:max_maps]
    n, h, w = maps.shape
    cols = int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 0, np.uint8)
    for i in range(n):
        tile = channel_image(fm, i) if per_channel else _to_uint8(maps[i], fm.low, fm.high)
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = tile
    return grid
