"""Picking the class of a conditional generator in the explorer: the picker, undo, the morph
between two classes, the grid's one row per class, keyframes and latent files; for a
conditional DCGAN (z) and NVIDIA's conditional StyleGAN2-ADA (W)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton, QSlider

from ganstudio.core.config import preset
from ganstudio.core.generate import generate_uint8
from ganstudio.core.io.checkpoint import LoadedGenerator
from ganstudio.core.latent import blend_classes, class_label
from ganstudio.core.latent.wspace import WState, render
from ganstudio.core.models.build import build_generator
from ganstudio.gui.explorer.tab import ExplorerTab
from tests.gui.explorer_helpers import make_tab, settle, tiny_loaded, wait_frame

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "stylegan2-ada-conditional"
           / "sg2ada_cond10_tiny32.pkl")


def conditional_loaded(names: list[str] | None = None) -> LoadedGenerator:
    """The mnist-cdcgan preset's conditional DCGAN at a tiny width (10 classes)."""
    cfg = preset("mnist-cdcgan")
    cfg.model.g_width = 8
    cfg.model.latent_dim = 16
    cfg.model.class_names = list(NAMES if names is None else names)
    torch.manual_seed(0)
    G = build_generator(cfg).eval().requires_grad_(False)
    return LoadedGenerator(G, cfg, 10, None)


@pytest.fixture
def loaded() -> LoadedGenerator:
    return conditional_loaded()


@pytest.fixture
def tab(qtbot, tmp_path, errors, loaded):
    widget = make_tab(qtbot, tmp_path / "cache", loaded)
    yield widget
    widget.shutdown()


def child(tab: ExplorerTab, kind, name: str):
    found = tab.findChild(kind, name)
    assert found is not None, name
    return found


def frame_of(loaded, tab: ExplorerTab, label) -> np.ndarray:
    return generate_uint8(loaded.generator, tab.state.effective_z(), label=label)[0]


def wait_idle(qtbot, tab: ExplorerTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=60000)
    qtbot.wait(20)  # let the finished tasks' queued results arrive


def test_the_picker_lists_the_models_class_names_and_hides_for_unconditional(qtbot, tab):
    picker = child(tab, QComboBox, "classPicker")
    assert picker.isVisible()
    assert [picker.itemText(i) for i in range(picker.count())][:2] == ["0: zero", "1: one"]
    assert picker.count() == 10
    tab.set_generator(tiny_loaded())
    wait_frame(qtbot, tab)
    assert not picker.isVisible()
    assert not child(tab, QCheckBox, "gridClassRowsCheck").isVisible()


def test_a_kept_latent_draws_a_class_the_next_generator_has(qtbot, tab, errors):
    child(tab, QComboBox, "classPicker").setCurrentIndex(7)
    wait_frame(qtbot, tab)
    fewer = conditional_loaded(names=["a", "b", "c", "d", "e"])
    fewer.config.model.c_dim = 5
    torch.manual_seed(1)
    fewer = LoadedGenerator(build_generator(fewer.config).eval(), fewer.config, 1, None)
    tab.set_generator(fewer)
    shown = wait_frame(qtbot, tab)
    assert tab.state.class_index == 0  # it has no class 7: its first
    assert np.array_equal(shown, frame_of(fewer, tab, 0))
    assert child(tab, QComboBox, "classPicker").count() == 5
    assert "failed" not in tab.caption.text() and not errors


def test_numbers_stand_in_for_missing_class_names(qtbot, tmp_path, errors):
    tab = make_tab(qtbot, tmp_path, conditional_loaded(names=[]))
    picker = child(tab, QComboBox, "classPicker")
    assert [picker.itemText(i) for i in range(3)] == ["0", "1", "2"]
    tab.shutdown()


def test_choosing_a_class_draws_it_and_undo_brings_the_first_back(qtbot, tab, loaded):
    first = wait_frame(qtbot, tab)
    assert np.array_equal(first, frame_of(loaded, tab, 0))
    child(tab, QComboBox, "classPicker").setCurrentIndex(3)
    three = wait_frame(qtbot, tab)
    assert tab.state.class_index == 3
    assert np.array_equal(three, frame_of(loaded, tab, 3))
    assert not np.array_equal(three, first)
    qtbot.waitUntil(lambda: "class three" in tab.caption.text(), timeout=5000)
    assert tab.undo_stack.undoText() == "Change class"
    tab.undo()
    assert np.array_equal(wait_frame(qtbot, tab), first)
    assert child(tab, QComboBox, "classPicker").currentIndex() == 0
    tab.redo()
    assert np.array_equal(wait_frame(qtbot, tab), three)
    assert child(tab, QComboBox, "classPicker").currentIndex() == 3


