"""The Stability group of the training form: bound to its config fields, validated, round-tripped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QSpinBox, QToolButton, QWidget

from ganstudio.core.config import presets


def _stable(name: str):  # noqa: ANN202
    from ganstudio.core.config import preset

    return preset(name).replace(
        model={"spectral_norm": True, "minibatch_std": True, "pack": 4},
        train={"r1_gamma": 10.0, "r1_every": 4, "diffaug": "translation,color", "label_smoothing": 0.1,
               "lr_decay": 0.25},
    )


@pytest.mark.parametrize("name", list(presets()))
def test_presets_round_trip_through_the_form(form, name: str) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    cfg = preset(name)
    form.set_config(cfg)
    assert form.get_config().to_dict() == cfg.to_dict()


def test_stability_options_round_trip_and_show_in_the_widgets(form) -> None:  # noqa: ANN001
    cfg = _stable("mnist-dcgan")
    form.set_config(cfg)
    assert form.get_config().to_dict() == cfg.to_dict()
    assert form.findChild(QWidget, "stabilityBody").isVisible(), "options in use but the group is folded"
    assert form.findChild(QCheckBox, "spectralNormCheck").isChecked()
    assert form.findChild(QCheckBox, "minibatchStdCheck").isChecked()
    assert form.findChild(QSpinBox, "packSpin").value() == 4
    assert form.findChild(QDoubleSpinBox, "r1GammaSpin").value() == 10.0
    assert form.findChild(QSpinBox, "r1EverySpin").text() == "every 4 steps"
    form.set_config(cfg.replace(train={"r1_every": 1}))
    assert form.findChild(QSpinBox, "r1EverySpin").text() == "every step"
    assert form.findChild(QDoubleSpinBox, "labelSmoothingSpin").value() == pytest.approx(0.1)
    assert form.findChild(QDoubleSpinBox, "lrDecaySpin").value() == pytest.approx(0.25)
    checked = {c.objectName() for c in form.findChildren(QCheckBox) if c.objectName().startswith("diffaug")
               and c.isChecked()}
    assert checked == {"diffaugTranslationCheck", "diffaugColorCheck"}


def test_the_widgets_set_the_config_fields(qtbot, form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("mnist-mlp"))  # a preset that uses no stability option
    form.findChild(QToolButton, "stabilityToggle").setChecked(False)
    toggle = form.findChild(QToolButton, "stabilityToggle")
    body = form.findChild(QWidget, "stabilityBody")
    assert not body.isVisible()
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert body.isVisible()
    form.findChild(QCheckBox, "spectralNormCheck").setChecked(True)
    form.findChild(QCheckBox, "diffaugCutoutCheck").setChecked(True)
    form.findChild(QDoubleSpinBox, "r1GammaSpin").setValue(5.0)
    form.findChild(QSpinBox, "packSpin").setValue(2)
    cfg = form.get_config()
    assert cfg.model.spectral_norm and cfg.model.pack == 2
    assert cfg.train.diffaug == "cutout" and cfg.train.r1_gamma == 5.0
    assert form.is_valid


@pytest.mark.parametrize(("widget_name", "value", "field"), [
    ("packSpin", 9, "model.pack"),
    ("packSpin", 3, "train.batch_size"),  # 64 is not a multiple of 3
    ("labelSmoothingSpin", 0.6, "train.label_smoothing"),
])
def test_bad_values_are_marked_at_their_field(form, widget_name: str, value: float, field: str) -> None:  # noqa: ANN001
    form.findChild(QWidget, widget_name).setValue(value)
    assert not form.is_valid
    assert form.error.field == field
    marked = form.invalid_field()
    assert marked is not None and marked.styleSheet(), "the field in error is not marked"
    assert field in marked.toolTip()


def test_diffaugment_is_off_limits_for_2d_data(form) -> None:  # noqa: ANN001
    from ganstudio.core.config import preset

    form.set_config(preset("toy-ring"))
    assert not form.findChild(QWidget, "diffaugWidget").isEnabled()
    assert form.findChild(QSpinBox, "packSpin").value() == 2  # the preset's PacGAN packing
