"""An ONNX generator in the explorer: it opens by drag and drop, renders its own pixels, and a
projection (which needs gradients) ends in a message instead of a traceback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton

from ganstudio.core.export import to_uint8
from ganstudio.gui.explorer.render_worker import GENERATOR_SUFFIXES
from ganstudio.gui.explorer.tab import ExplorerTab

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

LATENT = 6


def onnx_generator(path) -> np.ndarray:
    """z (N, 6) -> tanh(z @ W) as (N, 1, 28, 28), written as a plain ONNX file; returns W."""
    from onnx import TensorProto, helper

    w = np.random.default_rng(0).standard_normal((LATENT, 28 * 28)).astype(np.float32) * 0.5
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["z", "W"], ["h"]), helper.make_node("Tanh", ["h"], ["t"]),
         helper.make_node("Reshape", ["t", "s"], ["image"])],
        "g", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", LATENT])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.ravel()),
         helper.make_tensor("s", TensorProto.INT64, [4], [-1, 1, 28, 28])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return w


def test_a_dropped_onnx_generator_renders_its_own_pixels_and_refuses_projection(
    qtbot, tmp_path, errors, no_questions  # opening a picture asks; the answer is yes
):
    assert ".onnx" in GENERATOR_SUFFIXES  # the open dialog lists it
    path = tmp_path / "theirs.onnx"
    w = onnx_generator(path)
    tab = ExplorerTab(autoload=False, cache_dir=tmp_path / "cache")
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    tab.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: tab.state is not None and tab.state.dim == LATENT, timeout=20000)
    qtbot.waitUntil(lambda: tab.image.painted_id >= tab.last_request_id > 0, timeout=10000)
    shown = tab.image.array()[:, :, 0].astype(int)
    z = tab.state.effective_z()[None]
    expected = to_uint8(np.tanh(z @ w).reshape(1, 1, 28, 28))[0, :, :, 0].astype(int)
    assert np.abs(shown - expected).max() <= 1
    assert "theirs.onnx" in tab.source_label.text()

    target = tmp_path / "target.png"
    Image.fromarray(expected.astype(np.uint8)).save(target)
    assert tab.open_path(target)
    qtbot.waitUntil(lambda: tab.projection.target_view.array() is not None, timeout=10000)
    tab.projection.steps_spin.setValue(5)
    tab.findChild(QPushButton, "projectButton").click()
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    title, text = errors[0]
    assert title == "Project image" and "needs a PyTorch generator" in text and "onnxruntime" in text
    tab.shutdown()
