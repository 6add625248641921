"""`ganstudio project`: find the latent whose image looks like a target picture, as NVIDIA's
projector.py does. StyleGAN models are projected into W (`latent.wspace_project.project_w`,
written as NVIDIA's `projected_w.npz`: ``w`` (1, num_ws, w_dim)); other models into z
(`latent.project`, written as a z latent file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ganstudio.core.errors import UserError

MAX_STEPS = 100_000
MAX_VIDEO_FRAMES = 300  # a longer search is shown every k-th step


def add_parser(sub: argparse._SubParsersAction, model_help: str) -> None:
    p = sub.add_parser("project", help="the latent whose image matches a target image (W for StyleGAN)")
    p.add_argument("checkpoint", help=model_help)
    p.add_argument("target", type=Path, help="the image to match (centre-cropped and resized)")
    p.add_argument("--steps", type=int, default=1000, help="optimisation steps (default 1000)")
    p.add_argument("--seed", type=int, default=303, help="random seed of the search (default 303)")
    p.add_argument("--class", dest="class_index", type=int, help="class of a conditional model")
    p.add_argument("-o", "--out", type=Path, default=Path("projected_w.npz"),
                   help="the latent: .npz (NVIDIA's projected_w.npz; StyleGAN), .npy or .json")
    p.add_argument("--image", type=Path, help="also write the projected image as PNG")
    p.add_argument("--video", type=Path, help="the search as .mp4 or .gif: target beside each step's image")
    p.add_argument("--fps", type=int, default=10, help="video frames per second (default 10)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _check(a: argparse.Namespace, stylegan: bool) -> None:
    suffixes = (".npz", ".npy", ".json") if stylegan else (".npy", ".json")
    if a.out.suffix.lower() not in suffixes:
        kind = "a W latent" if stylegan else "this model's z latent (it has no W space)"
        raise UserError(f"-o {a.out}: {kind} is written as {', '.join(suffixes)}")
    if a.video is not None and a.video.suffix.lower() not in (".mp4", ".gif"):
        raise UserError(f"--video {a.video}: the video must end in .mp4 or .gif")


def run(a: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ganstudio.core.export import (
        FileFormatError,
        image_to_tensor,
        load_image,
        save_animation,
        save_png,
    )
    from ganstudio.core.generate import generate_uint8, is_stylegan, to_uint8

    from .models import class_label, open_model
    from .progress import Bar

    if not 1 <= a.steps <= MAX_STEPS:
        raise UserError(f"--steps {a.steps} is not allowed: choose 1 to {MAX_STEPS}")
    if not 1 <= a.fps <= 120:
        raise UserError(f"--fps {a.fps} is not allowed: choose 1 to 120")
    _check(a, stylegan=True)  # the widest choice, before the slow load; narrowed below
    try:
        rgb = load_image(a.target)
    except FileFormatError as e:
        raise UserError(f"the target {a.target}: {e}") from None
    loaded = open_model(a.checkpoint, quiet=a.quiet)
    if loaded.config.is_toy:
        raise UserError("this generator makes 2-D points, not images: there is nothing to project")
    G = loaded.generator
    stylegan = is_stylegan(G)
    _check(a, stylegan)
    label = class_label(G, a.class_index, note=True)
    channels, res = loaded.config.sample_shape[0], loaded.config.sample_shape[-1]
    target = image_to_tensor(rgb, channels, res)
    classes = None if label is None else [label]  # recorded, so the explorer opens it in that class
    steps: list[torch.Tensor] = []
    keep = steps.append if a.video is not None else None
    bar = Bar("Projecting", quiet=a.quiet)
    try:
        if stylegan:
            from ganstudio.core.latent.wspace_files import save_w_latents
            from ganstudio.core.latent.wspace_project import project_w

            done = project_w(G, target, a.steps, bar, seed=a.seed, class_index=label or 0, on_step=keep)
            space = "w"
            path = save_w_latents(a.out, done.ws, classes=classes)
            error = done.error
        else:
            from ganstudio.core.export import save_latents
            from ganstudio.core.latent import project

            done = project(G, target, a.steps, lr=0.05, seed=a.seed, progress=bar, label=label,
                           on_step=keep)
            space = "z"
            path = save_latents(a.out, done.z.numpy(), classes=classes)
            error = done.error
    finally:
        bar.close()
    print(f"projected {a.target.name} into {loaded.name}'s {space.upper()} space in {a.steps} steps "
          f"(pixel error {error:.4f}) -> {path}")
    if a.image is not None:
        image = to_uint8(done.image)[0]  # the projection's own render of its result
        print(f"projected image -> {save_png(image, a.image)}")
    if a.video is not None:
        every = max(1, -(-len(steps) // MAX_VIDEO_FRAMES))
        shown = steps[every - 1 :: every]
        target_u8 = to_uint8(target)[0]
        frames = [np.concatenate([target_u8, generate_uint8(G, s, space=space, label=label)[0]], axis=1)
                  for s in shown]
        bar = Bar("Video", quiet=a.quiet)
        try:
            out = save_animation(frames, a.video, fps=a.fps, progress=bar)
        finally:
            bar.close()
        print(f"{len(frames)} frames of the search -> {out}")
    return 0
