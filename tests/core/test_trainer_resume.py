"""A resume continues exactly where the run stopped: after Ctrl-C (once or twice), under
torchrun with each rank's own random streams, and never into nothing; a killed writer's
temporary files go when the run folder is next opened for writing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio.core.errors import CheckpointError
from ganstudio.core.io.checkpoint import read_checkpoint
from ganstudio.core.io.runs import RunReader
from ganstudio.core.training.trainer import Trainer

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
TRAIN = [sys.executable, "-m", "ganstudio", "train", "--preset", "toy-ring", "--steps", "60",
         "--batch-size", "16", "--device", "cpu", "--quiet"]


def _same_tensors(a: Path, b: Path) -> list[str]:
    """Names of the tensors that differ between two checkpoints (all of them: weights, EMA,
    optimizer moments, random states)."""
    ta, tb = load_file(a), load_file(b)
    assert ta.keys() == tb.keys()
    return [k for k in ta if not torch.equal(ta[k], tb[k])]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("straight") / "run"
    subprocess.run([*TRAIN, "--out", str(run)], check=True, env=ENV, capture_output=True, timeout=300)
    return run / "checkpoints" / "latest.safetensors"


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_saves_the_last_finished_step_and_a_resume_ends_bit_exact(tmp_path, uninterrupted, presses):
    run = tmp_path / "run"
    proc = subprocess.Popen([*TRAIN, "--out", str(run)], env=ENV, stderr=subprocess.PIPE, text=True)
    metrics = run / "metrics.jsonl"
    deadline = time.monotonic() + 120
    while not (metrics.is_file() and metrics.stat().st_size) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for _ in range(presses):  # a second Ctrl-C arrives while the first is handled or saving
        proc.send_signal(signal.SIGINT)
        time.sleep(0.005)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    step = int(read_checkpoint(RunReader(run).latest_checkpoint())[1]["step"])
    assert 0 < step < 60 and f"Interrupted at step {step}" in err and "Traceback" not in err

    resumed = subprocess.run([sys.executable, "-m", "ganstudio", "train", "--resume", str(run), "--quiet"],
                             env=ENV, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _same_tensors(run / "checkpoints" / "latest.safetensors", uninterrupted) == []


def _torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    worker = Path(__file__).with_name("dist_resume_worker.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(worker), *args]
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240, env=ENV)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    return out


def test_a_two_rank_resume_continues_each_ranks_own_streams(tmp_path, tiny_config):
    # No lr decay: its schedule depends on train.steps, which differ between the two runs.
    cfg = tiny_config(arch="mlp", data="toy-ring", steps=6, checkpoint_every=100, lr_decay=0.0)
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    _torchrun("new", str(tmp_path / "straight"), str(tmp_path / "cfg.json"), cwd=tmp_path)
    (tmp_path / "cfg.json").write_text(cfg.replace(train={"steps": 3}).to_json())
    _torchrun("new", str(tmp_path / "split"), str(tmp_path / "cfg.json"), cwd=tmp_path)
    _torchrun("resume", str(tmp_path / "split"), "3", cwd=tmp_path)
    latest = Path("checkpoints") / "latest.safetensors"
    saved = load_file(tmp_path / "split" / latest)
    assert not torch.equal(saved["rng.rank0.torch"], saved["rng.rank1.torch"])
    assert _same_tensors(tmp_path / "split" / latest, tmp_path / "straight" / latest) == []

    # In one process the ranks' streams cannot all continue: the resume says so and goes on.
    single = Trainer.resume(tmp_path / "split", steps=1)
    assert single.resume_note and "2 process" in single.resume_note and "\n" not in single.resume_note
    single.run()
    assert single.step_count == 7
    single.close()


def test_a_checkpoint_outside_a_run_folder_is_not_trained_into_nothing(tmp_path, tiny_config):
    trainer = Trainer(tiny_config(steps=2), tmp_path / "run")
    trainer.run()
    trainer.close()
    loose = tmp_path / "loose.safetensors"
    loose.write_bytes((tmp_path / "run" / "checkpoints" / "latest.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match="not in a run folder") as err:
        Trainer.resume(loose, steps=2)
    assert "--out" in str(err.value) and "\n" not in str(err.value)
    cli = subprocess.run([sys.executable, "-m", "ganstudio", "train", "--resume", str(loose), "--quiet"],
                         env=ENV, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and len(cli.stderr.strip().splitlines()) == 1

    adopted = Trainer.resume(loose, steps=2, out=tmp_path / "new")
    adopted.run()
    adopted.close()
    reader = RunReader(tmp_path / "new")
    assert [r["step"] for r in reader.metrics()] == [3, 4] and reader.latest_checkpoint() is not None
    with pytest.raises(CheckpointError, match="already holds another run"):
        Trainer.resume(loose, out=tmp_path / "new")


def test_a_killed_writers_temporary_files_go_when_the_run_is_reopened(tmp_path, tiny_config):
    trainer = Trainer(tiny_config(steps=3), tmp_path / "run")
    trainer.run()
    trainer.close()
    run = tmp_path / "run"
    stale = [run / "checkpoints" / ".x1y2z3.safetensors.part", run / "samples" / ".a1b2c3d4.png",
             run / ".config.abc.json.part", run / ".lock.4242.tmp", run / "samples" / ".e5f6.png.tmp"]
    kept = [run / "notes.txt", run / "samples" / "step_0000003.png", run / ".hidden"]
    for p in stale + kept[::2]:
        p.write_bytes(b"x")
    resumed = Trainer.resume(run, steps=1)
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)
    resumed.close()
