"""The training form's StyleGAN2 group, and the resolutions each model and dataset offer.

Shown when the architecture is StyleGAN2: the mapping network (W size, depth), the feature
maps per resolution (channel base and cap, with the widths they give), the output
architecture, and the two regularisers of the paper, style mixing and path length.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QWidget,
)

from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.form_fields import Binding, bind

# The built-in datasets are 28 or 32 pixels: they are resized to the model's resolution, up to
# twice their size as the 64-pixel DCGAN does (an upscaled digit has nothing more to learn, and
# 60,000 of them at 256 px would hold 4 GB in memory). A folder of images may take any size.
FIXED_DATA_MAX = 64
NBSP = "\u00a0"
GROUP = "stylegan2"  # the form group a family row asks for (Family.form_group)

ARCHITECTURE_TITLES = {
    "skip": "Skip (every resolution adds RGB)",
    "orig": "Original (RGB from the last block)",
}
TIPS = {
    "wDimSpin": "Size of the intermediate latent w the mapping network makes from z; "
    "the explorer's W sliders move its values",
    "mappingLayersSpin": "Fully connected layers of the mapping network z → w (the paper uses 8)",
    "channelBaseSpin": "Feature maps at a resolution are channel base ÷ resolution, at most the cap; "
    "larger learns more but trains slower",
    "channelMaxSpin": "The most feature maps any resolution gets (the paper uses 512)",
    "architectureCombo": "Skip: each resolution adds its RGB to the image (the paper's config F; the "
    "explorer previews drags from a smaller block). Original: RGB from the last block only",
    "styleMixingSpin": "Share of batches whose styles switch to a second latent's from a random layer "
    "on; keeps neighbouring layers' styles apart (the paper uses 0.9; 0 = off)",
    "plWeightSpin": "Path-length regularisation: a fixed step in w moves the image by a fixed amount, "
    "which smooths the W space (the paper uses 2; 0 = off)",
    "plEverySpin": "Lazy path-length penalty: on every k-th step only, weighted by k (the paper uses 4)",
}


def resolutions_for(arch: str, dataset: str) -> tuple[int, ...]:
    """The resolutions the form offers for a model on a dataset."""
    from ganstudio.core.models.registry import family

    sizes = family(arch).resolutions  # the family's own sizes (a power of two for StyleGAN2)
    if dataset == "folder":
        return sizes
    # Fixed-size data beyond FIXED_DATA_MAX would only be upsampled; the 28/32/64 families keep theirs.
    return tuple(r for r in sizes if r <= FIXED_DATA_MAX) or sizes


def nearest(value: int, choices: tuple[int, ...]) -> int:
    """The choice closest to ``value`` (in ratio: 28 is nearer 32 than 16)."""
    return min(choices, key=lambda c: (max(c, value) / max(1, min(c, value)), -c))


def feature_maps_text(resolution: int, base: int, cap: int) -> str:
    """How many feature maps each resolution gets, runs of equal widths merged:
    "64 at 4–8 px, 32 at 16 px, 16 at 32 px"."""
    if resolution < 4 or base < 1 or cap < 1:
        return ""
    runs: list[list[int]] = []  # [width, first res, last res]
    res = 4
    while res <= resolution:
        width = min(base // res, cap)
        if runs and runs[-1][0] == width:
            runs[-1][2] = res
        else:
            runs.append([width, res, res])
        res *= 2
    parts = [f"{w} at {a} px" if a == b else f"{w} at {a}–{b} px" for w, a, b in runs]
    # a narrow form wraps the line between the parts, never inside one ("32 at 16 | px")
    text = "Feature maps: " + ", ".join(p.replace(" ", NBSP) for p in parts)
    if runs[-1][0] == 0:
        text += " (none at the top: raise the channel base)"
    return text


def _spin(lo: int, hi: int, name: str) -> QSpinBox:
    w = QSpinBox()
    w.setObjectName(name)
    w.setRange(lo, hi)
    w.setGroupSeparatorShown(True)
    w.setAccelerated(True)
    return w


class StyleGAN2Group(QGroupBox):
    """The StyleGAN2 fields of a RunConfig (model and train), shown for arch "stylegan2"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("StyleGAN2", parent)
        self.setObjectName("stylegan2Group")
        self.w_dim_spin = _spin(1, 4096, "wDimSpin")
        self.mapping_spin = _spin(1, 16, "mappingLayersSpin")
        self.channel_base_spin = _spin(1, 2**20, "channelBaseSpin")
        self.channel_max_spin = _spin(1, 4096, "channelMaxSpin")
        self.architecture_combo = QComboBox()
        self.architecture_combo.setObjectName("architectureCombo")
        for value, title in ARCHITECTURE_TITLES.items():
            self.architecture_combo.addItem(title, value)
        self.widths_label = WrapLabel()
        self.widths_label.setObjectName("featureMapsLabel")
        self.widths_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.style_mixing_spin = QDoubleSpinBox()
        self.style_mixing_spin.setObjectName("styleMixingSpin")
        self.style_mixing_spin.setRange(0.0, 1.0)
        self.style_mixing_spin.setDecimals(2)
        self.style_mixing_spin.setSingleStep(0.05)
        self.style_mixing_spin.setSpecialValueText("off")
        self.pl_weight_spin = QDoubleSpinBox()
        self.pl_weight_spin.setObjectName("plWeightSpin")
        self.pl_weight_spin.setRange(0.0, 100.0)
        self.pl_weight_spin.setDecimals(2)
        self.pl_weight_spin.setSingleStep(0.5)
        self.pl_weight_spin.setSpecialValueText("off")
        self.pl_every_spin = _spin(1, 64, "plEverySpin")
        self.pl_every_spin.setPrefix("every ")
        self.pl_every_spin.setSuffix(" steps")
        self.pl_every_spin.setSpecialValueText("every step")  # shown for 1, the minimum
        self.pl_widget = QFrame()
        self.pl_widget.setObjectName("plWidget")
        pl_row = QHBoxLayout(self.pl_widget)
        pl_row.setContentsMargins(0, 0, 0, 0)
        pl_row.addWidget(self.pl_weight_spin, 1)
        pl_row.addWidget(self.pl_every_spin, 1)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("W size", self.w_dim_spin)
        form.addRow("Mapping layers", self.mapping_spin)
        form.addRow("Channel base", self.channel_base_spin)
        form.addRow("Channel cap", self.channel_max_spin)
        form.addRow("", self.widths_label)  # under the fields it describes
        form.addRow("Output", self.architecture_combo)
        form.addRow("Style mixing", self.style_mixing_spin)
        form.addRow("Path length", self.pl_widget)
        for spin in (self.channel_base_spin, self.channel_max_spin):
            spin.valueChanged.connect(self._update_widths)
        self.pl_weight_spin.valueChanged.connect(self._update_pl_every)
        self._resolution = 32

    def fields(self) -> dict[str, QWidget]:
        """Config field -> the widget that shows it (a rejected value is marked there)."""
        return {
            "model.w_dim": self.w_dim_spin,
            "model.mapping_layers": self.mapping_spin,
            "model.channel_base": self.channel_base_spin,
            "model.channel_max": self.channel_max_spin,
            "model.architecture": self.architecture_combo,
            "train.style_mixing": self.style_mixing_spin,
            "train.pl_weight": self.pl_weight_spin,
            "train.pl_every": self.pl_every_spin,
        }

    def tooltips(self) -> dict[QWidget, str]:
        return {w: TIPS[w.objectName()] for w in self.fields().values()}

    def bindings(self) -> dict[str, Binding]:
        out = {name: bind(widget) for name, widget in self.fields().items()}
        combo = self.architecture_combo
        out["model.architecture"] = Binding(combo, combo.currentData,
                                            lambda v: combo.setCurrentIndex(max(0, combo.findData(v))))
        weight = self.pl_weight_spin
        out["train.pl_weight"] = Binding(weight, weight.value, lambda v: (weight.setValue(v), self._update_pl_every(v)))
        return out

    def set_resolution(self, resolution: int) -> None:
        """The model's resolution, for the line of feature maps per resolution."""
        self._resolution = resolution or 0
        self._update_widths()

    def _update_pl_every(self, weight: float) -> None:
        self.pl_every_spin.setEnabled(weight > 0)  # how often matters only when it is on

    def _update_widths(self, *_args: object) -> None:
        self.widths_label.setText(feature_maps_text(self._resolution, self.channel_base_spin.value(),
                                                    self.channel_max_spin.value()))
