"""Training a StyleGAN2 in the Training tab from its preset, as a person would: curves,
samples, quality figures, pause, stop, and the explorer in W space; then resuming its folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


def _click(qtbot, tab: QWidget, name: str) -> None:  # noqa: ANN001
    button = tab.findChild(QPushButton, name)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _tiny_stylegan2(tab: QWidget, steps: int) -> None:
    """The mnist-stylegan2 preset, narrowed so that a step takes milliseconds (32 px kept)."""
    _choose(tab.findChild(QComboBox, "presetCombo"), "mnist-stylegan2")
    _choose(tab.findChild(QComboBox, "deviceCombo"), "cpu")
    for name, value in (("stepsSpin", steps), ("batchSizeSpin", 8), ("latentSpin", 16), ("wDimSpin", 16),
                        ("mappingLayersSpin", 1), ("channelBaseSpin", 64), ("channelMaxSpin", 16)):
        tab.findChild(QSpinBox, name).setValue(value)
    assert tab.form.is_valid, tab.form.error


def _fast_figures(tab: QWidget, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.training import metrics_plot
    from ganstudio.gui.training import worker as workers

    monkeypatch.setattr(workers, "METRICS_COST_SHARE", 0.0)  # measure however fast the steps are
    monkeypatch.setattr(metrics_plot, "WARMUP_STEPS", 0)
    tab.findChild(QSpinBox, "metricsEverySpin").setValue(2)
    tab.findChild(QSpinBox, "sampleEverySpin").setValue(2)


def test_stylegan2_preset_trains_in_the_tab_and_opens_in_w(qtbot, main_window, monkeypatch, runs_root) -> None:  # noqa: ANN001
    window, tab = main_window, main_window.training_tab
    window.tabs.setCurrentWidget(tab)
    _tiny_stylegan2(tab, steps=100_000)
    _fast_figures(tab, monkeypatch)
    _click(qtbot, tab, "startButton")
    qtbot.waitUntil(lambda: len(tab.samples.steps()) >= 1 and len(tab.metrics_panel.rows) >= 1,
                    timeout=RUN_TIMEOUT_MS)
    buffer = tab.plots.buffer
    assert len(buffer) >= 2 and np.isfinite(buffer.y("loss_D")).all(), "no loss curve"
    assert np.isfinite(buffer.y("D_real")).all() and np.isfinite(buffer.y("D_fake")).all()
    assert "diversity_ratio" in tab.metrics_panel.rows[-1]

    _click(qtbot, tab, "pauseButton")
    assert tab.is_paused and tab.findChild(QPushButton, "pauseButton").text() == "Resume"
    qtbot.wait(800)  # the step in flight finishes and reports
    step = tab.run.step
    qtbot.wait(800)
    assert tab.run.step == step, "training went on while paused"
    _click(qtbot, tab, "pauseButton")
    qtbot.waitUntil(lambda: tab.run.step > step, timeout=RUN_TIMEOUT_MS)

    # the generator in memory, mid-run: the explorer shows it in W
    explorer = window.explorer_tab
    _click(qtbot, tab, "openInExplorerButton")
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is explorer, timeout=RUN_TIMEOUT_MS)
    assert explorer.w_mode
    assert explorer.findChild(QWidget, "wspacePanel").isVisible()
    assert explorer.source_label.text().startswith("in-memory generator")

    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "stopButton")
    assert finished.args == ["stopped"]
    run_dir = next(runs_root.iterdir())
    assert (run_dir / "checkpoints" / "latest.safetensors").is_file()
    assert any((run_dir / "samples").glob("step_*.png"))

    # after the run, its checkpoint: W again, read from the file
    _click(qtbot, tab, "openInExplorerButton")
    qtbot.waitUntil(lambda: ".safetensors" in explorer.source_label.text(), timeout=RUN_TIMEOUT_MS)
    assert explorer.w_mode and explorer.findChild(QWidget, "wspacePanel").isVisible()
    assert window.tabs.currentWidget() is explorer


def test_a_stylegan2_run_folder_is_followed_and_resumed(qtbot, main_window, monkeypatch, runs_root) -> None:  # noqa: ANN001
    window, tab = main_window, main_window.training_tab
    window.tabs.setCurrentWidget(tab)
    _tiny_stylegan2(tab, steps=4)
    tab.findChild(QSpinBox, "sampleEverySpin").setValue(2)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "startButton")
    run_dir = next(runs_root.iterdir())

    tab.new_run()  # the form back on the DCGAN; opening the folder shows the StyleGAN2 again
    assert tab.open_run(run_dir)
    assert tab.form.get_config().model.arch == "stylegan2"
    assert tab.form.findChild(QSpinBox, "channelMaxSpin").value() == 16
    qtbot.waitUntil(lambda: len(tab.plots.buffer) >= 1 and tab.samples.steps() == [2, 4],
                    timeout=RUN_TIMEOUT_MS)

    tab.findChild(QSpinBox, "stepsSpin").setValue(2)  # steps to add to a finished run
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert tab.resume_run(Path(run_dir))
    assert finished.args == ["completed"]
    assert tab.run.step == 6 and tab.samples.steps()[-1] == 6
