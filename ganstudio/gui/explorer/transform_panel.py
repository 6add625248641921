"""Move and turn a StyleGAN3 image: translate x/y and rotate sliders for its input transform.

Shown only for generators that have one (core.latent.wspace.has_input_transform). The panel
writes its own field of the WState, ``transform`` = (tx, ty, degrees), with tx and ty in
image widths; the renderer applies it (core.latent.wspace.place) before it draws.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSlider, QWidget

SHIFT_TICKS = 100  # slider ticks per image width
SHIFT_LIMIT = 0.5  # image widths either way
ANGLE_LIMIT = 180


def _slider(name: str, limit: int, tip: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName(name)
    slider.setRange(-limit, limit)
    slider.setToolTip(tip)
    return slider


class TransformPanel(QWidget):
    """Emits ``changed(key, changes)`` with the new ``transform``; ``drag_started`` and
    ``drag_finished`` around a slider drag (the W mode shows previews meanwhile)."""

    changed = Signal(str, object)
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transformPanel")
        shift = int(SHIFT_LIMIT * SHIFT_TICKS)
        self.x_slider = _slider("translateXSlider", shift, "Move the image sideways (image widths)")
        self.y_slider = _slider("translateYSlider", shift, "Move the image up or down (image widths)")
        self.angle_slider = _slider("rotateSlider", ANGLE_LIMIT, "Turn the image (degrees)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("transformResetButton")
        self.reset_button.setToolTip("Put the image back where the model draws it")
        self.value_label = QLabel("")
        self.value_label.setObjectName("transformLabel")
        # as wide as its widest reading, so that the sliders keep their length while they move
        metrics = self.value_label.fontMetrics()
        self.value_label.setMinimumWidth(max(
            metrics.horizontalAdvance(f"{sign}{SHIFT_LIMIT:.2f}, {sign}{SHIFT_LIMIT:.2f}, {sign}{ANGLE_LIMIT}°")
            for sign in "+-"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for row, (text, slider) in enumerate((("Move x", self.x_slider), ("Move y", self.y_slider),
                                              ("Rotate", self.angle_slider))):
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(slider, row, 1)
            slider.valueChanged.connect(self._on_value_changed)
            slider.sliderPressed.connect(self.drag_started)
            slider.sliderReleased.connect(self.drag_finished)
        grid.addWidget(self.reset_button, 0, 2)
        grid.addWidget(self.value_label, 1, 2, 2, 1)
        self.reset_button.clicked.connect(lambda: self.changed.emit("transform-reset",
                                                                    {"transform": (0.0, 0.0, 0.0)}))
        self._show_values((0.0, 0.0, 0.0))

    def transform(self) -> tuple[float, float, float]:
        return (self.x_slider.value() / SHIFT_TICKS, self.y_slider.value() / SHIFT_TICKS,
                float(self.angle_slider.value()))

    def show_transform(self, transform: tuple[float, float, float]) -> None:
        """Reflect a state's transform without emitting anything."""
        tx, ty, angle = transform
        for slider, value in ((self.x_slider, tx * SHIFT_TICKS), (self.y_slider, ty * SHIFT_TICKS),
                              (self.angle_slider, angle)):
            slider.blockSignals(True)
            slider.setValue(round(value))
            slider.blockSignals(False)
        self._show_values(transform)

    def _show_values(self, transform: tuple[float, float, float]) -> None:
        tx, ty, angle = transform
        self.value_label.setText(f"{tx:+.2f}, {ty:+.2f}, {angle:+.0f}°")

    def _on_value_changed(self, _value: int) -> None:
        transform = self.transform()
        self._show_values(transform)
        self.changed.emit("transform", {"transform": transform})
