"""Stepping through training by hand: Step (one iteration), Step D, Step G, and slow motion.

A step is taken by the worker while the run is paused (worker.request_step); with no run
yet, the first step asks the tab to start one paused (``start_requested``), then takes the
step. In slow motion each step on a 2-D toy is replayed phase by phase (slow_motion.py);
Resume then plays iteration after iteration in slow motion, and Pause stops after the one
being shown. Keys: S, D, G and M (shortcuts of the tab, listed in Help > Keyboard Shortcuts).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from ganstudio.gui.training.slow_motion import SlowMotion

PARTS = {"both": ("Step", "stepButton", "S", "One training iteration: D's updates, then G's"),
         "d": ("Step D", "stepDButton", "D", "One update of the discriminator D alone"),
         "g": ("Step G", "stepGButton", "G", "One update of the generator G alone")}
SLOW_KEY = "M"


class Stepper(QObject):
    """Owns the step buttons, their shortcuts, and the steps in flight."""

    start_requested = Signal()  # no run yet: start one paused, then attach() its worker
    changed = Signal()  # what the buttons offer may differ (the tab updates its Pause button)

    def __init__(self, owner: QWidget, slow: SlowMotion) -> None:
        super().__init__(owner)
        self.slow = slow
        self.worker: Any = None
        self._pending: str | None = None  # a step waiting for its run to start
        self._in_flight = 0  # steps asked of the worker and not yet shown
        self._can_start = False
        self._toy = False
        self.slow_playing = False  # Resume in slow motion: one replayed iteration after another
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: list[QShortcut] = []
        for part, (text, name, key, tip) in PARTS.items():
            button = QPushButton(text)
            button.setObjectName(name)
            button.setToolTip(f"{tip} ({key})")
            button.clicked.connect(lambda _checked=False, p=part: self.step(p))
            self.buttons[part] = button
            self._shortcut(owner, key, f"{text}: {tip[0].lower()}{tip[1:]}", lambda p=part: self._on_key(p))
        self.slow_button = QPushButton("Slow motion")
        self.slow_button.setObjectName("slowMotionButton")
        self.slow_button.setCheckable(True)
        self.slow_button.setToolTip("Replay each iteration on the 2-D view phase by phase: D judges, "
                                    f"D learns, G learns ({SLOW_KEY})")
        self.slow_button.toggled.connect(self._on_slow_toggled)
        self._shortcut(owner, SLOW_KEY, "Slow motion on or off (2-D data)", self.slow_button.toggle)
        slow.finished.connect(self._on_replay_finished)
        self.update_buttons()

    def _shortcut(self, owner: QWidget, key: str, what: str, slot: Any) -> None:
        shortcut = QShortcut(QKeySequence(key), owner)
        shortcut.setWhatsThis(what)
        shortcut.activated.connect(slot)
        self.shortcuts.append(shortcut)

    # ----------------------------------------------------------------- the run
    def attach(self, worker: Any) -> None:
        """A run started (paused when a step asked for it): its worker takes the steps."""
        self.worker = worker
        self._in_flight = 0
        worker.stepped.connect(self._on_stepped)
        if self._pending is not None:
            part, self._pending = self._pending, None
            self._send(part)
        self.update_buttons()

    def detach(self) -> None:
        """The run ended."""
        self.worker = None
        self._pending = None
        self._in_flight = 0
        self.slow_playing = False
        self.slow.stop()
        self.update_buttons()

    def set_context(self, can_start: bool, toy: bool) -> None:
        """Whether a run could start from the form now, and whether it draws 2-D points."""
        self._can_start, self._toy = can_start, toy
        self.update_buttons()

    def update_buttons(self) -> None:
        ready = self.worker is not None or self._can_start
        free = not (self.slow.enabled and self.slow.is_busy) and self._pending is None
        for button in self.buttons.values():
            button.setEnabled(ready and free)
        self.slow_button.setEnabled(self._toy)
        self.changed.emit()

    # ----------------------------------------------------------------- steps
    def step(self, part: str = "both") -> None:
        if part not in PARTS or self._pending is not None:
            return
        if self.slow.enabled and self.slow.is_busy:
            return  # one replay at a time
        self.slow_playing = False
        if self.worker is None:
            if not self._can_start:
                return
            self._pending = part
            self.update_buttons()
            self.start_requested.emit()
            return
        if not self.worker.is_paused:
            self.worker.pause()
        self._send(part)

    def _on_key(self, part: str) -> None:
        if self.buttons[part].isEnabled():
            self.step(part)

    def _send(self, part: str) -> None:
        if self.slow.enabled and self._toy:
            self.slow.hold()
        self._in_flight += 1
        self.worker.request_step(part)
        self.update_buttons()

    def _on_stepped(self, row: dict) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if self.slow.enabled and self._toy and self.slow.is_busy:
            self.slow.play(str(row.get("part") or "both"))
        else:
            self.update_buttons()

    def _on_replay_finished(self) -> None:
        if self.slow_playing and self.worker is not None and self.slow.enabled:
            self._send("both")  # the next iteration, in slow motion too
            return
        self.update_buttons()

    # ----------------------------------------------------------------- pause and resume
    def toggle_pause(self) -> bool:
        """Pause or Resume in slow motion; False when a plain pause or resume is meant."""
        if self.worker is None:
            return False
        if self.slow_playing:
            self.slow_playing = False  # the iteration on screen ends, then the run waits
            self.changed.emit()
            return True
        if self.slow.enabled and self._toy and self.worker.is_paused:
            self.slow_playing = True
            if not self.slow.is_busy:
                self._send("both")
            self.changed.emit()
            return True
        return False

    def _on_slow_toggled(self, on: bool) -> None:
        self.slow.enabled = on
        if self.worker is None:
            self.update_buttons()
            return
        if on and self._toy and not self.worker.is_paused:
            self.worker.pause()  # the run goes on in slow motion, one replayed iteration at a time
            self.slow_playing = True
            self._send("both")
        elif not on:
            was_playing, self.slow_playing = self.slow_playing, False
            self.slow.stop()
            if was_playing:
                self.worker.resume()
        self.update_buttons()
