"""Editing a run's settings while it waits paused (or trains): live settings apply from the
next step, settings that need new networks ask for a restart."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFrame, QPushButton, QSpinBox, QWidget

RUN_TIMEOUT_MS = 120_000


def _click(qtbot, tab: QWidget, name: str) -> None:  # noqa: ANN001
    button = tab.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), f"{name} is missing or disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _paused_run(qtbot, tab, tiny_run) -> None:  # noqa: ANN001
    tiny_run(tab, "toy-ring", steps=100_000, batch=16)
    with qtbot.waitSignal(tab.training_state_changed, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stepButton")  # a paused run, one step in
    qtbot.waitUntil(lambda: tab.run.step == 1, timeout=RUN_TIMEOUT_MS)


def _last_row(run_dir) -> dict:  # noqa: ANN001
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "part" in r][-1]


def test_live_settings_apply_from_the_next_step(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    _paused_run(qtbot, tab, tiny_run)
    lr = tab.findChild(QDoubleSpinBox, "lrGSpin")
    assert lr.isEnabled(), "the form is locked while the run waits paused"
    with qtbot.waitSignal(tab.worker.settings_applied, timeout=RUN_TIMEOUT_MS) as applied:
        lr.setValue(0.0005)
    assert "train.lr_g" in applied.args[0]
    optimizer = tab.findChild(QComboBox, "optimizerCombo")
    with qtbot.waitSignal(tab.worker.settings_applied, timeout=RUN_TIMEOUT_MS) as applied:
        optimizer.setCurrentIndex(optimizer.findData("sgd"))
    assert applied.args[0] == ["train.optimizer"]
    g_steps = tab.findChild(QSpinBox, "gStepsSpin")
    with qtbot.waitSignal(tab.worker.settings_applied, timeout=RUN_TIMEOUT_MS):
        g_steps.setValue(2)
    assert not tab.findChild(QFrame, "restartBar").isVisible()

    with qtbot.waitSignal(tab.worker.stepped, timeout=RUN_TIMEOUT_MS) as stepped:
        _click(qtbot, tab, "stepButton")
    row = stepped.args[0]
    assert row["lr_g"] == 0.0005 and row["optimizer"] == "sgd"
    run_dir = next(runs_root.iterdir())
    assert _last_row(run_dir)["optimizer"] == "sgd", "the run's record lacks the new setting"
    config = json.loads((run_dir / "config.json").read_text())
    assert config["train"]["lr_g"] == 0.0005 and config["train"]["g_steps"] == 2


def test_a_setting_that_needs_new_networks_offers_a_restart(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    _paused_run(qtbot, tab, tiny_run)
    applied: list[list] = []
    tab.worker.settings_applied.connect(applied.append)
    latent = tab.findChild(QSpinBox, "latentSpin")
    latent.setValue(latent.value() + 3)
    bar = tab.findChild(QFrame, "restartBar")
    assert bar.isVisible()
    assert "Latent size" in tab.live_edit.label.text()
    assert "dashed" in latent.styleSheet() and "restart" in latent.toolTip().lower()
    dist = tab.findChild(QComboBox, "latentDistCombo")
    dist.setCurrentIndex(dist.findData("uniform"))
    assert tab.live_edit.restart_fields == ["model.latent_dim", "model.latent_dist"]
    with qtbot.waitSignal(tab.worker.stepped, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stepButton")  # the run goes on with its own networks meanwhile
    assert applied == []

    latent.setValue(latent.value() - 3)  # undone: no restart needed for it any more
    assert tab.live_edit.restart_fields == ["model.latent_dist"]
    first = next(runs_root.iterdir())
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "restartButton")
    qtbot.waitUntil(lambda: tab.is_training and tab.run.step > 0, timeout=RUN_TIMEOUT_MS)
    runs = sorted(runs_root.iterdir())
    assert len(runs) == 2 and first in runs
    new = json.loads((runs[-1] / "config.json").read_text())
    assert new["model"]["latent_dist"] == "uniform"
    assert not bar.isVisible() and latent.styleSheet() == ""
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stopButton")


def test_a_live_setting_changed_while_running_takes_effect(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=100_000, batch=16)
    _click(qtbot, tab, "startButton")
    qtbot.waitUntil(lambda: tab.run.step >= 2, timeout=RUN_TIMEOUT_MS)
    rows: list[dict] = []
    tab.worker.progressed.connect(rows.extend)
    with qtbot.waitSignal(tab.worker.settings_applied, timeout=RUN_TIMEOUT_MS):
        tab.findChild(QDoubleSpinBox, "lrDSpin").setValue(0.0003)
    qtbot.waitUntil(lambda: any(r.get("lr_d") == 0.0003 for r in rows), timeout=RUN_TIMEOUT_MS)
    assert not tab.is_paused
