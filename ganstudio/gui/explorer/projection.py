"""Find the latent of an image: target and reconstruction side by side."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.explorer.image import LatentImageView


class ProjectionPanel(QWidget):
    """Open an image, run the search, see how close the generator gets."""

    open_requested = Signal()
    run_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectionPanel")
        self.open_button = QPushButton("Open image…")
        self.open_button.setObjectName("projectionOpenButton")
        self.open_button.setToolTip("Any size and colour mode; it is fitted to the model")
        self.run_button = QPushButton("Find latent")
        self.run_button.setObjectName("projectButton")
        self.run_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("projectionCancelButton")
        self.cancel_button.setVisible(False)
        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("projectionStepsSpin")
        self.steps_spin.setRange(10, 5000)
        self.steps_spin.setSingleStep(50)
        self.steps_spin.setValue(300)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setObjectName("projectionLrSpin")
        self.lr_spin.setDecimals(3)
        self.lr_spin.setRange(0.001, 1.0)
        self.lr_spin.setSingleStep(0.01)
        self.lr_spin.setValue(0.05)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.target_view = LatentImageView(placeholder="Open or drop an image")
        self.target_view.setObjectName("projectionTarget")
        self.result_view = LatentImageView(placeholder="The generator's closest image")
        self.result_view.setObjectName("projectionResult")
        for view in (self.target_view, self.result_view):
            view.setMinimumSize(120, 120)
        self.error_label = QLabel("")
        self.error_label.setObjectName("projectionError")
        self.error_label.setWordWrap(True)
        intro = QLabel(
            "Find the latent whose image is closest to a picture of yours: Adam on the "
            "pixel error, starting from the best of a few random samples."
        )
        intro.setWordWrap(True)
        self.intro = intro  # W space says how it searches instead

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        form = QFormLayout()
        form.addRow("Steps", self.steps_spin)
        form.addRow("Learning rate", self.lr_spin)
        views = QGridLayout()
        views.addWidget(_caption("Target"), 0, 0)
        views.addWidget(_caption("Reconstruction"), 0, 1)
        views.addWidget(self.target_view, 1, 0)
        views.addWidget(self.result_view, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addLayout(views, 1)
        layout.addWidget(self.error_label)

        self.open_button.clicked.connect(self.open_requested)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)

    def set_target(self, preview: np.ndarray | None) -> None:
        if preview is None:
            self.target_view.clear()
        else:
            self.target_view.set_frame(preview)
        self.result_view.clear()
        self.error_label.clear()
        self.run_button.setEnabled(preview is not None)

    def set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy and self.target_view.array() is not None)
        self.open_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.error_label.setText("Searching…")

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def set_result(self, image: np.ndarray, error: float) -> None:
        self.result_view.set_frame(image)
        psnr = 10 * np.log10(4.0 / max(error, 1e-12))  # pixel range is 2 on the [-1, 1] scale
        self.error_label.setText(
            f"Reconstruction error: MSE {error:.4f} on the [-1, 1] scale ({psnr:.1f} dB PSNR). "
            "The result is now the current latent."
        )


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
