"""The explorer's latent page: seed, truncation and one slider per dimension."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.explorer.sliders import LatentSliderPanel

PSI_TICKS = 100  # truncation slider positions per unit of psi
PSI_MAX = 1.5
MAX_SEED = 2**31 - 1


class LatentControls(QWidget):
    """``seed_changed``, ``psi_changed`` and the slider panel's own signals."""

    seed_changed = Signal(int)
    psi_changed = Signal(float)
    psi_edit_started = Signal()
    psi_edit_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        # -1 reads "—": the latent shown is no seed's (it came from a file)
        self.seed_spin.setRange(-1, MAX_SEED)
        self.seed_spin.setSpecialValueText("—")
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The same seed always gives the same sample")
        self.randomize_button = QPushButton("Randomize")
        self.randomize_button.setObjectName("randomizeButton")
        self.randomize_button.setToolTip("Jump to a random seed")
        self.truncation_slider = QSlider(Qt.Orientation.Horizontal)
        self.truncation_slider.setObjectName("truncationSlider")
        self.truncation_slider.setRange(0, int(PSI_MAX * PSI_TICKS))
        self.truncation_slider.setValue(PSI_TICKS)
        self.truncation_slider.setPageStep(10)
        self.truncation_slider.setToolTip(
            "Truncation ψ scales z towards the centre of the latent space: lower values give "
            "more typical, less varied images"
        )
        self.psi_label = QLabel(self._psi_text(1.0))
        self.psi_label.setMinimumWidth(self.psi_label.fontMetrics().horizontalAdvance("ψ 0.00") + 6)
        self.sliders = LatentSliderPanel()

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.addWidget(QLabel("Seed"), 0, 0)
        grid.addWidget(self.seed_spin, 0, 1)
        grid.addWidget(self.randomize_button, 0, 2)
        grid.addWidget(QLabel("Truncation"), 1, 0)
        grid.addWidget(self.truncation_slider, 1, 1)
        grid.addWidget(self.psi_label, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(self.sliders, 1)

        self.seed_spin.valueChanged.connect(
            lambda seed: seed >= 0 and self.seed_changed.emit(seed))
        self.randomize_button.clicked.connect(self._on_randomize_clicked)
        self.truncation_slider.valueChanged.connect(self._on_truncation_value_changed)
        self.truncation_slider.sliderPressed.connect(self.psi_edit_started)
        self.truncation_slider.sliderReleased.connect(self.psi_edit_finished)

    def psi(self) -> float:
        return self.truncation_slider.value() / PSI_TICKS

    def show_no_seed(self) -> None:
        """The latent shown is no seed's: the seed box says so ("—") until one is chosen."""
        self.seed_spin.blockSignals(True)
        self.seed_spin.setValue(-1)
        self.seed_spin.blockSignals(False)

    def seed(self) -> int:
        """The seed in the box (0 while it says "—")."""
        return max(0, self.seed_spin.value())

    def show_state(self, seed: int | None, psi: float, z: np.ndarray | None) -> None:
        """Reflect a state in the widgets without emitting anything."""
        if seed is not None and seed != self.seed_spin.value():
            self.seed_spin.blockSignals(True)
            self.seed_spin.setValue(seed)
            self.seed_spin.blockSignals(False)
        tick = int(round(psi * PSI_TICKS))
        if tick != self.truncation_slider.value():
            self.truncation_slider.blockSignals(True)
            self.truncation_slider.setValue(tick)
            self.truncation_slider.blockSignals(False)
        self.psi_label.setText(self._psi_text(psi))
        if z is not None:
            self.sliders.set_values(z)

    @staticmethod
    def _psi_text(psi: float) -> str:
        return f"ψ {psi:.2f}"

    def _on_randomize_clicked(self) -> None:
        seed = int(np.random.default_rng().integers(0, MAX_SEED))
        if seed == self.seed_spin.value():
            seed = (seed + 1) % MAX_SEED
        self.seed_spin.setValue(seed)

    def _on_truncation_value_changed(self, tick: int) -> None:
        psi = tick / PSI_TICKS
        self.psi_label.setText(self._psi_text(psi))
        self.psi_changed.emit(psi)
