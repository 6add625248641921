"""A StyleGAN3 (NVIDIA's tiny config T snapshot) in the explorer: explored in W, moved and
turned by the transform sliders or by dragging the image, as NVIDIA's own code draws it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QSlider

from ganstudio.core.generate import to_uint8
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import wspace
from ganstudio.core.latent.wspace import WState
from tests.gui.explorer_helpers import make_tab, settle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stylegan3"


@pytest.fixture(scope="module")
def loaded():
    return load_generator(FIXTURE / "sg3t_tiny32.pkl")


@pytest.fixture
def tab(qtbot, tmp_path, errors, loaded):
    widget = make_tab(qtbot, tmp_path / "cache", loaded)
    settle(qtbot, widget)
    yield widget
    widget.shutdown()


def test_the_translate_slider_moves_the_image_as_nvidias_code_does(qtbot, tab, loaded):
    assert tab.w_mode and tab.findChild(object, "transformPanel").isVisible()
    G = loaded.generator  # its layers' own sizes name the mixing layers and presets
    sizes = wspace.style_resolutions(G)  # the input, layers L0_36 .. L5_52, the toRGBs
    assert sizes == [36, 36, 36, 52, 52, 52, 32, 32] and len(sizes) == G.num_ws
    combo = tab.findChild(QComboBox, "mixPresetCombo")
    assert combo.itemText(combo.count() - 1) == f"All ({min(sizes)}–{max(sizes)} px)"
    w = np.load(FIXTURE / "sg3t_tiny32.w.npy")[0]  # NVIDIA's mapping of their first z
    tab.replace_state(WState(w=w, psi=1.0), "load")
    still = settle(qtbot, tab)
    nvidia_still = to_uint8(np.load(FIXTURE / "sg3t_tiny32.img.npy")[:1])[0]
    assert np.abs(still.astype(int) - nvidia_still.astype(int)).max() <= 1
    tab.findChild(QSlider, "translateXSlider").setValue(10)  # 0.1 image widths
    moved = settle(qtbot, tab)
    assert tab.state.transform == (0.1, 0.0, 0.0)
    nvidia_moved = to_uint8(np.load(FIXTURE / "sg3t_tiny32.img_tx01.npy")[:1])[0]
    assert np.abs(moved.astype(int) - nvidia_moved.astype(int)).max() <= 1
    assert "moved +0.10, +0.00" in tab.caption.text()
    tab.findChild(QSlider, "rotateSlider").setValue(30)
    turned = settle(qtbot, tab)
    state = WState(w=w, psi=1.0, transform=(0.1, 0.0, 30.0))
    assert np.array_equal(turned, wspace.render(loaded.generator, state))
    tab.findChild(object, "transformResetButton").click()
    assert np.array_equal(settle(qtbot, tab), still)


def test_dragging_the_image_moves_it(qtbot, tab):
    image = tab.image
    start = image.target_rect().center().toPoint()
    step = round(image.target_rect().width() / 10)  # a tenth of the image to the right
    qtbot.mousePress(image, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(image, start + QPoint(step, 0))
    qtbot.mouseRelease(image, Qt.MouseButton.LeftButton, pos=start + QPoint(step, 0))
    tx, ty, angle = tab.state.transform
    assert tx == pytest.approx(step / image.target_rect().width()) and ty == angle == 0
    assert tab.undo_stack.undoText() == "Edit transform"
    frame = settle(qtbot, tab)
    assert not np.array_equal(frame, wspace.render(tab.loaded.generator, WState(seed=0)))


def test_the_w_panel_says_what_a_drag_shows_once_the_plan_is_timed(qtbot, tab):
    from dataclasses import replace

    # Timed right after the first frame, and said without waiting for another frame.
    qtbot.waitUntil(lambda: tab.w_preview_plan() is not None, timeout=20000)
    label = tab.wspace_panel.preview_label
    qtbot.waitUntil(lambda: label.text().startswith("Every frame is the full 32 px image"),
                    timeout=5000)
    plan = tab.w_preview_plan()
    assert not plan.needed and list(plan.ms_by_res) == [32]  # the whole image, timed
    # A big StyleGAN3 does not fit the drag budget: no smaller image, and the panel says so.
    slow = replace(plan, ms_by_res={32: plan.budget_ms * 4})
    tab.renderer._w_frames.plan = slow
    tab.mode.frame_shown()
    assert "no smaller image to show" in label.text()
    assert f"about {slow.ms_by_res[32]:.0f} ms a frame here" in label.text()


def test_the_transform_sliders_keep_their_length_while_the_readout_grows(qtbot, tab):
    slider = tab.findChild(QSlider, "rotateSlider")
    qtbot.waitUntil(lambda: slider.isVisible(), timeout=5000)
    before = slider.width()
    tab.findChild(object, "transformPanel").show_transform((-0.5, -0.5, -147.0))
    QApplication.processEvents()
    assert slider.width() == before
