"""A conditional generator exported to ONNX with a label input, in the explorer: the class
picker lists its classes and a chosen class draws the PyTorch generator's image of it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox

from ganstudio.core.generate import generate_uint8
from ganstudio.core.io import interop
from ganstudio.core.io.loader import load_generator
from tests.gui.explorer_helpers import make_tab, wait_frame

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def test_the_class_picker_of_an_onnx_file_draws_the_chosen_class(qtbot, tmp_path, errors):
    original = load_generator("default-conditional")
    path = interop.export(original, tmp_path / "cond.onnx").path
    loaded = load_generator(path)
    tab = make_tab(qtbot, tmp_path / "cache", loaded)
    picker = tab.findChild(QComboBox, "classPicker")
    assert picker is not None and picker.isVisible()
    names = original.config.model.class_names
    assert [picker.itemText(i) for i in range(picker.count())] == [f"{i}: {n}" if n != str(i) else n
                                                                   for i, n in enumerate(names)]
    assert picker.count() == 10
    assert not tab.findChild(QCheckBox, "gridClassRowsCheck").isHidden()  # one row per class
    first = wait_frame(qtbot, tab)
    picker.setCurrentIndex(7)
    seven = wait_frame(qtbot, tab)
    assert tab.state.class_index == 7
    expected = generate_uint8(original.generator, tab.state.effective_z(), label=7)[0]
    assert np.abs(seven.astype(int) - expected.astype(int)).max() <= 1
    assert np.abs(seven.astype(int) - first.astype(int)).max() > 10
    assert not errors
    tab.shutdown()
