"""Differentiable augmentation (Zhao et al., 2020, "Differentiable Augmentation for
Data-Efficient GAN Training"): the same random transform family is applied to real and
generated images before D sees them, so D cannot overfit a small dataset."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _color(x: Tensor) -> Tensor:
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) - 0.5)  # brightness
    if x.shape[1] > 1:  # saturation only means something in colour
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) * 2) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) + 0.5) + mean


def _translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    gy = torch.clamp(gy.unsqueeze(0) + dy + 1, 0, h + 1)
    gx = torch.clamp(gx.unsqueeze(0) + dx + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])  # zero border: shifted-in pixels are black
    idx = (gy * (w + 2) + gx).reshape(n, 1, -1).expand(-1, x.shape[1], -1)
    return padded.reshape(n, x.shape[1], -1).gather(2, idx).reshape_as(x)


def _cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    inside = ((gy.unsqueeze(0) - cy).abs() < ch // 2 + 1) & ((gx.unsqueeze(0) - cx).abs() < cw // 2 + 1)
    inside &= ((gy.unsqueeze(0) - cy) >= -(ch // 2)) & ((gx.unsqueeze(0) - cx) >= -(cw // 2))
    inside &= ((gy.unsqueeze(0) - cy) < ch - ch // 2) & ((gx.unsqueeze(0) - cx) < cw - cw // 2)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_POLICIES = {"color": _color, "translation": _translation, "cutout": _cutout}


def diff_augment(x: Tensor, policy: str) -> Tensor:
    for name in (p.strip() for p in policy.split(",")):
        if name:
            x = _POLICIES[name](x)
    return x
