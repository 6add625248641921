"""The class controls of a conditional generator, on the Latent page: the class drawn, and
a morph from it to a second class at the same latent (a slider, playback and an export).

The panel knows the class names and its own widgets; what a choice does to the state and
the frame is the :class:`~ganstudio.gui.explorer.classes.ClassController`'s business.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

MORPH_TICKS = 100  # slider positions from the first class to the second
PLAY_STEP = 4  # ticks a playback frame moves


class ClassPanel(QWidget):
    """``class_chosen(index)``; ``morph_moved(t)`` (0: the class shown, 1: the "to" class)
    while the slider moves or plays; ``morph_export_requested``."""

    class_chosen = Signal(int)
    morph_moved = Signal(float)
    morph_export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classPanel")
        self.class_picker = QComboBox()
        self.class_picker.setObjectName("classPicker")
        self.class_picker.setToolTip("The class the conditional generator draws")
        self.to_picker = QComboBox()
        self.to_picker.setObjectName("classToPicker")
        self.to_picker.setToolTip("The class the morph ends at")
        self.morph_slider = QSlider(Qt.Orientation.Horizontal)
        self.morph_slider.setObjectName("classMorphSlider")
        self.morph_slider.setRange(0, MORPH_TICKS)
        self.morph_slider.setToolTip(
            "Blend the two classes' labels at the same latent: the image turns from one class "
            "into the other")
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("classMorphPlayButton")
        self.play_button.setCheckable(True)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("classMorphExportButton")
        self.export_button.setToolTip("Save the morph there and back as a GIF, an MP4 or a PNG strip")
        self.morph_label = QLabel("")
        self.morph_label.setObjectName("classMorphLabel")
        self.note = QLabel("")
        self.note.setObjectName("classNote")
        self.note.setWordWrap(True)
        self.note.setEnabled(False)
        self._timer = QTimer(self)
        self._timer.setObjectName("classMorphTimer")
        self._timer.setInterval(1000 // 24)
        self._direction = 1

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        grid.addWidget(QLabel("Class"), 0, 0)
        grid.addWidget(self.class_picker, 0, 1, 1, 2)
        grid.addWidget(QLabel("Morph to"), 1, 0)
        grid.addWidget(self.to_picker, 1, 1, 1, 2)
        grid.addWidget(self.play_button, 2, 0)
        grid.addWidget(self.morph_slider, 2, 1)
        grid.addWidget(self.morph_label, 2, 2)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addLayout(row)

        self.class_picker.currentIndexChanged.connect(self._on_class_picked)
        self.to_picker.currentIndexChanged.connect(lambda _i: self._on_morph_value(
            self.morph_slider.value()))
        self.morph_slider.valueChanged.connect(self._on_morph_value)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.export_button.clicked.connect(self.morph_export_requested)
        self._timer.timeout.connect(self._on_tick)

    # ------------------------------------------------------------ what the controller sets
    def set_classes(self, names: list[str]) -> None:
        """The generator's class names (none: an unconditional generator, the panel hides)."""
        self.stop()
        for combo in (self.class_picker, self.to_picker):
            combo.blockSignals(True)
            combo.clear()
            for i, name in enumerate(names):
                combo.addItem(name if name == str(i) else f"{i}: {name}", i)
            combo.blockSignals(False)
        if len(names) > 1:
            self.to_picker.setCurrentIndex(1)
        self.reset_morph()
        self.setVisible(bool(names))

    def show_class(self, index: int) -> None:
        """Reflect the state's class without emitting anything."""
        if self.class_picker.currentIndex() != index:
            self.class_picker.blockSignals(True)
            self.class_picker.setCurrentIndex(index)
            self.class_picker.blockSignals(False)
        self._update_label()

    def reset_morph(self) -> None:
        """Back to the class shown (after an edit of the state), unless the morph plays."""
        if self.is_playing():
            return
        self.morph_slider.blockSignals(True)
        self.morph_slider.setValue(0)
        self.morph_slider.blockSignals(False)
        self._update_label()

    def set_note(self, text: str) -> None:
        self.note.setText(text)  # empty, it still holds the Export button to the right

    # ------------------------------------------------------------ queries
    def current_class(self) -> int:
        return max(0, self.class_picker.currentIndex())

    def to_class(self) -> int:
        return max(0, self.to_picker.currentIndex())

    def morph_t(self) -> float:
        return self.morph_slider.value() / MORPH_TICKS

    def is_playing(self) -> bool:
        return self.play_button.isChecked()

    def stop(self) -> None:
        self.play_button.setChecked(False)

    # ------------------------------------------------------------ slots
    def _on_class_picked(self, index: int) -> None:
        self.stop()
        self.reset_morph()
        if index >= 0:
            self.class_chosen.emit(index)

    def _on_morph_value(self, value: int) -> None:
        self._update_label()
        self.morph_moved.emit(value / MORPH_TICKS)

    def _update_label(self) -> None:
        a, b = self.class_picker.currentText(), self.to_picker.currentText()
        self.morph_label.setText(f"{round(100 * self.morph_t())} % of {b}" if b else "")
        self.morph_slider.setToolTip(f"From {a} to {b}" if a and b else "")

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    def _on_tick(self) -> None:
        # there and back, until paused
        value = self.morph_slider.value() + self._direction * PLAY_STEP
        if not 0 <= value <= MORPH_TICKS:
            self._direction = -self._direction
            value = min(MORPH_TICKS, max(0, value))
        self.morph_slider.setValue(value)
