"""Projecting a real image into W: find the w whose image looks like it.

The search follows NVlabs' stylegan2-ada-pytorch `projector.py` (Karras et al. 2020): start
at w_avg, optimise one w broadcast to every layer with Adam, a learning rate that ramps up
over the first 5% of the steps and down (cosine) over the last 25%, and Gaussian noise on w
(5% of w's spread, fading out over the first 75%) so the early steps explore. An optional
second phase ("W+") then frees each layer's w.

Their loss is the LPIPS distance on VGG16 features; pretrained weights are not available
offline here, so the loss is ours, all computable without any download:

- pixel MSE;
- an L1 pyramid: the mean absolute difference at full, 1/2, 1/4 and 1/8 size, so coarse
  structure (pose, layout, colour) is matched before texture;
- a random-feature perceptual term: the normalised squared difference of the activations of
  a small convolutional network with fixed random weights. Random convolutional features
  already capture much of an image's structure and texture (He, Wang and Hopcroft 2016, "A
  Powerful Generative Model Using Random Weights for the Deep Image Representation";
  Ustyuzhaninov et al. 2017, "What does it take to generate natural textures?"). It is a
  weaker prior than LPIPS: expect a projection that matches layout and colour well and fine
  detail less well than NVlabs' projector does.

Noise inputs stay constant (``noise_mode="const"``), so they are not optimised and need no
regulariser. On a CPU a step costs about three forward passes; ``loss_resolution`` computes
the loss on a smaller block's image (the skip architecture's preview) to go faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganstudio.core.generate import generate, map_z
from ganstudio.core.latent import Cancelled, ProgressFn, StopFn, class_label, sample_z

LR_RAMPUP = 0.05
LR_RAMPDOWN = 0.25
NOISE_FACTOR = 0.05
NOISE_RAMP = 0.75


@dataclass(frozen=True)
class LossWeights:
    pixel: float = 1.0
    pyramid: float = 1.0
    features: float = 0.5


@dataclass(frozen=True)
class WProjection:
    ws: np.ndarray  # (num_ws, w_dim): renders the result (one w repeated unless W+)
    w: np.ndarray  # (w_dim,): the single w the W phase found
    image: torch.Tensor  # (C, H, W) in about [-1, 1], full size
    error: float  # pixel MSE against the target at full size, [-1, 1] scale
    start_error: float  # the same for w_avg's image, where the search started
    loss_resolution: int
    w_plus: bool


class RandomFeatures(nn.Module):
    """Three 3x3 conv + ReLU stages (32, 64, 128 channels, average-pooled between them) with
    fixed He-initialised random weights; returns each stage's activations."""

    def __init__(self, channels: int = 3, seed: int = 1234) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        widths = [channels, 32, 64, 128]
        self.weights = []
        for cin, cout in zip(widths[:-1], widths[1:], strict=True):
            w = torch.randn(cout, cin, 3, 3, generator=gen) * math.sqrt(2.0 / (cin * 9))
            self.weights.append(w)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for i, w in enumerate(self.weights):
            if i:
                x = F.avg_pool2d(x, 2)
            x = F.relu(F.conv2d(x, w, padding=1))
            feats.append(x)
        return feats


def _pyramid_l1(a: torch.Tensor, b: torch.Tensor, levels: int = 4) -> torch.Tensor:
    total = a.new_zeros(())
    used = 0
    for i in range(levels):
        if i:
            if a.shape[-1] < 8:
                break
            a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
        total = total + (a - b).abs().mean()
        used += 1
    return total / used


def _feature_distance(fa: list[torch.Tensor], fb: list[torch.Tensor]) -> torch.Tensor:
    out = fa[0].new_zeros(())
    for a, b in zip(fa, fb, strict=True):
        out = out + (a - b).square().mean() / (b.square().mean() + 1e-8)
    return out / len(fa)


def _lr_at(t: float, lr: float) -> float:
    ramp = min(1.0, (1.0 - t) / LR_RAMPDOWN)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / LR_RAMPUP)
    return lr * ramp


