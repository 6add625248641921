"""The one way to call a generator: latent (z, w or w+), optional class, truncation, noise -> images.

Every caller (the explorer, the command line, metrics, exports, directions, projection, the
trainer's sample grids) goes through `generate` or `generate_uint8`, so a new kind of
generator, or a class label, needs no second pass over them. Generators come in two shapes:

- z generators (DCGAN, MLP, ONNX and program adapters): `G(z)`, or `G(z, c)` when
  conditional (`c_dim` > 0, c one-hot (N, c_dim)). Truncation pulls z towards 0.
- style generators (StyleGAN2/3: `mapping`, `synthesis`, `num_ws`, `w_dim`): z is mapped
  to w with the class, truncated towards `w_avg` on the layers below `truncation_cutoff`, then
  synthesised with the noise mode. A w (N, w_dim) or w+ (N, num_ws, w_dim) latent skips the
  mapping; truncation then applies to it directly. :func:`map_z` is the mapping alone (z and
  class -> ws), for the tools that work in W.

What the explorer's W frames need goes through the same call: ``noise_seed`` (noise "random"
that is the same for the same seed, on any thread), ``max_res`` (a drag preview: a smaller
block's image), ``precision`` ("bfloat16" for previews where the CPU does that faster) and
``should_stop`` (a long frame given up between two blocks for a newer one).
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ganstudio.core.errors import Interrupted, UserError

NOISE_MODES = ("const", "random", "none")
SPACES = ("z", "w")
# Full frames are float32, as NVlabs' code computes them; a preview may run in bfloat16.
PRECISIONS = ("float32", "bfloat16")


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


def _inputs(generator: nn.Module, latent: torch.Tensor | np.ndarray, label: ClassLike,
            single_ndim: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The latent as a float32 batch on the generator's device (one latent of ``single_ndim``
    axes gains a batch axis) and its one-hot labels there (None: unconditional)."""
    x = latent if isinstance(latent, torch.Tensor) else torch.as_tensor(np.asarray(latent, np.float32))
    if x.ndim == single_ndim:
        x = x[None]
    x = x.to(_device(generator), torch.float32)
    c = class_vector(generator, label, len(x))
    return x, (None if c is None else c.to(x.device))


