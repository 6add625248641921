"""When the render worker gives up a frame for a newer one, and when it shows a frame that a
newer request has already overtaken. No Qt and no torch: the worker asks, a test drives it
with a clock of its own.

Always rendering the newest request starves a continuous drag: each new slider value
abandons the frame in progress, and on a model whose frame takes longer than the gap
between two values nothing reaches the screen until the drag stops. Always finishing every
frame lags behind the hand instead. :class:`FramePacer` keeps the screen moving: a frame in
progress is abandoned for a newer request only when the newer frame would still be on screen
within ``grace_s`` of the last one shown, or sooner than the frame in progress would end
(a full frame giving way to a quick drag preview); a finished frame that a newer request
has overtaken is shown unless that newer frame comes within ``grace_s`` as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable

GRACE_S = 0.08  # a drag shows a new frame at least this often, when frames can be that fast
EMA = 0.5  # how fast a kind of frame's cost follows its last render times


class FramePacer:
    """Frame costs per kind ("z", "preview", "full") and the time of the last frame shown.

    Used from the render worker's thread only: :meth:`started`, then between the frame's
    steps :meth:`should_abandon`, then :meth:`finished` and :meth:`should_show`, and
    :meth:`shown` once it is emitted.
    """

    def __init__(self, grace_s: float = GRACE_S,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.grace_s = float(grace_s)
        self._clock = clock
        self._shown_at: float | None = None
        self._kind = ""
        self._started_at = 0.0
        self._cost: dict[str, float] = {}

    def cost(self, kind: str) -> float:
        """Seconds a frame of ``kind`` took lately (that of the frame in progress when never
        timed: the best guess there is; 0 before any)."""
        return self._cost.get(kind, self._cost.get(self._kind, 0.0))

    def started(self, kind: str) -> None:
        self._kind, self._started_at = kind, self._clock()

    def finished(self) -> None:
        took = self._clock() - self._started_at
        old = self._cost.get(self._kind)
        self._cost[self._kind] = took if old is None else old + EMA * (took - old)

    def forget(self) -> None:
        """A new generator: its frames cost what they will."""
        self._cost.clear()

    def _since_shown(self, now: float) -> float:
        return float("inf") if self._shown_at is None else now - self._shown_at

    def should_abandon(self, newer: str | None) -> bool:
        """Between two steps of the frame in progress: give it up for the ``newer`` kind of
        frame waiting (None: nothing waits)?"""
        if newer is None:
            return False
        now = self._clock()
        remaining = max(0.0, self._cost.get(self._kind, 0.0) - (now - self._started_at))
        wait = self.cost(newer)
        return wait < remaining or self._since_shown(now) + wait <= self.grace_s

    def should_show(self, newer: str | None) -> bool:
        """A frame is done while the ``newer`` kind of frame waits: show it, or go straight
        on to the newer one (which then comes within the grace)?"""
        if newer is None:
            return True
        return self._since_shown(self._clock()) + self.cost(newer) > self.grace_s

    def shown(self) -> None:
        self._shown_at = self._clock()
