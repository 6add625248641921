"""The main window: tabs, menus, closing while training, settings, run folders, hand-over."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


def _visible_errors() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]


def _dispose(qtbot, window) -> None:  # noqa: ANN001
    """Close a window a test made itself, after its queued start-up work has run."""
    qtbot.wait(50)
    window.close()
    window.training_tab.shutdown()
    qtbot.wait(1)


def _start_long_toy_run(qtbot, window, tiny_run) -> None:  # noqa: ANN001
    tab = window.training_tab
    tiny_run(tab, "toy-ring", steps=100_000, batch=8)
    qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.run.step >= 2, timeout=RUN_TIMEOUT_MS)


def test_window_is_created_before_torch_and_pyqtgraph_are_imported() -> None:
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen';"
            "from PySide6.QtWidgets import QWidget;"
            "from ganstudio.gui.app import create_main_window;"
            "w = create_main_window(); w.show();"
            "print(w.findChild(QWidget, 'trainingTab') is not None,"
            " 'torch' in sys.modules, 'pyqtgraph' in sys.modules);"
            "w.load_core();"
            "print(*(w.findChild(QWidget, n) is not None for n in ('lossPlot', 'toyPlot')));"
            "w.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "False", "True", "True"]


def test_tabs_menus_shortcuts_and_status_bar(main_window) -> None:  # noqa: ANN001
    w = main_window
    assert w.findChild(QWidget, "trainingTab") is w.tabs.widget(0)
    assert w.findChild(QWidget, "explorerTab") is w.tabs.widget(1)
    menus = {a.text().replace("&", ""): a.menu() for a in w.menuBar().actions()}
    assert set(menus) == {"File", "Edit", "View", "Help"}
    file_items = [a.text().replace("&", "") for a in menus["File"].actions() if a.text()]
    for item in ("New run", "Open checkpoint…", "Open run folder…", "Open Recent", "Save checkpoint", "Quit"):
        assert item in file_items
    assert w.open_checkpoint_action.shortcut() == QKeySequence("Ctrl+O")
    assert w.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert w.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert w.pause_shortcut.key() == QKeySequence(Qt.Key.Key_Space)
    assert not w.save_action.isEnabled()
    assert "cpu" in w.device_label.text() or "cuda" in w.device_label.text()
    assert not w.windowIcon().isNull()


def test_about_names_the_versions_and_device(main_window, monkeypatch) -> None:  # noqa: ANN001
    import torch
    from PySide6.QtCore import qVersion

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _p, _t, text: shown.append(text)))
    main_window._on_about_triggered()
    assert f"PyTorch {torch.__version__}" in shown[0]
    assert f"Qt {qVersion()}" in shown[0]
    assert f"Device: {main_window.training_tab.device_name()}" in shown[0]


def test_close_while_training_asks_stops_saves_and_joins(qtbot, main_window, tiny_run, no_questions,
                                                       runs_root) -> None:  # noqa: ANN001
    from ganstudio.core.io.checkpoint import read_checkpoint

    window, tab = main_window, main_window.training_tab
    _start_long_toy_run(qtbot, window, tiny_run)
    window.close()
    assert any("Stop it and quit" in q for q in no_questions)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert tab.thread is None and not tab.is_training
    checkpoint = next(runs_root.iterdir()) / "checkpoints" / "latest.safetensors"
    _tensors, meta = read_checkpoint(checkpoint)
    assert int(meta["step"]) == tab.run.step, "the steps trained last were not saved"


def test_close_while_training_can_be_declined(qtbot, main_window, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.common import dialogs

    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: False)
    _start_long_toy_run(qtbot, main_window, tiny_run)
    main_window.close()
    assert main_window.isVisible()
    step = main_window.training_tab.run.step
    qtbot.waitUntil(lambda: main_window.training_tab.run.step > step, timeout=RUN_TIMEOUT_MS)


def test_space_pauses_and_resumes(qtbot, main_window, tiny_run) -> None:  # noqa: ANN001
    tab = main_window.training_tab
    _start_long_toy_run(qtbot, main_window, tiny_run)
    main_window.activateWindow()
    main_window.pause_shortcut.activated.emit()
    assert tab.is_paused
    assert tab.findChild(QPushButton, "pauseButton").text() == "Resume"
    main_window.pause_shortcut.activated.emit()
    assert not tab.is_paused


def test_settings_are_restored(qtbot, main_window, tiny_run) -> None:  # noqa: ANN001
    from ganstudio.gui.app import create_main_window

    tab = main_window.training_tab
    tiny_run(tab, "toy-ring", steps=1234)
    # a size the small offscreen screen can hold, so that nothing is clamped on restore
    main_window.resize(main_window.minimumSizeHint().width(), 700)
    qtbot.wait(10)
    size = main_window.size()
    tab.splitter.setSizes([400, size.width() - 400])
    sizes = tab.splitter.sizes()
    main_window.tabs.setCurrentWidget(tab)  # not the tab a first launch shows
    main_window.close()
    from ganstudio.gui.common import settings

    assert settings.get("window/geometry") == main_window.saveGeometry()

    again = create_main_window()
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.is_core_loaded, timeout=RUN_TIMEOUT_MS)
    assert again.size() == size
    assert again.training_tab.splitter.sizes() == sizes
    assert again.tabs.currentWidget() is again.training_tab
    assert again.training_tab.findChild(QSpinBox, "stepsSpin").value() == 1234
    assert again.training_tab.form.dataset_combo.currentData() == "toy-ring"
    _dispose(qtbot, again)


def test_a_first_launch_opens_on_the_explorer(qtbot, main_window) -> None:  # noqa: ANN001
    from ganstudio.resources import default_generator_path

    assert default_generator_path() is not None, "this checkout ships no generator"
    assert main_window.tabs.currentWidget() is main_window.explorer_tab
    explorer = main_window.explorer_tab
    qtbot.waitUntil(lambda: explorer.loaded is not None, timeout=RUN_TIMEOUT_MS)
    assert explorer.loaded.source == default_generator_path()


def test_without_a_shipped_generator_a_first_launch_opens_on_training(qtbot, monkeypatch,
                                                                      no_questions) -> None:  # noqa: ANN001
    import ganstudio.resources
    from ganstudio.gui.app import create_main_window

    monkeypatch.setattr(ganstudio.resources, "default_generator_path", lambda: None)
    window = create_main_window()
    qtbot.addWidget(window)
    assert window.tabs.currentWidget() is window.training_tab
    _dispose(qtbot, window)


def test_open_run_folder_follows_a_run_being_written(qtbot, main_window, tiny_config, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.io.runs import RunWriter

    run_dir = tmp_path / "terminal-run"
    writer = RunWriter(run_dir, tiny_config("dcgan", "mnist-embedded"))
    for step in range(1, 6):
        writer.log({"step": step, "loss_D": 1.0, "loss_G": 0.5, "D_real": 0.6, "D_fake": 0.4,
                    "images_per_s": 100.0})
    writer.save_samples(5, np.full((20, 20, 1), 200, dtype=np.uint8))
    assert main_window.open_path(run_dir)
    tab = main_window.training_tab
    assert tab.plots.point_count() == 5
    assert tab.samples.steps() == [5]
    for step in range(6, 9):
        writer.log({"step": step, "loss_D": 1.0, "loss_G": 0.5, "D_real": 0.6, "D_fake": 0.4,
                    "images_per_s": 100.0})
    writer.save_samples(8, np.full((20, 20, 1), 100, dtype=np.uint8))
    qtbot.waitUntil(lambda: tab.plots.point_count() == 8 and tab.samples.steps() == [5, 8],
                    timeout=10_000)
    writer.close()
    assert str(run_dir) in tab.findChild(QWidget, "runLabel").text()


def test_open_in_explorer_hands_over_the_generator(qtbot, main_window, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    received: list[object] = []

    def set_generator(loaded) -> None:  # noqa: ANN001
        if loaded.source is None:  # in memory, from the trainer (not the shipped model on disk)
            received.append(loaded)

    monkeypatch.setattr(main_window.explorer_tab, "set_generator", set_generator, raising=False)
    tab = main_window.training_tab
    tiny_run(tab, "mnist-embedded", steps=100_000, batch=8)
    qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.run.step >= 2, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(tab.findChild(QPushButton, "openInExplorerButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(received), timeout=RUN_TIMEOUT_MS)
    loaded = received[0]
    assert loaded.config.data.name == "mnist-embedded" and loaded.step >= 2
    assert not any(p.requires_grad for p in loaded.generator.parameters())
    assert main_window.tabs.currentWidget() is main_window.explorer_tab


def test_open_in_explorer_is_off_for_2d_runs(qtbot, main_window, tiny_run) -> None:  # noqa: ANN001
    _start_long_toy_run(qtbot, main_window, tiny_run)
    assert not main_window.training_tab.findChild(QPushButton, "openInExplorerButton").isEnabled()


def _diverge_once_after_step_7(monkeypatch) -> dict:  # noqa: ANN001
    """The trainer's 8th step reports a NaN loss, once; the dict says when it has."""
    from ganstudio.core.training.trainer import Trainer, TrainingDiverged

    real_step = Trainer.step
    state = {"raised": False}

    def step(self):  # noqa: ANN001, ANN202
        if self.step_count == 7 and not state["raised"]:
            state["raised"] = True
            raise TrainingDiverged(8, {"loss_D": float("nan"), "loss_G": float("nan")})
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    return state


