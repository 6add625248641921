"""The training form: every RunConfig field a person sets, validated by the core.

The form keeps a base RunConfig (a preset or the last run) and overrides the fields it
shows; fields it does not show (e.g. the MLP's depth) keep the base's values. A value
the core rejects is marked at its field with the core's sentence, and ``valid_changed``
tells the tab to disable Start.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.data_preview import DataPreview
from ganstudio.gui.training.stylegan2_form import StyleGAN2Group, nearest, resolutions_for

LOSS_TITLES = {
    "bce": "Non-saturating (BCE)",
    "hinge": "Hinge",
    "wgan-gp": "Wasserstein + gradient penalty",
    "lsgan": "Least squares",
}
ARCH_TITLES = {"dcgan": "DCGAN (convolutional)", "mlp": "MLP (classic GAN)",
               "stylegan2": "StyleGAN2 (style-based)"}
# The preset a person's switch to (or from) StyleGAN2 starts from: its learning rates, betas
# and widths are another recipe than the DCGAN's, so the old values would train it badly.
ARCH_PRESETS = {"dcgan": "mnist-dcgan", "mlp": "mnist-mlp", "stylegan2": "mnist-stylegan2"}
INVALID_STYLE = "border: 1px solid #d0312d; border-radius: 3px;"


def _spin(lo: int, hi: int, name: str, step: int = 1) -> QSpinBox:
    w = QSpinBox()
    w.setObjectName(name)
    w.setRange(lo, hi)
    w.setSingleStep(step)
    w.setGroupSeparatorShown(True)
    w.setAccelerated(True)
    return w


def _dspin(lo: float, hi: float, decimals: int, step: float, name: str) -> QDoubleSpinBox:
    w = QDoubleSpinBox()
    w.setObjectName(name)
    w.setDecimals(decimals)
    w.setRange(lo, hi)
    w.setSingleStep(step)
    return w


def _combo(name: str) -> QComboBox:
    w = QComboBox()
    w.setObjectName(name)
    return w


class ConfigForm(QWidget):
    valid_changed = Signal(bool)
    dataset_changed = Signal(str)  # shown dataset changed, by a person or by set_config
    dataset_chosen = Signal(str)  # a person picked a dataset in the combo
    config_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base: Any = None  # RunConfig, once the core is loaded
        self._loading = False
        self._valid = False
        self.error: Any = None  # the ConfigError shown, if any
        self._resolutions_for: tuple[str, str] = ("", "")  # (arch, dataset) the list is for

        self.preset_combo = _combo("presetCombo")
        self.preset_combo.setPlaceholderText("Custom")
        self.dataset_combo = _combo("datasetCombo")
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("folderEdit")
        self.folder_edit.setPlaceholderText("Folder of images (searched recursively)")
        self.folder_button = QPushButton("Browse…")
        self.folder_button.setObjectName("folderBrowseButton")
        self.colour_combo = _combo("channelsCombo")
        self.colour_combo.addItem("Greyscale", 1)
        self.colour_combo.addItem("Colour", 3)
        self.data_preview = DataPreview(self)

        self.model_combo = _combo("modelCombo")
        self.loss_combo = _combo("lossCombo")
        self.latent_spin = _spin(0, 8192, "latentSpin")
        self.resolution_combo = _combo("resolutionCombo")

        self.batch_spin = _spin(0, 8192, "batchSizeSpin")
        self.lr_g_spin = _dspin(0.0, 1.0, 6, 1e-5, "lrGSpin")
        self.lr_d_spin = _dspin(0.0, 1.0, 6, 1e-5, "lrDSpin")
        self.beta1_spin = _dspin(0.0, 1.0, 3, 0.05, "beta1Spin")
        self.beta2_spin = _dspin(0.0, 1.0, 4, 0.001, "beta2Spin")
        self.n_critic_spin = _spin(0, 50, "nCriticSpin")
        self.steps_spin = _spin(0, 10_000_000, "stepsSpin", 100)
        self.lr_decay_spin = _dspin(0.0, 1.0, 2, 0.05, "lrDecaySpin")
        self.ema_check = QCheckBox("Average G's weights (EMA)")
        self.ema_check.setObjectName("emaCheck")
        self.ema_decay_spin = _dspin(0.0, 1.0, 5, 0.0005, "emaDecaySpin")
        self.device_combo = _combo("deviceCombo")
        self.seed_spin = _spin(0, 2**31 - 1, "seedSpin")
        self.stability = StabilityGroup(self)
        st = self.stability
        self.stylegan2 = StyleGAN2Group(self)

        self.error_label = WrapLabel()
        self.error_label.setObjectName("configErrorLabel")
        self.error_label.setStyleSheet("color: #d0312d;")
        self.error_label.hide()

        self.fields: dict[str, QWidget] = {
            "data.name": self.dataset_combo,
            "data.path": self.folder_edit,
            "model.channels": self.colour_combo,
            "model.arch": self.model_combo,
            "train.loss": self.loss_combo,
            "model.latent_dim": self.latent_spin,
            "model.resolution": self.resolution_combo,
            "train.batch_size": self.batch_spin,
            "model.pack": st.pack_spin,
            "model.spectral_norm": st.spectral_norm_check,
            "model.minibatch_std": st.minibatch_std_check,
            "train.r1_gamma": st.r1_gamma_spin,
            "train.r1_every": st.r1_every_spin,
            "train.diffaug": st.diffaug_widget,
            "train.label_smoothing": st.label_smoothing_spin,
            "train.lr_g": self.lr_g_spin,
            "train.lr_d": self.lr_d_spin,
            "train.beta1": self.beta1_spin,
            "train.beta2": self.beta2_spin,
            "train.n_critic": self.n_critic_spin,
            "train.steps": self.steps_spin,
            "train.lr_decay": self.lr_decay_spin,
            "train.ema_decay": self.ema_decay_spin,
            "train.device": self.device_combo,
            "train.seed": self.seed_spin,
            **self.stylegan2.fields(),
        }
        self._tooltips = {
            self.latent_spin: "Size of the noise vector z the generator maps to a sample",
            self.n_critic_spin: "Discriminator updates per generator update",
            self.steps_spin: "Generator updates to train for",
            self.lr_decay_spin: "Share of the run, at its end, over which both learning rates "
            "fall linearly to 0 (0 = constant); sharpens the last samples",
            self.seed_spin: "Seeds the weights, the data order and the fixed sample noise",
            self.ema_decay_spin: "Decay of the exponential moving average of G's weights",
            self.resolution_combo: "Size of the generated images; the training images are "
            "centre-cropped and resized to it",
            **st.tooltips(),
            **self.stylegan2.tooltips(),
        }
        for widget, tip in self._tooltips.items():
            widget.setToolTip(tip)
        self._build_layout()
        self.setEnabled(False)

    # ----------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        data_form.addRow("Preset", self.preset_combo)
        data_form.addRow("Dataset", self.dataset_combo)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        self.folder_widget = QWidget()
        self.folder_widget.setLayout(folder_row)
        data_form.addRow("Folder", self.folder_widget)
        data_form.addRow("Colour", self.colour_combo)
        data_form.addRow(self.data_preview)

        model_box = QGroupBox("Model")
        model_form = QFormLayout(model_box)
        model_form.addRow("Architecture", self.model_combo)
        model_form.addRow("Loss", self.loss_combo)
        model_form.addRow("Latent size", self.latent_spin)
        model_form.addRow("Resolution", self.resolution_combo)

        train_box = QGroupBox("Optimisation")
        train_form = QFormLayout(train_box)
        train_form.addRow("Steps", self.steps_spin)
        train_form.addRow("Batch size", self.batch_spin)
        train_form.addRow("Learning rate G", self.lr_g_spin)
        train_form.addRow("Learning rate D", self.lr_d_spin)
        train_form.addRow("Adam β₁, β₂", _side_by_side(self.beta1_spin, self.beta2_spin))
        train_form.addRow("n_critic", self.n_critic_spin)
        train_form.addRow("LR decay (share)", self.lr_decay_spin)
        train_form.addRow("EMA", _side_by_side(self.ema_check, self.ema_decay_spin))
        train_form.addRow("Device", self.device_combo)
        train_form.addRow("Seed", self.seed_spin)

        for form in (data_form, model_form, train_form):
            _give_way(form)
        self._data_form = data_form

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(data_box)
        layout.addWidget(model_box)
        layout.addWidget(self.stylegan2)
        layout.addWidget(train_box)
        layout.addWidget(self.stability)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

    # ----------------------------------------------------------------- populate (needs the core)
    def populate(self, devices: list[tuple[str, str]]) -> None:
        """Fill the choices from the core; ``devices`` is [(value, title)] of those present."""
        from ganstudio.core import config as C
        from ganstudio.core.data import DATASETS

        self._loading = True
        for name, text in C.presets().items():
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        for info in DATASETS.values():
            self.dataset_combo.addItem(info.title, info.name)
        from ganstudio.core.models import registry

        for arch in C.ARCHS:
            if registry.family(arch).refuses_training:  # opens in the explorer only
                continue
            self.model_combo.addItem(ARCH_TITLES.get(arch, arch), arch)
        for loss in C.LOSSES:
            self.loss_combo.addItem(LOSS_TITLES.get(loss, loss), loss)
        self._fill_resolutions(C.RESOLUTIONS, C.RESOLUTIONS[0])
        for value, title in devices:
            self.device_combo.addItem(title, value)
        self._loading = False

        for widget in self.fields.values():
            signal = _change_signal(widget)
            if signal is not None:
                signal.connect(self._on_field_changed)
        self.ema_check.toggled.connect(self._on_field_changed)
        for check in self.stability.checkboxes():
            check.toggled.connect(self._on_field_changed)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.model_combo.activated.connect(self._on_arch_chosen)
        self.dataset_combo.activated.connect(self._on_dataset_chosen)
        self.folder_button.clicked.connect(self._on_browse_clicked)
        self.folder_edit.editingFinished.connect(lambda: self.dataset_changed.emit("folder"))
        self.setEnabled(True)

    # ----------------------------------------------------------------- config in and out
    def set_config(self, cfg: Any) -> None:
        """Show ``cfg`` (a RunConfig) and make it the base for fields the form does not show."""
        self._base = cfg
        self._loading = True
        m, d, t = cfg.model, cfg.data, cfg.train
        _select(self.dataset_combo, d.name)
        self.folder_edit.setText(d.path or "")
        _select(self.colour_combo, m.channels)
        _select(self.model_combo, m.arch)
        _select(self.loss_combo, t.loss)
        self.latent_spin.setValue(m.latent_dim)
        # the config's own resolution is offered even where the form would not offer it (a
        # run trained from the command line), so that the form gives back what it was shown
        choices = resolutions_for(m.arch, d.name)
        self._fill_resolutions(tuple(sorted({*choices, m.resolution})), m.resolution)
        self._resolutions_for = (m.arch, d.name)
        self.batch_spin.setValue(t.batch_size)
        self.lr_g_spin.setValue(t.lr_g)
        self.lr_d_spin.setValue(t.lr_d)
        self.beta1_spin.setValue(t.beta1)
        self.beta2_spin.setValue(t.beta2)
        self.n_critic_spin.setValue(t.n_critic)
        self.steps_spin.setValue(t.steps)
        self.lr_decay_spin.setValue(t.lr_decay)
        self.ema_check.setChecked(t.ema)
        self.ema_decay_spin.setValue(t.ema_decay)
        if _select(self.device_combo, t.device) < 0:
            self.device_combo.setCurrentIndex(0)
        self.seed_spin.setValue(t.seed)
        self.stability.set_values(cfg)
        self.stylegan2.set_values(cfg)
        self.preset_combo.setCurrentIndex(_matching_preset(self.preset_combo, cfg))
        self._loading = False
        self._update_visibility()
        self.validate()
        self.dataset_changed.emit(d.name)

    def raw_config(self) -> Any:
        """A RunConfig built from the fields, not validated (the core raises on a bad type)."""
        from ganstudio.core.config import RunConfig

        d = self._base.to_dict()
        name = self.dataset_combo.currentData()
        d["data"].update(name=name, path=self.folder_edit.text().strip() or None)
        channels = self.colour_combo.currentData() if name == "folder" else _natural_channels(name)
        d["model"].update(
            arch=self.model_combo.currentData(),
            latent_dim=self.latent_spin.value(),
            resolution=self.resolution_combo.currentData(),
            channels=channels or d["model"]["channels"],
        )
        arch = d["model"]["arch"]
        stability_model, stability_train = self.stability.values(arch)
        d["model"].update(stability_model)
        sg2_model, sg2_train = self.stylegan2.values()
        d["model"].update(sg2_model)
        d["train"].update(sg2_train)
        d["train"].update(
            loss=self.loss_combo.currentData(),
            batch_size=self.batch_spin.value(),
            lr_g=self.lr_g_spin.value(),
            lr_d=self.lr_d_spin.value(),
            beta1=self.beta1_spin.value(),
            beta2=self.beta2_spin.value(),
            n_critic=self.n_critic_spin.value(),
            steps=self.steps_spin.value(),
            lr_decay=self.lr_decay_spin.value(),
            ema=self.ema_check.isChecked(),
            ema_decay=self.ema_decay_spin.value(),
            device=self.device_combo.currentData() or "auto",
            seed=self.seed_spin.value(),
        )
        d["train"].update(stability_train)
        return RunConfig.from_dict(d)

    def config(self) -> Any:
        """The validated RunConfig that the trainer accepts; raises ConfigError."""
        from ganstudio.core.models.stylegan2.training import check_trainable

        cfg = self.raw_config().validate()
        check_trainable(cfg)  # e.g. a conditional StyleGAN2: valid to explore, not to train here
        return cfg

    get_config = config

    @property
    def is_valid(self) -> bool:
        return self._valid

    def validate(self) -> bool:
        from ganstudio.core.config import ConfigError

        if self._base is None:
            return False
        try:
            self.config()
        except ConfigError as err:
            self._show_error(err)
        else:
            self._show_error(None)
        return self._valid

    def _show_error(self, err: Any) -> None:
        self.error = err
        for widget in set(self.fields.values()):
            widget.setStyleSheet("")
            widget.setToolTip(self._tooltips.get(widget, ""))
        if err is not None:
            widget = self.fields.get(err.field)
            message = str(err)
            if widget is not None:
                widget.setStyleSheet(INVALID_STYLE)
                widget.setToolTip(message)
            self.error_label.setText(message)
            self.error_label.show()
        else:
            self.error_label.hide()
        valid = err is None
        if valid != self._valid:
            self._valid = valid
            self.valid_changed.emit(valid)

    def invalid_field(self) -> QWidget | None:
        return None if self.error is None else self.fields.get(self.error.field)

    # ----------------------------------------------------------------- slots
    def _on_field_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._update_visibility()
        self.validate()
        self.config_changed.emit()

    def _on_preset_chosen(self, index: int) -> None:
        from ganstudio.core.config import preset

        self.set_config(preset(self.preset_combo.itemData(index)))
        self.config_changed.emit()

    def _on_arch_chosen(self, _index: int) -> None:
        """A person picked an architecture. Into or out of StyleGAN2 the form starts from that
        architecture's preset, keeping the data and the device (and, on other data than the
        preset's, the resolution nearest the one shown)."""
        from ganstudio.core.config import RunConfig, preset

        arch = self.model_combo.currentData()
        old = self._base.model.arch if self._base is not None else arch
        name = self.dataset_combo.currentData() or ""
        if arch == old or "stylegan2" not in (arch, old) or name.startswith("toy-"):
            return
        current = self.raw_config().to_dict()
        d = preset(ARCH_PRESETS[arch]).to_dict()
        if name != d["data"]["name"]:
            d["model"]["resolution"] = nearest(current["model"]["resolution"], resolutions_for(arch, name))
        d["data"] = current["data"]
        d["model"]["channels"] = current["model"]["channels"]
        d["train"]["device"] = current["train"]["device"]
        d["train"]["seed"] = current["train"]["seed"]
        self.set_config(RunConfig.from_dict(d))
        self.config_changed.emit()

    def _on_dataset_chosen(self, _index: int) -> None:
        from ganstudio.core.config import RunConfig, preset

        name = self.dataset_combo.currentData()
        was_toy = self._base is not None and self._base.is_toy
        now_toy = name.startswith("toy-")
        if was_toy != now_toy:
            # switching between 2-D and image data: start from the matching preset
            base = preset("toy-ring" if now_toy else "mnist-dcgan")
            d = base.to_dict()
            d["data"]["name"] = name
            d["train"]["device"] = self.device_combo.currentData() or "auto"
            self.set_config(RunConfig.from_dict(d))
        else:
            self._update_visibility()
            self.validate()
            self.dataset_changed.emit(name)
        self.config_changed.emit()
        self.dataset_chosen.emit(name)

    def _fill_resolutions(self, choices: tuple[int, ...], selected: int) -> None:
        combo = self.resolution_combo
        combo.blockSignals(True)  # the caller validates once the list is complete
        combo.clear()
        for res in choices:
            combo.addItem(f"{res} × {res}", res)
        _select(combo, selected)
        combo.blockSignals(False)

    def use_image_folder(self, folder: str) -> None:
        """Train on the images in ``folder`` (dropped on the tab): the dataset becomes an image
        folder as if picked in the combo, then the path is filled in and checked."""
        index = self.dataset_combo.findData("folder")
        if index < 0:
            return
        if self.dataset_combo.currentIndex() != index:
            self.dataset_combo.setCurrentIndex(index)
            self._on_dataset_chosen(index)
        self.folder_edit.setText(folder)
        self.dataset_changed.emit("folder")

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of training images", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
            self.dataset_changed.emit("folder")

    def _update_visibility(self) -> None:
        name = self.dataset_combo.currentData() or ""
        arch = self.model_combo.currentData() or ""
        is_folder, is_toy = name == "folder", name.startswith("toy-")
        self._data_form.setRowVisible(self.folder_widget, is_folder)
        self._data_form.setRowVisible(self.colour_combo, is_folder)
        if (arch, name) != self._resolutions_for:  # another model or data: their resolutions
            choices = resolutions_for(arch, name)
            self._fill_resolutions(choices, nearest(self.resolution_combo.currentData() or 32, choices))
            self._resolutions_for = (arch, name)
        self.resolution_combo.setEnabled(not is_toy)
        self.stylegan2.setVisible(arch == "stylegan2" and not is_toy)
        self.stylegan2.set_resolution(self.resolution_combo.currentData() or 0)
        self.stability.set_arch(arch)
        self.stability.diffaug_widget.setEnabled(not is_toy)  # DiffAugment is for images
        self.ema_decay_spin.setEnabled(self.ema_check.isChecked())


