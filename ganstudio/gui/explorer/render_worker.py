"""The explorer's background threads.

:class:`RenderWorker` is one long-lived thread that turns latent states into
images; only the newest pending request of each kind is kept, so a slider
drag never builds a queue (the pattern of Qt's Mandelbrot example).
:class:`TaskWorker` runs one longer job (a load, a direction search, a
projection, an export) with progress and cancel.
"""

from __future__ import annotations

import atexit
import time
import traceback
import weakref
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
    Slot,
)

from ganstudio.gui.explorer.image import to_display_image
from ganstudio.gui.explorer.job_cache import load_cached, save_cached
from ganstudio.gui.explorer.pacing import FramePacer
from ganstudio.gui.explorer.wspace_render import WGridRequest, WRenderMixin

# Every worker alive, so that a script ending without shutdown() does not
# abort in Qt's "QThread destroyed while still running".
_LIVE: weakref.WeakSet[QThread] = weakref.WeakSet()


@atexit.register
def _stop_all_workers() -> None:
    for worker in list(_LIVE):
        try:
            if isinstance(worker, RenderWorker):
                worker.stop()
            else:
                worker.requestInterruption()
                worker.wait(5000)
        except RuntimeError:  # its C++ object is already gone
            pass


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
        _LIVE.add(self)

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

    def request_z(self, z: np.ndarray) -> int:
        """Render one raw latent (dim,), e.g. an interpolation frame."""
        return self._submit("frame", ("z", np.asarray(z, np.float32)))

    def request_grid(self, z: np.ndarray) -> int:
        """Render a batch of latents (N, dim) for the sample grid."""
        return self._submit("grid", np.asarray(z, np.float32))

    def render_plan(self) -> Any:
        """How frames of the current generator are rendered (a RenderPlan), once one was."""
        with QMutexLocker(self._mutex):
            return self._plan

    def stop(self) -> None:
        with QMutexLocker(self._mutex):
            self._abort = True
            self._condition.wakeOne()
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
        z = value.effective_z(directions) if what == "state" else value
        self.pacer.started("z")
        frame = generate_uint8(self._frame_module(generator), z)[0]
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

    def _render_grid(self, generator: Any, request_id: int, z: np.ndarray) -> None:
        from ganstudio.core.generate import generate_uint8

        if isinstance(z, WGridRequest):
            return self._render_w_grid(generator, request_id, z)
        chunks = []
        for start in range(0, len(z), 64):
            with QMutexLocker(self._mutex):
                if "grid" in self._pending or self._abort:
                    return  # superseded
            chunks.append(generate_uint8(generator, z[start : start + 64]))
        self.grid_ready.emit(request_id, np.concatenate(chunks), z)


ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]


class TaskWorker(QThread):
    """Runs ``job(progress, should_stop)`` once in its own thread.

    Emits ``progressed(done, total)`` at most every 50 ms, then exactly one of
    ``succeeded(result)``, ``failed(message)`` or ``cancelled()``.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal(object)  # this worker, on the GUI thread, once its thread has ended

    def __init__(
        self,
        job: Callable[[ProgressFn, StopFn], Any],
        parent: QObject | None = None,
        threads: int = 1,
        name: str = "task",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Worker")
        self._job = job
        self._threads = threads
        self._last_progress = 0.0
        self.finished.connect(self._on_finished)  # a slot of this object: runs on its (GUI) thread
        _LIVE.add(self)

    @Slot()
    def _on_finished(self) -> None:
        self.wait()  # finished() comes just before the thread ends: let it end first
        self.ended.emit(self)

    def cancel(self) -> None:
        self.requestInterruption()

    def _progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done >= total or now - self._last_progress > 0.05:
            self._last_progress = now
            self.progressed.emit(int(done), int(total))

    def _should_stop(self) -> bool:
        return self.isInterruptionRequested()

    def run(self) -> None:
        try:
            _limit_torch_threads(self._threads)
            result = self._job(self._progress, self._should_stop)
        except Exception as exc:
            if self.isInterruptionRequested() or type(exc).__name__ in (
                "Cancelled",
                "ExportCancelled",
            ):
                self.cancelled.emit()
            else:
                self.failed.emit(describe_error(exc))
            return
        if self.isInterruptionRequested():
            self.cancelled.emit()
        else:
            self.succeeded.emit(result)


class TaskRunner(QObject):
    """The task threads of one widget: one current task per name, every one joined at the end.

    A task started under a name already running replaces it as the current one;
    the older keeps running to its end (its results go to its own callbacks).
    """

    def __init__(self, parent: QObject, on_error: Callable[[str], None]) -> None:
        super().__init__(parent)
        self._current: dict[str, TaskWorker] = {}
        self._live: set[TaskWorker] = set()
        self._on_error = on_error

    def start(
        self,
        name: str,
        job: Callable[[ProgressFn, StopFn], Any],
        succeeded: Callable[[Any], None],
        *,
        progress: Callable[[int, int], None] | None = None,
        failed: Callable[[str], None] | None = None,
        cancelled: Callable[[], None] | None = None,
    ) -> TaskWorker:
        worker = TaskWorker(job, self, name=name)
        self._current[name] = worker
        self._live.add(worker)
        worker.succeeded.connect(succeeded)
        if progress is not None:
            worker.progressed.connect(progress)
        worker.failed.connect(failed or self._on_error)
        if cancelled is not None:
            worker.cancelled.connect(cancelled)
        worker.ended.connect(self._on_worker_finished)
        worker.start()
        return worker

    def running(self, name: str) -> bool:
        return name in self._current

    def busy(self) -> bool:
        return any(w.isRunning() for w in self._live)

    def cancel(self, name: str) -> None:
        if name in self._current:
            self._current[name].cancel()

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Ask every task to stop and wait for all of them."""
        for worker in list(self._live):
            worker.cancel()
        for worker in list(self._live):
            worker.wait(timeout_ms)

    @Slot(object)
    def _on_worker_finished(self, worker: TaskWorker) -> None:
        """Forget a task whose thread has ended; until then ``_live`` keeps it referenced."""
        for name, current in list(self._current.items()):
            if current is worker:
                del self._current[name]
        self._live.discard(worker)
        worker.deleteLater()


