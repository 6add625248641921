"""The one way to call a generator: latent (z, w or w+), optional class, truncation, noise -> images.

Every caller (the explorer, the command line, metrics, exports, directions, projection, the
trainer's sample grids) goes through `generate` or `generate_uint8`, so a new kind of
generator, or a class label, needs no second pass over them. Generators come in two shapes:

- z generators (DCGAN, MLP, ONNX and program adapters): `G(z)`, or `G(z, c)` when
  conditional (`c_dim` > 0, c one-hot (N, c_dim)). Truncation pulls z towards 0.
- style generators (StyleGAN2/3: `mapping`, `synthesis`, `num_ws`, `w_dim`): z is mapped
  to w with the class, truncated towards `w_avg` on the layers below `truncation_cutoff`, then
  synthesised with the noise mode. A w (N, w_dim) or w+ (N, num_ws, w_dim) latent skips the
  mapping; truncation then applies to it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ganstudio.core.errors import UserError

NOISE_MODES = ("const", "random", "none")
SPACES = ("z", "w")


class ClassError(UserError, ValueError):
    """A class label the generator does not have."""


def sample_latent(config: Any, n: int, generator: torch.Generator | None = None, *,
                  device: torch.device | str | None = None) -> torch.Tensor:
    """n latents (n, latent_dim) as a run draws them: ``model.latent_dist`` "normal" (N(0, I),
    the default) or "uniform" (each axis uniform in [-1, 1]). ``config`` is a RunConfig or a
    ModelConfig; ``generator`` the random stream (None: torch's global one)."""
    model = getattr(config, "model", config)
    shape = (int(n), int(model.latent_dim))
    if getattr(model, "latent_dist", "normal") == "uniform":
        return torch.rand(shape, generator=generator, device=device).mul_(2.0).sub_(1.0)
    return torch.randn(shape, generator=generator, device=device)


def is_stylegan(generator: Any) -> bool:
    """True for a generator with a mapping and a synthesis network (explorable in W)."""
    return (
        isinstance(getattr(generator, "mapping", None), nn.Module)
        and isinstance(getattr(generator, "synthesis", None), nn.Module)
        and hasattr(generator, "num_ws")
        and hasattr(generator, "w_dim")
    )


def num_classes(generator: Any) -> int:
    """How many classes a conditional generator draws (0: unconditional)."""
    return int(getattr(generator, "c_dim", 0) or 0)


ClassLike = int | Sequence[int] | torch.Tensor | np.ndarray | None


def class_vector(generator: Any, label: ClassLike, n: int = 1) -> torch.Tensor | None:
    """One-hot labels (n, c_dim) for a conditional generator, None for an unconditional one.

    ``label`` is a class index, one index per sample, or one-hot / soft rows (n, c_dim)
    (soft rows blend classes, as an interpolation between two classes does). A conditional
    generator given no label draws class 0.
    """
    c_dim = num_classes(generator)
    if c_dim <= 0:
        return None
    if isinstance(label, (torch.Tensor, np.ndarray)) and np.ndim(label) == 2:
        c = torch.as_tensor(np.asarray(label, dtype=np.float32))
        if c.shape[1] != c_dim:
            raise ClassError(f"the class rows have {c.shape[1]} columns; the generator has {c_dim} classes")
        return c.expand(n, -1) if c.shape[0] == 1 and n > 1 else c
    if label is None:
        label = 0
    idx = [int(label)] * n if np.ndim(label) == 0 else [int(i) for i in np.asarray(label).reshape(-1)]
    for i in idx:
        if not 0 <= i < c_dim:
            raise ClassError(f"class {i} does not exist: the generator has {c_dim} classes (0-{c_dim - 1})")
    c = torch.zeros(len(idx), c_dim)
    c[torch.arange(len(idx)), torch.tensor(idx, dtype=torch.long)] = 1
    return c


def _device(generator: nn.Module) -> torch.device:
    first = next(iter(generator.parameters()), None)
    if first is None:
        first = next(iter(generator.buffers()), None)
    return first.device if first is not None else torch.device("cpu")


def truncate_ws(generator: nn.Module, ws: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
    """w_avg + psi (w - w_avg) on the style layers below ``cutoff`` (all when None)."""
    if psi == 1:
        return ws
    w_avg = generator.mapping.w_avg.to(ws.device, ws.dtype)
    out = ws.clone()
    sl = slice(None, cutoff)
    out[:, sl] = w_avg.lerp(ws[:, sl], psi)
    return out


def _call(generator: nn.Module, latent: torch.Tensor, c: torch.Tensor | None, space: str,
          psi: float, cutoff: int | None, noise_mode: str, synthesis_kwargs: dict[str, Any]) -> torch.Tensor:
    if is_stylegan(generator):
        if space == "z":
            ws = generator.mapping(latent, c, truncation_psi=psi, truncation_cutoff=cutoff)
        else:
            ws = latent[:, None, :].expand(-1, generator.num_ws, -1) if latent.ndim == 2 else latent
            ws = truncate_ws(generator, ws, psi, cutoff)
        return generator.synthesis(ws, noise_mode=noise_mode, **synthesis_kwargs)
    if space != "z":
        raise ValueError("this generator has no W space: give it z")
    z = latent * psi if psi != 1 else latent
    return generator(z) if c is None else generator(z, c)


def generate(
    generator: nn.Module,
    latent: torch.Tensor | np.ndarray,
    *,
    label: ClassLike = None,
    space: str = "z",
    truncation_psi: float = 1.0,
    truncation_cutoff: int | None = None,
    noise_mode: str = "const",
    batch: int = 64,
    grad: bool = False,
    **synthesis_kwargs: Any,
) -> torch.Tensor:
    """Images (N, C, H, W) in about [-1, 1] (2-D toys: points (N, 2)) for ``latent``.

    ``latent`` is z (N, z_dim) for ``space="z"``, or w (N, w_dim) / w+ (N, num_ws, w_dim)
    for ``space="w"``; a single latent without a batch axis is one image. ``label``: see
    :func:`class_vector`. Runs in inference mode and in batches unless ``grad`` (projection
    needs the graph); images come back on the generator's device, float32.
    """
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, not {space!r}")
    if noise_mode not in NOISE_MODES:
        raise ValueError(f"noise_mode must be one of {NOISE_MODES}, not {noise_mode!r}")
    x = latent if isinstance(latent, torch.Tensor) else torch.as_tensor(np.asarray(latent, np.float32))
    w_plus = space == "w" and is_stylegan(generator) and x.ndim == 3
    if x.ndim == (2 if w_plus else 1):
        x = x[None]
    x = x.to(_device(generator), torch.float32)
    c = class_vector(generator, label, len(x))
    if c is not None:
        c = c.to(x.device)
    if grad:
        return _call(generator, x, c, space, truncation_psi, truncation_cutoff, noise_mode, synthesis_kwargs)
    with torch.inference_mode():
        parts = [
            _call(generator, x[i : i + batch], None if c is None else c[i : i + batch], space,
                  truncation_psi, truncation_cutoff, noise_mode, synthesis_kwargs).float()
            for i in range(0, len(x), max(1, batch))
        ]
    return torch.cat(parts) if parts else torch.empty(0)


def to_uint8(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """(N, C, H, W) (or one (C, H, W)) in [-1, 1] -> uint8 (N, H, W, C): (x + 1) 127.5, rounded."""
    t = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images, np.float32))
    if t.ndim == 3:
        t = t[None]
    if t.ndim != 4:
        raise ValueError(f"expected images shaped (N, C, H, W), got {tuple(t.shape)}")
    # (x + 1) * 127.5 + 0.5 == x * 127.5 + 128, truncated: rounding to the nearest level.
    arr = (t.detach().to("cpu", torch.float32) * 127.5 + 128.0).clamp_(0, 255).to(torch.uint8)
    return np.ascontiguousarray(arr.permute(0, 2, 3, 1).numpy())


def generate_uint8(generator: nn.Module, latent: torch.Tensor | np.ndarray, **kwargs: Any) -> np.ndarray:
    """:func:`generate` as uint8 images (N, H, W, C)."""
    return to_uint8(generate(generator, latent, **kwargs))
