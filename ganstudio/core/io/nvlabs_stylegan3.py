"""The constructor arguments of a StyleGAN3 (alias-free) generator recorded in an NVIDIA
stylegan3 snapshot, checked before anything is built.

NVIDIA's `Generator(z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs,
**synthesis_kwargs)` records its arguments (`_init_kwargs`). Configs T and R differ only
in those arguments (R: `conv_kernel=1`, `use_radial_filters=True`, twice the channels), so
both are read here. Options that change what the network computes and that the app's model
config cannot describe must keep NVIDIA's default; anything unknown is refused in one
sentence, since building a different network from a guess would draw wrong images.
"""

from __future__ import annotations

import math
from typing import Any

from ganstudio.core.errors import CheckpointError

_TOP = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels")
# Options the app's model config holds (ModelConfig field in brackets where it differs).
_SYNTHESIS_OWN = {"channel_base": 32768, "channel_max": 512, "num_layers": 14, "num_critical": 2,
                  "conv_kernel": 3, "use_radial_filters": False, "conv_clamp": 256}
# Options that must keep NVIDIA's default: released models never change them.
_SYNTHESIS_FIXED = {"first_cutoff": 2, "first_stopband": 2**2.1, "last_stopband_rel": 2**0.3,
                    "margin_size": 10, "output_scale": 0.25, "filter_size": 6, "lrelu_upsampling": 2}
# Options that change nothing in a forward pass (precision, training statistics' decay).
_SYNTHESIS_IGNORED = ("num_fp16_res", "magnitude_ema_beta")
_MAPPING_FIXED = {"lr_multiplier": 0.01}
_MAPPING_IGNORED = ("w_avg_beta",)


def _same(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return value is default
    try:
        return math.isclose(float(value), float(default), rel_tol=1e-9)
    except (TypeError, ValueError):
        return False


def _whole(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def stylegan3_kwargs(init_kwargs: dict[str, Any], source: str) -> dict[str, Any]:
    """StyleGAN3Generator's arguments: z_dim, c_dim, w_dim, img_resolution, img_channels,
    mapping_layers and the synthesis options of `_SYNTHESIS_OWN`; CheckpointError otherwise."""
    kwargs = dict(init_kwargs)
    mapping = kwargs.pop("mapping_kwargs", None) or {}
    if not isinstance(mapping, dict):
        raise CheckpointError(f"{source} holds a StyleGAN3 generator whose mapping settings are unreadable.")
    out: dict[str, Any] = {}
    for key in _TOP:
        value = kwargs.pop(key, None)
        if not _whole(value, 0 if key == "c_dim" else 1, 100_000):
            raise CheckpointError(f"{source} holds a StyleGAN3 generator without a readable {key} "
                                  f"({value!r}).")
        out[key] = value
    res = out["img_resolution"]
    if res < 8 or res > 4096 or res & (res - 1):
        raise CheckpointError(f"{source} holds a StyleGAN3 generator of {res} pixels; GAN Studio opens "
                              "powers of two from 8 to 4096.")
    mapping = dict(mapping)
    layers = mapping.pop("num_layers", 2)
    if not _whole(layers, 1, 16):
        raise CheckpointError(f"{source} holds a StyleGAN3 generator with {layers!r} mapping layers.")
    out["mapping_layers"] = layers
    for options, fixed, ignored, what in ((mapping, _MAPPING_FIXED, _MAPPING_IGNORED, "mapping option"),
                                          (kwargs, _SYNTHESIS_FIXED, _SYNTHESIS_IGNORED, "option")):
        for key in ignored:
            options.pop(key, None)
        for key, default in fixed.items():
            value = options.pop(key, default)
            if not _same(value, default):
                raise CheckpointError(f"{source} is a StyleGAN3 variant with the {what} {key} = {value!r}, "
                                      f"which GAN Studio does not support (only {default!r}).")
    for key, default in _SYNTHESIS_OWN.items():
        out[key] = kwargs.pop(key, default)
    unknown = sorted(mapping) + sorted(kwargs)
    if unknown:
        raise CheckpointError(f"{source} is a StyleGAN3 variant with settings GAN Studio does not know "
                              f"({', '.join(unknown[:3])}); it opens NVIDIA's configs T and R.")
    checks = (
        ("channel_base", _whole(out["channel_base"], 1, 2**22)),
        ("channel_max", _whole(out["channel_max"], 1, 4096)),
        ("num_layers", _whole(out["num_layers"], 3, 64)),
        ("num_critical", _whole(out["num_critical"], 0, 64) and out["num_critical"] < out["num_layers"]),
        ("conv_kernel", _whole(out["conv_kernel"], 1, 9) and out["conv_kernel"] % 2 == 1),
        ("use_radial_filters", isinstance(out["use_radial_filters"], bool)),
        ("conv_clamp", out["conv_clamp"] is None or (isinstance(out["conv_clamp"], (int, float))
                                                      and not isinstance(out["conv_clamp"], bool)
                                                      and out["conv_clamp"] > 0)),
    )
    for key, ok in checks:
        if not ok:
            raise CheckpointError(f"{source} holds a StyleGAN3 generator with {key} = {out[key]!r}, "
                                  "which GAN Studio cannot build.")
    if out["conv_clamp"] is not None:
        out["conv_clamp"] = float(out["conv_clamp"])
    return out

