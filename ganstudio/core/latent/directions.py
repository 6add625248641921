"""GANSpace tools around :class:`~ganstudio.core.latent.Directions`: which layers PCA can
read, direction files checked against a generator, sweeps along one direction, and the
latents of a sample grid moved by the explorer's offsets.

GANSpace (Härkönen et al., 2020) takes the PCA of an early layer's activations and
regresses it back to z; :func:`ganstudio.core.latent.pca_directions` does that for the
layer chosen here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ganstudio.core.generate import generate
from ganstudio.core.latent import ACTIVATIONS, Z_LAYER, Directions, _pick_layer, sample_z


class DirectionLayer(NamedTuple):
    """A place to take directions from: a module's name, its output per sample, its kind."""

    name: str
    shape: tuple[int, ...]
    kind: str  # "latent", the module's class name, or "output"


def direction_layers(generator: nn.Module) -> list[DirectionLayer]:
    """z itself, then each block's output in the order the forward pass reaches them.

    A block ends at a nonlinearity (ReLU, Tanh, …); a generator without any lists its
    leaf modules, and one without modules (an ONNX model) its output. One forward pass of
    one latent reads the shapes.
    """
    dim = int(generator.latent_dim)
    leaves = [(n, m) for n, m in generator.named_modules() if n and not list(m.children())]
    chosen = [(n, m) for n, m in leaves if isinstance(m, ACTIVATIONS)] or leaves
    found: dict[str, tuple[int, ...]] = {}
    kinds = {n: type(m).__name__ for n, m in chosen}
    me = threading.get_ident()

    def recorder(name: str):  # noqa: ANN202 (a forward hook)
        def hook(_m: nn.Module, _i: object, out: object) -> None:
            # Only this thread's pass: a renderer may use the generator meanwhile.
            if threading.get_ident() == me and isinstance(out, torch.Tensor):
                found.setdefault(name, tuple(int(s) for s in out.shape[1:]))

        return hook

    handles = [m.register_forward_hook(recorder(n)) for n, m in chosen]
    try:
        with torch.inference_mode():
            out = generate(generator, sample_z(0, 1, dim))
    finally:
        for h in handles:
            h.remove()
    layers = [DirectionLayer(Z_LAYER, (dim,), "latent")]
    layers += [DirectionLayer(n, s, kinds[n]) for n, s in found.items()]  # in the order run
    if not chosen:
        layers.append(DirectionLayer("", tuple(int(s) for s in out.shape[1:]), "output"))
    return layers


def default_layer(generator: nn.Module) -> str:
    """The layer a search takes when none is chosen: the first block's output."""
    return _pick_layer(generator)[0]


# ---------------------------------------------------------------- files


def load_directions(
    path: str | os.PathLike[str], latent_dim: int, weights_hash: str = ""
) -> tuple[Directions, str]:
    """Directions from a file, checked against the generator they are to move.

    Returns the directions and a warning ("" if none): directions found for other weights
    still apply when their size fits, but may mean nothing there. A file for another
    latent size, or of W directions, raises FileFormatError.
    """
    from ganstudio.core.export import FileFormatError

    p = Path(path)
    directions = Directions.load(p)
    if _space(p) == "w":
        raise FileFormatError(
            f"{p.name} holds directions in W (a StyleGAN2's mapping output); "
            "these sliders move z."
        )
    if directions.latent_dim != int(latent_dim):
        raise FileFormatError(
            f"{p.name} holds directions for a {directions.latent_dim}-dimensional latent; "
            f"this generator takes {int(latent_dim)}, so they cannot apply."
        )
    warning = ""
    if directions.weights_hash and weights_hash and directions.weights_hash != weights_hash:
        warning = (
            f"{p.name} was made for another generator (other weights). Its directions are "
            "applied, but they may not mean the same here."
        )
    return directions, warning


def _space(path: Path) -> str:
    with np.load(path, allow_pickle=False) as data:
        return bytes(data["space"]).decode(errors="replace") if "space" in data.files else "z"


# ---------------------------------------------------------------- sweeps and grids


def direction_sweep(
    z: np.ndarray | torch.Tensor,
    direction: np.ndarray | torch.Tensor,
    sigma: float,
    steps: int,
    *,
    loop: bool = False,
) -> np.ndarray:
    """(F, dim) latents: ``z`` moved along ``direction`` by ``steps`` even offsets -sigma..+sigma.

    ``loop`` returns to -sigma without repeating either end (F = 2 * steps - 2), so that a
    repeating animation sweeps back and forth evenly.
    """
    zv = np.asarray(z, np.float32).reshape(-1)
    dv = np.asarray(direction, np.float32).reshape(-1)
    if zv.shape != dv.shape:
        raise ValueError(f"z has {zv.size} dimensions and the direction {dv.size}")
    if int(steps) < 2:
        raise ValueError("a sweep needs at least 2 steps")
    if not float(sigma) > 0:
        raise ValueError("the sweep's extent must be > 0")
    t = np.linspace(-float(sigma), float(sigma), int(steps), dtype=np.float32)
    if loop:
        t = np.concatenate([t, t[-2:0:-1]])
    return (zv[None] + t[:, None] * dv[None]).astype(np.float32)


def seeds_latents(
    seeds: Sequence[int],
    dim: int,
    psi: float = 1.0,
    offsets: Sequence[float] = (),
    vectors: np.ndarray | None = None,
) -> np.ndarray:
    """(N, dim): each seed's z, truncated and moved by ``offsets`` along ``vectors``, as
    :meth:`~ganstudio.core.latent.LatentState.effective_z` computes it for one state."""
    z = np.stack([sample_z(int(s), 1, int(dim))[0].numpy() for s in seeds]) * np.float32(psi)
    if vectors is not None and len(offsets):
        k = min(len(offsets), vectors.shape[0])
        if k:
            offs = np.asarray(offsets[:k], np.float32)
            z = z + (offs @ np.asarray(vectors[:k], np.float32))[None]
    return z.astype(np.float32)
