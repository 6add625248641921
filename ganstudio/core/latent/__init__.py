"""Latent space tools: seeds to z, paths, truncation, directions, projection.

A generator here is any module mapping z (N, latent_dim) to images
(N, C, H, W) in [-1, 1], with ``.latent_dim`` and ``.sample_shape``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganstudio.core import errors
from ganstudio.core.generate import generate

ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]


class Cancelled(errors.Cancelled, RuntimeError):
    """A long computation was stopped on request."""


# ---------------------------------------------------------------- sampling


def sample_z(seed: int, n: int, dim: int, dist: str = "normal") -> torch.Tensor:
    """(n, dim) CPU float32, the same for a seed everywhere: standard normal, or uniform in
    [-1, 1] for ``dist`` "uniform" (a generator trained with model.latent_dist "uniform")."""
    gen = torch.Generator(device="cpu")
    gen.manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    if dist == "uniform":
        return torch.rand(int(n), int(dim), generator=gen, dtype=torch.float32) * 2 - 1
    return torch.randn(int(n), int(dim), generator=gen, dtype=torch.float32)


def truncate(z: torch.Tensor, psi: float, mean: torch.Tensor | None = None) -> torch.Tensor:
    """Pull z towards ``mean`` (zero by default): mean + psi * (z - mean)."""
    if mean is None:
        return z * psi
    return mean + psi * (z - mean)


# ---------------------------------------------------------------- interpolation


def lerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical interpolation along the last axis; falls back to lerp for parallel vectors."""
    a = torch.as_tensor(a, dtype=torch.float32)
    b = torch.as_tensor(b, dtype=torch.float32)
    t = torch.as_tensor(t, dtype=torch.float32)
    na = a.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    nb = b.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    cos = ((a / na) * (b / nb)).sum(-1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.acos(cos)
    so = torch.sin(omega)
    near = so.abs() < 1e-5
    safe = torch.where(near, torch.ones_like(so), so)
    out = (torch.sin((1.0 - t) * omega) / safe) * a + (torch.sin(t * omega) / safe) * b
    return torch.where(near, lerp(a, b, t), out)


def interpolate_path(
    keyframes: torch.Tensor | np.ndarray,
    frames_per_segment: int,
    mode: str = "slerp",
    loop: bool = False,
) -> torch.Tensor:
    """(K, dim) keyframes -> (F, dim) frames.

    Each segment contributes ``frames_per_segment`` frames starting at its first
    keyframe; an open path ends on the last keyframe (F = (K-1)*n + 1), a loop
    returns towards the first without repeating it (F = K*n).
    """
    keys = torch.as_tensor(np.asarray(keyframes, dtype=np.float32))
    if keys.ndim != 2 or keys.shape[0] < 1:
        raise ValueError("keyframes must be shaped (K, dim) with K >= 1")
    if mode not in ("lerp", "slerp"):
        raise ValueError(f"unknown interpolation mode '{mode}'; use 'lerp' or 'slerp'")
    n = max(1, int(frames_per_segment))
    if keys.shape[0] == 1:
        return keys.clone()
    pairs = list(zip(keys[:-1], keys[1:], strict=True))
    if loop:
        pairs.append((keys[-1], keys[0]))
    fn = slerp if mode == "slerp" else lerp
    t = (torch.arange(n, dtype=torch.float32) / n)[:, None]
    frames = [fn(a[None], b[None], t) for a, b in pairs]
    if not loop:
        frames.append(keys[-1:].clone())
    return torch.cat(frames, dim=0)


# ---------------------------------------------------------------- the explorer's state

# A state's class: one class index, or a soft row (c_dim,) that blends classes (a morph
# from one class to another shows the rows in between).
ClassIndex = int | tuple[float, ...]


def class_label(class_index: ClassIndex) -> int | np.ndarray:
    """``class_index`` as :func:`~ganstudio.core.generate.generate` takes its ``label``: the
    index, or a soft row shaped (1, c_dim)."""
    if isinstance(class_index, (tuple, list, np.ndarray)):
        return np.asarray(class_index, np.float32).reshape(1, -1)
    return int(class_index)


def blend_classes(a: int, b: int, t: float, c_dim: int) -> tuple[float, ...]:
    """The soft row (1 - t) onehot(a) + t onehot(b): class ``a`` at t = 0, ``b`` at t = 1."""
    row = np.zeros(int(c_dim), np.float64)
    row[int(a)] += 1.0 - float(t)
    row[int(b)] += float(t)
    return tuple(float(v) for v in row)


@dataclass(frozen=True)
class LatentState:
    """What the explorer shows: a base z, its seed, truncation, direction offsets and, for a
    conditional generator, the class drawn.

    ``seed`` is None once z was edited away from a seed's sample.
    """

    z: np.ndarray
    seed: int | None = None
    psi: float = 1.0
    offsets: tuple[float, ...] = field(default_factory=tuple)
    class_index: ClassIndex = 0  # ignored by unconditional generators

    @property
    def label(self) -> int | np.ndarray:
        """The class as ``generate(..., label=)`` takes it."""
        return class_label(self.class_index)

    @classmethod
    def from_seed(cls, seed: int, dim: int, psi: float = 1.0, dist: str = "normal") -> LatentState:
        return cls(sample_z(seed, 1, dim, dist)[0].numpy(), seed=seed, psi=psi)

    @property
    def dim(self) -> int:
        return int(self.z.shape[0])

    def with_(self, **changes) -> LatentState:
        return replace(self, **changes)

    def effective_z(self, directions: np.ndarray | None = None) -> np.ndarray:
        """The vector fed to the generator: truncate(z) moved along the directions."""
        z = np.asarray(self.z, dtype=np.float32) * np.float32(self.psi)
        if directions is not None and self.offsets:
            k = min(len(self.offsets), directions.shape[0])
            if k:
                offs = np.asarray(self.offsets[:k], dtype=np.float32)
                z = z + offs @ directions[:k].astype(np.float32)
        return z


# ---------------------------------------------------------------- rendering helpers


def weights_hash(module: nn.Module) -> str:
    """A hex digest of a module's parameters and buffers (names, shapes, values)."""
    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(str(t.dtype).encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()[:32]


# ---------------------------------------------------------------- PCA directions


Z_LAYER = "z"  # the layer name that means z itself: PCA of the latents, no forward pass
DIRECTIONS_FORMAT = 2  # 1: vectors, explained, layer; 2 adds names and the weights' hash


@dataclass(frozen=True)
class Directions:
    """Unit vectors in z (k, dim), best first, and each one's share of the layer's variance.

    ``names`` are what a person called them ("PC1", … by default); ``weights_hash`` is
    :func:`weights_hash` of the generator they were found for ("" when unknown).
    """

    vectors: np.ndarray
    explained: np.ndarray
    layer: str = ""
    names: tuple[str, ...] = ()
    weights_hash: str = ""

    @property
    def latent_dim(self) -> int:
        return int(self.vectors.shape[1])

    def name(self, index: int) -> str:
        if index < len(self.names) and self.names[index].strip():
            return self.names[index].strip()
        return f"PC{index + 1}"

    def labels(self) -> list[str]:
        return [self.name(i) for i in range(len(self.vectors))]

    def renamed(self, index: int, name: str) -> Directions:
        """A copy with direction ``index`` called ``name`` (blank: its default name)."""
        names = list(self.names) + [""] * max(0, len(self.vectors) - len(self.names))
        names[index] = name.strip()
        return replace(self, names=tuple(names))

    def save(self, path: str | os.PathLike[str]) -> None:
        from ganstudio.core.export import atomic_write

        meta = {
            "format": DIRECTIONS_FORMAT,
            "names": self.labels(),
            "weights_hash": self.weights_hash,
        }
        with atomic_write(path) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                vectors=self.vectors.astype(np.float32),
                explained=self.explained.astype(np.float32),
                layer=np.frombuffer(self.layer.encode() or b" ", dtype=np.uint8),
                # JSON as bytes: readable without pickle, and by version-1 readers, who skip it
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Directions:
        """Read a file :meth:`save` wrote, also one of the first format (no names, no hash)."""
        from ganstudio.core.export import FileFormatError

        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as data:
                vectors = np.asarray(data["vectors"], np.float32)
                explained = np.asarray(data["explained"], np.float32)
                layer = bytes(data["layer"]).decode().strip() if "layer" in data.files else ""
                meta = json.loads(bytes(data["meta"]).decode()) if "meta" in data.files else {}
        except (OSError, ValueError, KeyError, UnicodeDecodeError, EOFError, RecursionError) as exc:
            msg = f"{p.name} is not a directions file saved by GAN Studio."
            raise FileFormatError(msg) from exc
        shaped = vectors.ndim == 2 and explained.shape == (len(vectors),)
        if not shaped or not np.all(np.isfinite(vectors)):
            raise FileFormatError(f"{p.name} holds directions of inconsistent shapes.")
        names = meta.get("names", []) if isinstance(meta, dict) else []
        return cls(
            vectors=vectors,
            explained=explained,
            layer=layer,
            names=tuple(str(n) for n in names[: len(vectors)]),
            weights_hash=str(meta.get("weights_hash", "")) if isinstance(meta, dict) else "",
        )


# Module types whose output ends a block: where GANSpace's layers are read.
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.ELU, nn.Tanh)


def _pick_layer(generator: nn.Module) -> tuple[str, nn.Module]:
    """An early layer with a rich, spatially global code: the first activation's output.

    GANSpace takes the first linear/convolutional block for BigGAN-like models;
    the first nonlinearity's output is that block's activation.
    """
    leaves = [(n, m) for n, m in generator.named_modules() if n and not list(m.children())]
    for name, mod in leaves:
        if isinstance(mod, ACTIVATIONS):
            return name, mod
    if leaves:
        return leaves[0]
    return "", generator


# Activations kept for one search (256 MB of float32): a wider layer is read on fewer samples.
PCA_MAX_VALUES = 2**26


def pca_directions(
    generator: nn.Module,
    n_samples: int,
    k: int,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    seed: int = 0,
    layer: str | None = None,
    batch: int = 128,
    label: int | None = None,
) -> Directions:
    """Principal directions as GANSpace finds them (for a conditional generator, of the
    class ``label``: the layer's activations differ from class to class).

    Sample ``n_samples`` latents, record an intermediate layer's activations,
    take their top ``k`` principal components, then regress the PCA
    coordinates back to z: each direction is the z-space vector that moves the
    activations along one component, normalised to unit length.

    ``layer`` names a module of the generator (see ``directions.direction_layers``),
    :data:`Z_LAYER` for the PCA of z itself, or None for an early activation. A layer
    wider than ``PCA_MAX_VALUES / n_samples`` values is read on fewer samples (at
    least 4k + 32), so that the search fits in memory.
    """
    dim = int(generator.latent_dim)
    name, module = _resolve_layer(generator, layer)
    captured: list[torch.Tensor] = []
    me = threading.get_ident()

    def hook(_m: nn.Module, _i: object, out: torch.Tensor) -> None:
        # Another thread (a renderer) may run the same generator meanwhile: leave it alone.
        if threading.get_ident() != me:
            return
        captured.append(out.flatten(1).float().clone())
        raise _LayerReached  # the rest of the forward pass is not needed

    handle = module.register_forward_hook(hook) if module is not None else None
    z_all = sample_z(seed, n_samples, dim)
    n_use = int(n_samples)
    steps = -(-n_use // batch) + 1
    try:
        with torch.inference_mode():
            i, start = 0, 0
            while start < n_use:
                if should_stop is not None and should_stop():
                    raise Cancelled("direction search cancelled")
                chunk = z_all[start : start + batch]
                if module is None:
                    captured.append(chunk.clone())
                else:
                    try:
                        generate(generator, chunk, label=label, batch=len(chunk))
                    except _LayerReached:
                        pass
                if i == 0 and captured:
                    width = captured[0].shape[1]
                    n_use = min(n_use, max(PCA_MAX_VALUES // max(1, width), 4 * k + 32))
                    steps = -(-n_use // batch) + 1
                i, start = i + 1, start + batch
                if progress is not None:
                    progress(min(i, steps - 1), steps)
    finally:
        if handle is not None:
            handle.remove()
    if not captured:
        raise ValueError(f"The layer '{name}' does not run when the generator makes an image.")
    z_all = z_all[:n_use]
    x = torch.cat(captured)[:n_use]
    x = x - x.mean(0, keepdim=True)
    n = max(1, len(x) - 1)
    total_var = x.pow(2).sum() / n
    k = max(1, min(k, x.shape[0] - 1, x.shape[1]))
    s, comps = _top_components(x, k, seed)  # (k,), (D, k)
    explained = (s**2 / n) / total_var.clamp_min(1e-12)
    coords = x @ comps  # (N, k)
    # Least squares z ≈ coords @ U; the rows of U are the z-space directions.
    sol = torch.linalg.lstsq(coords, z_all - z_all.mean(0, keepdim=True)).solution  # (k, dim)
    vectors = sol / sol.norm(dim=1, keepdim=True).clamp_min(1e-12)
    # A fixed sign per direction so that cached and fresh results agree.
    signs = torch.sign(vectors[torch.arange(k), vectors.abs().argmax(1)])
    vectors = vectors * signs[:, None]
    if progress is not None:
        progress(steps, steps)
    return Directions(
        vectors.numpy().astype(np.float32), explained.numpy().astype(np.float32), name
    )


def _resolve_layer(generator: nn.Module, layer: str | None) -> tuple[str, nn.Module | None]:
    """(name, module) for a layer name; the module is None for :data:`Z_LAYER`."""
    if layer == Z_LAYER:
        return Z_LAYER, None
    if not layer:
        return _pick_layer(generator)
    modules = dict(generator.named_modules())
    if layer not in modules:
        raise ValueError(f"The generator has no layer '{layer}' to take directions from.")
    return layer, modules[layer]


class _LayerReached(Exception):
    pass


def _top_components(x: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomised SVD of centred x (N, D): top k singular values and right vectors (D, k).

    Uses its own random generator, never the global one another thread may be training with.
    """
    q = min(k + 10, *x.shape)
    gen = torch.Generator().manual_seed(seed + 1)
    y = x @ torch.randn(x.shape[1], q, generator=gen)
    for _ in range(4):
        y = torch.linalg.qr(y).Q
        y = x @ (x.T @ y)
    basis = torch.linalg.qr(y).Q  # (N, q)
    _ub, s, vh = torch.linalg.svd(basis.T @ x, full_matrices=False)
    return s[:k], vh[:k].T


# ---------------------------------------------------------------- projection


@dataclass(frozen=True)
class Projection:
    z: torch.Tensor  # (dim,)
    image: torch.Tensor  # (C, H, W) in [-1, 1]
    error: float  # mean squared pixel error on the [-1, 1] scale


def project(
    generator: nn.Module,
    target: torch.Tensor,
    steps: int,
    lr: float,
    seed: int,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    starts: int = 16,
    label: int | None = None,
    on_step: Callable[[torch.Tensor], None] | None = None,
) -> Projection:
    """Find z whose image matches ``target`` (C, H, W) in [-1, 1] with Adam on the pixel MSE.

    The search starts from the best of ``starts`` seeded samples; only z is
    optimised, the generator's weights get no gradients. ``label``: the class a conditional
    generator draws; ``on_step(z)`` sees each step's z (1, dim), e.g. for a video.
    """
    dim = int(generator.latent_dim)
    tgt = torch.as_tensor(target, dtype=torch.float32)
    if tgt.ndim == 3:
        tgt = tgt[None]
    expected = tuple(generator.sample_shape)
    if tuple(tgt.shape[1:]) != expected:
        raise ValueError(f"target is shaped {tuple(tgt.shape[1:])}, the generator makes {expected}")
    candidates = sample_z(seed, max(1, starts), dim)
    with torch.inference_mode():
        errs = (generate(generator, candidates, label=label) - tgt).pow(2).flatten(1).mean(1)
    z = candidates[int(errs.argmin())].clone()[None].requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, steps), eta_min=lr * 0.05)
    best_z, best_err = z.detach().clone(), float(errs.min())
    for step in range(int(steps)):
        if should_stop is not None and should_stop():
            raise Cancelled("projection cancelled")
        loss = (generate(generator, z, label=label, grad=True) - tgt).pow(2).mean()
        value = float(loss.detach())
        if value < best_err:
            best_err, best_z = value, z.detach().clone()
        (grad,) = torch.autograd.grad(loss, [z])
        z.grad = grad
        opt.step()
        sched.step()
        if on_step is not None:
            on_step(z.detach().clone())
        if progress is not None:
            progress(step + 1, int(steps))
    with torch.inference_mode():
        image = generate(generator, best_z, label=label)
        err = float((image - tgt).pow(2).mean())
    return Projection(best_z[0].clone(), image[0].clone(), err)