def test_a_seed_change_keeps_the_class(qtbot, tab, loaded):
    child(tab, QComboBox, "classPicker").setCurrentIndex(5)
    wait_frame(qtbot, tab)
    tab.controls.seed_spin.setValue(tab.controls.seed_spin.value() + 1)
    shown = wait_frame(qtbot, tab)
    assert tab.state.class_index == 5
    assert np.array_equal(shown, frame_of(loaded, tab, 5))


def test_the_morph_blends_two_classes_at_the_same_latent(qtbot, tab, loaded):
    child(tab, QComboBox, "classPicker").setCurrentIndex(3)
    wait_frame(qtbot, tab)
    child(tab, QComboBox, "classToPicker").setCurrentIndex(8)
    slider = child(tab, QSlider, "classMorphSlider")
    slider.setValue(50)
    half = wait_frame(qtbot, tab)
    expected = frame_of(loaded, tab, class_label(blend_classes(3, 8, 0.5, 10)))
    assert np.array_equal(half, expected)
    assert not np.array_equal(half, frame_of(loaded, tab, 3))
    assert "three → eight" in tab.caption.text()
    slider.setValue(100)
    assert np.array_equal(wait_frame(qtbot, tab), frame_of(loaded, tab, 8))
    assert tab.state.class_index == 3  # the morph shows frames; the state keeps its class
    # an edit shows the state's own class again, and the morph starts over
    tab.controls.seed_spin.setValue(tab.controls.seed_spin.value() + 1)
    assert np.array_equal(wait_frame(qtbot, tab), frame_of(loaded, tab, 3))
    qtbot.waitUntil(lambda: slider.value() == 0, timeout=5000)


def test_a_morph_moved_before_the_class_frame_came_stays_on_screen(qtbot, tab, loaded):
    child(tab, QComboBox, "classToPicker").setCurrentIndex(8)
    child(tab, QComboBox, "classPicker").setCurrentIndex(3)
    child(tab, QSlider, "classMorphSlider").setValue(40)  # before the class's frame is painted
    shown = wait_frame(qtbot, tab)
    qtbot.waitUntil(lambda: "Class morph" in tab.caption.text(), timeout=5000)
    assert child(tab, QSlider, "classMorphSlider").value() == 40
    expected = frame_of(loaded, tab, class_label(blend_classes(3, 8, 0.4, 10)))
    assert np.array_equal(shown, expected)


def test_morph_playback_moves_the_slider(qtbot, tab):
    slider = child(tab, QSlider, "classMorphSlider")
    play = child(tab, QPushButton, "classMorphPlayButton")
    play.setChecked(True)
    qtbot.waitUntil(lambda: slider.value() >= 8, timeout=10000)
    play.setChecked(False)
    assert play.text() == "Play"


def test_the_morph_exports_as_a_gif_there_and_back(qtbot, tab, loaded, tmp_path, errors):
    from ganstudio.gui.explorer.classes import MORPH_FRAMES

    child(tab, QComboBox, "classPicker").setCurrentIndex(1)
    wait_frame(qtbot, tab)
    child(tab, QComboBox, "classToPicker").setCurrentIndex(7)
    target = tmp_path / "morph.gif"
    assert tab.classes.export_morph(target)
    qtbot.waitUntil(target.exists, timeout=60000)
    wait_idle(qtbot, tab)
    assert not errors
    with Image.open(target) as gif:
        assert gif.n_frames == 2 * MORPH_FRAMES - 2
        assert gif.size == (280, 280)  # 28 px enlarged 10 times
        gif.seek(MORPH_FRAMES - 1)  # the far end: class 7
        far = np.asarray(gif.convert("L"))[::10, ::10]
    seven = frame_of(loaded, tab, 7)[..., 0]
    assert np.abs(far.astype(int) - seven.astype(int)).max() <= 8  # GIF palette rounding


def test_the_grid_shows_one_row_per_class_and_a_click_takes_the_cells_class(qtbot, tab, loaded):
    from ganstudio.core.latent import sample_z

    tab.show_page(tab.grid_panel)
    spin = tab.grid_panel.size_spin
    spin.setValue(3)
    grid_seed = tab.grid_panel.seed_spin.value()
    child(tab, QCheckBox, "gridClassRowsCheck").setChecked(True)
    view = tab.grid_panel.view
    qtbot.waitUntil(lambda: view.tiles() is not None and len(view.tiles()) == 30, timeout=20000)
    tiles = view.tiles()
    for row, col in ((0, 0), (3, 1), (9, 2)):
        z = sample_z(grid_seed + col, 1, 16)[0].numpy() * tab.state.psi
        expected = generate_uint8(loaded.generator, z, label=row)[0]
        assert np.array_equal(tiles[row * 3 + col], expected)
    view.cell_clicked.emit(3 * 3 + 1, False)
    shown = wait_frame(qtbot, tab)
    assert tab.state.class_index == 3 and tab.state.seed == grid_seed + 1
    assert np.array_equal(shown, tiles[3 * 3 + 1])
    assert child(tab, QComboBox, "classPicker").currentIndex() == 3


