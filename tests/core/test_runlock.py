"""One writer per run folder: a second writer is refused with one line, a killed owner's
folder is taken over with a note, and readers see who is writing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganstudio.cli import main
from ganstudio.core.io.runlock import LOCK_NAME, RunLock, RunLocked, lock_owner
from ganstudio.core.io.runs import RunReader, RunWriter
from ganstudio.core.training.trainer import Trainer

posix_only = pytest.mark.skipif(os.name != "posix", reason="signals as on POSIX")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
HOLDER = ("import sys, time\n"
          "from ganstudio.core.io.runlock import RunLock\n"
          "lock = RunLock(sys.argv[1]).acquire()\n"
          "print('locked', flush=True)\n"
          "time.sleep(300)\n")


def _wait_for(condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _steps(run: Path) -> list[int]:
    if not run.is_dir():
        return []
    return [r["step"] for r in RunReader(run).metrics() if "loss_D" in r]


def test_a_second_writer_in_one_process_is_refused(tiny_config, tmp_path):
    run = tmp_path / "run"
    first = RunWriter(run, tiny_config())
    with pytest.raises(RunLocked) as refused:
        RunWriter(run, tiny_config(steps=99))
    message = str(refused.value)
    assert message.startswith(f"{run} is being written by another GAN Studio process "
                              f"(pid {os.getpid()} on {socket.gethostname()}, since ")
    assert "\n" not in message
    assert json.loads((run / "config.json").read_text())["train"]["steps"] == 6  # untouched
    assert RunReader(run).is_locked() and RunReader(run).lock_owner().pid == os.getpid()
    first.close()
    assert not (run / LOCK_NAME).exists()  # a clean close leaves nothing that looks stale
    assert not RunReader(run).is_locked() and RunReader(run).lock_owner() is None
    second = RunWriter(run, tiny_config(steps=99))
    assert second.took_over_from is None
    second.close()


def test_a_trainer_refused_a_locked_folder_changes_nothing_in_it(tiny_config, tmp_path):
    run = tmp_path / "run"
    first = Trainer(tiny_config(steps=4), run)
    first.run()
    before = {p.name: p.read_bytes() for p in (run / "config.json", run / "metrics.jsonl")}
    with pytest.raises(RunLocked):
        Trainer(tiny_config(steps=9), run)
    with pytest.raises(RunLocked):
        Trainer.resume(run, steps=2)  # would truncate metrics.jsonl and rewrite config.json
    assert {p.name: p.read_bytes() for p in (run / "config.json", run / "metrics.jsonl")} == before
    first.close()
    resumed = Trainer.resume(run, steps=2)
    assert resumed.step_count == 4 and resumed.took_over_from is None
    resumed.close()


def test_a_run_that_fails_to_start_leaves_no_folder_and_no_lock(tiny_config, tmp_path):
    from ganstudio.core.data import DataError

    cfg = tiny_config()
    cfg.data.name, cfg.data.path = "folder", str(tmp_path / "no-such-images")
    with pytest.raises(DataError):
        Trainer(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


@posix_only
def test_a_killed_owner_is_taken_over_with_a_note(tmp_path, capsys):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(run)], stdout=subprocess.PIPE,
                              text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "locked"
        owner = lock_owner(run)
        assert owner is not None and owner.pid == holder.pid
        with pytest.raises(RunLocked, match=f"pid {holder.pid} on "):
            RunLock(run).acquire()
    finally:
        holder.kill()  # SIGKILL: no chance to close the run
        holder.wait()
    assert (run / LOCK_NAME).exists()  # it still names the dead owner ...
    assert lock_owner(run) is None  # ... but the OS freed the lock
    assert main(["train", "--preset", "toy-ring", "--steps", "3", "--device", "cpu",
                 "--out", str(run), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert (f"note: the previous writer (pid {holder.pid} on {socket.gethostname()}, started "
            in err)
    assert "stopped without closing the run; taking over." in err
    assert _steps(run) == [3]


@posix_only
@pytest.mark.slow
def test_two_cli_writers_on_one_folder(tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "ganstudio", "train", "--preset", "toy-ring", "--device", "cpu",
           "--quiet"]
    first = subprocess.Popen([*cmd, "--steps", "1000000", "--out", str(run)], env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: first.poll() is not None or len(_steps(run)) >= 2)
        assert first.poll() is None, first.communicate()[1]
        for extra, advice in ((["--steps", "400", "--out", str(run)], "Choose another --out folder"),
                              (["--resume", str(run)], "Wait for that run to finish")):
            second = subprocess.run([*cmd, *extra], env=ENV, capture_output=True, text=True,
                                    timeout=300)
            assert second.returncode == 2
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert lines[0].startswith(f"ganstudio train: error: {run} is being written by "
                                       f"another GAN Studio process (pid {first.pid} on ")
            assert advice in lines[0]
    finally:
        first.send_signal(signal.SIGINT)  # Ctrl-C: saves a checkpoint and closes the run
        _, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    steps = _steps(run)
    assert steps and steps == sorted(set(steps))  # one writer: no step twice
    assert not (run / LOCK_NAME).exists()
