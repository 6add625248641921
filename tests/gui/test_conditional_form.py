"""The training form's "Conditional" switch: offered where the data has labels and the model
can learn them, it sets model.c_dim and model.class_names from the data's classes."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QCheckBox, QComboBox


def _choose(combo: QComboBox, value: object) -> None:
    """Pick an item as a person does (the combo's activated signal follows the change)."""
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _switch(form) -> QCheckBox:  # noqa: ANN001
    check = form.findChild(QCheckBox, "conditionalCheck")
    assert check is not None
    return check


def _shown(check: QCheckBox) -> bool:
    return check.isVisibleTo(check.parentWidget())


def _images(folder, count: int = 3) -> None:  # noqa: ANN001
    folder.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")


def test_mnist_offers_the_switch_and_it_sets_the_classes(form) -> None:  # noqa: ANN001
    check = _switch(form)
    assert _shown(check) and not check.isChecked()
    assert "10 classes" in check.text()
    assert form.config().model.c_dim == 0
    check.setChecked(True)
    model = form.config().model
    assert model.c_dim == 10 and model.class_names == [str(i) for i in range(10)]
    assert form.is_valid


def test_the_conditional_preset_shows_the_switch_on(form) -> None:  # noqa: ANN001
    _choose(form.findChild(QComboBox, "presetCombo"), "mnist-cdcgan")
    assert _switch(form).isChecked() and _shown(_switch(form))
    assert form.config().model.c_dim == 10


def test_no_switch_for_toys_and_one_for_every_family_that_learns_classes(form) -> None:  # noqa: ANN001
    check = _switch(form)
    check.setChecked(True)
    _choose(form.findChild(QComboBox, "datasetCombo"), "toy-ring")
    assert not _shown(check)
    assert form.config().model.c_dim == 0
    # StyleGAN2 learns classes too (c in the mapping, a projection in D, as NVIDIA's)
    _choose(form.findChild(QComboBox, "presetCombo"), "mnist-stylegan2")
    assert _shown(check)
    check.setChecked(True)
    assert form.config().model.c_dim == 10
    _choose(form.findChild(QComboBox, "presetCombo"), "mnist-dcgan")
    assert _shown(check)


def test_a_folder_of_class_folders_offers_its_classes(qtbot, form, tmp_path) -> None:  # noqa: ANN001
    _images(tmp_path / "data" / "cats")
    _images(tmp_path / "data" / "dogs")
    check = _switch(form)
    form.use_image_folder(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: _shown(check), timeout=20000)
    assert "2 classes (cats, dogs)" in check.text()
    check.setChecked(True)
    model = form.config().model
    assert model.c_dim == 2 and model.class_names == ["cats", "dogs"]
    # a folder of loose images has no classes: no switch, an unconditional model
    _images(tmp_path / "loose")
    form.use_image_folder(str(tmp_path / "loose"))
    qtbot.waitUntil(lambda: not form.conditional._jobs.busy(), timeout=20000)
    qtbot.wait(20)  # the listing's answer arrives as a queued call
    assert not _shown(check)
    assert form.config().model.c_dim == 0
