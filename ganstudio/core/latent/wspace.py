"""Exploring a StyleGAN2 generator in W, its intermediate latent space.

A :class:`WState` says what the explorer shows; :func:`ws_of` turns it into the
per-layer styles ws (1, num_ws, w_dim) that ``G.synthesis`` takes:

1. the base w: the mapping of the seed's z (or an edited w, one vector or one per layer);
2. truncation around ``w_avg``: w_avg + psi (w - w_avg), on every layer;
3. style mixing: layers ``mix_from..mix_to`` take the (truncated) w of ``mix_seed``, as in
   the StyleGAN3 visualizer's mixing widget (Karras et al. 2019, section 3.1);
4. GANSpace directions in W (Härkönen et al. 2020): ``offsets`` (in standard deviations of
   each component) added to layers ``dir_from..dir_to`` only.

A generator here is anything with ``.mapping`` and ``.synthesis`` as in
:mod:`ganstudio.core.models.stylegan2.networks`; it is called only through
:mod:`ganstudio.core.generate` (``map_z`` for a seed's w, ``generate(space="w")`` for images).
While a slider drags, :class:`PreviewPlan` names the largest block whose image
(``generate(..., max_res=block)``) fits the frame budget.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from ganstudio.core.errors import Interrupted  # noqa: F401  (the name frames are abandoned by)
from ganstudio.core.generate import (  # noqa: F401  (names the W tools import from here)
    NOISE_MODES,
    PRECISIONS,
    class_vector,
    generate,
    is_stylegan,
    map_z,
    noise_variant,
    to_uint8,
)
from ganstudio.core.latent import Cancelled, class_label, interpolate_path, sample_z

ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]


# ---------------------------------------------------------------- the explorer's state


@dataclass(frozen=True)
class WState:
    """What the W explorer shows. ``w`` (``(w_dim,)`` or ``(num_ws, w_dim)``) replaces the
    seed's mapping once edited or loaded; ranges are inclusive layer indices into num_ws
    (``None``: the last layer)."""

    seed: int = 0
    w: np.ndarray | None = None
    psi: float = 1.0
    mix_seed: int | None = None  # None: no mixing
    mix_from: int = 0
    mix_to: int | None = None
    offsets: tuple[float, ...] = field(default_factory=tuple)
    dir_from: int = 0
    dir_to: int | None = None
    noise_mode: str = "const"
    noise_seed: int = 0
    # conditional generators only: a class, or a soft row (c_dim,) blending classes (the
    # mapping embeds c linearly, so a soft row blends the classes' embeddings)
    class_index: int | tuple[float, ...] = 0
    max_res: int | None = None  # None: the full image
    # layers from this index on keep their w untruncated, as NVlabs' truncation_cutoff (None: all)
    trunc_cutoff: int | None = None
    # the layers taken from mix_seed when set (any set); None: mix_from..mix_to
    mix_layers: tuple[int, ...] | None = None
    # StyleGAN3's input transform: (tx, ty) in image widths and a rotation in degrees
    transform: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def from_seed(cls, seed: int, psi: float = 1.0, **kw: Any) -> WState:
        return cls(seed=int(seed), psi=float(psi), **kw)

    def with_(self, **changes: Any) -> WState:
        return replace(self, **changes)

    @property
    def edited(self) -> bool:
        return self.w is not None

    def same_as(self, other: object) -> bool:
        """Equal settings and equal w (dataclass equality cannot compare arrays)."""
        if not isinstance(other, WState):
            return False
        if (self.w is None) != (other.w is None):
            return False
        if self.w is not None and not np.array_equal(self.w, other.w):
            return False
        return replace(self, w=None) == replace(other, w=None)

    def mix_range(self, num_ws: int) -> tuple[int, int]:
        return _layer_range(self.mix_from, self.mix_to, num_ws)

    def dir_range(self, num_ws: int) -> tuple[int, int]:
        return _layer_range(self.dir_from, self.dir_to, num_ws)

    def mixed_layers(self, num_ws: int) -> list[int]:
        """The style layers taken from ``mix_seed`` (none without mixing)."""
        if self.mix_seed is None:
            return []
        if self.mix_layers is not None:
            return sorted({int(i) for i in self.mix_layers if 0 <= int(i) < num_ws})
        lo, hi = self.mix_range(num_ws)
        return list(range(lo, hi + 1))

    def truncated_layers(self, num_ws: int) -> int:
        """How many style layers (from the first) truncation moves."""
        return num_ws if self.trunc_cutoff is None else max(0, min(int(self.trunc_cutoff), num_ws))

    def describe(self) -> dict[str, Any]:
        """The settings as plain values (for files and captions; ``w`` left out)."""
        return {
            "seed": None if self.w is not None else int(self.seed),
            "psi": float(self.psi),
            "mix_seed": None if self.mix_seed is None else int(self.mix_seed),
            "mix_from": int(self.mix_from),
            "mix_to": None if self.mix_to is None else int(self.mix_to),
            "offsets": [float(v) for v in self.offsets],
            "dir_from": int(self.dir_from),
            "dir_to": None if self.dir_to is None else int(self.dir_to),
            "noise_mode": self.noise_mode,
            "noise_seed": int(self.noise_seed),
            "class_index": _plain_class(self.class_index),
            "trunc_cutoff": None if self.trunc_cutoff is None else int(self.trunc_cutoff),
            "mix_layers": None if self.mix_layers is None else [int(i) for i in self.mix_layers],
            "transform": [float(v) for v in self.transform],
        }


def _layer_range(lo: int, hi: int | None, num_ws: int) -> tuple[int, int]:
    """Inclusive (first, last), clipped into 0..num_ws-1; an empty range when first > last."""
    last = num_ws - 1 if hi is None else min(int(hi), num_ws - 1)
    return max(0, int(lo)), last


# ---------------------------------------------------------------- from state to ws


def _plain_class(class_index: int | tuple[float, ...]) -> int | list[float]:
    if isinstance(class_index, (tuple, list, np.ndarray)):
        return [float(v) for v in class_index]
    return int(class_index)


def _class_key(class_index: int | tuple[float, ...]) -> int | tuple[float, ...]:
    if isinstance(class_index, (tuple, list, np.ndarray)):
        return tuple(float(v) for v in class_index)
    return int(class_index)


def seed_w(G: nn.Module, seed: int, class_index: int | tuple[float, ...] = 0) -> np.ndarray:
    """The untruncated w (w_dim,) of a seed: the mapping of ``sample_z(seed)`` with the class
    (or the soft row of classes)."""
    ws = map_z(G, sample_z(seed, 1, int(G.z_dim)), label=class_label(class_index))
    return ws[0, 0].cpu().numpy().copy()


def w_avg(G: nn.Module) -> np.ndarray:
    return G.mapping.w_avg.detach().cpu().numpy().astype(np.float32)


WLookup = Callable[[int, int], np.ndarray]


def ws_of(
    G: nn.Module,
    state: WState,
    directions: Any | None = None,
    *,
    w_lookup: WLookup | None = None,
) -> torch.Tensor:
    """The styles (1, num_ws, w_dim) that show ``state``.

    ``directions`` (a :class:`~ganstudio.core.latent.wspace_directions.WDirections`) gives
    ``state.offsets`` their meaning; ``w_lookup(seed, class_index)`` may serve cached
    mappings (default: :func:`seed_w`).
    """
    num_ws, w_dim = int(G.num_ws), int(G.w_dim)
    lookup = w_lookup or (lambda s, k: seed_w(G, s, k))
    base = lookup(state.seed, state.class_index) if state.w is None else np.asarray(state.w)
    ws = _broadcast(base, num_ws, w_dim)
    avg = w_avg(G)
    cut = state.truncated_layers(num_ws)
    if state.psi != 1:
        ws[:cut] = avg + np.float32(state.psi) * (ws[:cut] - avg)
    layers = state.mixed_layers(num_ws)
    if layers:
        other = _broadcast(lookup(state.mix_seed, state.class_index), num_ws, w_dim)
        if state.psi != 1:
            other[:cut] = avg + np.float32(state.psi) * (other[:cut] - avg)
        ws[layers] = other[layers]
    if directions is not None and state.offsets:
        lo, hi = state.dir_range(num_ws)
        k = min(len(state.offsets), len(directions.vectors))
        if k and lo <= hi:
            offs = np.asarray(state.offsets[:k], np.float32) * directions.stds[:k]
            ws[lo : hi + 1] += offs @ directions.vectors[:k].astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(ws, np.float32))[None]


def _broadcast(w: np.ndarray, num_ws: int, w_dim: int) -> np.ndarray:
    w = np.asarray(w, np.float32)
    if w.shape == (w_dim,):
        return np.repeat(w[None], num_ws, axis=0)
    if w.shape == (num_ws, w_dim):
        return w.copy()
    raise ValueError(f"w must be shaped ({w_dim},) or ({num_ws}, {w_dim}), not {w.shape}")


# ---------------------------------------------------------------- synthesis


def style_resolutions(G: nn.Module) -> list[int]:
    """The size (px) of the feature maps each style input of ``G`` modulates, in ws order:
    StyleGAN2's blocks (ws[i] drives a conv of its block; the last w feeds the final toRGB),
    StyleGAN3's layers (ws[0] the input's, then one per layer, each at its output size)."""
    synthesis, full, num_ws = G.synthesis, int(G.img_resolution), int(G.num_ws)
    names = getattr(synthesis, "layer_names", None)
    if names:
        layers = [getattr(synthesis, n) for n in names]
        sizes = [int(getattr(layers[0], "in_size", full))]
        sizes += [int(getattr(layer, "out_size", full)) for layer in layers]
    else:
        sizes = []
        for res in getattr(synthesis, "block_resolutions", ()):
            sizes += [int(res)] * int(getattr(getattr(synthesis, f"b{res}"), "num_conv", 0))
    return (sizes + [full] * num_ws)[:num_ws]


def has_input_transform(G: nn.Module) -> bool:
    """True for a generator whose image can be rotated and translated (StyleGAN3's input)."""
    layer = getattr(getattr(G, "synthesis", None), "input", None)
    buffer = getattr(layer, "transform", None)
    return isinstance(buffer, torch.Tensor) and tuple(buffer.shape) == (3, 3)


def place(G: nn.Module, transform: Sequence[float]) -> None:
    """Rotate and translate what ``G`` draws from now on, (tx, ty, degrees); a generator
    without an input transform draws as it always does."""
    if has_input_transform(G):
        from ganstudio.core.models.stylegan3.transform import set_input_transform

        tx, ty, angle = (float(v) for v in transform)
        set_input_transform(G, tx, ty, angle)


def synthesize(
    G: nn.Module,
    ws: torch.Tensor,
    noise_mode: str = "const",
    noise_seed: int = 0,
    max_res: int | None = None,
    *,
    should_stop: StopFn | None = None,
    precision: str = "float32",
) -> torch.Tensor:
    """Images (N, C, r, r) for ws (N, num_ws, w_dim): :func:`ganstudio.core.generate.generate`
    in W, where noise "random" is always the noise of ``noise_seed`` (a frame can be made
    again). ``should_stop`` may abandon it between blocks (:class:`Interrupted`)."""
    return generate(G, ws, space="w", noise_mode=noise_mode,
                    noise_seed=noise_seed if noise_mode == "random" else None, max_res=max_res,
                    precision=precision, should_stop=should_stop, batch=max(1, len(ws)))


def render(
    G: nn.Module,
    state: WState,
    directions: Any | None = None,
    max_res: int | None = None,
    precision: str = "float32",
) -> np.ndarray:
    """The frame of ``state`` as uint8 (r, r, C); ``max_res`` (else ``state.max_res``) picks a
    smaller block's image (a preview)."""
    res = max_res if max_res is not None else state.max_res
    ws = ws_of(G, state, directions)
    place(G, state.transform)
    return to_uint8(synthesize(G, ws, state.noise_mode, state.noise_seed, res,
                               precision=precision))[0]


class WRenderer:
    """Renders states of one generator, keeping the mappings of recent seeds (a drag
    re-renders the same seeds many times; core.generate keeps the seeded noise copies)."""

    def __init__(self, G: nn.Module, cache: int = 64) -> None:
        self.G = G
        self._ws: OrderedDict[tuple[int, Any], np.ndarray] = OrderedDict()
        self._size = cache

    def seed_w(self, seed: int, class_index: int | tuple[float, ...] = 0) -> np.ndarray:
        key = (int(seed), _class_key(class_index))
        if key in self._ws:
            self._ws.move_to_end(key)
            return self._ws[key]
        w = seed_w(self.G, seed, class_index)
        self._ws[key] = w
        while len(self._ws) > self._size:
            self._ws.popitem(last=False)
        return w

    def ws(self, state: WState, directions: Any | None = None) -> torch.Tensor:
        return ws_of(self.G, state, directions, w_lookup=self.seed_w)

    def images(
        self, ws: torch.Tensor, noise_mode: str = "const", noise_seed: int = 0,
        max_res: int | None = None, should_stop: StopFn | None = None,
        precision: str = "float32",
    ) -> torch.Tensor:
        return synthesize(self.G, ws, noise_mode, noise_seed, max_res,
                          should_stop=should_stop, precision=precision)

    def frame(
        self,
        state: WState,
        directions: Any | None = None,
        max_res: int | None = None,
        *,
        size: int | None = None,
        should_stop: StopFn | None = None,
        precision: str = "float32",
    ) -> np.ndarray:
        """uint8 (r, r, C), as :func:`render` makes it; a smaller block's image is enlarged
        to ``size`` when given (:func:`enlarge`), so a preview takes the full frame's place.
        ``should_stop`` may abandon it between blocks (:class:`Interrupted`)."""
        res = max_res if max_res is not None else state.max_res
        ws = self.ws(state, directions)
        place(self.G, state.transform)
        images = self.images(ws, state.noise_mode, state.noise_seed, res, should_stop, precision)
        if size is not None:
            images = enlarge(images, size)
        return to_uint8(images)[0]


def enlarge(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, r, r) -> (N, C, size, size) by bilinear interpolation when r < size: a preview
    block's few pixels shown smooth rather than as a mosaic."""
    if images.shape[-1] >= size:
        return images
    with torch.inference_mode():
        return torch.nn.functional.interpolate(
            images, size=(size, size), mode="bilinear", align_corners=False
        )


# ---------------------------------------------------------------- previews while dragging


@dataclass(frozen=True)
class PreviewPlan:
    """How to render while a slider drags: which block's image, with how many torch threads
    and in which precision; the largest block whose forward pass (median of a few timed runs
    at batch 1) fits ``budget_ms`` with room to spare."""

    resolution: int  # the block rendered while dragging
    full_resolution: int
    budget_ms: float
    ms_by_res: dict[int, float]  # median ms of synthesis(max_res=r) with the chosen setting
    threads: int = 0  # torch threads for previews; 0: as the caller had them
    precision: str = "float32"
    tried: dict[tuple[int, str], dict[int, float]] = field(default_factory=dict)

    @property
    def needed(self) -> bool:
        """False when the whole image fits the budget (no preview: always the full frame)."""
        return self.resolution < self.full_resolution

    def describe(self) -> str:
        times = ", ".join(f"{r} px {ms:.0f} ms" for r, ms in sorted(self.ms_by_res.items()))
        return f"preview {self.resolution} px of {self.full_resolution} px ({times})"


HEADROOM = 0.7  # of the budget left to the forward pass: the rest is ws, conversion and jitter
MORE_THREADS_PENALTY = 1.3  # several threads win a preview only when 1.3x faster than one


def plan_preview(
    G: nn.Module,
    budget_ms: float = 50.0,
    *,
    runs: int = 3,
    warmup: int = 1,
    min_res: int = 16,
    threads: Sequence[int] = (),
    precisions: Sequence[str] = ("float32",),
    renderer: WRenderer | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> PreviewPlan:
    """Time ``synthesis(ws, max_res=r)`` for growing blocks r and keep the largest that fits.

    Timed in the calling thread, for every combination of ``threads`` (torch thread counts;
    none: the caller's) and ``precisions``; the combination reaching the larger block, then
    the faster, is kept; several threads must be 1.3x faster than one, since on a busy
    machine their short parallel regions each wait for a core. bfloat16 convolutions are
    faster only on CPUs that have them. Blocks stop being timed once one is over budget. The preview never goes below
    ``min_res`` (or the image size): a smaller image would tell a person nothing.
    ``architecture="orig"`` (and StyleGAN3's "alias-free") has no image before the last
    block: its plan is the full size, in float32, with the thread count that draws it faster.
    """
    full = int(G.img_resolution)
    whole = getattr(G.synthesis, "architecture", "skip") != "skip"
    if whole:
        precisions = ("float32",)  # the drag frame is the full image: no coarser look of it
    renderer = renderer or WRenderer(G)
    ws = renderer.ws(WState(seed=0))
    floor = min(min_res, full)
    before = torch.get_num_threads()
    results: dict[tuple[int, str], tuple[int, dict[int, float]]] = {}
    try:
        for n in threads or (0,):
            if n:
                torch.set_num_threads(int(n))
            for precision in precisions:
                results[(int(n), precision)] = (
                    (full, {full: _time_frame(renderer, ws, None, runs, warmup, clock, precision)})
                    if whole else
                    _time_blocks(renderer, ws, budget_ms, floor, runs, warmup, clock, precision))
    finally:
        torch.set_num_threads(before)

    def rank(key: tuple[int, str]) -> tuple[int, float]:
        res, times = results[key]
        # More threads must be clearly faster to be kept: when another process takes a core,
        # every parallel region waits for it, and a 25 ms frame can take 800 ms.
        return res, -times.get(res, 0.0) * (MORE_THREADS_PENALTY if key[0] > 1 else 1.0)

    best = max(results, key=rank)
    chosen, times = results[best]
    tried = {key: t for key, (_r, t) in results.items()}
    return PreviewPlan(min(chosen, full), full, float(budget_ms), times, best[0], best[1], tried)


def _time_blocks(
    renderer: WRenderer, ws: torch.Tensor, budget_ms: float, floor: int, runs: int,
    warmup: int, clock: Callable[[], float], precision: str,
) -> tuple[int, dict[int, float]]:
    chosen = floor
    times: dict[int, float] = {}
    for res in (int(r) for r in renderer.G.synthesis.block_resolutions):
        times[res] = _time_frame(renderer, ws, res, runs, warmup, clock, precision)
        if times[res] <= budget_ms * HEADROOM:
            chosen = max(chosen, res)
        elif res >= floor:
            break
    return chosen, times


def _time_frame(renderer: WRenderer, ws: torch.Tensor, res: int | None, runs: int, warmup: int,
                clock: Callable[[], float], precision: str) -> float:
    """Median ms of the image of block ``res`` (None: the full image)."""
    for _ in range(max(0, warmup)):
        renderer.images(ws, max_res=res, precision=precision)
    samples = []
    for _ in range(max(1, runs)):
        t0 = clock()
        renderer.images(ws, max_res=res, precision=precision)
        samples.append((clock() - t0) * 1000.0)
    samples.sort()
    return samples[len(samples) // 2]


# ---------------------------------------------------------------- interpolation and export


def interpolate_ws(
    keyframes: np.ndarray | Sequence[np.ndarray], frames_per_segment: int, loop: bool = False
) -> np.ndarray:
    """(K, num_ws, w_dim) keyframes -> (F, num_ws, w_dim), linearly.

    Only lerp: slerp keeps the norm of Gaussian z, whose samples lie near a sphere; w has no
    such shell (the mapping's output is not isotropic), so the straight line is the path.
    """
    keys = np.asarray(keyframes, np.float32)
    if keys.ndim != 3 or keys.shape[0] < 1:
        raise ValueError("keyframes must be shaped (K, num_ws, w_dim) with K >= 1")
    k, num_ws, w_dim = keys.shape
    flat = interpolate_path(keys.reshape(k, -1), frames_per_segment, "lerp", loop)
    return flat.numpy().reshape(-1, num_ws, w_dim)


def render_ws(
    G: nn.Module,
    ws: np.ndarray | torch.Tensor,
    noise_mode: str = "const",
    noise_seed: int = 0,
    *,
    batch: int = 4,
    max_res: int | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    renderer: WRenderer | None = None,
) -> np.ndarray:
    """uint8 (F, H, W, C) frames of ws (F, num_ws, w_dim), in small batches."""
    arr = torch.as_tensor(np.asarray(ws, np.float32))
    renderer = renderer or WRenderer(G)
    out = []
    n = len(arr)
    for start in range(0, n, max(1, batch)):
        if should_stop is not None and should_stop():
            raise Cancelled("rendering cancelled")
        out.append(to_uint8(renderer.images(arr[start : start + batch], noise_mode, noise_seed,
                                            max_res)))
        if progress is not None:
            progress(min(n, start + batch), n)
    return np.concatenate(out) if out else np.zeros((0, 1, 1, 3), np.uint8)


def export_interpolation(
    G: nn.Module,
    keyframes: np.ndarray,
    path: Any,
    frames_per_segment: int,
    fps: float,
    *,
    loop: bool = False,
    noise_mode: str = "const",
    noise_seed: int = 0,
    scale: int = 1,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Any:
    """Render the lerp path through ``keyframes`` (K, num_ws, w_dim) and write it as .gif,
    .mp4 or a .png strip (export.save_animation); progress covers both halves."""
    from ganstudio.core.export import save_animation

    frames_ws = interpolate_ws(keyframes, frames_per_segment, loop)
    n = len(frames_ws)

    def first(i: int, _t: int) -> None:
        if progress is not None:
            progress(i, 2 * n)

    frames = render_ws(G, frames_ws, noise_mode, noise_seed, progress=first,
                       should_stop=should_stop)
    return save_animation(
        frames, path, fps,
        progress=None if progress is None else (lambda i, _t: progress(n + i, 2 * n)),
        should_stop=should_stop, scale=scale, loop=loop,
    )
