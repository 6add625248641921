"""A run folder another process is writing: the training tab refuses it in one dialog line,
and the follower shows it read-only while it is being written."""

from __future__ import annotations

import os
import socket

from PySide6.QtWidgets import QApplication, QMessageBox

RUN_TIMEOUT_MS = 120_000


def _errors() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]


def _close(boxes: list[QMessageBox]) -> None:
    for box in boxes:
        box.close()


def test_starting_or_resuming_into_a_folder_being_written_is_one_dialog_line(
        qtbot, training_tab, tiny_config, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.core.io import runlock
    from ganstudio.core.io.runs import RunWriter

    run_dir = tmp_path / "busy"
    writer = RunWriter(run_dir, tiny_config("mlp", "toy-ring"))  # the other writer
    tab = training_tab
    who = (f"{run_dir} is being written by another GAN Studio process "
           f"(pid {os.getpid()} on {socket.gethostname()}, since ")

    assert not tab.start(tiny_config("mlp", "toy-ring"), run_dir)
    (box,) = _errors()
    assert box.windowTitle() == "Cannot start" and box.text().startswith(who)
    assert box.text().endswith("Choose another run folder, or wait for that run to finish.")
    assert box.detailedText() == "" and not tab.is_training
    _close([box])

    assert not tab.resume_run(run_dir)
    (box,) = _errors()
    assert box.windowTitle() == "Cannot resume" and box.text().startswith(who)
    assert "Wait for that run to finish" in box.text()
    _close([box])

    # The folder is taken between the tab's check and the trainer's: the worker's failure is
    # the same line, with no traceback behind it.
    monkeypatch.setattr(runlock, "lock_owner", lambda _run_dir: None)
    with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert tab.start(tiny_config("mlp", "toy-ring"), run_dir)
    assert finished.args == ["failed"]
    (box,) = _errors()
    assert box.text().startswith(who) and box.detailedText() == ""
    _close([box])
    assert (run_dir / "metrics.jsonl").read_text() == ""  # the refused run wrote nothing
    writer.close()


def test_a_followed_folder_is_read_only_while_it_is_being_written(
        qtbot, training_tab, tiny_config, tmp_path) -> None:  # noqa: ANN001
    from ganstudio.core.io.runs import RunWriter

    run_dir = tmp_path / "terminal-run"
    writer = RunWriter(run_dir, tiny_config("mlp", "toy-ring"))
    writer.log({"step": 1, "loss_D": 1.0, "loss_G": 0.5, "D_real": 0.6, "D_fake": 0.4})
    tab = training_tab
    assert tab.open_run(run_dir)
    assert f"(read-only: being written by pid {os.getpid()} on " in tab.run_label.text()
    writer.close()  # the run finished: the note goes at the next poll
    qtbot.waitUntil(lambda: "read-only" not in tab.run_label.text(), timeout=RUN_TIMEOUT_MS)
    assert tab.run_label.text().startswith("Following: ")