def test_without_class_rows_the_grid_draws_the_class_shown(qtbot, tab, loaded):
    from ganstudio.core.latent import sample_z

    child(tab, QComboBox, "classPicker").setCurrentIndex(6)
    wait_frame(qtbot, tab)
    tab.show_page(tab.grid_panel)
    view = tab.grid_panel.view
    seed = tab.grid_panel.seed_spin.value()
    z = sample_z(seed, 1, 16)[0].numpy() * tab.state.psi
    expected = generate_uint8(loaded.generator, z, label=6)[0]
    qtbot.waitUntil(lambda: view.tiles() is not None
                    and np.array_equal(view.tiles()[0], expected), timeout=20000)
    n = view.grid_size()
    assert len(view.tiles()) == n * n


def add_keyframe(qtbot, tab: ExplorerTab, seed: int, cls: int) -> None:
    tab.controls.seed_spin.setValue(seed)
    child(tab, QComboBox, "classPicker").setCurrentIndex(cls)
    wait_frame(qtbot, tab)
    child(tab, QPushButton, "addKeyframeButton").click()


def test_keyframes_keep_their_class_and_the_path_morphs_between_them(qtbot, tab, loaded):
    add_keyframe(qtbot, tab, 11, 2)
    add_keyframe(qtbot, tab, 12, 7)
    assert tab.interpolation.keyframes.classes() == [2, 7]
    keys = tab.keyframes()
    # double-clicking the first brings its class back
    tab.interpolation.keyframe_activated.emit(0)
    shown = wait_frame(qtbot, tab)
    assert tab.state.class_index == 2
    assert np.array_equal(shown, generate_uint8(loaded.generator, keys[0], label=2)[0])
    assert child(tab, QComboBox, "classPicker").currentIndex() == 2
    # the path between them blends the classes as it blends the latents
    tab.interpolation.loop_check.setChecked(False)
    tab.interpolation.frames_spin.setValue(4)
    path = tab.path()
    slider = child(tab, QSlider, "interpolationSlider")
    for frame, label in ((0, 2), (2, class_label(blend_classes(2, 7, 0.5, 10))), (4, 7)):
        slider.setValue(frame)
        shown = wait_frame(qtbot, tab)
        assert np.array_equal(shown, generate_uint8(loaded.generator, path[frame], label=label)[0])


@pytest.mark.parametrize("suffix", [".json", ".npy"])
def test_latent_files_bring_back_the_class_and_the_keyframes_classes(qtbot, tab, loaded, tmp_path,
                                                                    suffix):
    add_keyframe(qtbot, tab, 21, 4)
    add_keyframe(qtbot, tab, 22, 9)
    child(tab, QComboBox, "classPicker").setCurrentIndex(6)
    saved = wait_frame(qtbot, tab)
    target = tmp_path / f"latent{suffix}"
    tab.save_latents(target)
    qtbot.waitUntil(target.exists, timeout=10000)
    wait_idle(qtbot, tab)
    # elsewhere: another class, no keyframes; then the file
    child(tab, QComboBox, "classPicker").setCurrentIndex(0)
    tab.interpolation.clear_button.click()
    wait_frame(qtbot, tab)
    assert tab.load_latents(target)
    qtbot.waitUntil(lambda: tab.state.class_index == 6, timeout=10000)
    assert np.array_equal(wait_frame(qtbot, tab), saved)
    assert child(tab, QComboBox, "classPicker").currentIndex() == 6
    assert tab.interpolation.keyframes.classes() == [4, 9]
    assert tab.undo_stack.undoText() == "Load latent"


def test_projection_seeks_and_shows_the_class_shown(qtbot, tab, loaded, tmp_path, errors):
    child(tab, QComboBox, "classPicker").setCurrentIndex(6)
    target = wait_frame(qtbot, tab)
    path = tmp_path / "six.png"
    Image.fromarray(target[:, :, 0]).save(path)
    tab.controls.seed_spin.setValue(tab.controls.seed_spin.value() + 1)
    wait_frame(qtbot, tab)
    assert tab.open_target_image(path)
    qtbot.waitUntil(lambda: tab.projection.target_view.array() is not None, timeout=10000)
    tab.projection.steps_spin.setValue(20)
    child(tab, QPushButton, "projectButton").click()
    qtbot.waitUntil(lambda: "MSE" in tab.projection.error_label.text(), timeout=60000)
    shown = wait_frame(qtbot, tab)
    assert tab.state.class_index == 6 and tab.state.seed is None
    assert np.array_equal(shown, generate_uint8(loaded.generator, tab.state.z, label=6)[0])
    assert not errors


