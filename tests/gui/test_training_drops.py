"""Dropping files and folders on the Training tab: image folders, run folders, checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

TIMEOUT_MS = 30_000


def _mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def drop(tab, path: Path) -> bool:  # noqa: ANN001
    """Drag ``path`` over the tab and drop it, as a file manager would; True if accepted."""
    mime = _mime(path)
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    tab.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    tab.dropEvent(event)
    return event.isAccepted()


def _status(window) -> str:  # noqa: ANN001
    return window.statusBar().currentMessage()


def test_an_image_folder_becomes_the_training_data(qtbot, main_window, training_tab, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((40, 40, 3), 60 * i, np.uint8)).save(folder / f"{i}.png")
    assert drop(training_tab, folder)
    form = training_tab.form
    assert form.dataset_combo.currentData() == "folder"
    assert form.folder_edit.text() == str(folder) and form.folder_edit.isVisible()
    assert form.is_valid
    assert str(folder) in _status(main_window)
    qtbot.waitUntil(lambda: not form.data_preview.images.image().isNull(), timeout=TIMEOUT_MS)
    assert training_tab.start_button.isEnabled()


def test_an_empty_folder_gets_the_forms_message(qtbot, training_tab, tmp_path) -> None:  # noqa: ANN001
    empty = tmp_path / "empty"
    empty.mkdir()
    from ganstudio.core.config import preset

    training_tab.form.set_config(preset("toy-ring"))  # from 2-D points to images
    assert drop(training_tab, empty)
    preview = training_tab.form.data_preview.images
    qtbot.waitUntil(lambda: "holds no images" in preview.placeholder(), timeout=TIMEOUT_MS)
    assert training_tab.form.dataset_combo.currentData() == "folder"
    assert not training_tab.form.raw_config().is_toy


def test_a_run_folder_is_opened_and_followed(qtbot, main_window, training_tab, tiny_config, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.io.runs import RunWriter

    run_dir = tmp_path / "headless-run"
    writer = RunWriter(run_dir, tiny_config("mlp", "toy-ring"))
    for step in range(1, 4):
        writer.log({"step": step, "loss_D": 1.0, "loss_G": 0.5, "D_real": 0.6, "D_fake": 0.4,
                    "images_per_s": 100.0})
    assert drop(training_tab, run_dir)
    assert training_tab.follower.run_dir == run_dir
    assert training_tab.plots.point_count() == 3
    assert "Following" in training_tab.run_label.text()
    writer.log({"step": 4, "loss_D": 1.0, "loss_G": 0.5, "D_real": 0.6, "D_fake": 0.4,
                "images_per_s": 100.0})
    qtbot.waitUntil(lambda: training_tab.plots.point_count() == 4, timeout=TIMEOUT_MS)
    writer.close()


def test_a_checkpoint_opens_in_the_explorer(qtbot, main_window, training_tab, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.config import ModelConfig, RunConfig
    from ganstudio.core.io.checkpoint import export_generator
    from ganstudio.core.models.build import build_generator

    config = RunConfig(model=ModelConfig(arch="mlp", latent_dim=6, resolution=28, channels=1,
                                         mlp_hidden=16, mlp_layers=1))
    path = export_generator(build_generator(config), config, tmp_path / "g.safetensors")
    assert drop(training_tab, path)
    explorer = main_window.explorer_tab
    assert main_window.tabs.currentWidget() is explorer
    qtbot.waitUntil(lambda: explorer.state is not None and explorer.state.dim == 6, timeout=TIMEOUT_MS)


def test_other_files_get_a_clear_line(main_window, training_tab, tmp_path) -> None:  # noqa: ANN001
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    before = training_tab.form.dataset_combo.currentData()
    assert drop(training_tab, notes)
    assert _status(main_window) == ("GAN Studio cannot use notes.txt here: drop a folder of images, "
                                    "a run folder or a checkpoint here.")
    photo = tmp_path / "photo.jpg"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(photo)
    drop(training_tab, photo)
    assert "photo.jpg is one image" in _status(main_window)
    assert training_tab.form.dataset_combo.currentData() == before
    assert main_window.tabs.currentWidget() is training_tab


def test_text_without_files_is_not_taken(training_tab) -> None:  # noqa: ANN001
    mime = QMimeData()
    mime.setText("just words")
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    training_tab.dragEnterEvent(enter)
    assert not enter.isAccepted()