def project_w(
    G: nn.Module,
    target: torch.Tensor,
    steps: int = 200,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    w_plus_steps: int = 0,
    lr: float = 0.1,
    loss_resolution: int | None = None,
    weights: LossWeights = LossWeights(),
    seed: int = 0,
    n_stats: int = 10_000,
    class_index: int = 0,
    on_step: Callable[[torch.Tensor], None] | None = None,
) -> WProjection:
    """Project ``target`` (C, R, R) in [-1, 1], R the generator's resolution, into W.

    ``steps`` optimise one w (all layers), then ``w_plus_steps`` each layer's own. The loss
    is computed at ``loss_resolution`` (a block size; default the full image) against the
    target shrunk by area averaging. ``on_step(ws)`` sees each step's styles (1, num_ws,
    w_dim) (without the exploration noise), e.g. for a video. Raises :class:`~ganstudio.core.latent.Cancelled`
    when ``should_stop`` says so.
    """
    res = int(G.img_resolution)
    tgt = torch.as_tensor(target, dtype=torch.float32)
    if tgt.ndim == 3:
        tgt = tgt[None]
    expected = (int(G.img_channels), res, res)
    if tuple(tgt.shape[1:]) != expected:
        raise ValueError(f"target is shaped {tuple(tgt.shape[1:])}, the generator makes {expected}")
    loss_res = res if loss_resolution is None else int(loss_resolution)
    if loss_res not in G.synthesis.block_resolutions or (
        getattr(G.synthesis, "architecture", "skip") != "skip"
    ):
        loss_res = res
    max_res = None if loss_res == res else loss_res
    tgt_small = tgt if max_res is None else F.interpolate(tgt, size=(loss_res, loss_res), mode="area")
    feats = RandomFeatures(tgt.shape[1])
    with torch.no_grad():
        tgt_feats = feats(tgt_small)

    num_ws = int(G.num_ws)
    with torch.inference_mode():
        samples = map_z(G, sample_z(seed, n_stats, int(G.z_dim)), label=class_label(class_index))[:, 0]
        avg = G.mapping.w_avg.detach().float().clone()
        w_std = float(((samples - avg).square().sum() / n_stats).sqrt())
    start_img = generate(G, avg[None], space="w")
    start_error = float((start_img - tgt).square().mean())

    def loss_of(ws: torch.Tensor) -> torch.Tensor:
        img = generate(G, ws, space="w", max_res=max_res, grad=True)
        return (
            weights.pixel * (img - tgt_small).square().mean()
            + weights.pyramid * _pyramid_l1(img, tgt_small)
            + weights.features * _feature_distance(feats(img), tgt_feats)
        )

    total = int(steps) + int(w_plus_steps)
    gen = torch.Generator().manual_seed(seed + 1)
    w_opt = avg.clone()[None].requires_grad_(True)  # (1, w_dim)
    opt = torch.optim.Adam([w_opt], lr=lr, betas=(0.9, 0.999))
    done = 0
    for step in range(int(steps)):
        if should_stop is not None and should_stop():
            raise Cancelled("projection cancelled")
        t = step / max(1, int(steps))
        for group in opt.param_groups:
            group["lr"] = _lr_at(t, lr)
        noise_scale = w_std * NOISE_FACTOR * max(0.0, 1.0 - t / NOISE_RAMP) ** 2
        noise = torch.randn(w_opt.shape, generator=gen) * noise_scale
        ws = (w_opt + noise)[:, None].repeat(1, num_ws, 1)
        loss = loss_of(ws)
        (grad,) = torch.autograd.grad(loss, [w_opt])
        w_opt.grad = grad
        opt.step()
        done += 1
        if on_step is not None:
            on_step(w_opt.detach()[:, None].repeat(1, num_ws, 1))
        if progress is not None:
            progress(done, total)
    w_final = w_opt.detach()[0].clone()
    ws_final = w_final[None, None].repeat(1, num_ws, 1)

    if w_plus_steps > 0:
        ws_opt = ws_final.clone().requires_grad_(True)
        opt = torch.optim.Adam([ws_opt], lr=lr * 0.1, betas=(0.9, 0.999))
        for step in range(int(w_plus_steps)):
            if should_stop is not None and should_stop():
                raise Cancelled("projection cancelled")
            for group in opt.param_groups:
                group["lr"] = _lr_at(step / int(w_plus_steps), lr * 0.1)
            loss = loss_of(ws_opt)
            (grad,) = torch.autograd.grad(loss, [ws_opt])
            ws_opt.grad = grad
            opt.step()
            done += 1
            if on_step is not None:
                on_step(ws_opt.detach().clone())
            if progress is not None:
                progress(done, total)
        ws_final = ws_opt.detach().clone()

    image = generate(G, ws_final, space="w")
    error = float((image - tgt).square().mean())
    return WProjection(
        ws=ws_final[0].numpy().copy(),
        w=w_final.numpy().copy(),
        image=image[0].clone(),
        error=error,
        start_error=start_error,
        loss_resolution=loss_res,
        w_plus=w_plus_steps > 0,
    )
