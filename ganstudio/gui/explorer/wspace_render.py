"""W-space work for the explorer's threads: frames, previews and grids in the render worker
(:class:`WRenderMixin`, a base of its RenderWorker), and the longer jobs (directions,
export, projection, latent files) for its TaskRunner. The W logic itself is in
:mod:`ganstudio.core.latent.wspace` and its siblings.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PySide6.QtCore import QMutexLocker

from ganstudio.gui.explorer.job_cache import load_cached, save_cached

ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]

PREVIEW_BUDGET_MS = 50.0  # a drag frame's budget: 20 frames a second
SLOW_PREVIEW = 2.5  # a preview this many times slower than planned: the CPU is contended
GRID_MAX_RES = 64  # grid cells show this block (or the image, if smaller): a few cost seconds


class WFrameRequest(NamedTuple):
    """What the render worker is asked for in W: a state, its directions, and whether it is a
    drag preview (the planned block, enlarged) or the full frame."""

    state: Any  # core.wspace.WState
    directions: Any  # core.wspace_directions.WDirections or None
    preview: bool


class WGridRequest(NamedTuple):
    seeds: list[int]
    state: Any
    directions: Any
    classes: list[int] | None = None  # each cell's class (None: the state's)


class WFrames:
    """One generator's frames, made in the render worker's thread (where the preview plan
    is timed, with that thread's torch settings)."""

    def __init__(self, generator: Any, budget_ms: float | None = None) -> None:
        from ganstudio.core.latent.wspace import WRenderer

        self.generator = generator
        self.renderer = WRenderer(generator)
        self.budget_ms = PREVIEW_BUDGET_MS if budget_ms is None else budget_ms
        self.plan: Any = None  # core.wspace.PreviewPlan, once a drag asked for one
        self.preview_threads = 0  # 0: the plan's count; 1 once previews ran slow on it

    def preview_plan(self) -> Any:
        """Timed on first use, in this thread: one thread and every core, float32 and
        bfloat16, keeping whichever reaches the larger block (then the faster)."""
        if self.plan is None:
            from ganstudio.core.latent.wspace import PRECISIONS, plan_preview

            counts = sorted({1, w_threads()})
            self.plan = plan_preview(self.generator, self.budget_ms, renderer=self.renderer,
                                     threads=counts, precisions=PRECISIONS)
        return self.plan

    def frame(self, request: WFrameRequest, should_stop: StopFn | None) -> tuple[np.ndarray, Any]:
        """The frame as uint8 (r, r, C) and its display QImage (R x R).

        A preview (a drag frame) is the planned block's image, r <= R, rendered with the
        plan's thread count and precision and never abandoned; a smaller one's QImage is
        enlarged smoothly to R, so it takes the full frame's place on screen.
        A full frame (every core) may be abandoned between blocks (core.errors.Interrupted)
        when ``should_stop`` says so.
        """
        full = int(self.generator.img_resolution)
        if request.preview:
            # A drag frame: the planned block (or the whole image, when that fits the budget
            # or the model has no smaller one), with the plan's threads and precision, never
            # abandoned (it is short by plan).
            plan = self.preview_plan()
            threads = self.preview_threads or plan.threads or w_threads()
            _use_threads(threads)
            start = time.perf_counter()
            small = self.renderer.frame(request.state, request.directions,
                                        max_res=plan.resolution, precision=plan.precision)
            took = (time.perf_counter() - start) * 1000.0
            planned = plan.ms_by_res.get(plan.resolution)
            if threads > 1 and planned and took > SLOW_PREVIEW * max(planned, 1.0):
                # Another process took a core: parallel regions now wait for it, and
                # one thread draws drag frames faster than several from here on.
                self.preview_threads = 1
            return small, (enlarged(small, full) if plan.needed else to_display(small))
        _use_threads(self._full_threads())
        frame = self.renderer.frame(request.state, request.directions, should_stop=should_stop)
        return frame, to_display(frame)

    def grid(self, request: WGridRequest, superseded: StopFn) -> tuple[np.ndarray, np.ndarray] | None:
        """Tiles uint8 (N, r, r, C) of each seed shown as the state shows its own seed, and
        their ws flattened (N, num_ws * w_dim) (what a keyframe holds); None if superseded."""
        import torch

        from ganstudio.core.latent.wspace import to_uint8

        G = self.generator
        res = min(int(G.img_resolution), max(GRID_MAX_RES, self._plan_res()))
        classes = request.classes or [request.state.class_index] * len(request.seeds)
        ws = [self.renderer.ws(request.state.with_(seed=int(s), w=None, class_index=k),
                               request.directions)
              for s, k in zip(request.seeds, classes, strict=True)]
        tiles = []
        for start in range(0, len(ws), 4):
            if superseded():
                return None
            batch = torch.cat(ws[start : start + 4])
            tiles.append(to_uint8(self.renderer.images(
                batch, request.state.noise_mode, request.state.noise_seed, res)))
        flat = torch.cat(ws).reshape(len(ws), -1).numpy()
        return np.concatenate(tiles), flat

    def _full_threads(self) -> int:
        """Threads for a full frame: every core, unless drag frames found one thread faster
        (a contended CPU), or the full frame is the drag frame (its plan's count)."""
        plan = self.plan
        if plan is not None and not plan.needed:
            return self.preview_threads or plan.threads or w_threads()
        return self.preview_threads or w_threads()

    def _plan_res(self) -> int:
        return 0 if self.plan is None else int(self.plan.resolution)


def w_threads() -> int:
    """Torch threads for W frames: every core. A StyleGAN2 frame is one long forward pass
    while the GUI thread only paints; z models keep the worker's single thread."""
    return max(1, os.cpu_count() or 1)


class WRenderMixin:
    """The render worker's W requests: a frame (full or drag preview) and a sample grid.

    Uses the worker's ``_submit``, ``_mutex``, ``_pending``, ``_abort``, ``_threads``,
    ``pacer``, ``_waiting_kind``, ``_emit_frame`` and its ``grid_ready`` signal.
    """

    _w_frames: WFrames | None = None

    def request_w(self, request: WFrameRequest) -> int:
        """Render a W state; replaces any pending frame (z or W)."""
        return self._submit("frame", ("w", request))

    def request_grid_w(self, request: WGridRequest) -> int:
        return self._submit("grid", request)

    def w_preview_plan(self) -> Any:
        """The drag preview plan of the current StyleGAN2, once a drag needed one."""
        frames = self._w_frames
        return None if frames is None else frames.plan

    def _w_frames_for(self, generator: Any) -> WFrames:
        frames = self._w_frames
        if frames is None or frames.generator is not generator:
            frames = self._w_frames = WFrames(generator)
        return frames

    def _w_kind(self, request: WFrameRequest) -> str:
        """"preview" for a drag frame (the plan's block, or the whole image when that is the
        plan), else "full"."""
        frames = self._w_frames
        plan = None if frames is None else frames.plan
        return "preview" if request.preview and plan is not None else "full"

    def _frame_superseded(self) -> bool:
        """Between two blocks of a frame: give it up for the newer one waiting?"""
        with QMutexLocker(self._mutex):
            if self._abort:
                return True
        return self.pacer.should_abandon(self._waiting_kind())

    def _render_w_frame(self, generator: Any, request_id: int, request: WFrameRequest) -> None:
        import torch

        from ganstudio.core.errors import Interrupted

        frames = self._w_frames_for(generator)
        planned = frames.plan is not None
        self.pacer.started(self._w_kind(request))
        try:
            frame, image = frames.frame(request, self._frame_superseded)
        except Interrupted:
            return  # a newer frame waits and will be shown soon enough: it is rendered next
        finally:
            torch.set_num_threads(max(1, self._threads))
        self.pacer.finished()
        self._emit_frame(request_id, frame, image)
        if frames.plan is None and self._waiting_kind() is None:
            # Timed now, after the first frame, rather than when the first drag starts.
            frames.preview_plan()
            torch.set_num_threads(max(1, self._threads))
        if not planned and frames.plan is not None:
            self.preview_planned.emit()  # the W panel says what a drag will show

    def _render_w_grid(self, generator: Any, request_id: int, request: WGridRequest) -> None:
        import torch

        def superseded() -> bool:
            with QMutexLocker(self._mutex):
                if self._abort or "grid" in self._pending:
                    return True
                if "frame" in self._pending:  # a drag goes first; this grid comes back after
                    self._pending["grid"] = (request_id, request)
                    return True
                return False

        torch.set_num_threads(w_threads())
        try:
            result = self._w_frames_for(generator).grid(request, superseded)
        finally:
            torch.set_num_threads(max(1, self._threads))
        if result is not None:
            self.grid_ready.emit(request_id, result[0], result[1])


# ---------------------------------------------------------------- jobs for the TaskRunner

W_DIRECTION_SAMPLES = 10_000
W_DIRECTION_COUNT = 16


def w_directions_cache_name(digest: str, n_samples: int, k: int,
                            class_index: int | None = None) -> str:
    """The cache file of one search (a conditional generator's: per class)."""
    cls = "" if class_index is None else f"-class{int(class_index)}"
    return f"{digest}-w{cls}-{n_samples}-{k}.npz"


def w_directions_job(generator: Any, cache_dir: str | None, compute: bool,
                     n_samples: int = W_DIRECTION_SAMPLES, k: int = W_DIRECTION_COUNT,
                     class_index: int | None = None) -> Callable[[ProgressFn, StopFn], Any]:
    """Cached GANSpace directions in W; computed when ``compute``, else None if uncached.
    ``class_index``: a conditional generator's class the random z are mapped with."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import latent
        from ganstudio.core.latent.wspace_directions import WDirections, w_directions

        digest = latent.weights_hash(generator)
        name = w_directions_cache_name(digest, n_samples, k, class_index)
        cache = Path(cache_dir) / name if cache_dir else None
        hit = load_cached(cache, WDirections.load)
        if hit is not None or not compute:
            return hit
        found = w_directions(generator, n_samples, k, progress, stop, weights_hash=digest,
                             class_index=class_index or 0)
        save_cached(found, cache)
        return found

    return job


def w_thumbnails_job(generator: Any, flat_ws: np.ndarray, noise_mode: str = "const",
                     noise_seed: int = 0) -> Callable[[ProgressFn, StopFn], Any]:
    """uint8 thumbnails (N, r, r, C) of flattened ws (N, num_ws * w_dim), at the grid's block."""

    def job(_progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core.latent.wspace import render_ws

        ws = np.asarray(flat_ws, np.float32).reshape(len(flat_ws), generator.num_ws, -1)
        res = min(int(generator.img_resolution), GRID_MAX_RES)
        return render_ws(generator, ws, noise_mode, noise_seed, max_res=res, should_stop=stop)

    return job


def w_export_job(generator: Any, flat_frames: np.ndarray, target: str, fps: float, scale: int,
                 noise_mode: str, noise_seed: int) -> Callable[[ProgressFn, StopFn], Any]:
    """Render every path frame (flattened ws) at full size, then write the animation."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import export
        from ganstudio.core.latent.wspace import render_ws

        n = len(flat_frames)
        ws = np.asarray(flat_frames, np.float32).reshape(n, generator.num_ws, -1)
        frames = render_ws(generator, ws, noise_mode, noise_seed, batch=2,
                           progress=lambda i, _t: progress(i, 2 * n), should_stop=stop)
        return export.save_animation(
            frames, target, fps, progress=lambda i, _t: progress(n + i, 2 * n),
            should_stop=stop, scale=scale, loop=True,
        )

    return job


def w_project_job(generator: Any, target: Any, steps: int, w_plus_steps: int,
                  loss_resolution: int | None) -> Callable[[ProgressFn, StopFn], Any]:
    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core.latent.wspace_project import project_w

        return project_w(generator, target, steps, progress, stop, w_plus_steps=w_plus_steps,
                         loss_resolution=loss_resolution)

    return job


def projection_resolution(generator: Any) -> int | None:
    """The block a projection's loss is computed at: the image up to 256 px, else the 256 px
    block (the skip architecture's image there), so that a step on a CPU stays affordable."""
    res = int(generator.img_resolution)
    return None if res <= 256 else 256


def w_load_job(path: str, generator: Any) -> Callable[[ProgressFn, StopFn], Any]:
    """W latents of a file with thumbnails of its keyframes: (ws, flat keyframes, thumbs,
    the classes it records or None)."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core.latent.wspace_files import load_w_latents

        data = load_w_latents(path, int(generator.num_ws), int(generator.w_dim))
        # the size is spelled out: numpy cannot infer -1 for a file without keyframes
        keys = data["keyframes"].reshape(len(data["keyframes"]),
                                         int(generator.num_ws) * int(generator.w_dim))
        thumbs = w_thumbnails_job(generator, keys)(progress, stop) if len(keys) else []
        return data["ws"], keys, thumbs, data["classes"]

    return job


def to_display(frame: np.ndarray) -> Any:
    from ganstudio.gui.explorer.image import to_display_image

    return to_display_image(frame)


def enlarged(frame: np.ndarray, size: int) -> Any:
    """The display QImage of a preview, smoothly enlarged to ``size`` (Qt's scaler: a few ms
    for 1024 px on one core, where torch's interpolation and conversion take several times
    that)."""
    from PySide6.QtCore import Qt

    return to_display(frame).scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation)


def _use_threads(n: int) -> None:
    """Torch threads for what this thread runs next (the render worker restores its own
    count after each W frame)."""
    import torch

    torch.set_num_threads(max(1, int(n)))
