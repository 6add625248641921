"""Directions in the explorer as a person uses them: choosing the layer, naming, saving and
loading, strips and videos along one, and the sample grid moved by the offsets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSlider

from ganstudio.core import export, latent
from ganstudio.core.latent.directions import direction_sweep
from ganstudio.gui.explorer import features
from ganstudio.gui.explorer import tab as explorer_tab
from ganstudio.gui.explorer.tab import ExplorerTab
from tests.gui.explorer_helpers import tiny_loaded, wait_frame


@pytest.fixture
def warnings(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(ExplorerTab, "warn", lambda _self, _title, text: seen.append(text))
    return seen


def make_tab(qtbot, cache, loaded=None) -> ExplorerTab:
    widget = ExplorerTab(autoload=False, cache_dir=cache)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    widget.set_generator(loaded or tiny_loaded())
    wait_frame(qtbot, widget)
    return widget


@pytest.fixture
def tab(qtbot, tmp_path, errors):
    widget = make_tab(qtbot, tmp_path / "cache")
    yield widget
    widget.shutdown()


def find_directions(qtbot, tab: ExplorerTab) -> None:
    tab.show_page(tab.direction_panel)
    tab.findChild(QPushButton, "findDirectionsButton").click()
    qtbot.waitUntil(lambda: tab.direction_panel.count() > 0, timeout=30000)


def choose_layer(qtbot, tab: ExplorerTab, name: str) -> None:
    combo = tab.findChild(QComboBox, "directionLayerCombo")
    qtbot.waitUntil(lambda: combo.count() > 0, timeout=10000)
    index = combo.findData(name)
    assert index >= 0, [combo.itemData(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what a person's pick in the list sends


def images_of(tab: ExplorerTab, z: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return export.to_uint8(tab.loaded.generator(torch.from_numpy(np.asarray(z, np.float32))))


def test_the_layer_combo_lists_z_and_each_block(qtbot, tab):
    combo = tab.findChild(QComboBox, "directionLayerCombo")
    qtbot.waitUntil(lambda: combo.count() > 0, timeout=10000)
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names == ["z", "main.1", "main.3"]
    assert "latent z" in combo.itemText(0) and "8" in combo.itemText(0)
    assert "ReLU" in combo.itemText(1) and "32" in combo.itemText(1)
    assert combo.itemText(1).endswith("(default)")
    assert combo.currentData() == "main.1"


def test_choosing_a_layer_finds_its_directions_and_labels_them(qtbot, tab, tmp_path):
    find_directions(qtbot, tab)
    default = tab.directions
    assert default.layer == "main.1"
    choose_layer(qtbot, tab, "main.3")
    qtbot.waitUntil(lambda: tab.directions.layer == "main.3", timeout=30000)
    status = tab.findChild(object, "directionStatus").text()
    assert "layer 'main.3'" in status
    assert "main.3" in tab.findChild(object, "directionSliderLabel_0").toolTip()
    assert not np.allclose(tab.directions.vectors, default.vectors)
    # each (weights, layer) is cached on its own: going back finds the first ones at once
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2
    choose_layer(qtbot, tab, "main.1")
    qtbot.waitUntil(lambda: tab.directions.layer == "main.1", timeout=10000)
    np.testing.assert_array_equal(tab.directions.vectors, default.vectors)
    choose_layer(qtbot, tab, "z")
    qtbot.waitUntil(lambda: tab.directions.layer == "z", timeout=30000)
    assert "latent z" in tab.findChild(object, "directionStatus").text()


def rename(qtbot, tab: ExplorerTab, index: int, name: str) -> None:
    label = tab.findChild(object, f"directionSliderLabel_{index}")
    qtbot.mouseDClick(label, Qt.MouseButton.LeftButton)
    editor = tab.findChild(QLineEdit, "directionSliderNameEdit")
    assert editor is not None and editor.text() == f"PC{index + 1}"
    editor.clear()
    qtbot.keyClicks(editor, name)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_rename_save_and_load_directions(qtbot, tab, tmp_path, errors, warnings):
    find_directions(qtbot, tab)
    rename(qtbot, tab, 1, "stroke width")
    label = tab.findChild(object, "directionSliderLabel_1")
    assert label.text().startswith("stroke width") and label.text().endswith("%")
    assert tab.findChild(QComboBox, "sweepDirectionCombo").itemText(1) == "stroke width"
    assert tab.directions.name(1) == "stroke width"
    target = tmp_path / "mine.npz"
    tab.save_directions(target)
    qtbot.waitUntil(target.is_file, timeout=10000)

    other = make_tab(qtbot, tmp_path / "other-cache", tab.loaded)
    try:
        assert other.direction_panel.count() == 0
        assert other.load_directions(target)
        qtbot.waitUntil(lambda: other.direction_panel.count() > 0, timeout=10000)
        assert other.directions.labels()[:3] == ["PC1", "stroke width", "PC3"]
        assert other.directions.layer == "main.1"
        np.testing.assert_array_equal(other.directions.vectors, tab.directions.vectors)
        assert other.findChild(object, "directionSliderLabel_1").text().startswith("stroke width")
        assert not warnings and not errors
    finally:
        other.shutdown()


def test_the_new_name_is_remembered_with_the_cached_search(qtbot, tab, tmp_path):
    find_directions(qtbot, tab)
    rename(qtbot, tab, 0, "slant")
    qtbot.waitUntil(lambda: not tab.tasks.running("directions-cache"), timeout=10000)
    again = make_tab(qtbot, tmp_path / "cache", tab.loaded)
    try:
        qtbot.waitUntil(lambda: again.direction_panel.count() > 0, timeout=10000)
        assert again.directions.name(0) == "slant"
    finally:
        again.shutdown()


def test_directions_of_another_generator(qtbot, tab, tmp_path, errors, warnings):
    other_weights = latent.pca_directions(tiny_loaded(seed=1).generator, 256, 4)
    other_weights = latent.Directions(
        other_weights.vectors, other_weights.explained, other_weights.layer,
        weights_hash=latent.weights_hash(tiny_loaded(seed=1).generator),
    )
    other_weights.save(tmp_path / "other.npz")
    tab.load_directions(tmp_path / "other.npz")
    qtbot.waitUntil(lambda: tab.direction_panel.count() == 4, timeout=10000)
    assert warnings and "another generator" in warnings[0]
    assert "another generator" in tab.findChild(object, "directionStatus").text()

    wider = latent.Directions(np.eye(2, 16, dtype=np.float32), np.ones(2, np.float32), "z")
    wider.save(tmp_path / "wide.npz")
    tab.load_directions(tmp_path / "wide.npz")
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert errors[-1][0] == "Load directions"
    assert "16-dimensional latent; this generator takes 8" in errors[-1][1]
    assert tab.direction_panel.count() == 4  # the ones shown stay


def test_strip_png_is_the_image_moved_along_the_direction(qtbot, tab, tmp_path, monkeypatch):
    find_directions(qtbot, tab)
    tab.findChild(QSlider, "directionSlider_2").setValue(150)  # the strip starts from this image
    wait_frame(qtbot, tab)
    target = tmp_path / "pc1.png"
    monkeypatch.setattr(explorer_tab, "ask_save_path", lambda *_a: str(target))
    tab.findChild(QComboBox, "sweepDirectionCombo").setCurrentIndex(0)
    tab.findChild(object, "sweepStepsSpin").setValue(5)
    tab.findChild(object, "sweepSigmaSpin").setValue(2.0)
    tab.findChild(QPushButton, "exportStripButton").click()
    qtbot.waitUntil(target.is_file, timeout=20000)
    strip = np.asarray(Image.open(target))
    scale = math.ceil(features.MIN_STRIP_SIDE / 28)
    assert strip.shape[:2] == (28 * scale, 5 * 28 * scale)
    frames = images_of(tab, direction_sweep(tab.mode.vector(tab.state, tab.directions), tab.directions.vectors[0], 2.0, 5))
    expected = np.concatenate([export.upscale(f, scale) for f in frames], axis=1)[..., 0]
    assert np.abs(strip.astype(int) - expected.astype(int)).max() <= 1
    # the middle image is the one shown
    middle = strip[:, 2 * 28 * scale : 3 * 28 * scale][::scale, ::scale]
    assert np.abs(middle.astype(int) - tab.image.array()[..., 0].astype(int)).max() <= 1


def test_video_sweeps_there_and_back(qtbot, tab, tmp_path, monkeypatch):
    find_directions(qtbot, tab)
    target = tmp_path / "pc1.gif"
    monkeypatch.setattr(explorer_tab, "ask_save_path", lambda *_a: str(target))
    tab.findChild(QPushButton, "exportVideoButton").click()
    qtbot.waitUntil(target.is_file, timeout=30000)
    with Image.open(target) as gif:
        frames = gif.n_frames
    assert frames == 2 * 25 - 2


def test_grid_with_direction_offsets(qtbot, tab):
    find_directions(qtbot, tab)
    tab.findChild(QSlider, "directionSlider_0").setValue(250)
    tab.findChild(QSlider, "directionSlider_1").setValue(-100)
    wait_frame(qtbot, tab)
    tab.show_page(tab.grid_panel)
    view = tab.grid_panel.view
    qtbot.waitUntil(lambda: view.grid_size() > 0, timeout=10000)
    plain = view.tiles().copy()
    tab.findChild(QCheckBox, "gridOffsetsCheck").setChecked(True)
    qtbot.waitUntil(lambda: not np.array_equal(view.tiles(), plain), timeout=10000)
    seed, n = tab.grid_panel.seed_spin.value(), view.grid_size()
    offsets = np.array([2.5, -1.0], np.float32)
    z = np.stack([latent.sample_z(seed + i, 1, 8)[0].numpy() for i in range(n * n)])
    expected = images_of(tab, z * tab.state.psi + offsets @ tab.directions.vectors[:2])
    assert np.abs(view.tiles().astype(int) - expected.astype(int)).max() <= 1
    # moving a slider moves the grid too
    before = view.tiles().copy()
    tab.findChild(QSlider, "directionSlider_0").setValue(0)
    qtbot.waitUntil(lambda: not np.array_equal(view.tiles(), before), timeout=10000)
    # picking a cell keeps the offsets: the image shown is the cell
    tab.findChild(QSlider, "directionSlider_0").setValue(250)
    qtbot.waitUntil(lambda: np.abs(view.tiles().astype(int) - expected.astype(int)).max() <= 1,
                    timeout=10000)
    center = view.cell_rect(4).center()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(center.x(), center.y()))
    assert tab.state.seed == seed + 4 and tab.state.offsets[:2] == (2.5, -1.0)
    shown = wait_frame(qtbot, tab).astype(int)
    assert np.abs(shown - view.tiles()[4].astype(int)).max() <= 1
