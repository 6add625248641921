"""`ganstudio sample`: images of a model, like NVIDIA's gen_images.py (one PNG per seed), or a
grid. Works for every model the app opens; StyleGAN truncation pulls w towards w_avg, other
models' truncation pulls z towards 0 (core.generate decides)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ganstudio.core.errors import UserError

MAX_SAMPLES = 1024


def add_parser(sub: argparse._SubParsersAction, model_help: str) -> None:
    s = sub.add_parser("sample", help="images of a model: one PNG per seed (--outdir) and/or a grid (-o)")
    s.add_argument("checkpoint", help=model_help)
    s.add_argument("--seeds", help="seeds as NVIDIA's scripts take them: 0-7 or 0,3,5-7 (at most "
                                   f"{MAX_SAMPLES}); GAN Studio's seeds, the explorer's")
    s.add_argument("--z-file", type=Path, help="a .npy of latents z (N, z_dim) to draw instead of seeds")
    s.add_argument("-n", type=int, default=64, help="without --seeds: number of samples drawn from --seed (default 64)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--truncation", type=float, default=1.0, help="truncation psi (default 1)")
    s.add_argument("--noise-mode", choices=("const", "random", "none"), default="const",
                   help="StyleGAN noise inputs (default const)")
    s.add_argument("--class", dest="class_index", type=int, help="class of a conditional model")
    s.add_argument("--outdir", type=Path, help="write one PNG per seed (seed0000.png, ...) here")
    s.add_argument("-o", "--out", type=Path, help="the grid as PNG (default samples.png unless --outdir)")


def _z_file(path: Path, dim: int):
    import numpy as np
    import torch

    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UserError(f"--z-file {path} is not a .npy array of latents ({e})") from None
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != dim or not 1 <= len(z) <= MAX_SAMPLES:
        raise UserError(f"--z-file {path} holds an array shaped {z.shape}; this model needs "
                        f"(N, {dim}) with N from 1 to {MAX_SAMPLES}")
    if not np.isfinite(z).all():
        raise UserError(f"--z-file {path} holds values that are not finite numbers")
    return torch.as_tensor(z, dtype=torch.float32)


def run(a: argparse.Namespace) -> int:
    import torch

    from ganstudio.core.export import make_grid, save_png
    from ganstudio.core.generate import generate_uint8
    from ganstudio.core.latent import sample_z

    from .models import class_label, open_model
    from .ranges import parse_seeds

    if a.seeds is not None and a.z_file is not None:
        raise UserError("give --seeds or --z-file, not both")
    seeds = parse_seeds(a.seeds, "--seeds", limit=MAX_SAMPLES) if a.seeds is not None else None
    if seeds is None and a.z_file is None and not 1 <= a.n <= MAX_SAMPLES:
        raise UserError(f"-n {a.n} is not allowed: choose 1 to {MAX_SAMPLES} samples")
    if a.outdir is not None and seeds is None and a.z_file is None:
        raise UserError("--outdir writes one PNG per seed: give --seeds (or --z-file) with it")
    loaded = open_model(a.checkpoint)
    if loaded.config.is_toy:
        raise UserError("this generator makes 2-D points, not images; open it in the app to see them")
    G, dim = loaded.generator, int(loaded.config.model.latent_dim)
    label = class_label(G, a.class_index, note=True)
    if seeds is not None:
        dist = loaded.config.model.latent_dist
        z = torch.cat([sample_z(s, 1, dim, dist) for s in seeds])
        names = [f"seed{s:04d}.png" for s in seeds]
    elif a.z_file is not None:
        z = _z_file(a.z_file, dim)
        names = [f"z{i:04d}.png" for i in range(len(z))]
    else:
        z, names = sample_z(a.seed, a.n, dim, loaded.config.model.latent_dist), []
    images = generate_uint8(G, z, label=label, truncation_psi=a.truncation, noise_mode=a.noise_mode)
    what = f"{len(images)} image{'s' if len(images) > 1 else ''} of {loaded.name}"
    if a.outdir is not None:
        for image, name in zip(images, names):
            save_png(image, a.outdir / name)
        print(f"{what} -> {a.outdir}/{names[0]}{f' ... {names[-1]}' if len(names) > 1 else ''}")
    out = a.out if a.out is not None or a.outdir is not None else Path("samples.png")
    if out is not None:
        path = save_png(make_grid(images, nrow=int(math.ceil(math.sqrt(len(images))))), out)
        print(f"{what} (step {loaded.step}) -> {path}")
    return 0