def test_divergence_pauses_and_rolls_back(qtbot, main_window, tiny_run, monkeypatch, no_questions) -> None:  # noqa: ANN001
    _diverge_once_after_step_7(monkeypatch)
    tab = main_window.training_tab
    tiny_run(tab, "toy-ring", steps=10, batch=8)  # checkpoints every 3 steps
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    assert any("diverged" in q and "Roll back" in q for q in no_questions)
    assert finished.args == ["completed"]
    assert tab.run.step == 10


def test_missing_dataset_offers_download_and_explains_offline(qtbot, main_window, monkeypatch,
                                                              no_questions) -> None:  # noqa: ANN001
    from ganstudio.core import data

    monkeypatch.setattr(data, "is_available", lambda name, root=None: False)

    def offline(name, root, download):  # noqa: ANN001, ANN202  (torchvision's dataset, offline)
        import urllib.error

        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(data, "_tv_dataset", offline)
    tab = main_window.training_tab
    main_window.tabs.setCurrentWidget(tab)
    combo = tab.form.dataset_combo
    combo.setCurrentIndex(combo.findData("mnist"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: bool(_visible_errors()), timeout=RUN_TIMEOUT_MS)
    assert any("Download" in q for q in no_questions)
    assert "Check the internet connection" in _visible_errors()[0].text()
    assert not tab.findChild(QPushButton, "startButton").isEnabled()
    for box in _visible_errors():
        box.close()
    qtbot.waitUntil(lambda: tab.findChild(QPushButton, "downloadButton").isVisible(),
                    timeout=RUN_TIMEOUT_MS)


def test_a_restored_missing_dataset_waits_for_the_download_button(qtbot, main_window, tiny_config,
                                                                   monkeypatch, no_questions) -> None:  # noqa: ANN001
    from ganstudio.core import data

    monkeypatch.setattr(data, "is_available", lambda name, root=None: False)
    tab = main_window.training_tab
    main_window.tabs.setCurrentWidget(tab)
    cfg = tiny_config("dcgan", "mnist-embedded")
    cfg.data.name = "fashion-mnist"
    tab.form.set_config(cfg)
    button = tab.findChild(QPushButton, "downloadButton")
    qtbot.waitUntil(button.isVisible, timeout=RUN_TIMEOUT_MS)
    assert no_questions == [], "a download was offered without the person choosing the dataset"
    assert not tab.findChild(QPushButton, "startButton").isEnabled()


def test_a_finished_run_opens_in_the_real_explorer(qtbot, main_window, tiny_run) -> None:  # noqa: ANN001
    tab = main_window.training_tab
    explorer = main_window.explorer_tab
    if not hasattr(explorer, "open_path"):
        import pytest

        pytest.skip("the explorer tab is not available in this checkout")
    tiny_run(tab, "mnist-embedded", steps=3, batch=8)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
    button = tab.findChild(QPushButton, "openInExplorerButton")
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert main_window.tabs.currentWidget() is explorer
    run_dir = tab.run.run_dir

    def shows_our_run() -> bool:
        loaded = getattr(explorer, "loaded", None)  # the shipped model may show first
        return loaded is not None and loaded.source is not None and run_dir in loaded.source.parents

    qtbot.waitUntil(shows_our_run, timeout=RUN_TIMEOUT_MS)
    assert explorer.loaded.step == 3


def test_a_run_folder_given_on_the_command_line_opens(qtbot, tiny_config, tmp_path, no_questions) -> None:  # noqa: ANN001
    from ganstudio.core.io.runs import RunWriter
    from ganstudio.gui.app import create_main_window

    run_dir = tmp_path / "from-cli"
    writer = RunWriter(run_dir, tiny_config("mlp", "toy-grid"))
    writer.log({"step": 1, "loss_D": 1.2, "loss_G": 0.7, "D_real": 0.5, "D_fake": 0.5})
    writer.close()
    window = create_main_window([str(run_dir)])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_core_loaded, timeout=RUN_TIMEOUT_MS)
    tab = window.training_tab
    assert tab.follower.run_dir == run_dir
    assert tab.plots.point_count() == 1
    assert tab.form.dataset_combo.currentData() == "toy-grid"
    from ganstudio.gui.common import settings

    assert settings.get("recent/paths")[0] == str(run_dir.resolve())
    _dispose(qtbot, window)


