"""The explorer's files: opening generators, exports, latent files, projection, bad input."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time

import numpy as np
import pytest
from explorer_helpers import tiny_loaded, wait_frame
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton, QSpinBox

from ganstudio.core.io.checkpoint import export_generator
from ganstudio.gui.explorer import render_worker
from ganstudio.gui.explorer.tab import ExplorerTab


def make_tab(qtbot, tmp_path) -> ExplorerTab:
    widget = ExplorerTab(autoload=False, cache_dir=tmp_path / "cache")
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


@pytest.fixture
def tab(qtbot, tmp_path, errors):
    widget = make_tab(qtbot, tmp_path)
    widget.set_generator(tiny_loaded())
    wait_frame(qtbot, widget)
    yield widget
    widget.shutdown()


def wait_idle(qtbot, tab: ExplorerTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    qtbot.wait(20)  # let the finished tasks' queued results arrive


def add_keyframes(qtbot, tab: ExplorerTab, seeds: list[int]) -> None:
    for seed in seeds:
        tab.findChild(QSpinBox, "seedSpin").setValue(seed)
        wait_frame(qtbot, tab)
        tab.findChild(QPushButton, "addKeyframeButton").click()


# ------------------------------------------------------------------ opening generators


def test_open_path_loads_a_generator_export(qtbot, tmp_path, errors):
    loaded = tiny_loaded(latent_dim=6, seed=3)
    path = export_generator(loaded.generator, loaded.config, tmp_path / "g.safetensors", step=42)
    tab = make_tab(qtbot, tmp_path)
    assert tab.open_path(path) is True
    qtbot.waitUntil(lambda: tab.state is not None, timeout=20000)
    wait_frame(qtbot, tab)
    assert "g.safetensors" in tab.source_label.text() and "step 42" in tab.source_label.text()
    assert tab.controls.sliders.rows.count() == 6
    assert not errors
    tab.shutdown()


def test_dropping_a_generator_file_opens_it(qtbot, tmp_path, errors):
    loaded = tiny_loaded(latent_dim=5)
    path = export_generator(loaded.generator, loaded.config, tmp_path / "drop.safetensors")
    tab = make_tab(qtbot, tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.dropEvent(event)
    qtbot.waitUntil(lambda: tab.state is not None and tab.state.dim == 5, timeout=20000)
    tab.shutdown()


def test_default_source_is_the_newest_known_generator(qtbot, tmp_path, monkeypatch, errors):
    loaded = tiny_loaded(latent_dim=7)
    path = export_generator(loaded.generator, loaded.config, tmp_path / "newest.safetensors")
    monkeypatch.setattr("ganstudio.resources.default_generator_path", lambda: None)
    monkeypatch.setattr(render_worker, "newest_generator", lambda _candidates: str(path))
    tab = make_tab(qtbot, tmp_path)
    tab.open_default()
    qtbot.waitUntil(lambda: tab.state is not None, timeout=20000)
    assert "newest.safetensors" in tab.source_label.text()
    tab.shutdown()


def test_without_any_generator_the_empty_state_stays(qtbot, tmp_path, monkeypatch, errors):
    monkeypatch.setattr("ganstudio.resources.default_generator_path", lambda: None)
    monkeypatch.setattr(render_worker, "newest_generator", lambda _candidates: None)
    tab = make_tab(qtbot, tmp_path)
    tab.open_default()
    qtbot.waitUntil(lambda: tab.stack.currentWidget() is tab.empty_page and not tab.is_busy())
    assert tab.findChild(QPushButton, "explorerOpenButton").isVisible()
    assert not errors
    tab.shutdown()


def test_newest_generator_prefers_the_latest_checkpoint(tmp_path):
    old = tmp_path / "runs" / "a" / "checkpoints" / "step_0000100.safetensors"
    new = tmp_path / "runs" / "b" / "checkpoints" / "step_0000200.safetensors"
    for i, p in enumerate((old, new)):
        p.parent.mkdir(parents=True)
        p.write_bytes(b"x")
        os.utime(p, (1000 + i, 1000 + i))
    assert render_worker.newest_generator([str(tmp_path / "runs")]) == str(new)
    assert render_worker.newest_generator([str(tmp_path / "nothing")]) is None


# ------------------------------------------------------------------ bad files change nothing


def test_a_file_that_is_not_a_generator_shows_a_message_and_changes_nothing(
    qtbot, tab, tmp_path, errors
):
    loaded, state, image = tab.loaded, tab.state, tab.image.array().copy()
    bogus = tmp_path / "weights.safetensors"
    bogus.write_bytes(b"this is not a checkpoint")
    assert tab.open_path(bogus)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert "weights.safetensors" in errors[-1][1]
    wait_idle(qtbot, tab)
    assert tab.loaded is loaded and tab.state is state
    assert tab.stack.currentWidget() is tab.explorer_page
    assert np.array_equal(tab.image.array(), image)


def test_a_missing_path_is_refused(tab, tmp_path, errors):
    assert tab.open_path(tmp_path / "nope.safetensors") is False
    assert "does not exist" in errors[-1][1]


def test_a_bad_latent_file_shows_a_message_and_changes_nothing(qtbot, tab, tmp_path, errors):
    state = tab.state
    bad = tmp_path / "latent.npy"
    bad.write_bytes(b"garbage")
    wrong_dim = tmp_path / "wide.npy"
    np.save(wrong_dim, np.zeros(100, np.float32))
    for path, words in ((bad, "not a latent vector file"), (wrong_dim, "100-dimensional")):
        before = len(errors)
        assert tab.open_path(path)
        qtbot.waitUntil(lambda before=before: len(errors) > before, timeout=10000)
        assert words in errors[-1][1]
    wait_idle(qtbot, tab)
    assert tab.state is state


def test_a_bad_image_shows_a_message_and_keeps_the_target(qtbot, tab, tmp_path, errors, no_questions):
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG broken")
    assert tab.open_path(bad)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "not an image" in errors[-1][1]
    assert tab.projection.target_view.array() is None


# ------------------------------------------------------------------ outputs


def test_exported_gif_has_the_expected_frames_and_size(qtbot, tab, tmp_path, errors):
    add_keyframes(qtbot, tab, [1, 2, 3])
    tab.interpolation.loop_check.setChecked(True)
    tab.interpolation.frames_spin.setValue(3)
    assert tab.findChild(QPushButton, "exportButton").isEnabled()
    target = tmp_path / "walk.gif"
    tab.export_animation(target)
    qtbot.waitUntil(target.exists, timeout=30000)
    wait_idle(qtbot, tab)
    with Image.open(target) as gif:
        assert gif.n_frames == 9  # 3 segments of 3 frames, looping
        assert gif.size == (280, 280)  # 28 pixels enlarged 10 times
    assert not errors
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".walk")] == []


def test_sample_grid_saves_as_png(qtbot, tab, tmp_path):
    tab.show_page(tab.grid_panel)
    qtbot.waitUntil(lambda: tab.grid_panel.view.grid_size() > 0, timeout=10000)
    n = tab.grid_panel.view.grid_size()
    target = tmp_path / "grid.png"
    tab.save_grid(target)
    qtbot.waitUntil(target.exists, timeout=10000)
    with Image.open(target) as im:
        assert im.size == (n * 30 + 2, n * 30 + 2)


@pytest.mark.parametrize("suffix", [".npy", ".json"])
def test_saved_latents_load_back_equal(qtbot, tab, tmp_path, suffix):
    add_keyframes(qtbot, tab, [4, 5])
    tab.findChild(QSpinBox, "seedSpin").setValue(9)
    shown = wait_frame(qtbot, tab)
    z, keys = tab.state.effective_z().copy(), tab.keyframes().copy()
    target = tmp_path / f"latents{suffix}"
    tab.save_latents(target)
    qtbot.waitUntil(target.exists, timeout=10000)
    wait_idle(qtbot, tab)
    tab.interpolation.clear_button.click()
    tab.findChild(QSpinBox, "seedSpin").setValue(1)
    wait_frame(qtbot, tab)
    assert tab.load_latents(target)
    qtbot.waitUntil(lambda: np.array_equal(tab.state.effective_z(), z), timeout=10000)
    np.testing.assert_array_equal(tab.keyframes(), keys)
    assert np.array_equal(wait_frame(qtbot, tab), shown)
    # The header names the file, and the seed box no longer claims seed 1
    seed_box = tab.findChild(QSpinBox, "seedSpin")
    assert tab.caption.text().startswith(f"Loaded latents{suffix}")
    assert seed_box.text() == "—"
    seed_box.setValue(3)  # choosing a seed again
    wait_frame(qtbot, tab)
    assert tab.caption.text().startswith("Seed 3")


def test_projection_of_a_generated_image_finds_a_latent_that_reproduces_it(
    qtbot, tab, tmp_path, errors, no_questions  # opening a picture asks; the answer is yes
):
    tab.findChild(QSpinBox, "seedSpin").setValue(77)
    target_pixels = wait_frame(qtbot, tab)
    path = tmp_path / "target.png"
    # A larger RGB copy: the explorer converts size and colour mode to the model's.
    Image.fromarray(target_pixels[:, :, 0]).convert("RGB").resize((56, 56), Image.NEAREST).save(
        path
    )
    tab.findChild(QSpinBox, "seedSpin").setValue(1)
    wait_frame(qtbot, tab)
    assert tab.open_path(path)
    qtbot.waitUntil(lambda: tab.projection.target_view.array() is not None, timeout=10000)
    tab.projection.steps_spin.setValue(150)
    tab.projection.lr_spin.setValue(0.1)
    tab.findChild(QPushButton, "projectButton").click()
    qtbot.waitUntil(lambda: "MSE" in tab.projection.error_label.text(), timeout=60000)
    found = wait_frame(qtbot, tab).astype(int)
    assert np.abs(found - target_pixels.astype(int)).mean() < 4  # out of 255
    assert tab.projection.result_view.array() is not None
    assert not errors


def test_a_generator_handed_over_wins_over_a_load_started_before(qtbot, tmp_path, errors):
    slow = tiny_loaded(latent_dim=6)
    path = export_generator(slow.generator, slow.config, tmp_path / "older.safetensors")
    tab = make_tab(qtbot, tmp_path)
    assert tab.open_path(path)
    handed = tiny_loaded(latent_dim=9)
    tab.set_generator(handed)
    wait_idle(qtbot, tab)
    assert tab.loaded is handed and tab.state.dim == 9
    tab.shutdown()


def test_cancelling_an_export_writes_nothing(qtbot, tab, tmp_path, monkeypatch, errors):
    from PySide6.QtWidgets import QProgressDialog

    from ganstudio.core import export

    def save_until_stopped(frames, path, fps, progress=None, should_stop=None, **_kw):
        while not should_stop():  # a long export, stopped only by the person
            time.sleep(0.01)
        raise export.ExportCancelled("export cancelled")

    monkeypatch.setattr(export, "save_animation", save_until_stopped)
    add_keyframes(qtbot, tab, [1, 2])
    target = tmp_path / "never.gif"
    tab.export_animation(target)
    dialog = tab.findChild(QProgressDialog, "exportProgress")
    assert dialog is not None
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    cancel.click()
    wait_idle(qtbot, tab)
    assert not target.exists()
    assert "cancelled" in tab.status_label.text()
    assert tab.findChild(QProgressDialog, "exportProgress") is None or not dialog.isVisible()
    assert not errors
