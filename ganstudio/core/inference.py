"""A generator made ready for interactive, one-image rendering.

At batch 1 on a CPU a transposed convolution's speed depends on its memory
format: oneDNN's channels-last kernels are several times faster for some
layer shapes (on the shipped 28x28 DCGAN, 0.14 ms against 0.84 ms for the
256->128 layer). Which format wins depends on the machine and the network, so
:func:`for_rendering` times both on the caller's thread and keeps the faster,
as ``torch.backends.cudnn.benchmark`` picks kernels by timing them.

The returned module is a copy: training, projection and export keep using the
original, and both produce the same images (to float rounding).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch
from torch import nn

from ganstudio.core.generate import generate


@dataclass(frozen=True)
class RenderPlan:
    source: nn.Module  # the generator it was made from
    module: nn.Module  # what renders: source itself, or a copy in another memory format
    channels_last: bool
    ms_contiguous: float  # median forward of one image, as loaded (nan: not timed)
    ms_chosen: float  # median forward of one image, as returned (nan: not timed)

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        return generate(self.module, z)


def _has_conv(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.conv._ConvNd) for m in module.modules())


def _median_ms(module: nn.Module, z: torch.Tensor, runs: int, warmup: int = 2) -> float:
    times = []
    for _ in range(warmup):
        generate(module, z)
    for _ in range(runs):
        t0 = time.perf_counter()
        generate(module, z)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1000.0


def for_rendering(generator: nn.Module, runs: int = 15, budget_s: float = 0.3) -> RenderPlan:
    """A copy of ``generator`` (eval mode, CPU) in the faster memory format for one image.

    Timed in the calling thread, so call it where the frames will be rendered.
    The timing takes at most about ``budget_s`` (fewer runs on a slow model);
    a generator without convolutions is returned as it is, untimed.
    """
    if not _has_conv(generator):
        return RenderPlan(generator, generator, False, float("nan"), float("nan"))
    z = torch.randn(1, int(generator.latent_dim), generator=torch.Generator().manual_seed(0))
    first = _median_ms(generator, z, 1, warmup=1)
    runs = max(1, min(runs, int(budget_s * 1000 / 4 / max(first, 1e-3))))
    plain = _median_ms(generator, z, runs)
    # A deep copy keeps the module's own attributes (latent_dim, sample_shape).
    candidate = copy.deepcopy(generator).eval().to(memory_format=torch.channels_last)
    fast = _median_ms(candidate, z, runs)
    plain = min(plain, _median_ms(generator, z, runs))  # the first timing also warmed up
    if fast < plain:
        return RenderPlan(generator, candidate, True, plain, fast)
    return RenderPlan(generator, generator, False, plain, plain)