def test_open_recent_lists_what_was_opened(main_window, tiny_config, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.io.runs import RunWriter

    run_dir = tmp_path / "recent-run"
    RunWriter(run_dir, tiny_config("mlp", "toy-ring")).close()
    assert main_window.open_path(run_dir)
    main_window.recent_menu.aboutToShow.emit()
    entries = [a.text() for a in main_window.recent_menu.actions()]
    assert entries[0] == str(run_dir.resolve())
    assert "Clear list" in entries


def test_new_run_resets_the_form(main_window, tiny_run) -> None:  # noqa: ANN001
    tab = main_window.training_tab
    tiny_run(tab, "toy-grid", steps=77)
    main_window.new_run_action.trigger()
    assert tab.form.dataset_combo.currentData() == "mnist-embedded"
    assert tab.findChild(QSpinBox, "stepsSpin").value() != 77
    assert tab.findChild(QPushButton, "startButton").isEnabled()


def test_keyboard_shortcuts_are_listed(main_window) -> None:  # noqa: ANN001
    main_window._on_shortcuts_triggered()
    text = main_window.shortcuts_dialog.text.toPlainText()
    main_window.shortcuts_dialog.close()
    for key in ("Ctrl+O", "Ctrl+S", "Space", "Ctrl+Q"):
        assert key in text


def test_resume_after_divergence_rolls_back(qtbot, main_window, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.common import dialogs

    state = _diverge_once_after_step_7(monkeypatch)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: False)  # "Stay paused"
    tab = main_window.training_tab
    tiny_run(tab, "toy-ring", steps=10, batch=8)
    pause = tab.findChild(QPushButton, "pauseButton")
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: state["raised"] and pause.text() == "Resume", timeout=RUN_TIMEOUT_MS)
        qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert finished.args == ["completed"]
    assert tab.run.step == 10


def test_download_job_reports_bytes_of_the_expected_total(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core import data
    from ganstudio.gui.common.jobs import JobState
    from ganstudio.gui.training.datasets import download_job

    class EveryReport(JobState):  # the job as its thread runs it, every report kept
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[int, int]] = []

        def progress(self, done: int, total: int) -> None:
            self.seen.append((done, total))

    def fetch(name, root, download):  # noqa: ANN001, ANN202  (torchvision's dataset, online)
        import time

        (root / "MNIST").mkdir(exist_ok=True)
        (root / "MNIST" / "part").write_bytes(b"x" * 2_000_000)
        time.sleep(0.7)

    monkeypatch.setattr(data, "_tv_dataset", fetch)
    state = EveryReport()
    download_job("mnist", str(tmp_path))(state)
    seen = state.seen
    assert (2_000_000, data._DOWNLOAD_BYTES["mnist"]) in seen
    assert max(seen) == (data._DOWNLOAD_BYTES["mnist"],) * 2
