"""The training tab's run state, without Qt: the progress text and ETA a person reads."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ganstudio.gui.training.controller import TrainingRun, format_eta, new_run_dir


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _started(steps: int = 1000, step: int = 0, clock: Clock | None = None) -> TrainingRun:
    run = TrainingRun(clock=clock or Clock())
    run.launched(Path("runs/a"))
    run.started({"device": "cpu", "steps": steps, "step": step, "is_toy": False})
    return run


def test_progress_text_shows_step_of_total_and_eta_once_a_rate_is_known() -> None:
    clock = Clock()
    run = _started(clock=clock)
    run.progressed(100)
    assert run.progress_text() == "step 100 of 1,000"  # one report: no rate yet
    clock.now += 10.0
    run.progressed(200)  # 10 steps/s, 800 to go
    assert run.rate == 10.0
    assert run.progress_text() == "step 200 of 1,000 — ETA 1:20"


def test_rate_is_smoothed_so_one_slow_report_does_not_swing_the_eta() -> None:
    clock = Clock()
    run = _started(clock=clock)
    run.progressed(0)
    clock.now += 1.0
    run.progressed(10)  # 10 steps/s
    clock.now += 1.0
    run.progressed(15)  # 5 steps/s just now
    assert run.rate == 0.8 * 10 + 0.2 * 5


def test_pause_shows_in_the_text_and_the_paused_time_is_not_counted_as_training() -> None:
    clock = Clock()
    run = _started(clock=clock)
    run.progressed(0)
    clock.now += 1.0
    run.progressed(10)
    run.set_paused(True)
    assert run.progress_text().endswith(" — paused")
    clock.now += 600.0  # ten minutes paused
    run.set_paused(False)
    run.progressed(20)  # the first step after the pause starts a new measurement
    clock.now += 1.0
    run.progressed(30)
    assert run.rate == 10.0
    assert "paused" not in run.progress_text()


def test_a_finished_or_followed_run_has_no_eta() -> None:
    clock = Clock()
    run = _started(clock=clock)
    run.progressed(0)
    clock.now += 1.0
    run.progressed(10)
    assert run.eta_seconds() == 99.0
    run.finished("completed")
    assert (run.running, run.paused, run.outcome) == (False, False, "completed")
    assert run.eta_seconds() is None
    assert run.progress_text() == "step 10 of 1,000"

    followed = TrainingRun(clock=clock)
    followed.opened(total_steps=50, is_toy=True)
    followed.progressed(5)
    clock.now += 1.0
    followed.progressed(10)
    assert followed.progress_text() == "step 10 of 50"
    assert followed.is_toy and followed.run_dir is None


def test_listeners_hear_each_change_in_order() -> None:
    heard: list[str] = []
    run = TrainingRun(clock=Clock())
    run.subscribe(heard.append)
    run.reset()
    run.launched(Path("runs/a"))
    run.started({"device": "cpu", "steps": 10, "step": 4, "is_toy": True, "run_dir": "runs/b"})
    run.progressed(5)
    run.set_paused(True)
    run.finished("stopped")
    assert heard == ["reset", "launched", "started", "progressed", "paused", "finished"]
    assert (run.step, run.start_step, run.run_dir, run.is_toy) == (5, 4, Path("runs/b"), True)


def test_no_total_means_no_progress_text_and_reset_clears_the_step() -> None:
    run = TrainingRun(clock=Clock())
    run.progressed(3)
    assert run.progress_text() is None
    run.reset()
    assert run.step == 0 and run.rate is None


def test_format_eta() -> None:
    assert format_eta(59.6) == "1:00"
    assert format_eta(3 * 3600 + 62) == "3:01:02"
    assert format_eta(float("inf")) == "–"
    assert format_eta(-1) == "–"


def test_new_run_dir_never_reuses_a_folder(tmp_path: Path) -> None:
    now = datetime(2024, 5, 1, 12, 30, 5)
    first = new_run_dir(tmp_path, "mnist-embedded", "dcgan", now)
    assert first.name == "20240501-123005-mnist-embedded-dcgan"
    first.mkdir()
    assert new_run_dir(tmp_path, "mnist-embedded", "dcgan", now).name == first.name + "-2"


def test_the_controller_imports_no_qt() -> None:
    code = ("import sys; import ganstudio.gui.training.controller; "
            "sys.exit(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
