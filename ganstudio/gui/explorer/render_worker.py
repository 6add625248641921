"""The explorer's render thread and the jobs its task runner runs.

:class:`RenderWorker` is one long-lived thread that turns latent states into
images; only the newest pending request of each kind is kept, so a slider
drag never builds a queue (the pattern of Qt's Mandelbrot example), and its
pacing (pacing.py) keeps a drag's frames coming. It is registered with the
app's one quit rule (gui.common.jobs). The longer jobs (a load, a direction
search, a projection, an export) run through :class:`~ganstudio.gui.explorer.tasks.TaskRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QMutex,
    QMutexLocker,
    QObject,
    QThread,
    QWaitCondition,
    Signal,
)

from ganstudio.gui.common.jobs import register_thread
from ganstudio.gui.explorer.image import to_display_image
from ganstudio.gui.explorer.job_cache import load_cached, save_cached
from ganstudio.gui.explorer.pacing import FramePacer
from ganstudio.gui.explorer.wspace_render import WGridRequest, WRenderMixin


def _limit_torch_threads(n: int) -> None:
    # OpenMP thread counts are per calling thread: this leaves training alone.
    import torch

    torch.set_num_threads(max(1, n))


class RenderWorker(WRenderMixin, QThread):
    """Renders the current latent state and sample grids off the GUI thread.

    Signals carry the request id so the GUI can drop frames older than the
    one it shows.
    """

    # request id, uint8 (H, W, C), and that frame as a display QImage built here, so
    # the GUI thread only paints it (a QImage, unlike a QPixmap, may be made off it).
    frame_ready = Signal(int, object, object)
    grid_ready = Signal(int, object, object)  # request id, uint8 (N, H, W, C), z (N, dim)
    failed = Signal(str)
    preview_planned = Signal()  # a W generator's drag plan was timed (w_preview_plan)

    def __init__(self, parent: QObject | None = None, threads: int = 1) -> None:
        super().__init__(parent)
        self.setObjectName("renderWorker")
        self._mutex = QMutex()
        self._condition = QWaitCondition()
        self._pending: dict[str, tuple[int, Any]] = {}
        self._generator: Any = None
        self._directions: np.ndarray | None = None
        self._next_id = 0
        self._abort = False
        self._threads = threads
        # Which frames are given up for newer ones (pacing.py); used in this worker's thread.
        self.pacer = FramePacer()
        self._paced_generator: Any = None
        self._plan: Any = None  # core.inference.RenderPlan of the current generator
        register_thread(self, self.request_stop)

    # ------------------------------------------------------------ GUI thread API
    def set_generator(self, generator: Any) -> int:
        """Use ``generator`` from now on; returns the first request id that uses it."""
        with QMutexLocker(self._mutex):
            self._generator = generator
            self._pending.clear()
            return self._next_id + 1

    def set_directions(self, vectors: np.ndarray | None) -> None:
        with QMutexLocker(self._mutex):
            self._directions = None if vectors is None else np.asarray(vectors, np.float32)

    def request(self, state: Any) -> int:
        """Render a :class:`~ganstudio.core.latent.LatentState`; replaces any pending frame."""
        return self._submit("frame", ("state", state))

    def request_z(self, z: np.ndarray, label: Any = None) -> int:
        """Render one raw latent (dim,), e.g. an interpolation frame; ``label``: a
        conditional generator's class (an index or a soft row), as core.generate takes it."""
        return self._submit("frame", ("z", (np.asarray(z, np.float32), label)))

    def request_grid(self, z: np.ndarray, labels: Any = None) -> int:
        """Render a batch of latents (N, dim) for the sample grid; ``labels``: one class per
        latent for a conditional generator (None: class 0)."""
        return self._submit("grid", (np.asarray(z, np.float32), labels))

    def render_plan(self) -> Any:
        """How frames of the current generator are rendered (a RenderPlan), once one was."""
        with QMutexLocker(self._mutex):
            return self._plan

    def request_stop(self) -> None:
        """Ask the thread to end after the frame in progress (does not wait)."""
        with QMutexLocker(self._mutex):
            self._abort = True
            self._condition.wakeOne()

    def stop(self) -> None:
        self.request_stop()
        self.wait()

    def _submit(self, kind: str, payload: Any) -> int:
        with QMutexLocker(self._mutex):
            self._next_id += 1
            self._pending[kind] = (self._next_id, payload)
            request_id = self._next_id
            if not self.isRunning():
                self.start(QThread.Priority.HighPriority)
            else:
                self._condition.wakeOne()
        return request_id

    # ------------------------------------------------------------ worker thread
    def run(self) -> None:
        try:
            _limit_torch_threads(self._threads)
            import torch  # noqa: F401  (imported before the first frame is timed)
        except Exception as exc:  # a broken install: report once
            self.failed.emit(f"The renderer could not start: {exc}")
            return
        while True:
            self._mutex.lock()
            while not self._pending and not self._abort:
                self._condition.wait(self._mutex)
            if self._abort:
                self._mutex.unlock()
                return
            kind = "frame" if "frame" in self._pending else "grid"
            request_id, payload = self._pending.pop(kind)
            generator, directions = self._generator, self._directions
            self._mutex.unlock()
            if generator is None:
                continue
            if generator is not self._paced_generator:
                self._paced_generator = generator
                self.pacer.forget()
            try:
                if kind == "frame":
                    self._render_frame(generator, directions, request_id, payload)
                else:
                    self._render_grid(generator, request_id, payload)
            except Exception as exc:  # a generator that fails on some input
                self.failed.emit(f"The generator failed to render: {exc}")

    def _frame_module(self, generator: Any) -> Any:
        """The generator prepared for one-image frames, made once per generator, here."""
        plan = self._plan
        if plan is None or plan.source is not generator:
            from ganstudio.core.inference import for_rendering

            plan = for_rendering(generator)
            with QMutexLocker(self._mutex):
                self._plan = plan
        return plan.module

    def _render_frame(self, generator: Any, directions: Any, request_id: int, payload: Any) -> None:
        from ganstudio.core.generate import generate_uint8

        what, value = payload
        if what == "w":  # a StyleGAN2 explored in W (wspace_render.py)
            return self._render_w_frame(generator, request_id, value)
        z, label = (value.effective_z(directions), value.label) if what == "state" else value
        self.pacer.started("z")
        frame = generate_uint8(self._frame_module(generator), z, label=label)[0]
        self.pacer.finished()
        self._emit_frame(request_id, frame, None)

    def _waiting_kind(self) -> str | None:
        """The kind of frame a newer request waits for ("z", "preview", "full"), or None."""
        with QMutexLocker(self._mutex):
            waiting = self._pending.get("frame")
        if waiting is None:
            return None
        what, value = waiting[1]
        return self._w_kind(value) if what == "w" else "z"

    def _emit_frame(self, request_id: int, frame: np.ndarray, image: Any) -> None:
        """Show a finished frame, unless a newer one waits that will be shown soon enough."""
        if not self.pacer.should_show(self._waiting_kind()):
            return
        self.frame_ready.emit(request_id, frame, to_display_image(frame) if image is None else image)
        self.pacer.shown()

    def _render_grid(self, generator: Any, request_id: int, payload: Any) -> None:
        from ganstudio.core.generate import generate_uint8

        if isinstance(payload, WGridRequest):
            return self._render_w_grid(generator, request_id, payload)
        z, labels = payload
        chunks = []
        for start in range(0, len(z), 64):
            with QMutexLocker(self._mutex):
                if "grid" in self._pending or self._abort:
                    return  # superseded
            label = None if labels is None else labels[start : start + 64]
            chunks.append(generate_uint8(generator, z[start : start + 64], label=label))
        self.grid_ready.emit(request_id, np.concatenate(chunks), z)


ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]


