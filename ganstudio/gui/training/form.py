"""The training form: every RunConfig field a person sets, validated by the core.

The form keeps a base RunConfig (a preset or the last run) and overrides the fields it
shows, through one table of config field -> widget (form_fields.py): fields it does not
show (e.g. the MLP's depth) keep the base's values. A value the core rejects is marked at
its field with the core's sentence, and ``valid_changed`` tells the tab to disable Start.
While a run trains, the tab marks the edited fields that need new networks
(:meth:`ConfigForm.mark_restart`). What the form knows of a model family it asks the
family's row (title, preset, form group, toy data, training refusal).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.conditional import ConditionalSwitch
from ganstudio.gui.training.data_preview import DataPreview
from ganstudio.gui.training.form_fields import (
    Binding,
    WheelGuard,
    bind,
    change_signal,
    combo,
    dspin,
    read_config,
    select,
    show_config,
    spin,
)
from ganstudio.gui.training.stability_form import StabilityGroup, give_way
from ganstudio.gui.training.stylegan2_form import GROUP as STYLEGAN2_GROUP
from ganstudio.gui.training.stylegan2_form import StyleGAN2Group, nearest, resolutions_for

INVALID_STYLE = "border: 1px solid #d0312d; border-radius: 3px;"
RESTART_STYLE = "border: 1px dashed #c77c02; border-radius: 3px;"
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD"}
LATENT_DIST_TITLES = {"normal": "Normal N(0, 1)", "uniform": "Uniform [-1, 1]"}
POINT_FILE_FILTER = "Point files (*.csv *.npy);;All files (*)"


class ConfigForm(QWidget):
    valid_changed = Signal(bool)
    dataset_changed = Signal(str)  # shown dataset changed, by a person or by set_config
    dataset_chosen = Signal(str)  # a person picked a dataset in the combo
    config_changed = Signal()
    point_file_chosen = Signal(str)  # a person opened a point file (Browse…)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base: Any = None  # RunConfig, once the core is loaded
        self._loading = False
        self._valid = False
        self.error: Any = None  # the ConfigError shown, if any
        self._restart: list[str] = []  # fields marked as needing a restart
        self._resolutions_for: tuple[str, str] = ("", "")  # (arch, dataset) the list is for

        self.preset_combo = combo("presetCombo")
        self.preset_combo.setPlaceholderText("Custom")
        self.dataset_combo = combo("datasetCombo")
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("folderEdit")
        self.folder_edit.setPlaceholderText("Folder of images (searched recursively)")
        self.folder_button = QPushButton("Browse…")
        self.folder_button.setObjectName("folderBrowseButton")
        self.point_edit = QLineEdit()
        self.point_edit.setObjectName("pointFileEdit")
        self.point_edit.setPlaceholderText("A .csv (two columns) or .npy file of points")
        self.point_button = QPushButton("Open…")
        self.point_button.setObjectName("pointFileBrowseButton")
        self.colour_combo = combo("channelsCombo")
        self.colour_combo.addItem("Greyscale", 1)
        self.colour_combo.addItem("Colour", 3)
        self.data_preview = DataPreview(self)

        self.model_combo = combo("modelCombo")
        self.loss_combo = combo("lossCombo")
        self.latent_spin = spin(0, 8192, "latentSpin")
        self.latent_dist_combo = combo("latentDistCombo")
        for value, title in LATENT_DIST_TITLES.items():
            self.latent_dist_combo.addItem(title, value)
        self.resolution_combo = combo("resolutionCombo")
        # the networks' sizes: which fields a family has is in its row (Family.width_fields)
        self.g_width_spin = spin(4, 1024, "gWidthSpin")
        self.g_width_spin.setPrefix("G ")
        self.d_width_spin = spin(4, 1024, "dWidthSpin")
        self.d_width_spin.setPrefix("D ")
        self.mlp_hidden_spin = spin(4, 4096, "mlpWidthSpin")
        self.mlp_layers_spin = spin(1, 8, "mlpLayersSpin")

        self.batch_spin = spin(0, 8192, "batchSizeSpin")
        self.optimizer_combo = combo("optimizerCombo")
        for value, title in OPTIMIZER_TITLES.items():
            self.optimizer_combo.addItem(title, value)
        self.lr_g_spin = dspin(0.0, 1.0, 6, 1e-5, "lrGSpin")
        self.lr_d_spin = dspin(0.0, 1.0, 6, 1e-5, "lrDSpin")
        self.beta1_spin = dspin(0.0, 1.0, 3, 0.05, "beta1Spin")
        self.beta2_spin = dspin(0.0, 1.0, 4, 0.001, "beta2Spin")
        self.n_critic_spin = spin(0, 50, "nCriticSpin")
        self.n_critic_spin.setPrefix("D × ")
        self.g_steps_spin = spin(0, 50, "gStepsSpin")
        self.g_steps_spin.setPrefix("G × ")
        self.steps_spin = spin(0, 10_000_000, "stepsSpin", 100)
        self.lr_decay_spin = dspin(0.0, 1.0, 2, 0.05, "lrDecaySpin")
        self.ema_check = QCheckBox("Average G's weights (EMA)")
        self.ema_check.setObjectName("emaCheck")
        self.ema_decay_spin = dspin(0.0, 1.0, 5, 0.0005, "emaDecaySpin")
        self.device_combo = combo("deviceCombo")
        self.seed_spin = spin(0, 2**31 - 1, "seedSpin")
        self.stability = StabilityGroup(self)
        self.stylegan2 = StyleGAN2Group(self)
        self.conditional = ConditionalSwitch(self)  # model.c_dim and class_names from the data

        self.error_label = WrapLabel()
        self.error_label.setObjectName("configErrorLabel")
        self.error_label.setStyleSheet("color: #d0312d;")
        self.error_label.hide()

        self.bindings = self._bindings()
        self.fields: dict[str, QWidget] = {name: b.widget for name, b in self.bindings.items()}
        st = self.stability
        self._tooltips = {
            self.latent_spin: "Size of the noise vector z the generator maps to a sample",
            self.latent_dist_combo: "How z is drawn: from a normal distribution or uniformly in a box",
            self.g_width_spin: "Feature maps of the generator's last block (its first has 8 times as many)",
            self.d_width_spin: "Feature maps of the discriminator's first block",
            self.mlp_hidden_spin: "Neurons in each hidden layer of G and D",
            self.mlp_layers_spin: "Hidden layers of G and of D",
            self.optimizer_combo: "Adam adapts each weight's step (β₁, β₂); SGD takes plain gradient steps",
            self.n_critic_spin: "Discriminator updates per iteration (n_critic)",
            self.g_steps_spin: "Generator updates per iteration",
            self.steps_spin: "Iterations to train for",
            self.lr_decay_spin: "Share of the run, at its end, over which both learning rates "
            "fall linearly to 0 (0 = constant); sharpens the last samples",
            self.seed_spin: "Seeds the weights, the data order and the fixed sample noise",
            self.ema_decay_spin: "Decay of the exponential moving average of G's weights",
            self.resolution_combo: "Size of the generated images; the training images are "
            "centre-cropped and resized to it",
            self.point_edit: "Your own 2-D (or 1-D) data: a .csv of numeric columns or a .npy array (N, 2)",
            **st.tooltips(),
            **self.stylegan2.tooltips(),
        }
        for widget, tip in self._tooltips.items():
            widget.setToolTip(tip)
        self._build_layout()
        self._wheel_guard = WheelGuard(self)
        self._wheel_guard.guard(self)
        self.setEnabled(False)

    def _bindings(self) -> dict[str, Binding]:
        """The table: config field -> the widget that shows it and how its value goes in and out."""
        data_path = Binding(self.folder_edit, self._data_path, self._set_data_path)
        channels = Binding(self.colour_combo, self._channels, lambda v: select(self.colour_combo, v))
        resolution = Binding(self.resolution_combo, self.resolution_combo.currentData, self._set_resolution)
        device = Binding(self.device_combo, lambda: self.device_combo.currentData() or "auto",
                         lambda v: select(self.device_combo, v) >= 0 or self.device_combo.setCurrentIndex(0))
        return {
            "data.name": bind(self.dataset_combo),
            "data.path": data_path,
            "model.channels": channels,
            "model.arch": bind(self.model_combo),
            "train.loss": bind(self.loss_combo),
            "model.latent_dim": bind(self.latent_spin),
            "model.latent_dist": bind(self.latent_dist_combo),
            "model.resolution": resolution,
            "model.g_width": bind(self.g_width_spin),
            "model.d_width": bind(self.d_width_spin),
            "model.mlp_hidden": bind(self.mlp_hidden_spin),
            "model.mlp_layers": bind(self.mlp_layers_spin),
            "train.batch_size": bind(self.batch_spin),
            "train.optimizer": bind(self.optimizer_combo),
            "train.lr_g": bind(self.lr_g_spin),
            "train.lr_d": bind(self.lr_d_spin),
            "train.beta1": bind(self.beta1_spin),
            "train.beta2": bind(self.beta2_spin),
            "train.n_critic": bind(self.n_critic_spin),
            "train.g_steps": bind(self.g_steps_spin),
            "train.steps": bind(self.steps_spin),
            "train.lr_decay": bind(self.lr_decay_spin),
            "train.ema": bind(self.ema_check),
            "train.ema_decay": bind(self.ema_decay_spin),
            "train.device": device,
            "train.seed": bind(self.seed_spin),
            **self.stability.bindings(),
            **self.stylegan2.bindings(),
            **self.conditional.bindings(),
        }

    # ----------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        data_box = QGroupBox("Data")
        data_form = QFormLayout(data_box)
        data_form.addRow("Preset", self.preset_combo)
        data_form.addRow("Dataset", self.dataset_combo)
        self.folder_widget = _side_by_side((self.folder_edit, 1), (self.folder_button, 0))
        data_form.addRow("Folder", self.folder_widget)
        self.point_widget = _side_by_side((self.point_edit, 1), (self.point_button, 0))
        data_form.addRow("Point file", self.point_widget)
        data_form.addRow("Colour", self.colour_combo)
        data_form.addRow(self.data_preview)

        model_box = QGroupBox("Model")
        model_form = QFormLayout(model_box)
        model_form.addRow("Architecture", self.model_combo)
        model_form.addRow("Loss", self.loss_combo)
        model_form.addRow("Latent size", self.latent_spin)
        model_form.addRow("Latent z from", self.latent_dist_combo)
        model_form.addRow("Resolution", self.resolution_combo)
        self.widths_widget = _side_by_side((self.g_width_spin, 1), (self.d_width_spin, 1))
        model_form.addRow("Feature maps", self.widths_widget)
        model_form.addRow("Layer width", self.mlp_hidden_spin)
        model_form.addRow("Hidden layers", self.mlp_layers_spin)
        model_form.addRow("Classes", self.conditional.check)
        self.conditional.show_offer()

        train_box = QGroupBox("Optimisation")
        train_form = QFormLayout(train_box)
        train_form.addRow("Steps", self.steps_spin)
        train_form.addRow("Batch size", self.batch_spin)
        train_form.addRow("Optimiser", self.optimizer_combo)
        train_form.addRow("Learning rate G", self.lr_g_spin)
        train_form.addRow("Learning rate D", self.lr_d_spin)
        self.betas_widget = _side_by_side((self.beta1_spin, 0), (self.beta2_spin, 0))
        train_form.addRow("Adam β₁, β₂", self.betas_widget)
        train_form.addRow("Updates / iteration", _side_by_side((self.n_critic_spin, 1), (self.g_steps_spin, 1)))
        train_form.addRow("LR decay (share)", self.lr_decay_spin)
        train_form.addRow("EMA", _side_by_side((self.ema_check, 0), (self.ema_decay_spin, 0)))
        train_form.addRow("Device", self.device_combo)
        train_form.addRow("Seed", self.seed_spin)

        for form in (data_form, model_form, train_form):
            give_way(form)
        self._data_form, self._model_form, self._train_form = data_form, model_form, train_form

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(data_box)
        layout.addWidget(model_box)
        layout.addWidget(self.stylegan2)
        layout.addWidget(train_box)
        layout.addWidget(self.stability)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

    def _forms(self) -> list[QFormLayout]:
        return [self._data_form, self._model_form, self._train_form, self.stability._form, self.stylegan2.layout()]

    def field_title(self, name: str) -> str:
        """The label a person reads beside a field ("Latent size"), else its dotted name."""
        widget: QWidget | None = self.fields.get(name)
        while widget is not None and widget is not self:
            for form in self._forms():
                label = form.labelForField(widget)
                if label is not None and hasattr(label, "text") and label.text():
                    return label.text()
            widget = widget.parentWidget()
        return name

    # ----------------------------------------------------------------- populate (needs the core)
    def populate(self, devices: list[tuple[str, str]]) -> None:
        """Fill the choices from the core; ``devices`` is [(value, title)] of those present."""
        from ganstudio.core import config as C
        from ganstudio.core import losses
        from ganstudio.core.data import DATASETS
        from ganstudio.core.models import registry

        self._loading = True
        for name, text in C.presets().items():
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        for info in DATASETS.values():
            self.dataset_combo.addItem(info.title, info.name)
        for family in registry.families():
            if not family.refuses_training:  # those open in the explorer only
                self.model_combo.addItem(family.title, family.name)
        for name in C.LOSSES:
            self.loss_combo.addItem(losses.loss(name).title or name, name)
        self._fill_resolutions(C.RESOLUTIONS, C.RESOLUTIONS[0])
        for value, title in devices:
            self.device_combo.addItem(title, value)
        self._drop_fields_the_core_lacks()
        self._loading = False

        for widget in set(self.fields.values()):
            signal = change_signal(widget)
            if signal is not None:
                signal.connect(self._on_field_changed)
        self.point_edit.textChanged.connect(self._on_field_changed)
        for check in self.stability.diffaug_checks.values():
            check.toggled.connect(self._on_field_changed)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.model_combo.activated.connect(self._on_arch_chosen)
        self.dataset_combo.activated.connect(self._on_dataset_chosen)
        self.folder_button.clicked.connect(self._on_browse_clicked)
        self.point_button.clicked.connect(self._on_point_browse_clicked)
        self.folder_edit.editingFinished.connect(lambda: self.dataset_changed.emit("folder"))
        self.point_edit.editingFinished.connect(self._on_point_file_edited)
        self.conditional.changed.connect(self._on_field_changed)
        self.setEnabled(True)

    def _drop_fields_the_core_lacks(self) -> None:
        """A binding for a field this core does not have hides its row (an older core)."""
        import dataclasses

        from ganstudio.core.config import RunConfig

        known = {f"{part}.{f.name}" for part in ("model", "data", "train")
                 for f in dataclasses.fields(getattr(RunConfig(), part))}
        for name in [n for n in self.bindings if n not in known]:
            widget = self.bindings.pop(name).widget
            self.fields.pop(name, None)
            if widget not in self.fields.values():
                for form in self._forms():
                    if form.indexOf(widget) >= 0 or form.labelForField(widget) is not None:
                        form.setRowVisible(widget, False)
                widget.hide()

    # ----------------------------------------------------------------- config in and out
    def set_config(self, cfg: Any) -> None:
        """Show ``cfg`` (a RunConfig) and make it the base for fields the form does not show."""
        self._base = cfg
        self._loading = True
        show_config(self.bindings, cfg)
        self._resolutions_for = (cfg.model.arch, cfg.data.name)
        self.stability.expand_if_used(cfg)
        self.preset_combo.setCurrentIndex(_matching_preset(self.preset_combo, cfg))
        self._loading = False
        self._update_visibility()
        self.validate()
        self.dataset_changed.emit(cfg.data.name)

    def raw_config(self) -> Any:
        """A RunConfig built from the fields, not validated (the core raises on a bad type)."""
        from ganstudio.core.config import RunConfig

        d = read_config(self.bindings, self._base)
        base = self._base.data
        if "dims" in d["data"] and (d["data"]["name"], d["data"]["path"]) != (base.name, base.path):
            d["data"]["dims"] = None  # another file: the core reads its dimensions again
        return RunConfig.from_dict(d)

    def config(self) -> Any:
        """The validated RunConfig that the trainer accepts; raises ConfigError."""
        from ganstudio.core.config import ConfigError
        from ganstudio.core.models import registry
        from ganstudio.core.models.training import training_hooks

        cfg = self.raw_config().validate()
        family = registry.family(cfg.model.arch)
        if family.refuses_training:
            raise ConfigError("model.arch", cfg.model.arch, family.refuses_training)
        training_hooks(family).check(cfg)  # a family's own refusal of a config it builds but cannot train
        return cfg

    get_config = config

    def _data_path(self) -> str | None:
        edit = self.point_edit if self.dataset_combo.currentData() == _points_name() else self.folder_edit
        return edit.text().strip() or None

    def _set_data_path(self, path: str | None) -> None:
        is_points = self.dataset_combo.currentData() == _points_name()
        (self.point_edit if is_points else self.folder_edit).setText(path or "")

    def _channels(self) -> int:
        name = self.dataset_combo.currentData()
        if name == "folder":
            return self.colour_combo.currentData()
        return _natural_channels(name) or self._base.model.channels

    def _set_resolution(self, resolution: int) -> None:
        # the config's own resolution is offered even where the form would not offer it (a
        # run trained from the command line), so that the form gives back what it was shown
        choices = resolutions_for(self.model_combo.currentData() or "", self.dataset_combo.currentData() or "")
        self._fill_resolutions(tuple(sorted({*choices, resolution})), resolution)

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

    def _marked_widget(self, name: str) -> QWidget | None:
        if name == "data.path" and self.dataset_combo.currentData() == _points_name():
            return self.point_edit
        return self.fields.get(name)

    def _show_error(self, err: Any) -> None:
        self.error = err
        for widget in {*self.fields.values(), self.point_edit}:
            widget.setStyleSheet("")
            widget.setToolTip(self._tooltips.get(widget, ""))
        for name in self._restart:
            widget = self._marked_widget(name)
            if widget is not None:
                widget.setStyleSheet(RESTART_STYLE)
                widget.setToolTip("Needs a restart: this setting makes new networks or data. "
                                  + self._tooltips.get(widget, ""))
        if err is not None:
            widget = self._marked_widget(err.field)
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
        return None if self.error is None else self._marked_widget(self.error.field)

    def mark_restart(self, names: list[str]) -> None:
        """Mark the fields (dotted names) whose edited values need a new run."""
        if names != self._restart:
            self._restart = list(names)
            self._show_error(self.error)

    @property
    def restart_marked(self) -> list[str]:
        return list(self._restart)

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
        """A person picked a model. Into or out of a family with settings of its own (a form
        group: StyleGAN2's) the form starts from that family's preset, keeping the data and the
        device (and, on other data than the preset's, the resolution nearest the one shown)."""
        from ganstudio.core.config import RunConfig, preset
        from ganstudio.core.models import registry

        arch = self.model_combo.currentData()
        old = self._base.model.arch if self._base is not None else arch
        new_row, old_row = registry.family(arch), registry.family(old)
        if arch == old or new_row.form_group == old_row.form_group or self._is_toy() or not new_row.default_preset:
            return  # the combo's change was validated as any field's
        current = self.raw_config().to_dict()
        d = preset(new_row.default_preset).to_dict()
        name = current["data"]["name"]
        if name != d["data"]["name"]:
            d["model"]["resolution"] = nearest(current["model"]["resolution"], resolutions_for(arch, name))
        d["data"] = current["data"]
        d["model"]["channels"] = current["model"]["channels"]
        d["train"]["device"] = current["train"]["device"]
        d["train"]["seed"] = current["train"]["seed"]
        self.set_config(RunConfig.from_dict(d))
        self.config_changed.emit()

    def _on_dataset_chosen(self, _index: int) -> None:
        from ganstudio.core.config import RunConfig

        name = self.dataset_combo.currentData()
        was_toy = self._base is not None and self._base.is_toy
        now_toy = _is_toy_data(name)
        if was_toy != now_toy:
            # switching between points and image data: start from a matching preset
            d = _first_preset(toy=now_toy).to_dict()
            d["data"]["name"] = name
            d["data"]["path"] = self._data_path() if name in ("folder", _points_name()) else None
            d["train"]["device"] = self.device_combo.currentData() or "auto"
            self.set_config(RunConfig.from_dict(d))
        else:
            self._update_visibility()
            self.validate()
            self.dataset_changed.emit(name)
        self.config_changed.emit()
        self.dataset_chosen.emit(name)

    def _fill_resolutions(self, choices: tuple[int, ...], selected: int) -> None:
        box = self.resolution_combo
        box.blockSignals(True)  # the caller validates once the list is complete
        box.clear()
        for res in choices:
            box.addItem(f"{res} × {res}", res)
        select(box, selected)
        box.blockSignals(False)

    def use_image_folder(self, folder: str) -> None:
        """Train on the images in ``folder`` (dropped on the tab): the dataset becomes an image
        folder as if picked in the combo, then the path is filled in and checked."""
        self._use_dataset("folder")
        self.folder_edit.setText(folder)
        self.dataset_changed.emit("folder")

    def use_point_file(self, path: str) -> None:
        """Train on the points in ``path`` (opened, or drawn on the view)."""
        self._use_dataset(_points_name())
        self.point_edit.setText(path)
        self.dataset_changed.emit(_points_name())

    def _use_dataset(self, name: str) -> None:
        index = self.dataset_combo.findData(name)
        if index >= 0 and self.dataset_combo.currentIndex() != index:
            self.dataset_combo.setCurrentIndex(index)
            self._on_dataset_chosen(index)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of training images", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
            self.dataset_changed.emit("folder")

    def _on_point_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a point file", self.point_edit.text(), POINT_FILE_FILTER)
        if path:
            self.use_point_file(path)
            self.point_file_chosen.emit(path)

    def _on_point_file_edited(self) -> None:
        if self.dataset_combo.currentData() == _points_name():
            self.dataset_changed.emit(_points_name())

    def _is_toy(self) -> bool:
        return _is_toy_data(self.dataset_combo.currentData() or "")

    def _update_visibility(self) -> None:
        from ganstudio.core.models import registry

        name = self.dataset_combo.currentData() or ""
        arch = self.model_combo.currentData() or ""
        is_toy = _is_toy_data(name)
        self._data_form.setRowVisible(self.folder_widget, name == "folder")
        self._data_form.setRowVisible(self.point_widget, name == _points_name())
        self._data_form.setRowVisible(self.colour_combo, name == "folder")
        if (arch, name) != self._resolutions_for:  # another model or data: their resolutions
            choices = resolutions_for(arch, name)
            self._fill_resolutions(choices, nearest(self.resolution_combo.currentData() or 32, choices))
            self._resolutions_for = (arch, name)
        self.resolution_combo.setEnabled(not is_toy)
        group = registry.family(arch).form_group if arch else None
        self.stylegan2.setVisible(group == STYLEGAN2_GROUP and not is_toy)
        widths = set(registry.family(arch).width_fields.values()) if arch else set()
        self._model_form.setRowVisible(self.widths_widget, bool(widths & {"g_width", "d_width"}))
        self._model_form.setRowVisible(self.mlp_hidden_spin, "mlp_hidden" in widths)
        self._model_form.setRowVisible(self.mlp_layers_spin, "mlp_hidden" in widths)  # the depth of those layers
        self.stylegan2.set_resolution(self.resolution_combo.currentData() or 0)
        self.stability.set_own_discriminator(group == STYLEGAN2_GROUP)
        self.stability.diffaug_widget.setEnabled(not is_toy)  # DiffAugment is for images
        self.ema_decay_spin.setEnabled(self.ema_check.isChecked())
        self.betas_widget.setEnabled(self.optimizer_combo.currentData() != "sgd")


def _side_by_side(*widgets: tuple[QWidget, int]) -> QWidget:
    """One form row holding ``widgets`` (with their stretch) in a line, without margins."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in widgets:
        row.addWidget(widget, stretch)
    holder = QWidget()
    holder.setLayout(row)
    return holder


def _matching_preset(box: QComboBox, cfg: Any) -> int:
    """The index of the preset ``cfg`` equals (device aside), or -1 for a custom config."""
    from ganstudio.core.config import preset

    wanted = cfg.to_dict()
    wanted["train"].pop("device", None)
    for i in range(box.count()):
        d = preset(box.itemData(i)).to_dict()
        d["train"].pop("device", None)
        if d == wanted:
            return i
    return -1


def _first_preset(toy: bool) -> Any:
    """The default family's preset for images; the first preset on 2-D data for toys."""
    from ganstudio.core import config as C
    from ganstudio.core.models import registry

    if not toy:
        return C.preset(registry.family(registry.default_family()).default_preset)
    for name in C.presets():
        cfg = C.preset(name)
        if cfg.is_toy:
            return cfg
    raise ValueError("no preset for 2-D data")


def _is_toy_data(name: str) -> bool:
    from ganstudio.core.data import DATASETS

    info = DATASETS.get(name)
    return info is not None and info.kind == "toy"


def _points_name() -> str:
    from ganstudio.core import config as C

    return getattr(C, "POINTS", "points")


def _natural_channels(name: str) -> int:
    from ganstudio.core.data import DATASETS

    info = DATASETS.get(name)
    return info.channels if info else 0
