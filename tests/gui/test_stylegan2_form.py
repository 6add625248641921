"""The training form with a StyleGAN2: its group of fields, the rows that do not apply, the
resolutions it offers, and the switch between architectures."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget


def _choose(combo: QComboBox, value: object) -> None:
    """Pick an item as a person does (the combo's activated signal follows the change)."""
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _resolutions(form) -> list[int]:  # noqa: ANN001
    combo = form.findChild(QComboBox, "resolutionCombo")
    return [combo.itemData(i) for i in range(combo.count())]


def _widths(form) -> str:  # noqa: ANN001
    return form.findChild(QLabel, "featureMapsLabel").text().replace("\u00a0", " ")


def _row_shown(form, name: str) -> bool:  # noqa: ANN001
    widget = form.findChild(QWidget, name)
    return widget.isVisibleTo(widget.parentWidget())


def test_the_preset_shows_the_stylegan2_group_and_hides_what_does_not_apply(form) -> None:  # noqa: ANN001
    group = form.findChild(QWidget, "stylegan2Group")
    assert not group.isVisible()
    assert _row_shown(form, "spectralNormCheck") and _row_shown(form, "packSpin")
    _choose(form.findChild(QComboBox, "presetCombo"), "mnist-stylegan2")
    assert form.findChild(QComboBox, "modelCombo").currentText() == "StyleGAN2 (style-based)"
    assert group.isVisible()
    assert form.findChild(QSpinBox, "wDimSpin").value() == 128
    assert form.findChild(QSpinBox, "mappingLayersSpin").value() == 2
    assert form.findChild(QSpinBox, "channelBaseSpin").value() == 512
    assert form.findChild(QSpinBox, "channelMaxSpin").value() == 64
    assert _widths(form) == "Feature maps: 64 at 4–8 px, 32 at 16 px, 16 at 32 px"
    for name in ("spectralNormCheck", "minibatchStdCheck", "packSpin"):
        assert not _row_shown(form, name), f"{name} is shown for a StyleGAN2, which does not use it"
    assert _row_shown(form, "r1GammaSpin")  # R1 is StyleGAN2's own regulariser
    assert _resolutions(form) == [8, 16, 32, 64]
    assert form.is_valid


def test_the_group_sets_every_stylegan2_field(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("mnist-stylegan2"))
    form.findChild(QSpinBox, "wDimSpin").setValue(64)
    form.findChild(QSpinBox, "mappingLayersSpin").setValue(4)
    form.findChild(QSpinBox, "channelBaseSpin").setValue(1024)
    form.findChild(QSpinBox, "channelMaxSpin").setValue(32)
    form.findChild(QComboBox, "architectureCombo").setCurrentIndex(1)
    form.findChild(QDoubleSpinBox, "styleMixingSpin").setValue(0.9)
    assert not form.findChild(QSpinBox, "plEverySpin").isEnabled(), "how often, for a penalty that is off"
    form.findChild(QDoubleSpinBox, "plWeightSpin").setValue(2.0)
    assert form.findChild(QSpinBox, "plEverySpin").isEnabled()
    form.findChild(QSpinBox, "plEverySpin").setValue(8)
    cfg = form.get_config()
    m, t = cfg.model, cfg.train
    assert (m.w_dim, m.mapping_layers, m.channel_base, m.channel_max, m.architecture) == (64, 4, 1024, 32, "orig")
    assert (t.style_mixing, t.pl_weight, t.pl_every) == (pytest.approx(0.9), 2.0, 8)
    assert _widths(form) == "Feature maps: 32 at 4–32 px"
    form.set_config(cfg)
    assert form.get_config().to_dict() == cfg.to_dict()
    assert form.findChild(QComboBox, "presetCombo").currentIndex() == -1  # a custom config now


def test_a_channel_base_below_the_resolution_is_marked_at_its_field(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("mnist-stylegan2"))
    spin = form.findChild(QSpinBox, "channelBaseSpin")
    spin.setValue(16)  # 32 px would get no feature maps
    assert not form.is_valid
    assert form.error.field == "model.channel_base"
    assert form.invalid_field() is spin and spin.styleSheet()
    assert "at least one feature map" in form.findChild(QLabel, "configErrorLabel").text()
    assert "raise the channel base" in _widths(form)


def test_switching_to_stylegan2_starts_from_its_recipe_and_never_from_a_rejected_value(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    dcgan = preset("mnist-dcgan").replace(model={"spectral_norm": True, "pack": 4},
                                          train={"device": "cpu", "seed": 7})
    form.set_config(dcgan)
    _choose(form.findChild(QComboBox, "modelCombo"), "stylegan2")
    assert form.is_valid, form.error
    cfg = form.get_config()
    expected = preset("mnist-stylegan2").replace(train={"device": "cpu", "seed": 7})
    assert cfg.to_dict() == expected.to_dict()
    _choose(form.findChild(QComboBox, "modelCombo"), "dcgan")
    assert form.get_config().to_dict() == preset("mnist-dcgan").replace(
        train={"device": "cpu", "seed": 7}).to_dict()


def test_a_folder_offers_every_stylegan2_resolution_and_fixed_data_up_to_64(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("mnist-stylegan2").replace(data={"name": "folder", "path": "/nowhere"},
                                                      model={"resolution": 256, "channels": 3}))
    assert _resolutions(form) == [8, 16, 32, 64, 128, 256, 512, 1024]
    assert form.get_config().model.resolution == 256
    _choose(form.findChild(QComboBox, "datasetCombo"), "cifar10")
    assert _resolutions(form) == [8, 16, 32, 64]
    assert form.get_config().model.resolution == 64  # the nearest a 32-pixel dataset offers
    _choose(form.findChild(QComboBox, "modelCombo"), "dcgan")
    assert _resolutions(form) == [28, 32, 64]


def test_a_config_from_elsewhere_keeps_its_resolution(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    cfg = preset("mnist-stylegan2").replace(model={"resolution": 128})  # e.g. trained from the CLI
    form.set_config(cfg)
    assert form.get_config().to_dict() == cfg.to_dict()


def test_a_conditional_stylegan2_on_digits_can_start(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("mnist-stylegan2").replace(model={"c_dim": 10}))
    assert form.is_valid
