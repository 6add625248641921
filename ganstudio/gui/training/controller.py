"""The training tab's run as plain data: step, rate, ETA, run folder, running and paused.

No Qt here: the tab feeds in what its worker or run follower reports, listens for the
change, and paints it. So the figures a person reads (the progress text, the ETA) can be
tested without a window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

Listener = Callable[[str], None]

# The events a listener gets; each names what just happened to the run.
RESET, LAUNCHED, STARTED, PROGRESSED, PAUSED, FINISHED, OPENED = (
    "reset", "launched", "started", "progressed", "paused", "finished", "opened")

RATE_SMOOTHING = 0.2  # weight of the newest rate: the ETA settles without lagging a slowdown


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def new_run_dir(root: Path, data_name: str, arch: str, now: datetime) -> Path:
    """A folder name that sorts by start time and says what trains; never an existing one."""
    name = f"{now:%Y%m%d-%H%M%S}-{data_name}-{arch}"
    path, n = root / name, 1
    while path.exists():
        n += 1
        path = root / f"{name}-{n}"
    return path


class TrainingRun:
    """One run as the tab shows it: trained here (``running``) or followed from disk."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._listeners: list[Listener] = []
        self.device = "–"
        self.run_dir: Path | None = None
        self.total_steps = 0
        self.start_step = 0
        self.step = 0
        self.is_toy = False
        self.running = False  # a worker of this tab trains it
        self.paused = False
        self.outcome: str | None = None  # "completed", "stopped", "diverged" or "failed" once over
        self.rate: float | None = None  # steps per second, smoothed
        self._last_rate_time: tuple[float, int] | None = None

    # ----------------------------------------------------------------- listeners
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _notify(self, event: str) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ----------------------------------------------------------------- what happened
    def reset(self) -> None:
        """A new view: no step, no rate (the run folder and totals stay until replaced)."""
        self.rate = None
        self._last_rate_time = None
        self.step = 0
        self._notify(RESET)

    def launched(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        self.running = True
        self.paused = False
        self.outcome = None
        self._notify(LAUNCHED)

    def started(self, info: dict[str, Any]) -> None:
        """The worker's first report: device, step (above 0 when resumed), steps, run folder."""
        self.device = info["device"]
        self.total_steps = info["steps"]
        self.start_step = self.step = info["step"]
        self._last_rate_time = None
        if info.get("run_dir"):
            self.run_dir = Path(info["run_dir"])
        self.is_toy = bool(info["is_toy"])
        self._notify(STARTED)

    def progressed(self, step: int) -> None:
        now = self._clock()
        if self._last_rate_time is not None and step > self._last_rate_time[1]:
            t0, s0 = self._last_rate_time
            rate = (step - s0) / max(now - t0, 1e-6)
            self.rate = rate if self.rate is None else (
                (1 - RATE_SMOOTHING) * self.rate + RATE_SMOOTHING * rate)
        self._last_rate_time = (now, step)
        self.step = step
        self._notify(PROGRESSED)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._last_rate_time = None  # the pause is not time spent training
        self._notify(PAUSED)

    def finished(self, reason: str) -> None:
        self.running = False
        self.paused = False
        self.outcome = reason
        self._notify(FINISHED)

    def opened(self, total_steps: int | None, is_toy: bool | None) -> None:
        """A run folder followed from disk (its config may be unreadable: totals stay)."""
        self.run_dir = None  # not ours to checkpoint; the follower knows the folder
        if total_steps is not None:
            self.total_steps = total_steps
        if is_toy is not None:
            self.is_toy = is_toy
        self._notify(OPENED)

    # ----------------------------------------------------------------- what a person reads
    def eta_seconds(self) -> float | None:
        if not (self.running and self.rate and self.total_steps):
            return None
        return (self.total_steps - self.step) / self.rate

    def progress_text(self) -> str | None:
        """"step 40 of 100 — ETA 0:12 — paused", or None before the total is known."""
        if not self.total_steps:
            return None
        text = f"step {self.step:,} of {self.total_steps:,}"
        eta = self.eta_seconds()
        if eta is not None:
            text += f" — ETA {format_eta(eta)}"
        if self.paused:
            text += " — paused"
        return text
