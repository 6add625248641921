"""The W-space panel shown under seed and truncation when a style generator is explored.

The layers truncation moves (the rest keep their w, as NVlabs' truncation cutoff), style
mixing from a second seed over any set of layers (as the StyleGAN3 visualizer's mixing
widget; a range, a preset group of resolutions, or layer by layer), the layers the
Directions page's GANSpace sliders move, the noise inputs (none, the model's constant noise,
or random noise from a seed), a line about the drag preview, and, folded away, one slider
per dimension of w. The panel writes only its own fields of the WState.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.explorer.sliders import _SliderRows
from ganstudio.gui.explorer.transform_panel import TransformPanel

MAX_SEED = 2**31 - 1
W_LIMIT = 4.0  # raw w slider range, +-: w's dimensions rarely leave it

LAYER_COLUMNS = 9  # layer buttons per row: a 1024 px model's 18 styles take two rows


def layer_resolution(index: int, num_ws: int, img_resolution: int) -> int:
    """The block a style input belongs to: ws 0 is the 4 px block's conv, then two per block
    (its upsampling conv and its conv), and the last feeds the final toRGB."""
    if index >= num_ws - 1:
        return img_resolution
    return min(img_resolution, 4 * 2 ** ((index + 1) // 2))


def res_text(resolutions: list[int]) -> str:
    lo, hi = min(resolutions), max(resolutions)
    return f"{lo} px" if lo == hi else f"{lo}–{hi} px"


def layer_presets(resolutions: list[int]) -> list[tuple[str, list[int]]]:
    """(label, layers) of the coarse, middle and fine styles and of all of them, from the size
    of the maps each style modulates (``resolutions``, one per style input).

    Where the model has them, the StyleGAN paper's groups (Karras et al. 2019, section 3.1):
    up to 8 px, 16-32 px, 64 px and up. Otherwise its own sizes are split in three, so that
    every group names layers the model has.
    """
    blocks = sorted(set(resolutions))
    if blocks[0] <= 8 and blocks[-1] >= 64:
        groups = [[r for r in blocks if r <= 8], [r for r in blocks if 8 < r < 64],
                  [r for r in blocks if r >= 64]]
    else:
        groups = [[int(r) for r in g] for g in np.array_split(np.array(blocks), 3)]
    groups = [g for g in groups if g]
    names = {3: ("Coarse", "Middle", "Fine"), 2: ("Coarse", "Fine")}.get(len(groups), ())
    out = [(f"{name} ({res_text(group)})", [i for i, r in enumerate(resolutions) if r in group])
           for name, group in zip(names, groups, strict=False)]
    return [*out, (f"All ({res_text(blocks)})", list(range(len(resolutions))))]


def _spin(name: str, maximum: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, maximum)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


class WSpacePanel(QWidget):
    """Emits ``changed(key, changes)`` with WState fields to change, ``key`` naming the edit
    for undo; ``w_changed(index, value)`` for a raw w slider; ``drag_started`` and
    ``drag_finished`` around a raw slider drag."""

    changed = Signal(str, object)
    w_changed = Signal(int, float)
    w_reset_requested = Signal()
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wspacePanel")
        self._num_ws = 1
        self._res = 4
        self._layer_res: list[int] = [4]  # the map size each style input modulates
        self._w_dim = 0
        self._base_w: np.ndarray | None = None
        self.title = QLabel("<b>W space</b>")
        self.title.setObjectName("wspaceTitle")

        self.mix_check = QCheckBox("Style mixing")
        self.mix_check.setObjectName("mixCheck")
        self.mix_check.setToolTip(
            "Take the styles of some layers from a second seed: coarse layers carry pose and "
            "shape, middle ones features, fine ones colour and texture"
        )
        self.mix_seed_spin = _spin("mixSeedSpin", MAX_SEED, "The seed whose styles are mixed in")
        self.mix_from_spin = _spin("mixFromSpin", 0, "First layer taken from the mixing seed")
        self.mix_to_spin = _spin("mixToSpin", 0, "Last layer taken from the mixing seed")
        self.mix_range_label = QLabel("")
        self.mix_preset_combo = QComboBox()
        self.mix_preset_combo.setObjectName("mixPresetCombo")
        self.mix_preset_combo.setToolTip("Set the mixing layers to a group of resolutions")
        self.mix_layer_buttons: list[QToolButton] = []
        self.mix_layer_grid = QGridLayout()
        self.mix_layer_grid.setSpacing(2)

        self.cutoff_spin = QSpinBox()
        self.cutoff_spin.setObjectName("truncCutoffSpin")
        self.cutoff_spin.setRange(1, 1)
        self.cutoff_spin.setKeyboardTracking(False)
        self.cutoff_spin.setToolTip(
            "How many layers, from the coarsest, truncation moves towards the average w; the "
            "later layers keep their own w (NVlabs' truncation cutoff)"
        )
        self.cutoff_label = QLabel("")
        self.cutoff_label.setObjectName("truncCutoffLabel")
        self.transform_panel = TransformPanel()  # StyleGAN3 only
        self.transform_panel.setVisible(False)

        self.dir_from_spin = _spin("dirFromSpin", 0, "First layer the direction sliders move")
        self.dir_to_spin = _spin("dirToSpin", 0, "Last layer the direction sliders move")
        self.dir_range_label = QLabel("")

        self.noise_combo = QComboBox()
        self.noise_combo.setObjectName("noiseCombo")
        self.noise_combo.addItem("Constant", "const")
        self.noise_combo.addItem("Random", "random")
        self.noise_combo.addItem("None", "none")
        self.noise_combo.setToolTip(
            "The per-pixel noise inputs: the model's stored constant noise, noise drawn "
            "from the noise seed (the same seed gives the same frame), or none at all"
        )
        self.noise_seed_spin = _spin("noiseSeedSpin", MAX_SEED, "Seed of the random noise")
        self.noise_seed_spin.setEnabled(False)

        self.preview_label = QLabel("While a slider is dragged, a smaller image is shown; the "
                                    "full frame follows when it stops.")
        self.preview_label.setObjectName("wspacePreviewLabel")
        self.preview_label.setWordWrap(True)
        self.preview_label.setEnabled(False)  # a note, drawn in the dimmed colour

        self.raw_toggle = QToolButton()
        self.raw_toggle.setObjectName("wRawToggle")
        self.raw_toggle.setText("w dimensions (before truncation)")
        self.raw_toggle.setCheckable(True)
        self.raw_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.raw_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.raw_toggle.setAutoRaise(True)
        self.raw_toggle.setToolTip("One slider per dimension of the base w (before truncation)")
        self.raw_reset = QPushButton("Back to seed")
        self.raw_reset.setObjectName("wResetButton")
        self.raw_reset.setToolTip("Forget the edits of w: show the seed's own w again")
        self.raw_rows = _SliderRows("wSlider", W_LIMIT)
        self.raw_rows.setObjectName("wSliders")
        self.raw_rows.setVisible(False)
        self.raw_reset.setVisible(False)

        grid = QGridLayout()
        grid.setColumnStretch(5, 1)
        grid.setHorizontalSpacing(6)
        grid.addWidget(self.mix_check, 0, 0)
        grid.addWidget(QLabel("seed"), 0, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.mix_seed_spin, 0, 2, 1, 3)
        grid.addWidget(self.mix_preset_combo, 0, 5)
        grid.addWidget(QLabel("Mix layers"), 1, 0)
        grid.addWidget(self.mix_from_spin, 1, 2)
        grid.addWidget(QLabel("to"), 1, 3)
        grid.addWidget(self.mix_to_spin, 1, 4)
        grid.addWidget(self.mix_range_label, 1, 5)
        grid.addLayout(self.mix_layer_grid, 2, 1, 1, 5)
        grid.addWidget(QLabel("Direction layers"), 3, 0)
        grid.addWidget(self.dir_from_spin, 3, 2)
        grid.addWidget(QLabel("to"), 3, 3)
        grid.addWidget(self.dir_to_spin, 3, 4)
        grid.addWidget(self.dir_range_label, 3, 5)
        grid.addWidget(QLabel("Truncate layers"), 4, 0)
        grid.addWidget(self.cutoff_spin, 4, 2, 1, 3)
        grid.addWidget(self.cutoff_label, 4, 5)
        grid.addWidget(QLabel("Noise"), 5, 0)
        noise_row = QHBoxLayout()
        noise_row.addWidget(self.noise_combo)
        noise_row.addWidget(QLabel("seed"))
        noise_row.addWidget(self.noise_seed_spin)
        noise_row.addStretch(1)
        grid.addLayout(noise_row, 5, 2, 1, 4)
        for label in (self.mix_range_label, self.dir_range_label, self.cutoff_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        raw_row = QHBoxLayout()
        raw_row.addWidget(self.raw_toggle)
        raw_row.addStretch(1)
        raw_row.addWidget(self.raw_reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addWidget(self.transform_panel)
        layout.addWidget(self.preview_label)
        layout.addLayout(raw_row)
        layout.addWidget(self.raw_rows, 1)
        layout.addStretch(1)  # holds the controls together at the top while w is folded
        self._layout = layout

        self.mix_check.toggled.connect(self._on_mix_toggled)
        self.mix_seed_spin.valueChanged.connect(self._on_mix_seed_changed)
        self.mix_from_spin.valueChanged.connect(lambda v: self._on_range("mix_from", v))
        self.mix_to_spin.valueChanged.connect(lambda v: self._on_range("mix_to", v))
        self.mix_preset_combo.activated.connect(self._on_preset_activated)
        self.dir_from_spin.valueChanged.connect(lambda v: self._on_range("dir_from", v))
        self.dir_to_spin.valueChanged.connect(lambda v: self._on_range("dir_to", v))
        self.cutoff_spin.valueChanged.connect(self._on_cutoff_changed)
        self.transform_panel.changed.connect(self.changed)
        self.transform_panel.drag_started.connect(self.drag_started)
        self.transform_panel.drag_finished.connect(self.drag_finished)
        self.noise_combo.currentIndexChanged.connect(self._on_noise_changed)
        self.noise_seed_spin.valueChanged.connect(
            lambda v: self.changed.emit("noise-seed", {"noise_seed": int(v)})
        )
        self.raw_toggle.toggled.connect(self._on_raw_toggled)
        self.raw_reset.clicked.connect(self.w_reset_requested)
        self.raw_rows.value_changed.connect(self.w_changed)
        self.raw_rows.edit_started.connect(self.drag_started)
        self.raw_rows.edit_finished.connect(self.drag_finished)

    # ------------------------------------------------------------ the generator
    def set_generator(self, num_ws: int, w_dim: int, img_resolution: int,
                      movable: bool = False, resolutions: list[int] | None = None) -> None:
        """Size the controls for a generator; ranges start at every layer. ``movable``: it
        has an input transform (StyleGAN3), shown with its sliders; ``resolutions``: the map
        size each style input modulates (core.latent.wspace.style_resolutions; by default
        StyleGAN2's layout)."""
        self.transform_panel.setVisible(movable)
        self._num_ws, self._w_dim, self._res = int(num_ws), int(w_dim), int(img_resolution)
        self._layer_res = [int(r) for r in resolutions] if resolutions else [
            layer_resolution(i, self._num_ws, self._res) for i in range(self._num_ws)]
        self.title.setText(f"<b>W space</b> · {num_ws} style inputs of {w_dim} dimensions, "
                           f"{res_text(self._layer_res)}")
        for spin in (self.mix_from_spin, self.mix_to_spin, self.dir_from_spin, self.dir_to_spin):
            spin.blockSignals(True)
            spin.setMaximum(num_ws - 1)
            spin.blockSignals(False)
        self.cutoff_spin.blockSignals(True)
        self.cutoff_spin.setRange(1, num_ws)
        self.cutoff_spin.blockSignals(False)
        self.mix_preset_combo.clear()
        self.mix_preset_combo.addItem("Layers…")
        for label, layers in layer_presets(self._layer_res):
            self.mix_preset_combo.addItem(label, layers)
        self._build_layer_buttons()
        if self.raw_rows.count() and self.raw_rows.count() != w_dim:
            self.raw_rows.rebuild([])
        self._update_range_labels()

    def _build_layer_buttons(self) -> None:
        for button in self.mix_layer_buttons:
            self.mix_layer_grid.removeWidget(button)
            button.deleteLater()
        self.mix_layer_buttons = []
        for i in range(self._num_ws):
            button = QToolButton()
            button.setObjectName(f"mixLayer_{i}")
            button.setText(str(i))
            button.setCheckable(True)
            button.setToolTip(f"Take layer {i} ({self._layer_res[i]} px) from the mixing seed")
            button.toggled.connect(self._on_layer_toggled)
            self.mix_layer_grid.addWidget(button, i // LAYER_COLUMNS, i % LAYER_COLUMNS)
            self.mix_layer_buttons.append(button)

    def set_preview_text(self, text: str) -> None:
        self.preview_label.setText(text)

    # ------------------------------------------------------------ showing a state
    def show_state(self, state: Any, base_w: np.ndarray | None = None) -> None:
        """Reflect ``state`` (a WState) in the widgets without emitting anything."""
        last = self._num_ws - 1
        values = (
            (self.mix_check, state.mix_seed is not None),
            (self.mix_from_spin, state.mix_from),
            (self.mix_to_spin, last if state.mix_to is None else state.mix_to),
            (self.dir_from_spin, state.dir_from),
            (self.dir_to_spin, last if state.dir_to is None else state.dir_to),
            (self.noise_seed_spin, state.noise_seed),
            (self.cutoff_spin, self._num_ws if state.trunc_cutoff is None else state.trunc_cutoff),
        )
        for widget, value in values:
            widget.blockSignals(True)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            else:
                widget.setValue(int(value))
            widget.blockSignals(False)
        if state.mix_seed is not None:
            self.mix_seed_spin.blockSignals(True)
            self.mix_seed_spin.setValue(int(state.mix_seed))
            self.mix_seed_spin.blockSignals(False)
        self.noise_combo.blockSignals(True)
        self.noise_combo.setCurrentIndex(max(0, self.noise_combo.findData(state.noise_mode)))
        self.noise_combo.blockSignals(False)
        self.noise_seed_spin.setEnabled(state.noise_mode == "random")
        self.transform_panel.show_transform(state.transform)
        # the layers mixing takes (or would take, while it is off)
        layers = set(state.with_(mix_seed=state.mix_seed or 0).mixed_layers(self._num_ws))
        for i, button in enumerate(self.mix_layer_buttons):
            button.blockSignals(True)
            button.setChecked(i in layers)
            button.blockSignals(False)
        self._update_range_labels()
        if base_w is not None:
            self.show_w(base_w)

    def show_w(self, w: np.ndarray) -> None:
        """The base w (w_dim,) or (num_ws, w_dim) on the raw sliders (layer 0 of per-layer)."""
        w = np.asarray(w, np.float32)
        self._base_w = w[0] if w.ndim == 2 else w
        if self.raw_rows.isVisible():
            self.raw_rows.set_values(self._base_w)

    def mix_seed(self) -> int:
        return int(self.mix_seed_spin.value())

    # ------------------------------------------------------------ slots
    def _on_mix_toggled(self, on: bool) -> None:
        self.changed.emit("style-mixing", {"mix_seed": self.mix_seed() if on else None})

    def _on_mix_seed_changed(self, seed: int) -> None:
        if not self.mix_check.isChecked():
            self.mix_check.blockSignals(True)
            self.mix_check.setChecked(True)  # choosing a mixing seed means mixing
            self.mix_check.blockSignals(False)
        self.changed.emit("mixing-seed", {"mix_seed": int(seed)})

    def _on_range(self, field: str, value: int) -> None:
        if not field.startswith("mix"):
            self._update_range_labels()
            self.changed.emit("direction-layers", {field: int(value)})
            return
        self.mix_preset_combo.setCurrentIndex(0)
        lo, hi = self.mix_from_spin.value(), self.mix_to_spin.value()
        self._set_layer_buttons(set(range(lo, hi + 1)))
        self._update_range_labels()
        self.changed.emit("mixing-layers", {field: int(value), "mix_layers": None})

    def _mixing_on(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Choosing layers to mix means mixing: turn it on with the seed box's seed."""
        if not self.mix_check.isChecked():
            self.mix_check.blockSignals(True)
            self.mix_check.setChecked(True)
            self.mix_check.blockSignals(False)
            changes["mix_seed"] = self.mix_seed()
        return changes

    def _on_layer_toggled(self, _on: bool) -> None:
        self.mix_preset_combo.setCurrentIndex(0)
        layers = tuple(i for i, b in enumerate(self.mix_layer_buttons) if b.isChecked())
        self._update_range_labels()
        self.changed.emit("mixing-layers", self._mixing_on({"mix_layers": layers}))

    def _on_cutoff_changed(self, value: int) -> None:
        self._update_range_labels()
        cutoff = None if value >= self._num_ws else int(value)
        self.changed.emit("truncation-cutoff", {"trunc_cutoff": cutoff})

    def _on_preset_activated(self, index: int) -> None:
        data = self.mix_preset_combo.itemData(index)
        if not data:
            return
        layers = [int(i) for i in data]
        lo, hi = layers[0], layers[-1]
        for spin, value in ((self.mix_from_spin, lo), (self.mix_to_spin, hi)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self._set_layer_buttons(set(layers))
        self._update_range_labels()
        # a range when the group is one (StyleGAN2's always are), else the set itself
        contiguous = layers == list(range(lo, hi + 1))
        changes: dict[str, Any] = {"mix_from": lo, "mix_to": hi,
                                   "mix_layers": None if contiguous else tuple(layers)}
        self.changed.emit("mixing-layers", self._mixing_on(changes))

    def _set_layer_buttons(self, layers: set[int]) -> None:
        for i, button in enumerate(self.mix_layer_buttons):
            button.blockSignals(True)
            button.setChecked(i in layers)
            button.blockSignals(False)

    def _on_noise_changed(self, _index: int) -> None:
        mode = self.noise_combo.currentData()
        self.noise_seed_spin.setEnabled(mode == "random")
        self.changed.emit("noise", {"noise_mode": mode})

    def _on_raw_toggled(self, on: bool) -> None:
        self.raw_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        if on and self.raw_rows.count() != self._w_dim:
            # Built on first use: a few hundred rows of widgets cost a noticeable moment.
            self.raw_rows.rebuild([f"w{i}" for i in range(self._w_dim)])
        self.raw_rows.setVisible(on)
        self.raw_reset.setVisible(on)
        self._layout.setStretch(self._layout.count() - 1, 0 if on else 1)
        if on and self._base_w is not None:
            self.raw_rows.set_values(self._base_w)

    def _layers_text(self, layers: list[int]) -> str:
        if not layers:
            return "no layer"
        text = res_text([self._layer_res[i] for i in layers])
        contiguous = layers == list(range(layers[0], layers[-1] + 1))
        return text if contiguous else f"{len(layers)} layers, {text}"

    def _update_range_labels(self) -> None:
        mixed = [i for i, b in enumerate(self.mix_layer_buttons) if b.isChecked()]
        self.mix_range_label.setText(self._layers_text(mixed))
        lo, hi = self.dir_from_spin.value(), self.dir_to_spin.value()
        self.dir_range_label.setText(self._layers_text(list(range(lo, hi + 1))))
        k = self.cutoff_spin.value()
        self.cutoff_label.setText(
            f"ψ moves every layer ({res_text(self._layer_res)})" if k >= self._num_ws else
            f"ψ moves layers 0–{k - 1} ({self._layers_text(list(range(k)))}); the rest keep "
            "their w")