# ---------------------------------------------------------------- jobs for the TaskRunner
# Each returns a callable(progress, should_stop) that runs in a worker thread.

# What the open dialog lists and the newest-generator search considers; ONNX runs no code.
GENERATOR_SUFFIXES = (".safetensors", ".pt", ".pth", ".onnx", ".pkl")


def load_job(path: str) -> Callable[[ProgressFn, StopFn], Any]:
    def job(_progress: ProgressFn, _stop: StopFn) -> Any:
        from ganstudio.core.io.loader import load_generator

        return load_generator(path)

    return job


def newest_generator(candidates: list[str]) -> str | None:
    """The newest generator file among files, run folders and folders of runs."""
    from pathlib import Path

    found: list[tuple[float, str]] = []

    def consider(p: Path) -> None:
        try:
            if p.is_file() and p.suffix.lower() in GENERATOR_SUFFIXES:
                found.append((p.stat().st_mtime, str(p)))
        except OSError:
            pass

    for text in candidates:
        p = Path(text)
        if p.is_file():
            consider(p)
        elif p.is_dir():
            for pattern in ("checkpoints/*.safetensors", "*/checkpoints/*.safetensors"):
                for f in p.glob(pattern):
                    consider(f)
    return max(found)[1] if found else None


def default_job(candidates: list[str]) -> Callable[[ProgressFn, StopFn], Any]:
    """Load the shipped generator, else the newest one known; None when there is none."""

    def job(_progress: ProgressFn, _stop: StopFn) -> Any:
        from ganstudio.core.io.loader import load_generator
        from ganstudio.resources import default_generator_path

        shipped = default_generator_path()
        path = str(shipped) if shipped else newest_generator(candidates)
        return None if path is None else load_generator(path)

    return job