# ---------------------------------------------------------------- NVIDIA's conditional model


@pytest.fixture(scope="module")
def nvidia():
    from ganstudio.core.io.loader import load_generator

    if not FIXTURE.exists():
        pytest.skip("the conditional StyleGAN2-ADA fixture is not in this checkout")
    return load_generator(FIXTURE)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_a_conditional_stylegan2_picks_its_class_in_w(qtbot, tmp_path, errors, nvidia):
    tab = make_tab(qtbot, tmp_path, nvidia)
    assert tab.w_mode
    picker = child(tab, QComboBox, "classPicker")
    assert picker.isVisible() and picker.count() == 10
    seed = tab.state.seed
    picker.setCurrentIndex(3)
    shown = settle(qtbot, tab)
    assert tab.state.class_index == 3
    assert close(shown, render(nvidia.generator, WState(seed=seed, psi=tab.state.psi,
                                                        class_index=3)))
    assert not close(shown, render(nvidia.generator, WState(seed=seed, psi=tab.state.psi)))
    # the morph maps the seed's z with the blended label
    child(tab, QComboBox, "classToPicker").setCurrentIndex(8)
    child(tab, QSlider, "classMorphSlider").setValue(50)
    half = settle(qtbot, tab)
    blended = WState(seed=seed, psi=tab.state.psi, class_index=blend_classes(3, 8, 0.5, 10))
    assert close(half, render(nvidia.generator, blended))
    assert not errors
    tab.shutdown()


def test_w_latent_files_bring_back_the_class(qtbot, tmp_path, errors, nvidia):
    tab = make_tab(qtbot, tmp_path, nvidia)
    child(tab, QComboBox, "classPicker").setCurrentIndex(4)
    shown = settle(qtbot, tab)
    target = tmp_path / "w.json"
    tab.save_latents(target)
    qtbot.waitUntil(target.exists, timeout=10000)
    wait_idle(qtbot, tab)
    child(tab, QComboBox, "classPicker").setCurrentIndex(1)
    settle(qtbot, tab)
    assert tab.load_latents(target)
    qtbot.waitUntil(lambda: tab.state.class_index == 4 and tab.state.w is not None,
                    timeout=10000)
    assert close(settle(qtbot, tab), shown)
    assert child(tab, QComboBox, "classPicker").currentIndex() == 4
    assert not errors
    tab.shutdown()


def find_directions(qtbot, tab: ExplorerTab) -> None:
    tab.show_page(tab.direction_panel)
    before = tab.directions
    child(tab, QPushButton, "findDirectionsButton").click()
    qtbot.waitUntil(lambda: tab.directions is not None and tab.directions is not before,
                    timeout=60000)


def test_directions_are_found_for_the_class_shown_and_say_so(qtbot, tab, loaded, tmp_path):
    from PySide6.QtWidgets import QLabel

    child(tab, QComboBox, "classPicker").setCurrentIndex(3)
    wait_frame(qtbot, tab)
    find_directions(qtbot, tab)
    status = child(tab, QLabel, "directionStatus")
    assert "Found for class three" in status.text()
    three = tab.directions.vectors.copy()
    child(tab, QComboBox, "classPicker").setCurrentIndex(5)
    wait_frame(qtbot, tab)
    find_directions(qtbot, tab)
    assert "Found for class five" in status.text()
    assert not np.allclose(tab.directions.vectors, three)
    # each class's search is cached on its own
    assert len(list((tmp_path / "cache").glob("*-class3-*.npz"))) == 1
    assert len(list((tmp_path / "cache").glob("*-class5-*.npz"))) == 1


def test_w_directions_are_found_with_the_class_shown(qtbot, tmp_path, errors, nvidia):
    from PySide6.QtWidgets import QLabel

    from ganstudio.core.latent.wspace_directions import w_directions
    from ganstudio.gui.explorer.wspace_render import W_DIRECTION_COUNT, W_DIRECTION_SAMPLES

    tab = make_tab(qtbot, tmp_path, nvidia)
    child(tab, QComboBox, "classPicker").setCurrentIndex(2)
    settle(qtbot, tab)
    find_directions(qtbot, tab)
    assert "Found for class 2" in child(tab, QLabel, "directionStatus").text()
    expected = w_directions(nvidia.generator, W_DIRECTION_SAMPLES, W_DIRECTION_COUNT,
                            class_index=2)
    np.testing.assert_allclose(tab.directions.vectors, expected.vectors, atol=1e-5)
    assert not errors
    tab.shutdown()
