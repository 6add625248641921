"""Bounded storage for long metric series.

Values go into preallocated numpy arrays that grow in chunks; once ``max_points``
is reached, pairs of neighbours are averaged, halving the resolution, so a
1,000,000-step run holds at most ``max_points`` points per series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

CHUNK = 4096


class MetricBuffer:
    """Step-indexed series with names like ``loss_D``; ``x`` is the step of each row."""

    def __init__(self, names: Iterable[str], max_points: int = 200_000) -> None:
        self.names = tuple(names)
        self.max_points = max(2 * CHUNK, int(max_points))
        self._data = np.zeros((len(self.names) + 1, CHUNK), dtype=np.float64)
        self._size = 0
        self._stride = 1  # raw rows per stored row
        self._pending: list[np.ndarray] = []  # raw rows waiting to fill a stored row

    def __len__(self) -> int:
        return self._size

    @property
    def stride(self) -> int:
        return self._stride

    def clear(self) -> None:
        self._size = 0
        self._stride = 1
        self._pending.clear()
        self._data = np.zeros_like(self._data[:, :CHUNK])

    def append_rows(self, rows: Iterable[Mapping[str, float]]) -> None:
        for row in rows:
            values = np.array([float(row.get("step", np.nan))]
                              + [_as_float(row.get(n)) for n in self.names])
            if self._stride == 1:
                self._push(values)
            else:
                self._pending.append(values)
                if len(self._pending) >= self._stride:
                    block = np.vstack(self._pending)
                    self._pending.clear()
                    out = np.nanmean(block, axis=0) if np.isnan(block).any() else block.mean(axis=0)
                    out[0] = block[-1, 0]
                    self._push(out)

    def _push(self, values: np.ndarray) -> None:
        if self._size == self._data.shape[1]:
            if self._size >= self.max_points:
                self._halve()
            else:
                grown = np.zeros((self._data.shape[0], self._size + CHUNK), dtype=np.float64)
                grown[:, : self._size] = self._data[:, : self._size]
                self._data = grown
        self._data[:, self._size] = values
        self._size += 1

    def _halve(self) -> None:
        n = self._size // 2 * 2
        merged = self._data[:, :n].reshape(self._data.shape[0], n // 2, 2)
        with np.errstate(all="ignore"):
            means = np.nanmean(merged, axis=2) if np.isnan(merged).any() else merged.mean(axis=2)
        means[0] = merged[0, :, 1]
        tail = self._data[:, n:self._size]
        self._data[:, : n // 2] = means
        self._data[:, n // 2 : n // 2 + tail.shape[1]] = tail
        self._size = n // 2 + tail.shape[1]
        self._stride *= 2

    def truncate_after(self, step: float) -> None:
        """Forget rows past ``step`` (a run rolled back to an earlier checkpoint)."""
        self._pending = [p for p in self._pending if p[0] <= step]
        self._size = int(np.searchsorted(self._data[0, : self._size], step, side="right"))

    def x(self) -> np.ndarray:
        return self._data[0, : self._size]

    def y(self, name: str) -> np.ndarray:
        return self._data[self.names.index(name) + 1, : self._size]

    def last(self, name: str) -> float:
        return float(self.y(name)[-1]) if self._size else float("nan")


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")



class Smoother:
    """Debiased exponential moving average of named fields, added to rows as ``<name>_smooth``.

    The bias correction (as in Adam or TensorBoard) keeps the first points on the raw
    values instead of dragging them towards zero or the first sample.
    """

    def __init__(self, names: Iterable[str], alpha: float = 0.03) -> None:
        self.names = tuple(names)
        self.alpha = alpha
        self._acc: dict[str, float] = {}
        self._count: dict[str, int] = {}

    def reset(self) -> None:
        self._acc.clear()
        self._count.clear()

    def apply(self, rows: Iterable[Mapping[str, float]]) -> list[dict[str, float]]:
        out = []
        keep = 1.0 - self.alpha
        for row in rows:
            row = dict(row)
            for name in self.names:
                v = _as_float(row.get(name))
                if not np.isnan(v):
                    self._acc[name] = keep * self._acc.get(name, 0.0) + self.alpha * v
                    self._count[name] = self._count.get(name, 0) + 1
                n = self._count.get(name, 0)
                row[name + "_smooth"] = self._acc[name] / (1.0 - keep**n) if n else float("nan")
            out.append(row)
        return out
