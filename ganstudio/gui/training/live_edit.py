"""Editing the settings of a run while it trains or waits paused.

When a run starts, the form's values are remembered; every later edit is compared with
them, so only what the person changed is sent (a resumed run keeps its own values for the
fields nobody touched). Edited live settings (the learning rates, the loss, the optimizer,
updates per iteration, penalties: core.training.live.LIVE_FIELDS, and the run's length) go
to the worker, which applies them from the next step (``apply_requested``). Edited fields
that need new networks or data (layers, widths, the latent size and its distribution, the
data, the seed) are marked at their fields, and a bar offers "Restart with these settings"
(``restart_requested``): a new run from scratch with the form's settings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton

from ganstudio.gui.common.labels import ElidedLabel
from ganstudio.gui.training.form import ConfigForm

BAR_STYLE = ("QFrame#restartBar { background: palette(alternate-base); border: 1px dashed #c77c02;"
             " border-radius: 4px; }")


class LiveEdit(QObject):
    """Follows the form while a run exists; owns the restart bar (objectName ``restartBar``)."""

    apply_requested = Signal(object)  # the run's RunConfig with the edited live settings
    restart_requested = Signal()

    def __init__(self, form: ConfigForm, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self._baseline: Any = None  # the form's config when the run started
        self._running: Any = None  # the settings the trainer has
        self._sent: dict[str, Any] = {}  # live values sent, so an unchanged edit is not sent again
        self.restart_fields: list[str] = []
        self.bar = QFrame()
        self.bar.setObjectName("restartBar")
        self.bar.setStyleSheet(BAR_STYLE)
        self.label = ElidedLabel()
        self.label.setObjectName("restartLabel")
        self.button = QPushButton("Restart with these settings")
        self.button.setObjectName("restartButton")
        self.button.setToolTip("Stop this run (a checkpoint is saved) and start a new one from scratch "
                               "with the form's settings")
        self.button.clicked.connect(self.restart_requested)
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(6, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.bar.hide()
        form.config_changed.connect(self._on_form_changed)

    @property
    def active(self) -> bool:
        return self._running is not None

    def begin(self, running: Any) -> None:
        """A run started with ``running`` (a copy of the trainer's config)."""
        try:
            self._baseline = self.form.raw_config()
        except ValueError:
            self._baseline = running
        self._running = running
        self._sent = {}
        self._show([])

    def applied(self, running: Any) -> None:
        """The worker took new settings: they are the run's now."""
        if self._running is not None:
            self._running = running

    def end(self) -> None:
        self._baseline = self._running = None
        self._sent = {}
        self._show([])

    def _on_form_changed(self) -> None:
        if self._running is None:
            return
        from ganstudio.core.training import live

        try:
            shown = self.form.raw_config()
        except ValueError:
            return
        edited = live.changed_fields(self._baseline, shown)
        wanted = self._running_with(edited, shown)
        restart = [n for n in live.restart_fields(self._running, wanted) if n in edited]
        self._show(restart)
        if not self.form.is_valid:
            return  # the field shows why; nothing goes to the run until the value is allowed
        offer = self._running_with([n for n in edited if n not in restart], shown)
        values = {n: live.value_of(offer, n) for n in live.changed_fields(self._running, offer)}
        if values and values != self._sent:
            self._sent = values
            self.apply_requested.emit(offer)

    def _running_with(self, names: list[str], shown: Any) -> Any:
        """A copy of the run's settings with the fields ``names`` (dotted) as ``shown`` has them."""
        from ganstudio.core.training import live

        config = live.copy_config(self._running)
        for name in names:
            part, field = name.split(".", 1)
            setattr(getattr(config, part), field, live.value_of(shown, name))
        return config

    def _show(self, restart: list[str]) -> None:
        self.restart_fields = restart
        self.form.mark_restart(restart)
        if restart:
            titles = ", ".join(dict.fromkeys(self.form.field_title(n) for n in restart))
            self.label.setText(f"{titles}: needs new networks or data; the run goes on as it was")
        self.bar.setVisible(bool(restart))