_READABLE = ("CheckpointError", "FileFormatError", "ConfigError", "DataError", "ValueError")


def describe_error(exc: BaseException) -> str:
    """The message of an error meant for people; a short summary of any other."""
    if type(exc).__name__ in _READABLE or isinstance(exc, (OSError, ValueError)):
        return str(exc)
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (in {last[0].name})" if last else ""
    return f"Unexpected {type(exc).__name__}{where}: {exc}"


# ---------------------------------------------------------------- jobs for TaskWorker
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
    cache_dir: str, weights_hash: str, layer: str, n_samples: int, k: int
) -> Any:
    """Where the directions of one (weights, layer, search size) are cached."""
    import re
    from pathlib import Path

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", layer) or "output"
    return Path(cache_dir) / f"{weights_hash}-{safe}-{n_samples}-{k}.npz"


def directions_job(
    generator: Any,
    cache_dir: str | None,
    compute: bool,
    n_samples: int = DIRECTION_SAMPLES,
    k: int = DIRECTION_COUNT,
    layer: str | None = None,
) -> Callable[[ProgressFn, StopFn], Any]:
    """Cached PCA directions of ``layer`` (None: the default one) for ``generator``, with the
    generator's weights hash; computed when ``compute``, else None if uncached."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from dataclasses import replace

        from ganstudio.core import latent
        from ganstudio.core.latent import directions as core_directions

        name = core_directions.default_layer(generator) if layer is None else layer
        digest = latent.weights_hash(generator)
        cache = directions_cache_file(cache_dir, digest, name, n_samples, k) if cache_dir else None
        hit = load_cached(cache, lambda p: replace(latent.Directions.load(p), weights_hash=digest))
        if hit is not None or not compute:
            return hit
        found = latent.pca_directions(generator, n_samples, k, progress, stop, layer=name)
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


def render_job(generator: Any, z: np.ndarray) -> Callable[[ProgressFn, StopFn], Any]:
    """uint8 (N, H, W, C) images of z (N, dim), e.g. keyframe thumbnails."""

    def job(_progress: ProgressFn, _stop: StopFn) -> Any:
        from ganstudio.core.generate import generate_uint8

        return generate_uint8(generator, np.asarray(z, np.float32))

    return job


def export_job(
    generator: Any, path_z: np.ndarray, target: str, fps: float, scale: int, loop: bool
) -> Callable[[ProgressFn, StopFn], Any]:
    """Render every path frame, then write the animation; progress covers both halves."""

    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import export
        from ganstudio.core.generate import generate_uint8
        from ganstudio.core.latent import Cancelled

        n = len(path_z)
        frames = []
        for start in range(0, n, 16):
            if stop():
                raise Cancelled("export cancelled")
            frames.append(generate_uint8(generator, np.asarray(path_z[start : start + 16],
                                                               np.float32)))
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
    generator: Any, target: Any, steps: int, lr: float, seed: int
) -> Callable[[ProgressFn, StopFn], Any]:
    def job(progress: ProgressFn, stop: StopFn) -> Any:
        from ganstudio.core import latent

        return latent.project(generator, target, steps, lr, seed, progress, stop)

    return job
