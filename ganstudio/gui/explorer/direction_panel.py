"""The Directions page: sliders along named directions, the layer they come from, their
files, and strips and videos along one of them.

The panel knows directions only by their names, shares of variance and layer; what a
direction moves (z here, W for a StyleGAN2) is up to whoever listens to its signals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.explorer.sliders import _header, _SliderRows

DEFAULT_SWEEP_SIGMA = 3.0
DEFAULT_SWEEP_STEPS = 7  # GANSpace's figures show a component in about this many images


def shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


class DirectionSliderPanel(QWidget):
    """Sliders along principal directions (GANSpace), each labelled with its name and share
    of variance; a double click on a name renames it.

    Signals: ``find_requested`` and ``cancel_requested`` for the search, ``layer_chosen``
    (a layer picked in the combo), ``renamed(index, name)``, ``save_requested``,
    ``load_requested``, ``strip_requested(index, sigma, steps)`` and
    ``video_requested(index, sigma)``.
    """

    value_changed = Signal(int, float)
    edit_started = Signal()
    edit_finished = Signal()
    reset_requested = Signal()
    find_requested = Signal()
    cancel_requested = Signal()
    layer_chosen = Signal(str)
    renamed = Signal(int, str)
    save_requested = Signal()
    load_requested = Signal()
    strip_requested = Signal(int, float, int)
    video_requested = Signal(int, float)

    LIMIT = 6.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("directionSliders")
        self._explained = np.zeros(0, np.float32)
        self._layer = ""
        self._names: list[str] = []
        self.find_button = QPushButton("Find directions")
        self.find_button.setObjectName("findDirectionsButton")
        self.find_button.setToolTip(
            "Sample many latents, take the principal components of the chosen layer's "
            "activations and map them back to z (GANSpace)"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("directionResetButton")
        self.reset_button.setEnabled(False)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("directionLayerCombo")
        self.layer_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.layer_combo.setToolTip(
            "Where the principal components are taken: z itself, or the output of one of the "
            "generator's blocks (early blocks give changes of the whole image, later ones "
            "of details). Choosing a layer finds its directions."
        )
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        self.status = QLabel(
            "Principal directions move the image along the ways it varies most. "
            "Find them once per generator and layer; they are cached."
        )
        self.status.setWordWrap(True)
        self.status.setObjectName("directionStatus")
        self.rows = _SliderRows("directionSlider", self.LIMIT, renamable=True)
        self._build_bottom()
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("Layer"))
        layer_row.addWidget(self.layer_combo, 1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(
            _header("Directions", self.find_button, self.cancel_button, self.reset_button)
        )
        layout.addLayout(layer_row)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.rows, 1)
        layout.addWidget(line)
        layout.addLayout(self._sweep_row)
        layout.addLayout(self._files_row)
        self.find_button.clicked.connect(self.find_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.reset_button.clicked.connect(self.reset_requested)
        self.layer_combo.activated.connect(self._on_layer_activated)
        self.rows.value_changed.connect(self.value_changed)
        self.rows.edit_started.connect(self.edit_started)
        self.rows.edit_finished.connect(self.edit_finished)
        self.rows.renamed.connect(self.renamed)
        self._update_enabled()

    def _build_bottom(self) -> None:
        self.sweep_combo = QComboBox()
        self.sweep_combo.setObjectName("sweepDirectionCombo")
        self.sweep_combo.setToolTip("The direction a strip or video moves along")
        self.sweep_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sigma_spin = QDoubleSpinBox()
        self.sigma_spin.setObjectName("sweepSigmaSpin")
        self.sigma_spin.setRange(0.25, self.LIMIT)
        self.sigma_spin.setSingleStep(0.5)
        self.sigma_spin.setValue(DEFAULT_SWEEP_SIGMA)
        self.sigma_spin.setPrefix("± ")
        self.sigma_spin.setToolTip("How far the sweep goes each way, in slider units")
        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("sweepStepsSpin")
        self.steps_spin.setRange(2, 15)
        self.steps_spin.setValue(DEFAULT_SWEEP_STEPS)
        self.steps_spin.setSuffix(" images")
        self.steps_spin.setToolTip("Images in a strip, evenly spaced from −s to +s")
        self.strip_button = QPushButton("Strip PNG…")
        self.strip_button.setObjectName("exportStripButton")
        self.strip_button.setToolTip(
            "Save the image shown moved along the direction from −s to +s, side by side"
        )
        self.video_button = QPushButton("Video…")
        self.video_button.setObjectName("exportVideoButton")
        self.video_button.setToolTip(
            "Save a GIF or MP4 of the image shown sweeping −s → +s → −s along the direction"
        )
        self.save_button = QPushButton("Save directions…")
        self.save_button.setObjectName("saveDirectionsButton")
        self.save_button.setToolTip(
            "Write the directions with their names, layer and shares of variance to a file"
        )
        self.load_button = QPushButton("Load directions…")
        self.load_button.setObjectName("loadDirectionsButton")
        self.load_button.setToolTip("Read directions saved for this generator")
        hint = QLabel("Double-click a name to rename it.")
        hint.setEnabled(False)
        self._sweep_row = QHBoxLayout()
        self._sweep_row.addWidget(QLabel("Sweep"))
        self._sweep_row.addWidget(self.sweep_combo, 1)
        self._sweep_row.addWidget(self.sigma_spin)
        self._sweep_row.addWidget(self.steps_spin)
        self._sweep_row.addWidget(self.strip_button)
        self._sweep_row.addWidget(self.video_button)
        self._files_row = QHBoxLayout()
        self._files_row.addWidget(hint, 1)
        self._files_row.addWidget(self.save_button)
        self._files_row.addWidget(self.load_button)
        self.strip_button.clicked.connect(self._on_strip_clicked)
        self.video_button.clicked.connect(self._on_video_clicked)
        self.save_button.clicked.connect(self.save_requested)
        self.load_button.clicked.connect(self.load_requested)

    # ------------------------------------------------------------ the search
    def set_busy(self, busy: bool, text: str = "") -> None:
        self.find_button.setEnabled(not busy)
        self.layer_combo.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        if text:
            self.status.setText(text)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    # ------------------------------------------------------------ layers
    def set_layers(self, layers: Sequence[tuple[str, str]], current: str = "") -> None:
        """``(name, description)`` of each layer directions can come from."""
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for name, text in layers:
            self.layer_combo.addItem(text, name)
        self.layer_combo.blockSignals(False)
        self.select_layer(current)

    def select_layer(self, name: str) -> None:
        """Show ``name`` as the chosen layer, without asking for a search."""
        index = self.layer_combo.findData(name)
        if index >= 0:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setCurrentIndex(index)
            self.layer_combo.blockSignals(False)

    def chosen_layer(self) -> str | None:
        """The layer in the combo; None before layers are listed."""
        return self.layer_combo.currentData() if self.layer_combo.count() else None

    def _on_layer_activated(self, index: int) -> None:
        name = self.layer_combo.itemData(index)
        if name is not None:
            self.layer_chosen.emit(str(name))

    # ------------------------------------------------------------ directions
    def set_directions(
        self,
        explained: np.ndarray | None,
        layer: str = "",
        names: Sequence[str] | None = None,
        note: str = "",
    ) -> None:
        """Rows for directions with these shares of variance (None: no directions).

        ``note`` follows the summary in the status line (e.g. where they came from).
        """
        if explained is None or len(explained) == 0:
            self._explained, self._names = np.zeros(0, np.float32), []
            self.rows.rebuild([])
            self._fill_sweep_combo()
            self._update_enabled()
            return
        self._explained = np.asarray(explained, np.float32)
        self._layer = layer
        self._names = [
            (names[i] if names is not None and i < len(names) and names[i] else f"PC{i + 1}")
            for i in range(len(explained))
        ]
        labels = [self._label(i) for i in range(len(explained))]
        where = self.layer_text(layer)
        tips = [
            f"Principal direction {i + 1}: {100 * float(e):.2f}% of the variance of {where}"
            for i, e in enumerate(explained)
        ]
        self.rows.rebuild(labels, tips, self._names)
        self._fill_sweep_combo()
        self._update_enabled()
        total = 100 * float(np.sum(explained))
        summary = f"{len(explained)} directions, {total:.1f}% of the variance of {where}."
        self.status.setText(f"{summary} {note}".strip())
        self.select_layer(layer)

    @staticmethod
    def layer_text(layer: str) -> str:
        if layer == "z":
            return "latent z"
        return f"layer '{layer}'" if layer else "the output"

    def set_name(self, index: int, name: str) -> None:
        self._names[index] = name
        self.rows.set_label(index, self._label(index), name)
        self.sweep_combo.setItemText(index, name)

    def names(self) -> list[str]:
        return list(self._names)

    def _label(self, index: int) -> str:
        return f"{self._names[index]}  {100 * float(self._explained[index]):.1f}%"

    def _fill_sweep_combo(self) -> None:
        current = max(0, self.sweep_combo.currentIndex())
        self.sweep_combo.clear()
        self.sweep_combo.addItems(self._names)
        if self._names:
            self.sweep_combo.setCurrentIndex(min(current, len(self._names) - 1))

    def _update_enabled(self) -> None:
        has = bool(self._names)
        for w in (
            self.reset_button,
            self.sweep_combo,
            self.sigma_spin,
            self.steps_spin,
            self.strip_button,
            self.video_button,
            self.save_button,
        ):
            w.setEnabled(has)

    def _on_strip_clicked(self) -> None:
        index = self.sweep_combo.currentIndex()
        if index >= 0:
            self.strip_requested.emit(index, self.sigma_spin.value(), self.steps_spin.value())

    def _on_video_clicked(self) -> None:
        index = self.sweep_combo.currentIndex()
        if index >= 0:
            self.video_requested.emit(index, self.sigma_spin.value())

    def set_values(self, offsets: Sequence[float]) -> None:
        self.rows.set_values(np.asarray(offsets, np.float32))

    def count(self) -> int:
        return self.rows.count()
