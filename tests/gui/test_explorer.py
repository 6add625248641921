"""The explorer tab as a person uses it: sliders, seeds, undo, directions, grid, paths."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from explorer_helpers import make_tab, tiny_loaded, wait_frame
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QSlider, QSpinBox

from ganstudio.gui.explorer import tab as explorer_tab
from ganstudio.gui.explorer.tab import ExplorerTab


@pytest.fixture
def tab(qtbot, tmp_path, errors):
    widget = make_tab(qtbot, tmp_path / "cache", tiny_loaded())
    yield widget
    widget.shutdown()


def slider(tab: ExplorerTab, name: str) -> QSlider:
    found = tab.findChild(QSlider, name)
    assert found is not None, name
    return found


def test_opens_on_an_empty_state_with_an_open_button(qtbot):
    widget = ExplorerTab(autoload=False)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.objectName() == "explorerTab"
    assert widget.stack.currentWidget() is widget.empty_page
    button = widget.findChild(QPushButton, "explorerOpenButton")
    assert button.isVisible() and button.text().startswith("Open")
    widget.shutdown()


def test_shows_the_generator_with_one_slider_per_dimension(tab):
    assert tab.stack.currentWidget() is tab.explorer_page
    panel = tab.findChild(object, "latentSliders")
    sliders = [panel.findChild(QSlider, f"latentSlider_{i}") for i in range(8)]
    assert all(s is not None for s in sliders)
    assert panel.findChild(QSlider, "latentSlider_8") is None
    assert sliders[0].minimum() == -300 and sliders[0].maximum() == 300
    assert tab.image.array().shape == (28, 28, 1)
    assert "Seed 0" in tab.caption.text() and "‖z‖" in tab.caption.text()


def test_slider_move_changes_the_image(qtbot, tab):
    before = tab.image.array().copy()
    s = slider(tab, "latentSlider_3")
    s.setValue(s.value() + 250 if s.value() < 0 else s.value() - 250)
    after = wait_frame(qtbot, tab)
    assert not np.array_equal(before, after)
    assert tab.caption.text().startswith("Edited latent")


def test_same_seed_gives_the_same_image(qtbot, tab):
    seed = tab.findChild(QSpinBox, "seedSpin")
    seed.setValue(5)
    five = wait_frame(qtbot, tab)
    seed.setValue(6)
    six = wait_frame(qtbot, tab)
    seed.setValue(5)
    again = wait_frame(qtbot, tab)
    assert not np.array_equal(five, six)
    assert np.array_equal(five, again)
    assert "Seed 5" in tab.caption.text()


def test_randomize_moves_to_another_seed(qtbot, tab):
    seed = tab.findChild(QSpinBox, "seedSpin")
    before = seed.value()
    qtbot.mouseClick(tab.findChild(QPushButton, "randomizeButton"), Qt.MouseButton.LeftButton)
    assert seed.value() != before
    assert tab.state.seed == seed.value()


def test_zero_truncation_shows_the_centre_of_the_latent_space(qtbot, tab):
    slider(tab, "truncationSlider").setValue(0)
    truncated = wait_frame(qtbot, tab)
    slider(tab, "truncationSlider").setValue(100)
    wait_frame(qtbot, tab)
    tab.findChild(QPushButton, "latentResetButton").click()
    zero = wait_frame(qtbot, tab)
    assert np.array_equal(truncated, zero)
    assert all(slider(tab, f"latentSlider_{i}").value() == 0 for i in range(8))


def test_undo_and_redo_of_latent_edits(qtbot, tab):
    original = tab.image.array().copy()
    tab.findChild(QSpinBox, "seedSpin").setValue(11)
    edited = wait_frame(qtbot, tab)
    tab.setFocus()
    qtbot.keyClick(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(wait_frame(qtbot, tab), original)
    assert tab.findChild(QSpinBox, "seedSpin").value() == 0
    qtbot.keyClick(
        tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert np.array_equal(wait_frame(qtbot, tab), edited)
    assert tab.findChild(QSpinBox, "seedSpin").value() == 11


def test_caption_and_undo_follow_each_edit_once_its_frame_is_shown(qtbot, tab):
    assert not tab.undo_action.isEnabled()
    tab.findChild(QSpinBox, "seedSpin").setValue(12)
    wait_frame(qtbot, tab)
    assert "Seed 12" in tab.caption.text()
    assert tab.undo_action.isEnabled()


def test_a_render_failure_stays_in_the_caption(qtbot, tab):
    broken = tiny_loaded().generator

    def fail(_z):
        raise RuntimeError("weights went missing")

    broken.forward = fail
    tab.renderer.set_generator(broken)
    tab.findChild(QSpinBox, "seedSpin").setValue(3)
    qtbot.waitUntil(lambda: "weights went missing" in tab.caption.text(), timeout=5000)
    qtbot.wait(3 * explorer_tab.STATUS_FALLBACK_MS)
    assert "weights went missing" in tab.caption.text()


def test_directions_are_found_labelled_cached_and_move_the_image(qtbot, tab, tmp_path):
    panel = tab.findChild(object, "directionSliders")
    panel.findChild(QPushButton, "findDirectionsButton").click()
    qtbot.waitUntil(lambda: panel.count() > 0, timeout=30000)
    first = panel.findChild(object, "directionSliderLabel_0")
    assert first.text().startswith("PC1") and first.text().endswith("%")
    before = tab.image.array().copy()
    panel.findChild(QSlider, "directionSlider_0").setValue(400)
    assert not np.array_equal(before, wait_frame(qtbot, tab))
    # A second tab on the same weights finds them in the cache without a search.
    other = ExplorerTab(autoload=False, cache_dir=tmp_path / "cache")
    qtbot.addWidget(other)
    other.set_generator(tab.loaded)
    qtbot.waitUntil(lambda: other.direction_panel.count() == panel.count(), timeout=10000)
    np.testing.assert_array_equal(other.directions.vectors, tab.directions.vectors)
    other.shutdown()


def click_cell(qtbot, tab: ExplorerTab, index: int, shift: bool = False) -> None:
    view = tab.grid_panel.view
    tab.show_page(tab.grid_panel)
    qtbot.waitUntil(lambda: view.grid_size() > 0, timeout=10000)
    center = view.cell_rect(index).center()
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, mods, QPoint(center.x(), center.y()))


def test_grid_click_explores_a_sample_and_shift_click_adds_a_keyframe(qtbot, tab):
    click_cell(qtbot, tab, 3)
    grid_seed = tab.grid_panel.seed_spin.value()
    assert tab.findChild(QSpinBox, "seedSpin").value() == grid_seed + 3
    shown = wait_frame(qtbot, tab).astype(int)
    tile = tab.grid_panel.view.tiles()[3].astype(int)
    assert np.abs(shown - tile).max() <= 1  # one forward pass alone or in a batch
    click_cell(qtbot, tab, 5, shift=True)
    assert tab.findChild(object, "keyframeList").count() == 1


def add_keyframe_at_seed(qtbot, tab: ExplorerTab, seed: int) -> np.ndarray:
    tab.findChild(QSpinBox, "seedSpin").setValue(seed)
    image = wait_frame(qtbot, tab)
    tab.findChild(QPushButton, "addKeyframeButton").click()
    return image


def test_interpolation_scrubs_between_keyframes(qtbot, tab):
    first = add_keyframe_at_seed(qtbot, tab, 1)
    second = add_keyframe_at_seed(qtbot, tab, 2)
    tab.interpolation.loop_check.setChecked(False)
    tab.interpolation.frames_spin.setValue(4)
    scrub = slider(tab, "interpolationSlider")
    assert scrub.maximum() == 4  # 5 frames: 4 per segment and the last keyframe
    np.testing.assert_allclose(tab.path()[0], tab.keyframes()[0], atol=1e-5)
    np.testing.assert_allclose(tab.path()[-1], tab.keyframes()[1], atol=1e-5)
    scrub.setValue(4)
    assert np.array_equal(wait_frame(qtbot, tab), second)
    scrub.setValue(2)
    middle = wait_frame(qtbot, tab)
    assert not np.array_equal(middle, first) and not np.array_equal(middle, second)
    scrub.setValue(0)
    assert np.array_equal(wait_frame(qtbot, tab), first)


def test_keyframes_reorder_and_remove(qtbot, tab):
    add_keyframe_at_seed(qtbot, tab, 1)
    add_keyframe_at_seed(qtbot, tab, 2)
    add_keyframe_at_seed(qtbot, tab, 3)
    keys = tab.keyframes().copy()
    tab.interpolation.keyframes.setCurrentRow(2)
    tab.interpolation.left_button.click()
    np.testing.assert_array_equal(tab.keyframes(), keys[[0, 2, 1]])
    tab.findChild(QPushButton, "removeKeyframeButton").click()
    np.testing.assert_array_equal(tab.keyframes(), keys[[0, 1]])


def test_play_advances_through_the_path(qtbot, tab):
    add_keyframe_at_seed(qtbot, tab, 1)
    add_keyframe_at_seed(qtbot, tab, 2)
    play = tab.findChild(QPushButton, "playButton")
    assert play.isEnabled()
    play.click()
    qtbot.waitUntil(lambda: slider(tab, "interpolationSlider").value() >= 3, timeout=10000)
    play.click()
    assert not play.isChecked() and play.text() == "Play"


def test_copy_and_paste_the_latent_as_text(qtbot, tab):
    original_z = tab.state.effective_z().copy()
    original = tab.image.array().copy()
    tab.copy_latent()
    text = QApplication.clipboard().text()
    assert text.startswith("[") and text.count(",") == 7
    tab.findChild(QSpinBox, "seedSpin").setValue(3)
    wait_frame(qtbot, tab)
    tab.paste_latent()
    np.testing.assert_array_equal(tab.state.effective_z(), original_z)
    assert np.array_equal(wait_frame(qtbot, tab), original)


def test_pasting_text_that_is_not_a_latent_changes_nothing(qtbot, tab, errors):
    state = tab.state
    QApplication.clipboard().setText("hello world")
    tab.paste_latent()
    assert errors and "8 numbers" in errors[-1][1]
    assert tab.state is state


def test_a_hidden_grid_waits_until_its_page_is_shown(qtbot, tab, monkeypatch):
    asked: list[np.ndarray] = []
    request_grid = tab.renderer.request_grid
    monkeypatch.setattr(tab.renderer, "request_grid",
                        lambda z, labels=None: asked.append(z) or request_grid(z, labels))
    tab.findChild(QSlider, "truncationSlider").setValue(50)  # the grid shows this truncation
    wait_frame(qtbot, tab)
    assert asked == []  # the Latent page is in front: no grid holds up the frames
    tab.show_page(tab.grid_panel)
    qtbot.waitUntil(lambda: tab.grid_panel.view.grid_size() > 0, timeout=10000)
    assert len(asked) == 1
