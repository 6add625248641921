from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from ganstudio.core.io.runs import RunReader
from ganstudio.core.training.trainer import Trainer

WORKER = Path(__file__).with_name("dist_worker.py")


def _torchrun(args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", *args]
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240, env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    return out


def test_two_gloo_processes_train_one_run_with_identical_weights(tmp_path, tiny_config):
    cfg = tiny_config(steps=4, checkpoint_every=2, sample_every=2)
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    _torchrun([str(WORKER), str(tmp_path / "cfg.json"), str(tmp_path / "run")], tmp_path)

    reader = RunReader(tmp_path / "run")
    assert [r["step"] for r in reader.metrics()] == [1, 2, 3, 4]  # rank 0 alone wrote, once each
    assert [s for s, _ in reader.samples()] == [2, 4]
    r0, r1 = load_file(tmp_path / "rank0.safetensors"), load_file(tmp_path / "rank1.safetensors")
    assert r0.keys() == r1.keys()
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    # The two ranks saw different data: the weights moved away from a single-process run.
    single = Trainer(cfg)
    single.run()
    assert not torch.equal(single.G.main[0].weight, r0["G.main.0.weight"])

    # A checkpoint written by two processes resumes in one.
    resumed = Trainer.resume(tmp_path / "run", steps=2)
    assert resumed.step_count == 4
    assert torch.equal(resumed.G.main[0].weight, r0["G.main.0.weight"])
    resumed.run()
    assert resumed.step_count == 6


def test_the_cli_runs_unchanged_under_torchrun(tmp_path):
    _torchrun(["-m", "ganstudio", "train", "--preset", "toy-ring", "--steps", "3", "--batch-size", "16",
               "--device", "cpu", "--out", str(tmp_path / "run"), "--quiet"], tmp_path)
    reader = RunReader(tmp_path / "run")
    assert [r["step"] for r in reader.metrics()] == [3]
    assert reader.latest_checkpoint() is not None
