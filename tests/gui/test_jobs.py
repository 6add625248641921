"""The app's one concurrency module: jobs deliver on the GUI thread, errors read as sentences,
cancel and quit stop running work, and no thread outlives the application."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject

from ganstudio.core.errors import UserError
from ganstudio.gui.common import jobs

TIMEOUT_MS = 30_000


def _until_stopped(state: jobs.JobState, started: threading.Event | None = None) -> str:
    """A job that runs until it is asked to stop."""
    if started is not None:
        started.set()
    state.progress(0, 1)
    while not state.should_stop():
        time.sleep(0.005)
    return "stopped"


@pytest.fixture
def runner(qtbot):  # noqa: ANN001, ANN201
    owner = QObject()
    runner = jobs.JobRunner(owner)
    yield runner
    assert runner.shutdown(timeout_s=10)
    qtbot.waitUntil(lambda: not runner.busy(), timeout=TIMEOUT_MS)


def test_progress_and_result_arrive_on_the_gui_thread(qtbot, runner) -> None:  # noqa: ANN001
    gui = threading.get_ident()
    ran_on, seen, results = [], [], []

    def work(state: jobs.JobState) -> str:
        ran_on.append(threading.get_ident())
        for i in range(1, 4):
            state.progress(i, 3)
        return "three pieces"

    job = runner.start("count", work,
                       progress=lambda d, t: seen.append((d, t, threading.get_ident())),
                       done=lambda r: results.append((r, threading.get_ident())))
    with qtbot.waitSignal(job.ended, timeout=TIMEOUT_MS):
        pass
    assert ran_on and ran_on[0] != gui
    assert results == [("three pieces", gui)]
    assert seen and seen[-1] == (3, 3, gui)  # reports coalesce; the newest always lands
    assert all(who == gui for *_, who in seen)
    assert job.outcome == "done" and not runner.running("count")


def test_a_user_error_arrives_as_its_sentence(qtbot, runner) -> None:  # noqa: ANN001
    failures = []

    def work(_state: jobs.JobState) -> None:
        raise UserError("cats.png is not a generator: choose a .safetensors file.")

    job = runner.start("open", work, failed=lambda exc, tb: failures.append((exc, tb)))
    with qtbot.waitSignal(job.ended, timeout=TIMEOUT_MS):
        pass
    ((exc, details),) = failures
    assert isinstance(exc, UserError)
    assert jobs.describe(exc, details) == (
        "cats.png is not a generator: choose a .safetensors file.", "")


def test_an_unexpected_error_arrives_with_its_traceback(qtbot, runner) -> None:  # noqa: ANN001
    failures = []

    def divide_by_nothing(_state: jobs.JobState) -> float:
        return 1 / 0

    job = runner.start("bug", divide_by_nothing, failed=lambda exc, tb: failures.append((exc, tb)))
    with qtbot.waitSignal(job.ended, timeout=TIMEOUT_MS):
        pass
    ((exc, details),) = failures
    line, more = jobs.describe(exc, details)
    assert line == "Unexpected error (ZeroDivisionError): division by zero"
    assert "Traceback" in more and "divide_by_nothing" in more


def test_an_error_without_a_handler_becomes_an_error_dialog(qtbot) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    runner = jobs.JobRunner(owner)

    def work(_state: jobs.JobState) -> None:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), "/srv/locked/out.png")

    with qtbot.waitSignal(runner.start("save", work).ended, timeout=TIMEOUT_MS):
        pass
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].text().startswith("Permission denied: /srv/locked/out.png")
    boxes[0].close()


def test_cancel_stops_a_job_that_checks_should_stop(qtbot, runner) -> None:  # noqa: ANN001
    outcomes: list[str] = []
    job = runner.start("search", _until_stopped,
                       done=lambda _r: outcomes.append("done"),
                       failed=lambda *_a: outcomes.append("failed"),
                       cancelled=lambda: outcomes.append("cancelled"))
    with qtbot.waitSignal(job.progressed, timeout=TIMEOUT_MS):
        pass  # it is running
    with qtbot.waitSignal(job.ended, timeout=TIMEOUT_MS):
        runner.cancel("search")
    assert outcomes == ["cancelled"]


def test_a_core_cancellation_is_not_an_error(qtbot, runner) -> None:  # noqa: ANN001
    from ganstudio.core.export import ExportCancelled

    outcomes: list[str] = []

    def work(_state: jobs.JobState) -> None:
        raise ExportCancelled("nothing was written")

    job = runner.start("export", work, failed=lambda *_a: outcomes.append("failed"),
                       cancelled=lambda: outcomes.append("cancelled"))
    with qtbot.waitSignal(job.ended, timeout=TIMEOUT_MS):
        pass
    assert outcomes == ["cancelled"]
    assert jobs.is_cancellation(ExportCancelled("x"))


def test_newest_wins_stops_the_older_job_and_drops_its_result(qtbot, runner) -> None:  # noqa: ANN001
    results: list[str] = []
    started = threading.Event()
    older = runner.start("preview", lambda s: _until_stopped(s, started) + " (older)",
                         done=results.append, cancelled=lambda: results.append("older cancelled"))
    assert started.wait(30)
    newer = runner.start("preview", lambda _s: "newer", done=results.append, newest_wins=True)
    assert runner.current("preview") is newer
    with qtbot.waitSignals([older.ended, newer.ended], timeout=TIMEOUT_MS):
        pass
    assert results == ["newer"]
    assert older.outcome == "cancelled"


def test_shutdown_all_stops_and_joins_every_running_thread(qtbot, runner) -> None:  # noqa: ANN001
    started = [threading.Event() for _ in range(2)]
    for i, event in enumerate(started):
        runner.start(f"endless{i}", lambda s, e=event: _until_stopped(s, e))
    stop_worker = threading.Event()
    worker_done = threading.Event()

    def long_lived() -> None:  # a worker reporting through its own signals, like training
        stop_worker.wait()
        worker_done.set()

    thread = jobs.start_thread(long_lived, stop=stop_worker.set, name="worker")
    assert all(e.wait(30) for e in started)

    assert jobs.shutdown_all(timeout_s=30) == []
    assert worker_done.is_set() and thread.isFinished()
    assert all(t.isFinished() for t in jobs.live_threads())
    qtbot.waitUntil(lambda: not runner.busy(), timeout=TIMEOUT_MS)


def test_the_quit_rule_stops_a_training_run_which_saves_its_checkpoint(
        qtbot, training_tab, tiny_run, runs_root) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    tab = training_tab
    tiny_run(tab, "toy-ring", steps=1_000_000)  # ends only when stopped
    with qtbot.waitSignal(tab.training_finished, timeout=120_000) as finished:
        qtbot.mouseClick(tab.findChild(QPushButton, "startButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.run.step > 0, timeout=120_000)
        assert jobs.shutdown_all(timeout_s=60) == []  # what quitting the app runs
    assert finished.args == ["stopped"]
    (run_dir,) = runs_root.iterdir()
    assert (run_dir / "checkpoints" / "latest.safetensors").is_file()


def test_quitting_the_app_joins_running_jobs(tmp_path: Path) -> None:
    """The user's path: quit while a job runs. The app ends cleanly, the job having been asked
    to stop, instead of aborting in "QThread: Destroyed while thread is still running"."""
    script = textwrap.dedent("""
        import sys, time
        from PySide6.QtCore import QTimer
        from ganstudio.gui.app import ensure_app
        from ganstudio.gui.common import jobs

        app = ensure_app()
        runner = jobs.JobRunner()

        def endless(state):
            while not state.should_stop():
                time.sleep(0.005)
            print("job stopped", flush=True)

        job = runner.start("endless", endless)
        job.progressed.connect(lambda *_: None)
        QTimer.singleShot(0, app.quit)
        code = app.exec()
        running = [t for t in jobs.live_threads() if t.isRunning()]
        print(f"running after quit: {len(running)}", flush=True)
        sys.exit(code)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["job stopped", "running after quit: 0"]
    assert "Destroyed while thread" not in done.stderr


def test_a_full_disk_is_described_with_the_path() -> None:
    exc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/runs/a/samples/000100.png")
    line, _details = jobs.describe(exc)
    assert line.startswith("The disk is full: /data/runs/a/samples/000100.png could not be written")
    assert os.strerror(errno.ENOSPC) in line


def test_other_failures_are_sentences_too() -> None:
    assert jobs.describe(MemoryError())[0].startswith("Out of memory:")
    assert jobs.describe(FileNotFoundError(errno.ENOENT, "No such file", "/x/g.pkl"))[0] == (
        "/x/g.pkl does not exist (No such file).")
    assert jobs.describe(jobs.JobCancelled("stop")) == ("Cancelled.", "")