DIRECTION_SAMPLES = 4096
DIRECTION_COUNT = 16


def directions_cache_file(
    cache_dir: str, weights_hash: str, layer: str, n_samples: int, k: int,
    class_index: int | None = None,
) -> Any:
    """Where the directions of one (weights, layer, search size, class of a conditional
    generator) are cached."""
    import re
    from pathlib import Path

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", layer) or "output"
    if class_index is not None:
        safe += f"-class{int(class_index)}"
    return Path(cache_dir) / f"{weights_hash}-{safe}-{n_samples}-{k}.npz"


def directions_job(
    generator: Any,
    cache_dir: str | None,
    compute: bool,
    n_samples: int = DIRECTION_SAMPLES,
    k: int = DIRECTION_COUNT,
    layer: str | None = None,
    class_index: int | None = None,
) -> Callable[[ProgressFn, StopFn], Any]:
    """Cached PCA directions of ``layer`` (None: the default one) for ``generator``, with the
    generator's weights hash; computed when ``compute``, else None if uncached.
    ``class_index``: a conditional generator's class the search draws."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from dataclasses import replace

        from ganstudio.core import latent
        from ganstudio.core.latent import directions as core_directions

        name = core_directions.default_layer(generator) if layer is None else layer
        digest = latent.weights_hash(generator)
        cache = directions_cache_file(cache_dir, digest, name, n_samples, k,
                                      class_index) if cache_dir else None
        hit = load_cached(cache, lambda p: replace(latent.Directions.load(p), weights_hash=digest))
        if hit is not None or not compute:
            return hit
        found = latent.pca_directions(generator, n_samples, k, progress, stop, layer=name,
                                      label=class_index)
        found = replace(found, weights_hash=digest)
        save_cached(found, cache)
        return found

    return job


def direction_layers_job(generator: Any) -> Callable[[ProgressFn, StopFn], Any]:
    """The layers directions can come from, and the one a search takes by default."""

    def job(_progress: ProgressFn, _stop: StopFn) -> Any:
        from ganstudio.core.latent import directions as core_directions

        layers = core_directions.direction_layers(generator)
        return layers, core_directions.default_layer(generator)

    return job


def render_job(generator: Any, z: np.ndarray,
               labels: Any = None) -> Callable[[ProgressFn, StopFn], Any]:
    """uint8 (N, H, W, C) images of z (N, dim), e.g. keyframe thumbnails; ``labels``: a
    conditional generator's class of each."""

    def job(_progress: ProgressFn, _stop: StopFn) -> Any:
        from ganstudio.core.generate import generate_uint8

        return generate_uint8(generator, np.asarray(z, np.float32), label=labels)

    return job


def export_job(
    generator: Any, path_z: np.ndarray, target: str, fps: float, scale: int, loop: bool,
    labels: Any = None,
) -> Callable[[ProgressFn, StopFn], Any]:
    """Render every path frame, then write the animation; progress covers both halves.
    ``labels``: a conditional generator's class (index or soft row) of each frame."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import export
        from ganstudio.core.generate import generate_uint8
        from ganstudio.core.latent import Cancelled

        n = len(path_z)
        frames = []
        for start in range(0, n, 16):
            if stop():
                raise Cancelled("export cancelled")
            label = None if labels is None else labels[start : start + 16]
            frames.append(generate_uint8(generator, np.asarray(path_z[start : start + 16],
                                                               np.float32), label=label))
            progress(min(n, start + 16), 2 * n)
        all_frames = np.concatenate(frames)
        return export.save_animation(
            all_frames,
            target,
            fps,
            progress=lambda i, _t: progress(n + i, 2 * n),
            should_stop=stop,
            scale=scale,
            loop=loop,
        )

    return job


def project_job(
    generator: Any, target: Any, steps: int, lr: float, seed: int, label: int | None = None
) -> Callable[[ProgressFn, StopFn], Any]:
    """``label``: the class a conditional generator draws while its z is sought."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import latent

        return latent.project(generator, target, steps, lr, seed, progress, stop, label=label)

    return job
