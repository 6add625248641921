"""Scrolling rows of labelled sliders (renamable on request), and the panel of latent dimensions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

TICKS_PER_UNIT = 100  # slider positions per latent unit: 0.01 resolution


class _NameLabel(QLabel):
    """A row's label that asks to be renamed on a double click."""

    double_clicked = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.double_clicked.emit()
        event.accept()


class _NameEditor(QLineEdit):
    """The inline editor over a row's label: Enter or leaving it keeps the name, Esc not."""

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class _SliderRows(QWidget):
    """A scroll area of labelled sliders with a value readout each.

    Emits ``value_changed(index, value)`` for changes a person makes, and
    ``edit_started`` / ``edit_finished`` around a drag (undo groups a drag).
    """

    value_changed = Signal(int, float)
    edit_started = Signal()
    edit_finished = Signal()
    renamed = Signal(int, str)  # a person gave row i a new name (renamable rows only)

    def __init__(
        self, prefix: str, limit: float, parent: QWidget | None = None, *, renamable: bool = False
    ) -> None:
        super().__init__(parent)
        self._prefix = prefix
        self._limit = limit
        self._renamable = renamable
        self._names: list[str] = []
        self._editor: _NameEditor | None = None
        self._editing = -1
        self._sliders: list[QSlider] = []
        self._readouts: list[QLabel] = []
        self._labels: list[QLabel] = []
        self._body = QWidget()
        self._grid = QGridLayout(self._body)
        self._grid.setContentsMargins(4, 2, 4, 2)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(1)
        self._grid.setColumnStretch(1, 1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._scroll.setWidget(self._body)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)

    def count(self) -> int:
        return len(self._sliders)

    def slider(self, index: int) -> QSlider:
        return self._sliders[index]

    def rebuild(
        self,
        labels: Sequence[str],
        tooltips: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
    ) -> None:
        """One row per label; all values zero. ``names`` are what the rename editor starts
        from (the labels by default)."""
        self._close_editor()
        self._names = list(names) if names is not None else list(labels)
        for widgets in (self._sliders, self._readouts, self._labels):
            for w in widgets:
                w.setParent(None)
                w.deleteLater()
            widgets.clear()
        ticks = int(round(self._limit * TICKS_PER_UNIT))
        for i, text in enumerate(labels):
            label = _NameLabel(text) if self._renamable else QLabel(text)
            label.setObjectName(f"{self._prefix}Label_{i}")
            if self._renamable:
                label.double_clicked.connect(lambda i=i: self.start_rename(i))
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"{self._prefix}_{i}")
            slider.setRange(-ticks, ticks)
            slider.setSingleStep(5)
            slider.setPageStep(50)
            slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            readout = QLabel(self._format(0.0))
            # A fixed size: new text then never triggers a relayout of the panel.
            readout.setFixedSize(
                readout.fontMetrics().horizontalAdvance("+0.00") + 6,
                readout.fontMetrics().height() + 2,
            )
            readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if tooltips:
                for w in (label, slider):
                    w.setToolTip(tooltips[i])
            if self._renamable:
                label.setToolTip(label.toolTip() + "\nDouble-click to rename.")
            slider.valueChanged.connect(lambda v, i=i: self._on_slider_value_changed(i, v))
            slider.sliderPressed.connect(self.edit_started)
            slider.sliderReleased.connect(self.edit_finished)
            self._grid.addWidget(label, i, 0)
            self._grid.addWidget(slider, i, 1)
            self._grid.addWidget(readout, i, 2)
            self._labels.append(label)
            self._sliders.append(slider)
            self._readouts.append(readout)
        self._grid.setRowStretch(len(labels), 1)

    def label(self, index: int) -> QLabel:
        return self._labels[index]

    def set_label(self, index: int, text: str, name: str | None = None) -> None:
        self._labels[index].setText(text)
        if name is not None:
            self._names[index] = name

    def start_rename(self, index: int) -> QLineEdit:
        """An editor over row ``index``'s label, holding its name, selected."""
        self._close_editor()
        editor = _NameEditor(self._names[index])
        editor.setObjectName(f"{self._prefix}NameEdit")
        editor.selectAll()
        editor.editingFinished.connect(self._finish_rename)
        editor.cancelled.connect(self._close_editor)
        self._editor, self._editing = editor, index
        self._labels[index].setVisible(False)
        self._grid.addWidget(editor, index, 0)
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return editor

    def _finish_rename(self) -> None:
        if self._editor is None:
            return  # editingFinished also comes when the closed editor loses focus
        index, text = self._editing, self._editor.text().strip()
        self._close_editor()
        if text != self._names[index]:
            self.renamed.emit(index, text)

    def _close_editor(self) -> None:
        editor, index = self._editor, self._editing
        self._editor, self._editing = None, -1
        if editor is None:
            return
        editor.blockSignals(True)
        editor.setParent(None)
        editor.deleteLater()
        if 0 <= index < len(self._labels):
            self._labels[index].setVisible(True)

    def value(self, index: int) -> float:
        return self._sliders[index].value() / TICKS_PER_UNIT

    def values(self) -> np.ndarray:
        return np.array([s.value() for s in self._sliders], np.float32) / TICKS_PER_UNIT

    def set_values(self, values: Sequence[float] | np.ndarray) -> None:
        """Show ``values`` without emitting ``value_changed``."""
        for i, slider in enumerate(self._sliders):
            v = float(values[i]) if i < len(values) else 0.0
            tick = int(round(np.clip(v, -self._limit, self._limit) * TICKS_PER_UNIT))
            if slider.value() != tick:
                slider.blockSignals(True)
                slider.setValue(tick)
                slider.blockSignals(False)
            self._readouts[i].setText(self._format(v))

    @staticmethod
    def _format(value: float) -> str:
        return f"{value:+.2f}"

    def _on_slider_value_changed(self, index: int, tick: int) -> None:
        value = tick / TICKS_PER_UNIT
        # First: the frame request leaves last in value_changed, and Python work after
        # it here would take the GIL from the render worker's forward.
        self._readouts[index].setText(self._format(value))
        self.value_changed.emit(index, value)


def _header(title: str, *buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    label = QLabel(f"<b>{title}</b>")
    row.addWidget(label)
    row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    return row


class LatentSliderPanel(QWidget):
    """One slider per latent dimension (range +-3), with Reset.

    The panel's object name is ``latentSliders``; its sliders are ``latentSlider_<i>``.
    """

    value_changed = Signal(int, float)
    edit_started = Signal()
    edit_finished = Signal()
    reset_requested = Signal()

    LIMIT = 3.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentSliders")
        self.rows = _SliderRows("latentSlider", self.LIMIT)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("latentResetButton")
        self.reset_button.setToolTip("Set every dimension of z to zero")
        self.reset_button.clicked.connect(self.reset_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(_header("Latent dimensions (before truncation)", self.reset_button))
        layout.addWidget(self.rows, 1)
        self.rows.value_changed.connect(self.value_changed)
        self.rows.edit_started.connect(self.edit_started)
        self.rows.edit_finished.connect(self.edit_finished)

    def set_dim(self, dim: int) -> None:
        if self.rows.count() != dim:
            self.rows.rebuild([f"z{i}" for i in range(dim)])

    def set_values(self, z: np.ndarray) -> None:
        self.rows.set_values(z)

    def slider(self, index: int) -> QSlider:
        return self.rows.slider(index)
