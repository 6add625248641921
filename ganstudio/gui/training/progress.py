"""The run's progress bar: "step 40 of 100 — ETA 0:12 — paused", painted from a TrainingRun."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget

from ganstudio.gui.training import controller
from ganstudio.gui.training.controller import TrainingRun


class RunProgressBar(QProgressBar):
    """objectName ``progressBar``; :meth:`show_run` after each of the run's events."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressBar")
        self.setTextVisible(True)
        self._show_nothing()

    def _show_nothing(self) -> None:
        self.setRange(0, 1)
        self.setValue(0)
        self.setFormat("No run yet")

    def show_run(self, run: TrainingRun, event: str) -> None:
        if event == controller.RESET:
            self._show_nothing()
            return
        if event == controller.LAUNCHED:
            self.setFormat("Starting…")
            return
        if event in (controller.STARTED, controller.OPENED, controller.PROGRESSED) and run.total_steps:
            # a followed run shows where it stands at once: it may have ended long ago
            self.setRange(0, max(1, run.total_steps))
            self.setValue(min(run.step, run.total_steps))
        elif event == controller.FINISHED and run.outcome == "completed" and run.total_steps:
            self.setValue(run.total_steps)
        text = run.progress_text()
        if text is not None:
            self.setFormat(text)
        elif event == controller.OPENED:
            self.setFormat("Following")
