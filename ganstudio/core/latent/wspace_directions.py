"""GANSpace directions in W (Härkönen et al. 2020, "GANSpace: Discovering Interpretable GAN
Controls", section 2): the principal components of w = mapping(z) over many random z.

For StyleGAN the paper takes PCA directly in W, which is cheap: only the mapping network
runs. Each component comes with the standard deviation of w along it, so an offset of 1 moves
w by one standard deviation; the explorer applies the offsets to a layer range only, as the
paper's edits do (e.g. layers 0-3 for pose, the later ones for colour and lighting).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ganstudio.core.generate import map_z
from ganstudio.core.latent import (
    DIRECTIONS_FORMAT,
    Cancelled,
    Directions,
    ProgressFn,
    StopFn,
    class_label,
    sample_z,
)
from ganstudio.core.latent.wspace import WRenderer, WState, to_uint8

W_LAYER = "mapping"  # the `layer` a W direction file names: the mapping network's output


@dataclass(frozen=True)
class WDirections(Directions):
    """Unit directions in W (k, w_dim), best first; ``explained`` each one's share of the
    variance of w; ``stds`` the standard deviation of w along each (the offsets' unit).

    Saved with the keys of :class:`~ganstudio.core.latent.Directions` (so that reader opens
    it too) plus ``stds`` and ``space`` = "w".
    """

    stds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def save(self, path: str | os.PathLike[str]) -> None:
        from ganstudio.core.export import atomic_write

        meta = {
            "format": DIRECTIONS_FORMAT,
            "names": self.labels(),
            "weights_hash": self.weights_hash,
            "space": "w",
        }
        with atomic_write(path) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                vectors=self.vectors.astype(np.float32),
                explained=self.explained.astype(np.float32),
                layer=np.frombuffer((self.layer or W_LAYER).encode(), dtype=np.uint8),
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                stds=self.stds.astype(np.float32),
                space=np.frombuffer(b"w", dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WDirections:
        """Read a file :meth:`save` wrote; a z directions file is refused with a sentence."""
        from ganstudio.core.export import FileFormatError

        p = Path(path)
        base = Directions.load(p)  # names, hash and shape checks as for z directions
        try:
            with np.load(p, allow_pickle=False) as data:
                space = bytes(data["space"]) if "space" in data.files else b""
                stds = np.asarray(data["stds"], np.float32) if "stds" in data.files else None
        except (OSError, ValueError, KeyError) as exc:
            raise FileFormatError(f"{p.name} is not a directions file saved by GAN Studio.") from exc
        if stds is None or space != b"w":
            raise FileFormatError(
                f"{p.name} holds directions in z, not in W; find W directions for a "
                "StyleGAN2 model with 'Find directions'."
            )
        if stds.shape != (len(base.vectors),):
            raise FileFormatError(f"{p.name} holds directions of inconsistent shapes.")
        return cls(**{f.name: getattr(base, f.name) for f in fields(Directions)}, stds=stds)


def w_directions(
    G: nn.Module,
    n_samples: int = 10_000,
    k: int = 16,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    seed: int = 0,
    batch: int = 1000,
    class_index: int = 0,
    weights_hash: str = "",
) -> WDirections:
    """The top ``k`` principal components of w over ``n_samples`` mapped random z.

    PCA from the w_dim x w_dim covariance (exact, by eigendecomposition); signs fixed so the
    largest entry of each direction is positive, so that a recomputation agrees.
    """
    z_dim, w_dim = int(G.z_dim), int(G.w_dim)
    n_samples = max(2, int(n_samples))
    z_all = sample_z(seed, n_samples, z_dim)
    steps = -(-n_samples // batch)
    chunks = []
    with torch.inference_mode():
        for i, start in enumerate(range(0, n_samples, batch)):
            if should_stop is not None and should_stop():
                raise Cancelled("direction search cancelled")
            z = z_all[start : start + batch]
            ws = map_z(G, z, label=class_label(class_index))
            chunks.append(ws[:, 0].double())
            if progress is not None:
                progress(i + 1, steps + 1)
        x = torch.cat(chunks)
        x = x - x.mean(0, keepdim=True)
        cov = x.T @ x / (len(x) - 1)
        evals, evecs = torch.linalg.eigh(cov)  # ascending
    k = max(1, min(int(k), w_dim))
    evals = evals.flip(0).clamp_min(0)
    vectors = evecs.flip(1)[:, :k].T.contiguous()  # (k, w_dim), unit rows
    signs = torch.sign(vectors[torch.arange(k), vectors.abs().argmax(1)])
    vectors = vectors * signs[:, None]
    explained = evals[:k] / evals.sum().clamp_min(1e-12)
    if progress is not None:
        progress(steps + 1, steps + 1)
    return WDirections(
        vectors=vectors.float().numpy(),
        explained=explained.float().numpy(),
        layer=W_LAYER,
        weights_hash=weights_hash,
        stds=evals[:k].sqrt().float().numpy(),
    )


def direction_strip(
    G: nn.Module,
    state: WState,
    directions: WDirections,
    index: int,
    sigmas: tuple[float, ...] = (-2.0, -1.0, 0.0, 1.0, 2.0),
    *,
    renderer: WRenderer | None = None,
) -> np.ndarray:
    """uint8 (H, W, C): ``state`` moved along component ``index`` by each of ``sigmas``
    (added to the state's own offset), in one row, as GANSpace's figures show a component."""
    from ganstudio.core.export import make_grid

    renderer = renderer or WRenderer(G)
    base = list(state.offsets) + [0.0] * max(0, index + 1 - len(state.offsets))
    ws = []
    for s in sigmas:
        offs = list(base)
        offs[index] += float(s)
        ws.append(renderer.ws(state.with_(offsets=tuple(offs)), directions))
    with torch.inference_mode():
        images = renderer.images(torch.cat(ws), state.noise_mode, state.noise_seed)
    return make_grid(to_uint8(images), nrow=len(sigmas))


def as_w_directions(directions: Any) -> WDirections | None:
    """``directions`` if it is a W set, else None (z directions do not apply in W)."""
    return directions if isinstance(directions, WDirections) else None
