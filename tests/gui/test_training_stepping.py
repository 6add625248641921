"""Stepping through training by hand: Step, Step D, Step G, their keys, and slow motion."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

RUN_TIMEOUT_MS = 120_000


def _click(qtbot, tab: QWidget, name: str) -> None:  # noqa: ANN001
    button = tab.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), f"{name} is missing or disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _step(qtbot, tab, name: str = "stepButton") -> dict:  # noqa: ANN001
    """Click a step button and wait for the step to be shown; its row."""
    if tab.worker is None:  # the first step starts the run
        with qtbot.waitSignal(tab.training_state_changed, timeout=RUN_TIMEOUT_MS):
            _click(qtbot, tab, name)
        with qtbot.waitSignal(tab.worker.stepped, timeout=RUN_TIMEOUT_MS) as stepped:
            pass
        return stepped.args[0]
    with qtbot.waitSignal(tab.worker.stepped, timeout=RUN_TIMEOUT_MS) as stepped:
        _click(qtbot, tab, name)
    return stepped.args[0]


def _rows(run_dir) -> list[dict]:  # noqa: ANN001
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if "loss_D" in r or "loss_G" in r]


def test_step_starts_a_paused_run_and_steps_d_and_g_alone(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=50, batch=16)
    assert tab.findChild(QPushButton, "stepButton").isEnabled(), "Step needs no run to start"

    row = _step(qtbot, tab)
    assert row["part"] == "both" and row["step"] == 1
    assert tab.is_training and tab.is_paused
    assert tab.findChild(QPushButton, "pauseButton").text() == "Resume"
    assert tab.findChild(QProgressBar, "progressBar").format().startswith("step 1 of 50")
    assert tab.toy_view.point_count()[1] > 0, "the step's generated points are not shown"

    d_row = _step(qtbot, tab, "stepDButton")
    g_row = _step(qtbot, tab, "stepGButton")
    assert (d_row["part"], d_row["step"]) == ("d", 2)
    assert (g_row["part"], g_row["step"]) == ("g", 3)
    assert "loss_D" in d_row and "loss_G" not in d_row
    assert "loss_G" in g_row and "loss_D" not in g_row
    qtbot.waitUntil(lambda: tab.run.step == 3, timeout=RUN_TIMEOUT_MS)
    assert tab.plots.buffer.x().tolist() == [1, 2, 3]

    run_dir = next(runs_root.iterdir())
    assert [(r["step"], r["part"]) for r in _rows(run_dir)] == [(1, "both"), (2, "d"), (3, "g")]
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "stopButton")
    assert finished.args == ["stopped"]


def test_twenty_steps_by_hand_then_running_to_the_end(qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=60, batch=16)
    views = []
    for i in range(20):
        row = _step(qtbot, tab)
        assert row["step"] == i + 1
        views.append(np.array(tab.toy_view.fake.getData()[0]))
    assert tab.run.step == 20 and tab.is_paused
    assert not np.allclose(views[0], views[-1]), "twenty steps did not move the generated points"

    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _click(qtbot, tab, "pauseButton")  # Resume: the run goes on by itself
    assert finished.args == ["completed"]
    assert tab.run.step == 60
    steps = [r["step"] for r in _rows(next(runs_root.iterdir()))]
    assert steps[:20] == list(range(1, 21)) and steps[-1] == 60


def test_step_keys_are_shortcuts_listed_in_help(qtbot, main_window, training_tab, tiny_run) -> None:  # noqa: ANN001
    from ganstudio.gui.shortcuts import shortcut_rows

    rows = shortcut_rows(main_window)
    listed = {(section, keys) for section, keys, _what in rows}
    for key in ("S", "D", "G", "M"):
        assert ("Training", key) in listed, f"{key} is not in Help > Keyboard Shortcuts"

    tab = training_tab
    tiny_run(tab, "toy-ring", steps=50, batch=16)
    step_key = next(s for s in tab.stepper.shortcuts if s.key().toString() == "S")
    with qtbot.waitSignal(tab.training_state_changed, timeout=RUN_TIMEOUT_MS):
        step_key.activated.emit()
    qtbot.waitUntil(lambda: tab.run.step == 1, timeout=RUN_TIMEOUT_MS)
    slow_key = next(s for s in tab.stepper.shortcuts if s.key().toString() == "M")
    slow_key.activated.emit()
    assert tab.findChild(QPushButton, "slowMotionButton").isChecked()


def test_slow_motion_replays_an_iteration_phase_by_phase(qtbot, training_tab, tiny_run, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.training import slow_motion

    monkeypatch.setattr(slow_motion, "PHASE_MS", 120)  # the phases' order is the point here
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=50, batch=16)
    _step(qtbot, tab)  # a run, paused, with D's map shown
    _click(qtbot, tab, "slowMotionButton")
    slow = tab.lab.slow
    captions: list[str] = []
    judged: list[bool] = []

    def on_phase(text: str) -> None:
        captions.append(text)
        if text:  # D's verdict fills the points while it judges them
            judged.append(tab.toy_view.fake.opts["size"] > 5)

    slow.phase_changed.connect(on_phase)
    with qtbot.waitSignal(slow.finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stepButton")
        assert not tab.findChild(QPushButton, "stepButton").isEnabled(), "a second step during the replay"
    shown = [c.split("  ", 1)[1] for c in captions if c]
    assert shown == [slow_motion.JUDGE, slow_motion.D_LEARNS, slow_motion.G_LEARNS]
    assert captions[-1] == "" and not tab.toy_view.caption.isVisible()
    assert any(judged), "the judging phase did not colour the points by D"
    assert tab.toy_view.fake.opts["size"] == 5, "the points kept D's colours after the replay"
    assert tab.run.step == 2
    assert tab.findChild(QPushButton, "stepButton").isEnabled()

    captions.clear()
    with qtbot.waitSignal(slow.finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stepDButton")
    assert [c.split("  ", 1)[1] for c in captions if c] == [slow_motion.JUDGE, slow_motion.D_LEARNS]


def test_slow_motion_while_running_goes_on_one_replayed_iteration_at_a_time(qtbot, training_tab, tiny_run,
                                                                             monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.gui.training import slow_motion

    monkeypatch.setattr(slow_motion, "PHASE_MS", 80)
    tab = training_tab
    tiny_run(tab, "toy-ring", steps=100_000, batch=16)
    _click(qtbot, tab, "startButton")
    qtbot.waitUntil(lambda: tab.run.step >= 2, timeout=RUN_TIMEOUT_MS)
    slow = tab.lab.slow
    with qtbot.waitSignal(slow.finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "slowMotionButton")
    assert tab.is_paused and tab.stepper.slow_playing
    assert tab.findChild(QPushButton, "pauseButton").text() == "Pause"
    at = tab.run.step
    with qtbot.waitSignal(slow.finished, timeout=RUN_TIMEOUT_MS):
        pass
    qtbot.waitUntil(lambda: tab.run.step > at, timeout=RUN_TIMEOUT_MS)

    _click(qtbot, tab, "pauseButton")  # the replay on screen ends, then the run waits
    assert not tab.stepper.slow_playing
    qtbot.waitUntil(lambda: not slow.is_busy, timeout=RUN_TIMEOUT_MS)
    stopped_at = tab.run.step
    assert tab.findChild(QPushButton, "pauseButton").text() == "Resume"

    _click(qtbot, tab, "slowMotionButton")  # off: back to full speed
    assert not tab.findChild(QPushButton, "slowMotionButton").isChecked()
    _click(qtbot, tab, "pauseButton")
    qtbot.waitUntil(lambda: tab.run.step > stopped_at + 5, timeout=RUN_TIMEOUT_MS)


def test_an_image_run_steps_by_hand_and_shows_each_grid(qtbot, training_tab, tiny_run) -> None:  # noqa: ANN001
    tab = training_tab
    tiny_run(tab, "mnist-embedded", steps=50, batch=8)
    assert not tab.findChild(QPushButton, "slowMotionButton").isEnabled(), "slow motion is for 2-D data"
    _step(qtbot, tab)
    _step(qtbot, tab, "stepGButton")
    qtbot.waitUntil(lambda: tab.samples.steps()[-1:] == [2], timeout=RUN_TIMEOUT_MS)
    assert tab.view_stack.currentWidget() is tab.samples
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
        _click(qtbot, tab, "stopButton")
