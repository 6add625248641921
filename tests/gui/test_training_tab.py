"""The Training tab driven through its widgets, as a person would, with tiny runs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


def _button(tab: QWidget, name: str) -> QPushButton:
    button = tab.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _click(qtbot, tab: QWidget, name: str) -> None:  # noqa: ANN001
    button = _button(tab, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_image_run_shows_curves_samples_and_progress(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "mnist-embedded", steps=8, batch=8)
    tab.findChild(QSpinBox, "sampleEverySpin").setValue(4)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "startButton")
        assert not _button(tab, "startButton").isEnabled()
        assert _button(tab, "stopButton").isEnabled()
    assert finished.args == ["completed"]

    loss_plot = tab.findChild(QWidget, "lossPlot")
    curves = loss_plot.getPlotItem().listDataItems()
    xs, ys = curves[0].getData()
    assert len(xs) >= 1 and np.isfinite(ys).any(), "the loss plot shows no points"
    assert xs[-1] == 8

    preview = tab.findChild(QWidget, "samplePreview")
    image = preview.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5, "the sample preview shows no picture"
    assert tab.samples.steps()[-1] == 8

    bar = tab.findChild(QProgressBar, "progressBar")
    assert bar.value() == bar.maximum() == 8
    run_dirs = list(runs_root.iterdir())
    assert len(run_dirs) == 1
    assert (run_dirs[0] / "config.json").is_file()
    assert (run_dirs[0] / "checkpoints" / "latest.safetensors").is_file()
    assert any((run_dirs[0] / "samples").glob("step_*.png"))
    assert _button(tab, "startButton").isEnabled()


def test_toy_run_shows_points_over_the_heat_map(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=6, batch=16)
    tab.findChild(QSpinBox, "sampleEverySpin").setValue(3)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "startButton")
    real, fake = tab.toy_view.point_count()
    assert real > 0 and fake > 0
    heat = tab.toy_view.heat.image
    assert heat is not None and heat.ndim == 2 and np.isfinite(heat).all()
    assert tab.view_stack.currentWidget() is tab.toy_view


def test_invalid_field_is_marked_and_start_disabled(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "mnist-embedded")
    start = _button(tab, "startButton")
    assert start.isEnabled()
    batch = tab.findChild(QSpinBox, "batchSizeSpin")
    batch.setValue(0)
    assert not start.isEnabled()
    error = tab.findChild(QLabel, "configErrorLabel")
    assert error.isVisible()
    assert "batch_size" in error.text()
    assert "batch_size" in batch.toolTip()
    assert batch.styleSheet()
    batch.setValue(16)
    assert start.isEnabled()
    assert not error.isVisible()
    assert batch.styleSheet() == ""


def test_pause_resume_and_stop(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=100_000, batch=16)
    _click(qtbot, tab, "startButton")
    qtbot.waitUntil(lambda: tab.run.step >= 3, timeout=RUN_TIMEOUT_MS)

    _click(qtbot, tab, "pauseButton")
    assert _button(tab, "pauseButton").text() == "Resume"
    qtbot.wait(400)  # the step in flight finishes and reports
    paused_at = tab.run.step
    qtbot.wait(600)
    assert tab.run.step == paused_at, "training went on while paused"
    assert "paused" in tab.findChild(QProgressBar, "progressBar").format()

    _click(qtbot, tab, "pauseButton")
    assert _button(tab, "pauseButton").text() == "Pause"
    qtbot.waitUntil(lambda: tab.run.step > paused_at, timeout=RUN_TIMEOUT_MS)

    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "stopButton")
    assert finished.args == ["stopped"]
    assert tab.thread is None and not tab.is_training
    run_dir = next(runs_root.iterdir())
    assert (run_dir / "checkpoints" / "latest.safetensors").is_file()


def test_error_in_worker_becomes_a_dialog(qtbot, training_tab, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ganstudio.core.training.trainer import Trainer

    def broken_step(self):  # noqa: ANN001, ANN202
        raise RuntimeError("the GPU caught fire")

    monkeypatch.setattr(Trainer, "step", broken_step)
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=5)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "startButton")
    assert finished.args == ["failed"]
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]
    assert boxes, "no error dialog was shown"
    assert "the GPU caught fire" in boxes[0].text()
    assert "Traceback" in boxes[0].detailedText()
    for box in boxes:
        box.close()
    monkeypatch.undo()
    assert _button(tab, "startButton").isEnabled(), "the app is not usable after the error"


def test_save_checkpoint_now(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=100_000, batch=16)
    _click(qtbot, tab, "startButton")
    qtbot.waitUntil(lambda: tab.run.step >= 2, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(tab.checkpoint_saved, timeout=RUN_TIMEOUT_MS) as saved:
        _click(qtbot, tab, "saveCheckpointButton")
    assert saved.args[0].endswith(".safetensors")
    assert (next(runs_root.iterdir()) / "checkpoints" / "latest.safetensors").is_file()


def test_sample_every_changes_the_cadence_while_training(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "mnist-embedded", steps=12, batch=8)
    spin = tab.findChild(QSpinBox, "sampleEverySpin")
    spin.setValue(1000)
    _click(qtbot, tab, "startButton")
    spin.setValue(2)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        pass
    steps = tab.samples.steps()
    assert 12 in steps and len([s for s in steps if s % 2 == 0 and s > 0]) >= 3


@pytest.mark.parametrize("value", [0.0])
def test_learning_rate_zero_is_rejected_at_the_field(training_tab, tiny_run, value: float) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring")
    tab.form.lr_g_spin.setValue(value)
    assert tab.form.invalid_field() is tab.form.lr_g_spin
    assert "lr_g" in tab.form.lr_g_spin.toolTip()
    assert not _button(tab, "startButton").isEnabled()


def test_resume_a_run_folder_continues_and_shows_its_past(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "mnist-embedded", steps=4, batch=8)
    tab.findChild(QSpinBox, "sampleEverySpin").setValue(2)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "startButton")
    run_dir = next(runs_root.iterdir())
    tab.findChild(QSpinBox, "stepsSpin").setValue(3)  # the finished run gets 3 more steps
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert tab.resume_run(run_dir)
    assert finished.args == ["completed"]
    assert tab.run.step == 7
    xs, _ = tab.findChild(QWidget, "lossPlot").getPlotItem().listDataItems()[0].getData()
    assert xs[0] == 1 and xs[-1] == 7, "the resumed run's earlier steps are not shown"
    assert tab.samples.steps()[0] == 2 and tab.samples.steps()[-1] == 7
    assert list(runs_root.iterdir()) == [run_dir], "resuming made a new run folder"


def test_rollback_forgets_the_steps_after_the_checkpoint() -> None:
    from ganstudio.gui.training.metric_buffer import MetricBuffer

    buffer = MetricBuffer(["loss_D"])
    buffer.append_rows({"step": s, "loss_D": 1.0} for s in range(1, 11))
    buffer.truncate_after(6)
    assert list(buffer.x()) == [1, 2, 3, 4, 5, 6]
    buffer.append_rows([{"step": 7, "loss_D": 2.0}])
    assert buffer.last("loss_D") == 2.0 and len(buffer) == 7
