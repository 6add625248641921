"""Follow a run folder that another process may still be writing (``ganstudio train``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

POLL_MS = 1000
MAX_INITIAL_SAMPLES = 120


def load_png(path: Path) -> np.ndarray | None:
    """A PNG as uint8 (H, W, C); None when it cannot be read (e.g. being replaced)."""
    image = QImage(str(path))
    if image.isNull():
        return None
    if image.isGrayscale():
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
        channels = 1
    else:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        channels = 3
    w, h = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = buffer.reshape(h, image.bytesPerLine())[:, : w * channels]
    return rows.reshape(h, w, channels).copy()


def history(run_dir: str | Path, up_to_step: int) -> tuple[list[dict], list[tuple[int, np.ndarray]]]:
    """The metric rows and (at most ``MAX_INITIAL_SAMPLES``) sample grids a run wrote so far."""
    from ganstudio.core.io.runs import RunReader

    reader = RunReader(run_dir)
    rows = [r for r in reader.metrics() if int(r.get("step") or 0) <= up_to_step]
    samples = [s for s in reader.samples() if s[0] <= up_to_step]
    samples = _spread(samples, MAX_INITIAL_SAMPLES)
    grids = [(step, a) for step, path in samples if (a := load_png(path)) is not None]
    return rows, grids


def _spread(items: list, n: int) -> list:
    if len(items) <= n:
        return items
    picks = np.linspace(0, len(items) - 1, n).round().astype(int)
    return [items[i] for i in sorted(set(picks))]


class RunFollower(QObject):
    """Reads a run folder's metrics and samples, then polls it about once a second. It never
    writes: when another process holds the folder's lock, ``writer`` says who."""

    rows_ready = Signal(list)
    sample_ready = Signal(int, object)
    writer_changed = Signal(object)  # the LockOwner writing the folder, or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reader: Any = None
        self.writer: Any = None  # LockOwner | None, probed at every poll
        self._last_sample_step = -1
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timeout)

    @property
    def run_dir(self) -> Path | None:
        return None if self.reader is None else self.reader.dir

    @property
    def is_following(self) -> bool:
        return self._timer.isActive()

    def open(self, run_dir: str | Path) -> Any:
        """Start following ``run_dir``; returns its RunConfig (or None). Raises OSError."""
        from ganstudio.core.io.runs import RunReader

        self.stop()
        self.reader = RunReader(run_dir)
        self._last_sample_step = -1
        self.writer = self.reader.lock_owner()
        rows = self.reader.poll()
        if rows:
            self.rows_ready.emit(rows)
        self._emit_samples(_spread(self.reader.samples(), MAX_INITIAL_SAMPLES))
        self._timer.start()
        return self.reader.config

    def stop(self) -> None:
        self._timer.stop()

    def close(self) -> None:
        self.stop()
        self.reader = None
        self.writer = None

    def _on_timeout(self) -> None:
        if self.reader is None:
            return
        writer = self.reader.lock_owner()
        if writer != self.writer:
            self.writer = writer
            self.writer_changed.emit(writer)
        rows = self.reader.poll()
        if rows:
            self.rows_ready.emit(rows)
        self._emit_samples([s for s in self.reader.samples() if s[0] > self._last_sample_step])

    def _emit_samples(self, samples: list[tuple[int, Path]]) -> None:
        for step, path in samples:
            array = load_png(path)
            if array is None:
                continue  # retried on the next poll
            self._last_sample_step = step
            self.sample_ready.emit(step, array)