def map_z(
    generator: nn.Module,
    z: torch.Tensor | np.ndarray,
    *,
    label: ClassLike = None,
    truncation_psi: float = 1.0,
    truncation_cutoff: int | None = None,
    grad: bool = False,
) -> torch.Tensor:
    """The styles ws (N, num_ws, w_dim) a style generator maps z (N, z_dim) to, with the class
    (see :func:`class_vector`) and truncation; what :func:`generate` synthesises from z."""
    if not is_stylegan(generator):
        raise ValueError("this generator has no W space: it has no mapping network")
    x, c = _inputs(generator, z, label, 1)
    if grad:
        return generator.mapping(x, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
    with torch.inference_mode():
        return generator.mapping(x, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)


# ---------------------------------------------------------------- seeded noise

_NOISE_LOCK = threading.Lock()
_NOISE: weakref.WeakKeyDictionary[nn.Module, OrderedDict[int, nn.Module]] = weakref.WeakKeyDictionary()
NOISE_COPIES = 2  # seeded noise copies kept per synthesis network (a drag reuses one)


def noise_variant(synthesis: nn.Module, noise_seed: int) -> nn.Module:
    """A copy of ``synthesis`` whose constant noise inputs are drawn from ``noise_seed``.

    Rendering it with noise "const" gives "random" noise that is the same for the same seed,
    on any thread, without touching the global random generator. Weights and every other
    buffer are shared with ``synthesis`` (no copy), so training updates show.
    """
    noise = {id(b) for n, b in synthesis.named_buffers() if n.endswith("noise_const")}
    memo: dict[int, Any] = {}
    for t in [*synthesis.parameters(), *synthesis.buffers()]:
        if id(t) not in noise:
            memo[id(t)] = t
    variant = copy.deepcopy(synthesis, memo)
    gen = torch.Generator().manual_seed(int(noise_seed))
    for name, buf in variant.named_buffers():
        if name.endswith("noise_const"):
            buf.copy_(torch.randn(buf.shape, generator=gen))
    return variant.eval()


def _seeded_synthesis(synthesis: nn.Module, noise_seed: int) -> nn.Module:
    """:func:`noise_variant`, kept for the last few seeds of each synthesis network."""
    seed = int(noise_seed)
    with _NOISE_LOCK:
        copies = _NOISE.setdefault(synthesis, OrderedDict())
        variant = copies.get(seed)
        if variant is not None:
            copies.move_to_end(seed)
            return variant
    variant = noise_variant(synthesis, seed)
    with _NOISE_LOCK:
        copies[seed] = variant
        while len(copies) > NOISE_COPIES:
            copies.popitem(last=False)
    return variant


# ---------------------------------------------------------------- the call


def _call(generator: nn.Module, latent: torch.Tensor, c: torch.Tensor | None, space: str,
          psi: float, cutoff: int | None, noise_mode: str, noise_seed: int | None,
          should_stop: Callable[[], bool] | None, synthesis_kwargs: dict[str, Any]) -> torch.Tensor:
    if is_stylegan(generator):
        if space == "z":
            ws = generator.mapping(latent, c, truncation_psi=psi, truncation_cutoff=cutoff)
        else:
            ws = latent[:, None, :].expand(-1, generator.num_ws, -1) if latent.ndim == 2 else latent
            ws = truncate_ws(generator, ws, psi, cutoff)
        synthesis = generator.synthesis
        if noise_mode == "random" and noise_seed is not None:
            synthesis, noise_mode = _seeded_synthesis(synthesis, noise_seed), "const"
        if should_stop is not None:
            synthesis_kwargs = {**synthesis_kwargs, "should_stop": should_stop}
        return synthesis(ws, noise_mode=noise_mode, **synthesis_kwargs)
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
    noise_seed: int | None = None,
    max_res: int | None = None,
    precision: str = "float32",
    should_stop: Callable[[], bool] | None = None,
    batch: int = 64,
    grad: bool = False,
    **synthesis_kwargs: Any,
) -> torch.Tensor:
    """Images (N, C, H, W) in about [-1, 1] (2-D toys: points (N, 2)) for ``latent``.

    ``latent`` is z (N, z_dim) for ``space="z"``, or w (N, w_dim) / w+ (N, num_ws, w_dim)
    for ``space="w"``; a single latent without a batch axis is one image. ``label``: see
    :func:`class_vector`. Runs in inference mode and in batches unless ``grad`` (projection
    needs the graph); images come back on the generator's device, float32.

    Style generators only: ``noise_seed`` with noise "random" draws the noise inputs from
    that seed (:func:`noise_variant`), so the frame can be made again; ``max_res`` stops at
    that block's image (StyleGAN2's skip architecture; the full image when it is that size or
    more, or when the model has no smaller image). ``precision`` "bfloat16" runs the
    convolutions and matrix products in bfloat16 on the CPU. ``should_stop`` is asked between
    batches and before each block or layer; :class:`~ganstudio.core.errors.Interrupted` is
    raised when it says so.
    """
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, not {space!r}")
    if noise_mode not in NOISE_MODES:
        raise ValueError(f"noise mode must be one of {', '.join(NOISE_MODES)}, not {noise_mode!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if max_res is not None and is_stylegan(generator):
        if max_res < int(generator.img_resolution):
            synthesis_kwargs = {**synthesis_kwargs, "max_res": int(max_res)}
    w_plus = space == "w" and is_stylegan(generator) and np.ndim(latent) == 3
    x, c = _inputs(generator, latent, label, 2 if w_plus else 1)
    low = precision == "bfloat16"

    def call(xs: torch.Tensor, cs: torch.Tensor | None) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=low):
            return _call(generator, xs, cs, space, truncation_psi, truncation_cutoff, noise_mode,
                         noise_seed, should_stop, synthesis_kwargs).float()

    if grad:
        return call(x, c)
    parts = []
    with torch.inference_mode():
        for i in range(0, len(x), max(1, batch)):
            if should_stop is not None and should_stop():
                raise Interrupted("a newer frame is wanted")
            parts.append(call(x[i : i + batch], None if c is None else c[i : i + batch]))
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
