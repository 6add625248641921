"""The training form's Stability group: the options that steady training or fight mode
collapse (spectral norm, minibatch std-dev, R1, DiffAugment, packing, label smoothing)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.training.form_fields import Binding, bind, dspin, spin

DIFFAUG_TITLES = {"translation": "Translation", "cutout": "Cutout", "color": "Colour"}
STABILITY_TIPS = {
    "spectralNormCheck": "Spectral normalisation of D's layers: bounds how fast D can change, steadying training",
    "r1GammaSpin": "R1 penalty weight γ on D's gradient at real data (0 = off; 1-10 is typical)",
    "r1EverySpin": "Lazy R1: the penalty on every k-th step only, weighted by k; same effect, "
    "cheaper steps (StyleGAN2 uses 16)",
    "diffaugWidget": "DiffAugment: the same random augmentation of real and fake images before D; helps with little data",
    "minibatchStdCheck": "Minibatch standard deviation layer in D: lets D see a lack of variety, discouraging collapse",
    "packSpin": "PacGAN: D judges this many samples at once, so collapse is easier to spot (batch must be a multiple)",
    "labelSmoothingSpin": "One-sided label smoothing: D's target for real data becomes 1 - this (0 = off; 0.1 is typical)",
}


def give_way(form: QFormLayout) -> None:
    """Fields beside their labels; in a narrow pane a wide field moves under its label
    instead of clipping (the form fits beside the live view on a 1024-pixel screen)."""
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)


class StabilityGroup(QWidget):
    """A collapsible group of the options that steady training or fight mode collapse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stabilityGroup")
        self.toggle = QToolButton()
        self.toggle.setObjectName("stabilityToggle")
        self.toggle.setText("Stability")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Options that steady training and fight mode collapse")
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self._own_d = False  # the model's discriminator brings its own (StyleGAN2): rows hidden

        self.spectral_norm_check = QCheckBox("Spectral norm in D")
        self.r1_gamma_spin = dspin(0.0, 1000.0, 2, 0.5, "r1GammaSpin")
        self.r1_every_spin = spin(1, 64, "r1EverySpin")
        self.r1_every_spin.setPrefix("every ")
        self.r1_every_spin.setSuffix(" steps")
        self.r1_every_spin.setSpecialValueText("every step")  # shown for 1, the minimum
        self.r1_widget = QFrame()
        r1_row = QHBoxLayout(self.r1_widget)
        r1_row.setContentsMargins(0, 0, 0, 0)
        r1_row.addWidget(self.r1_gamma_spin, 1)
        r1_row.addWidget(self.r1_every_spin, 1)
        self.diffaug_checks = {p: QCheckBox(title) for p, title in DIFFAUG_TITLES.items()}
        self.diffaug_widget = QFrame()
        row = QHBoxLayout(self.diffaug_widget)
        row.setContentsMargins(0, 0, 0, 0)
        for policy, check in self.diffaug_checks.items():
            check.setObjectName(f"diffaug{policy.capitalize()}Check")
            row.addWidget(check)
        row.addStretch(1)
        self.minibatch_std_check = QCheckBox("Minibatch std-dev in D")
        self.pack_spin = spin(0, 16, "packSpin")
        self.label_smoothing_spin = dspin(0.0, 0.9, 2, 0.05, "labelSmoothingSpin")
        self.spectral_norm_check.setObjectName("spectralNormCheck")
        self.diffaug_widget.setObjectName("diffaugWidget")
        self.minibatch_std_check.setObjectName("minibatchStdCheck")

        self.body = QGroupBox()
        self.body.setObjectName("stabilityBody")
        form = QFormLayout(self.body)
        give_way(form)
        form.addRow("Discriminator", self.spectral_norm_check)
        form.addRow("", self.minibatch_std_check)
        form.addRow("R1 penalty γ", self.r1_widget)
        form.addRow("DiffAugment", self.diffaug_widget)
        form.addRow("PacGAN packing", self.pack_spin)
        form.addRow("Label smoothing", self.label_smoothing_spin)
        self._form = form
        self.body.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)

    def bindings(self) -> dict[str, Binding]:
        """The config fields this group shows. Where the model's D has its own (the rows are
        hidden), spectral norm is off and packing 1: the values such a model needs."""
        sn, pack = bind(self.spectral_norm_check), bind(self.pack_spin)
        return {
            "model.spectral_norm": Binding(sn.widget, lambda: sn.get() and not self._own_d, sn.set),
            "model.minibatch_std": bind(self.minibatch_std_check),
            "model.pack": Binding(pack.widget, lambda: 1 if self._own_d else pack.get(), pack.set),
            "train.r1_gamma": bind(self.r1_gamma_spin),
            "train.r1_every": bind(self.r1_every_spin),
            "train.diffaug": Binding(self.diffaug_widget, self._diffaug, self._set_diffaug),
            "train.label_smoothing": bind(self.label_smoothing_spin),
        }

    def tooltips(self) -> dict[QWidget, str]:
        widgets = (self.spectral_norm_check, self.r1_gamma_spin, self.r1_every_spin, self.diffaug_widget,
                   self.minibatch_std_check, self.pack_spin, self.label_smoothing_spin)
        return {w: STABILITY_TIPS[w.objectName()] for w in widgets}

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)

    def expand_if_used(self, cfg: Any) -> None:
        """Open the group when the config uses any of its options."""
        m, t = cfg.model, cfg.train
        if m.spectral_norm or m.minibatch_std or m.pack > 1 or t.r1_gamma or t.label_smoothing or t.diffaug:
            self.set_expanded(True)

    def set_own_discriminator(self, own: bool) -> None:
        """A model whose D brings its own minibatch-std layer and no spectral norm or packing
        (StyleGAN2's): those rows hide (their values come back with another model)."""
        self._own_d = own
        for widget in (self.spectral_norm_check, self.minibatch_std_check, self.pack_spin):
            self._form.setRowVisible(widget, not own)

    def _diffaug(self) -> str:
        return ",".join(p for p, check in self.diffaug_checks.items() if check.isChecked())

    def _set_diffaug(self, value: str) -> None:
        policies = {p.strip() for p in (value or "").split(",") if p.strip()}
        for policy, check in self.diffaug_checks.items():
            check.setChecked(policy in policies)

    def _on_toggle_toggled(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
