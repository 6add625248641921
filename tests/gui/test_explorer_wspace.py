"""The explorer in W space with a StyleGAN2 (NVlabs' tiny 32 px test snapshot): the W panel,
style mixing, noise, drag previews, grid, keyframes, files, directions and projection."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QCheckBox, QComboBox, QSlider, QSpinBox

from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import wspace
from ganstudio.core.latent.wspace import WState
from ganstudio.gui.explorer import wspace_render
from ganstudio.gui.explorer.tab import ExplorerTab
from tests.gui.explorer_helpers import make_tab, settle, wait_frame

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stylegan2-ada" / "G_tiny32.pkl"


@pytest.fixture(scope="module")
def loaded():
    return load_generator(FIXTURE)


@pytest.fixture
def tab(qtbot, tmp_path, errors, loaded):
    widget = make_tab(qtbot, tmp_path / "cache", loaded)
    yield widget
    widget.shutdown()


def wait_idle(qtbot, tab: ExplorerTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=60000)


def core_frame(loaded, state: WState, directions=None) -> np.ndarray:
    return wspace.render(loaded.generator, state, directions)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).max() <= 1


def child(tab, kind, name):
    found = tab.findChild(kind, name)
    assert found is not None, name
    return found


def test_a_stylegan2_opens_in_w_with_the_w_panel(qtbot, tab, loaded):
    assert tab.w_mode
    assert child(tab, object, "wspacePanel").isVisible()
    assert not child(tab, object, "latentSliders").isVisible()  # z sliders give way to W
    assert "W 64 × 8 styles" in tab.source_label.text()
    assert np.array_equal(tab.image.array(), core_frame(loaded, WState(seed=0)))
    child(tab, QSpinBox, "seedSpin").setValue(12)
    frame = settle(qtbot, tab)
    assert tab.state.seed == 12
    assert np.array_equal(frame, core_frame(loaded, WState(seed=12)))
    assert "Seed 12" in tab.caption.text()


def test_style_mixing_controls_give_the_core_frame(qtbot, tab, loaded):
    plain = tab.image.array().copy()
    child(tab, QSpinBox, "mixSeedSpin").setValue(7)  # picking a mixing seed turns mixing on
    child(tab, QSpinBox, "mixFromSpin").setValue(2)
    child(tab, QSpinBox, "mixToSpin").setValue(5)
    assert child(tab, QCheckBox, "mixCheck").isChecked()
    frame = settle(qtbot, tab)
    expected = core_frame(loaded, WState(seed=0, mix_seed=7, mix_from=2, mix_to=5))
    assert np.array_equal(frame, expected) and not np.array_equal(frame, plain)
    assert "layers 2–5 from seed 7" in tab.caption.text()
    child(tab, QCheckBox, "mixCheck").setChecked(False)
    assert np.array_equal(settle(qtbot, tab), plain)
    assert tab.undo_stack.undoText() == "Edit style mixing"
    tab.undo()  # mixing back on
    assert tab.state.mix_seed == 7
    assert np.array_equal(settle(qtbot, tab), expected)


def test_truncation_and_noise_in_w(qtbot, tab, loaded):
    child(tab, QSlider, "truncationSlider").setValue(50)
    combo = child(tab, QComboBox, "noiseCombo")
    combo.setCurrentIndex(combo.findData("random"))
    child(tab, QSpinBox, "noiseSeedSpin").setValue(3)
    frame = settle(qtbot, tab)
    state = WState(seed=0, psi=0.5, noise_mode="random", noise_seed=3)
    assert np.array_equal(frame, core_frame(loaded, state))
    assert "noise seed 3" in tab.caption.text()


def test_a_drag_shows_previews_then_the_full_frame(qtbot, tab, loaded, monkeypatch):
    # A budget nothing fits: the plan falls back to its smallest useful block, 16 px of 32.
    monkeypatch.setattr(wspace_render, "PREVIEW_BUDGET_MS", 0.0)
    tab.renderer._w_frames = None
    slider = child(tab, QSlider, "truncationSlider")
    slider.sliderPressed.emit()
    slider.setValue(70)
    preview = wait_frame(qtbot, tab)
    plan = tab.w_preview_plan()
    assert plan.resolution == 16 and plan.full_resolution == 32
    state = WState(seed=0, psi=0.7)
    expected = wspace.render(loaded.generator, state, max_res=16, precision=plan.precision)
    assert np.array_equal(preview, expected)
    image = tab.image.image()  # shown enlarged, in the full frame's place
    assert (image.width(), image.height()) == (32, 32)
    # The note follows the painted frame (the GUI thread does nothing before a frame is asked).
    note = child(tab, object, "wspacePreviewLabel")
    qtbot.waitUntil(lambda: "16 px" in note.text(), timeout=5000)
    slider.sliderReleased.emit()
    full = wait_frame(qtbot, tab)
    assert np.array_equal(full, core_frame(loaded, state))


def test_grid_pick_sets_the_seed(qtbot, tab, loaded):
    tab.show_page(tab.grid_panel)
    qtbot.waitUntil(lambda: tab.grid_panel.view.grid_size() > 0, timeout=20000)
    seed = tab.grid.seeds[3]
    tiles = tab.grid_panel.view.tiles()
    assert tiles.shape[1:] == (32, 32, 3)
    # Tiles render four at a time: float rounding differs from a single frame by a level.
    assert close(tiles[3], core_frame(loaded, WState(seed=seed)))
    tab.grid.pick(3, False)
    assert child(tab, QSpinBox, "seedSpin").value() == seed
    assert close(settle(qtbot, tab), tiles[3])


@pytest.mark.parametrize("suffix", [".json", ".npy", ".npz"])
def test_w_latents_save_and_load_back(qtbot, tab, loaded, tmp_path, suffix):
    tab.edit("mix", mix_seed=9, mix_from=3, psi=0.8)
    shown = settle(qtbot, tab)
    tab.paths.add_keyframe()
    target = tmp_path / f"w{suffix}"
    tab.save_latents(target)
    qtbot.waitUntil(target.exists, timeout=20000)
    wait_idle(qtbot, tab)
    tab.interpolation.set_keyframes(np.zeros((0, 8 * 64), np.float32), [])
    child(tab, QSpinBox, "seedSpin").setValue(30)
    assert not np.array_equal(settle(qtbot, tab), shown)
    assert tab.load_latents(target)
    qtbot.waitUntil(lambda: tab.state.w is not None, timeout=20000)
    assert np.array_equal(settle(qtbot, tab), shown)
    assert tab.keyframes().shape == (1, 8 * 64)


def test_w_interpolation_exports_a_gif(qtbot, tab, loaded, tmp_path, errors):
    for seed in (1, 2):
        child(tab, QSpinBox, "seedSpin").setValue(seed)
        settle(qtbot, tab)
        tab.paths.add_keyframe()
    assert tab.interpolation.mode() == "lerp"
    tab.interpolation.loop_check.setChecked(False)
    tab.interpolation.frames_spin.setValue(3)
    path = tab.path()
    assert path.shape == (4, 8 * 64)
    target = tmp_path / "walk.gif"
    tab.export_animation(target)
    qtbot.waitUntil(target.exists, timeout=30000)
    wait_idle(qtbot, tab)
    assert not errors
    with Image.open(target) as gif:
        assert gif.size == (256, 256) and gif.n_frames == 4  # 32 px enlarged 8 times
    strip = tmp_path / "walk.png"  # lossless, unlike a GIF's palette: the frames themselves
    tab.export_animation(strip)
    qtbot.waitUntil(strip.exists, timeout=30000)
    wait_idle(qtbot, tab)
    frames = np.asarray(Image.open(strip).convert("RGB"))
    assert frames.shape == (64, 4 * 64, 3)
    assert close(frames[:, :64][::2, ::2], core_frame(loaded, WState(seed=1)))
    assert close(frames[:, 3 * 64 :][::2, ::2], core_frame(loaded, WState(seed=2)))
    assert not errors


def test_w_directions_move_only_their_layers(qtbot, tab, loaded):
    tab.show_page(tab.direction_panel)
    tab.directions_ctl.start_search(compute=True)
    qtbot.waitUntil(lambda: tab.directions is not None, timeout=60000)
    assert tab.directions.layer == "mapping" and len(tab.directions.stds) == 16
    child(tab, QSpinBox, "dirFromSpin").setValue(4)
    child(tab, QSlider, "directionSlider_0").setValue(200)
    frame = settle(qtbot, tab)
    state = WState(seed=0, offsets=tuple([2.0] + [0.0] * 15), dir_from=4)
    assert np.array_equal(frame, core_frame(loaded, state, tab.directions))
    ws = tab.w_frame()
    base = wspace.ws_of(loaded.generator, WState(seed=0))[0].numpy()
    assert np.allclose(ws[:4], base[:4]) and not np.allclose(ws[4:], base[4:])


def test_projection_into_w_brings_the_image_closer(qtbot, tab, loaded):
    target_state = WState(seed=21)
    rgb = core_frame(loaded, target_state)
    tab.projector.set_target_rgb(rgb)
    child(tab, QSpinBox, "projectionStepsSpin").setValue(40)
    tab.project_target()
    qtbot.waitUntil(lambda: tab.state.w is not None, timeout=60000)
    frame = settle(qtbot, tab).astype(float)
    start = core_frame(loaded, WState(seed=0, psi=0.0)).astype(float)  # w_avg
    assert np.abs(frame - rgb).mean() < 0.6 * np.abs(start - rgb).mean()
    assert "MSE" in child(tab, object, "projectionError").text()


def test_a_z_model_after_a_stylegan2_is_explored_in_z_again(qtbot, tab):
    from ganstudio.core.config import ModelConfig, RunConfig
    from ganstudio.core.io.checkpoint import LoadedGenerator
    from ganstudio.core.models.build import build_generator

    torch.manual_seed(0)
    config = RunConfig(model=ModelConfig(arch="mlp", latent_dim=8, resolution=28, channels=1,
                                         mlp_hidden=32, mlp_layers=1))
    generator = build_generator(config).eval().requires_grad_(False)
    tab.set_generator(LoadedGenerator(generator, config, 10, None))
    wait_frame(qtbot, tab)
    assert not tab.w_mode
    assert not child(tab, object, "wspacePanel").isVisible()
    assert child(tab, object, "latentSliders").isVisible()
    assert tab.image.array().shape == (28, 28, 1) and "‖z‖" in tab.caption.text()


def test_raw_w_sliders_show_the_seeds_w_and_edit_it(qtbot, tab, loaded):
    child(tab, object, "wRawToggle").setChecked(True)
    w = wspace.seed_w(loaded.generator, 0)
    sliders = [child(tab, QSlider, f"wSlider_{i}") for i in range(3)]
    assert [s.value() for s in sliders] == [round(float(v) * 100) for v in w[:3]]
    sliders[1].setValue(sliders[1].value() + 150)
    frame = settle(qtbot, tab)
    edited = w.copy()
    edited[1] = sliders[1].value() / 100
    assert np.allclose(tab.state.w, edited)
    assert np.array_equal(frame, core_frame(loaded, WState(seed=0, w=edited)))
    assert "Edited w" in tab.caption.text()
    child(tab, object, "wResetButton").click()
    assert tab.state.w is None


def test_a_fast_scrub_previews_and_settles_on_the_full_frame(qtbot, tab, loaded, monkeypatch):
    for seed in (1, 2):
        child(tab, QSpinBox, "seedSpin").setValue(seed)
        settle(qtbot, tab)
        tab.paths.add_keyframe()
    monkeypatch.setattr(wspace_render, "PREVIEW_BUDGET_MS", 0.0)  # previews at 16 px
    tab.renderer._w_frames = None
    tab.w_space.settle_timer.setInterval(1500)  # time enough to see the preview on a busy machine
    path = tab.path()
    tab.paths.show_frame(1)
    tab.paths.show_frame(2)  # right after the first: a scrub, shown as a preview
    qtbot.waitUntil(lambda: tab.image.array().shape == (16, 16, 3), timeout=20000)
    qtbot.waitUntil(lambda: tab.image.array().shape == (32, 32, 3), timeout=20000)
    frame = wait_frame(qtbot, tab)
    state = WState(w=path[2].reshape(8, 64))
    assert np.array_equal(frame, core_frame(loaded, state))
