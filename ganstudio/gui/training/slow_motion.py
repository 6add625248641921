"""Slow motion: one training iteration on the 2-D view, phase by phase (GAN Lab's slow mode).

The worker takes the step at full speed; this object replays it between the view shown
before the step and the view the worker sent after it:

1. D judges: every point is filled with D's verdict, the map's colour at that point;
2. D learns: the map moves from the old D to the updated one (G's update leaves D as it is,
   so the map after the step is the map after D's update);
3. G learns: arrows show where the updated D pushes each generated point (the map's
   uphill direction at the point), and the points glide to where the updated G puts them.

Each phase lasts ``PHASE_MS``; its caption is ``phase_changed``'s text. A step of D alone
plays phases 1-2, a step of G alone 1 and 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ganstudio.gui.training.toy_view import ToyView

PHASE_MS = 600  # a few hundred ms per phase: slow enough to follow, quick enough to repeat
FRAME_MS = 40  # moving frames within a phase (25 per second)
JUDGE = "D judges: each point takes the colour of D's verdict"
D_LEARNS = "D learns: its map shifts to tell real from generated"
G_LEARNS = "G learns: the generated points follow their arrows"
PHASES = {"both": (JUDGE, D_LEARNS, G_LEARNS), "d": (JUDGE, D_LEARNS), "g": (JUDGE, G_LEARNS)}

Frame = tuple[int, Callable[[], None]]  # (ms to wait before it, what it shows)


def uphill(heat: np.ndarray, extent: Any, points: np.ndarray) -> np.ndarray:
    """The gradient of the map at ``points`` (nearest cell), in data units: where D rises."""
    heat = np.asarray(heat, dtype=float)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    rows, cols = heat.shape
    if rows < 2 or cols < 2 or not len(pts):
        return np.zeros_like(pts)
    x0, x1, y0, y1 = (float(v) for v in extent)
    d_row, d_col = np.gradient(heat, (y1 - y0) / rows, (x1 - x0) / cols)
    col = np.clip(((pts[:, 0] - x0) / (x1 - x0) * cols).astype(int), 0, cols - 1)
    row = np.clip(((pts[:, 1] - y0) / (y1 - y0) * rows).astype(int), 0, rows - 1)
    return np.stack([d_col[row, col], d_row[row, col]], 1)


class SlowMotion(QObject):
    """Replays the last step on a ToyView; ``finished`` once the view shows the step's end."""

    phase_changed = Signal(str)  # the caption of the phase now shown ("" at the end)
    finished = Signal()

    def __init__(self, view: ToyView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.enabled = False
        self._held = False
        self._latest: dict[str, Any] | None = None
        self._frames: list[Frame] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_frame_due)

    @property
    def is_busy(self) -> bool:
        """Holding views for a step in flight, or playing one."""
        return self._held or bool(self._frames) or self._timer.isActive()

    def hold(self) -> None:
        """A step was asked for: the views that come next wait for :meth:`play`."""
        self._held = True

    def offer(self, view: dict[str, Any]) -> bool:
        """Keep ``view`` for the replay instead of showing it now; False when not busy."""
        if not self.is_busy:
            return False
        self._latest = view
        return True

    def play(self, part: str = "both") -> None:
        """Replay the step from the view on screen to the newest one offered."""
        self._held = False
        before, after = self.view.view, self._latest
        self._latest = None
        if after is None:
            self._finish()
            return
        if not before or "heat" not in before or "heat" not in after:
            self.view.set_view(after)
            self._finish()
            return
        self._frames = self._plan(before, after, part)
        self._run(waited=False)

    def stop(self) -> None:
        """Jump to the end (slow motion switched off, or the run ended)."""
        busy = self.is_busy
        self._timer.stop()
        self._held = False
        frames, self._frames = self._frames, []
        if frames:
            frames[-1][1]()  # the last frame shows the step's end
        elif self._latest is not None:
            self.view.set_view(self._latest)
        self._latest = None
        self.view.set_caption("")
        if busy:
            self._finish()

    # ----------------------------------------------------------------- the plan
    def _plan(self, before: dict[str, Any], after: dict[str, Any], part: str) -> list[Frame]:
        view = self.view
        captions = PHASES.get(part, PHASES["both"])
        n = len(captions)
        frames: list[Frame] = []
        steps = max(2, PHASE_MS // FRAME_MS)
        heat0 = np.asarray(before["heat"], dtype=np.float32)
        heat1 = np.asarray(after["heat"], dtype=np.float32)
        fake0 = np.asarray(before.get("fake", np.empty((0, 2))), dtype=float).reshape(-1, 2)
        fake1 = np.asarray(after.get("fake", fake0), dtype=float).reshape(-1, 2)
        if fake1.shape != fake0.shape:
            fake1 = fake0

        def caption(i: int) -> Callable[[], None]:
            text = f"{i + 1}/{n}  {captions[i]}"

            def show() -> None:
                view.set_caption(text)
                self.phase_changed.emit(text)
            return show

        def judge(heat: np.ndarray, extent: Any) -> Callable[[], None]:
            def show() -> None:
                view.show_heat(heat, extent)
                view.colour_points_by(_d_at_items(view, "real"), _d_at_items(view, "fake"))
            return show

        for i, text in enumerate(captions):
            frames.append((0 if i == 0 else FRAME_MS, caption(i)))
            if text is JUDGE:
                frames.append((0, judge(heat0, before["extent"])))
                frames.append((PHASE_MS, lambda: None))
            elif text is D_LEARNS:
                for k in range(1, steps + 1):
                    t = k / steps
                    mix = (1 - t) * heat0 + t * heat1
                    frames.append((FRAME_MS, judge(mix, after["extent"])))
            elif text is G_LEARNS:
                arrows = uphill(heat1, after["extent"], fake0)
                if not np.any(arrows):
                    arrows = np.asarray(after.get("gradients", arrows), dtype=float).reshape(-1, 2)[: len(fake0)]
                frames.append((0, lambda a=arrows: (view.colour_points_by(None, None),
                                                    view.show_heat(heat1, after["extent"]),
                                                    view.show_gradients(fake0, a))))
                frames.append((PHASE_MS // 2, lambda: None))
                for k in range(1, steps + 1):
                    t = k / steps
                    pos = (1 - t) * fake0 + t * fake1
                    frames.append((FRAME_MS, lambda p=pos, a=arrows: (view.show_points(fake=p),
                                                                      view.show_gradients(p, a))))
        frames.append((PHASE_MS // 2, lambda: self._show_end(after)))
        return frames

    def _show_end(self, after: dict[str, Any]) -> None:
        self.view.colour_points_by(None, None)
        self.view.set_view(after)
        self.view.set_caption("")

    def _on_frame_due(self) -> None:
        self._run(waited=True)

    def _run(self, waited: bool) -> None:
        """Show the frames that are due; wait with the timer for the next one's delay."""
        while self._frames:
            delay, show = self._frames[0]
            if delay > 0 and not waited:
                self._timer.start(delay)
                return
            waited = False
            self._frames.pop(0)
            show()
        self._finish()

    def _finish(self) -> None:
        self.phase_changed.emit("")
        self.finished.emit()


def _d_at_items(view: ToyView, name: str) -> np.ndarray | None:
    item = view.real if name == "real" else view.fake
    x, y = item.getData()
    if x is None or not len(x):
        return None
    return view.d_at(np.stack([x, y], 1))