def _side_by_side(*widgets: QWidget) -> QWidget:
    """One form row holding ``widgets`` in a line, without margins of its own."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    holder = QWidget()
    holder.setLayout(row)
    return holder


def _give_way(form: QFormLayout) -> None:
    """Fields beside their labels; in a narrow pane a wide field moves under its label
    instead of clipping (the form fits beside the live view on a 1024-pixel screen)."""
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)


def _matching_preset(combo: QComboBox, cfg: Any) -> int:
    """The index of the preset ``cfg`` equals (device aside), or -1 for a custom config."""
    from ganstudio.core.config import preset

    wanted = cfg.to_dict()
    wanted["train"].pop("device", None)
    for i in range(combo.count()):
        d = preset(combo.itemData(i)).to_dict()
        d["train"].pop("device", None)
        if d == wanted:
            return i
    return -1


def _natural_channels(name: str) -> int:
    from ganstudio.core.data import DATASETS

    info = DATASETS.get(name)
    return info.channels if info else 0


def _select(combo: QComboBox, value: object) -> int:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index


def _change_signal(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QLineEdit):
        return widget.textChanged
    return None


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

        self.spectral_norm_check = QCheckBox("Spectral norm in D")
        self.r1_gamma_spin = _dspin(0.0, 1000.0, 2, 0.5, "r1GammaSpin")
        self.r1_every_spin = _spin(1, 64, "r1EverySpin")
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
        self.pack_spin = _spin(0, 16, "packSpin")
        self.label_smoothing_spin = _dspin(0.0, 0.9, 2, 0.05, "labelSmoothingSpin")
        self.spectral_norm_check.setObjectName("spectralNormCheck")
        self.diffaug_widget.setObjectName("diffaugWidget")
        self.minibatch_std_check.setObjectName("minibatchStdCheck")

        self.body = QGroupBox()
        self.body.setObjectName("stabilityBody")
        form = QFormLayout(self.body)
        _give_way(form)
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

    def tooltips(self) -> dict[QWidget, str]:
        widgets = (self.spectral_norm_check, self.r1_gamma_spin, self.r1_every_spin, self.diffaug_widget,
                   self.minibatch_std_check, self.pack_spin, self.label_smoothing_spin)
        return {w: STABILITY_TIPS[w.objectName()] for w in widgets}

    def checkboxes(self) -> list[QCheckBox]:
        return [self.spectral_norm_check, self.minibatch_std_check, *self.diffaug_checks.values()]

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)

    def set_values(self, cfg: Any) -> None:
        m, t = cfg.model, cfg.train
        self.spectral_norm_check.setChecked(m.spectral_norm)
        self.minibatch_std_check.setChecked(m.minibatch_std)
        self.pack_spin.setValue(m.pack)
        self.r1_gamma_spin.setValue(t.r1_gamma)
        self.r1_every_spin.setValue(t.r1_every)
        self.label_smoothing_spin.setValue(t.label_smoothing)
        policies = {p.strip() for p in t.diffaug.split(",") if p.strip()}
        for policy, check in self.diffaug_checks.items():
            check.setChecked(policy in policies)
        if m.spectral_norm or m.minibatch_std or m.pack > 1 or t.r1_gamma or t.label_smoothing or policies:
            self.set_expanded(True)

    def set_arch(self, arch: str) -> None:
        """StyleGAN2's discriminator has its own minibatch-std layer and no spectral norm or
        packing: those rows hide (their values come back with another architecture)."""
        for widget in (self.spectral_norm_check, self.minibatch_std_check, self.pack_spin):
            self._form.setRowVisible(widget, arch != "stylegan2")

    def values(self, arch: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """The (model, train) fields the group sets for a model of ``arch``."""
        diffaug = ",".join(p for p, check in self.diffaug_checks.items() if check.isChecked())
        hidden = arch == "stylegan2"  # the rows set_arch hides: the values stylegan2 needs
        model = {"spectral_norm": self.spectral_norm_check.isChecked() and not hidden,
                 "minibatch_std": self.minibatch_std_check.isChecked(),
                 "pack": 1 if hidden else self.pack_spin.value()}
        train = {"r1_gamma": self.r1_gamma_spin.value(), "r1_every": self.r1_every_spin.value(),
                 "diffaug": diffaug, "label_smoothing": self.label_smoothing_spin.value()}
        return model, train

    def _on_toggle_toggled(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
