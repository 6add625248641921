from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganstudio.cli import main


def _train(tmp_path, tiny_config, steps=4):
    cfg = tiny_config(steps=steps)
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    assert main(["train", "--config", str(tmp_path / "cfg.json"), "--out", str(tmp_path / "run"), "--quiet"]) == 0


def test_train_sample_interpolate_resume(tmp_path, tiny_config):
    import imageio.v3 as iio

    _train(tmp_path, tiny_config)
    assert main(["sample", str(tmp_path / "run"), "-n", "9", "-o", str(tmp_path / "g.png")]) == 0
    grid = np.asarray(Image.open(tmp_path / "g.png"))
    assert grid.shape[:2] == (3 * 28 + 4 * 2, 3 * 28 + 4 * 2)  # 3x3 tiles with 2 px padding
    assert main(["interpolate", str(tmp_path / "run"), "--seeds", "1", "2", "3", "--frames", "4",
                 "--slerp", "--scale", "1", "-o", str(tmp_path / "w.gif")]) == 0
    frames = iio.imread(tmp_path / "w.gif", index=None)
    assert frames.shape[0] == 2 * 4 + 1 and frames.shape[1:3] == (28, 28)
    assert main(["export", str(tmp_path / "run"), "-o", str(tmp_path / "g.safetensors")]) == 0
    from ganstudio.core.io.loader import load_generator

    assert load_generator(tmp_path / "g.safetensors").kind == "generator"
    assert main(["train", "--resume", str(tmp_path / "run"), "--steps", "2", "--quiet"]) == 0
    steps = [int(line.split('"step": ')[1].split(",")[0]) for line in
             (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 50)
    cases = [
        ["sample", str(tmp_path / "missing.safetensors")],
        ["sample", str(tmp_path / "junk.safetensors")],
        ["train", "--preset", "nope"],
        ["train", "--preset", "mnist-dcgan", "--batch-size", "0", "--out", str(tmp_path / "x")],
        ["import", str(tmp_path / "missing.pth"), "-o", str(tmp_path / "o.safetensors")],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("ganstudio ") and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err


def test_module_entry_point_prints_help():
    out = subprocess.run([sys.executable, "-m", "ganstudio", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "train" in out.stdout and "interpolate" in out.stdout


def test_learning_rates_from_the_command_line_reach_the_run(tmp_path, tiny_config):
    from ganstudio.core.io.runs import RunReader

    cfg = tiny_config(steps=2)
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    assert main(["train", "--config", str(tmp_path / "cfg.json"), "--lr-g", "3e-4", "--lr-d", "5e-4",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 0
    saved = RunReader(tmp_path / "run").config.train
    assert (saved.lr_g, saved.lr_d) == (3e-4, 5e-4)


def test_train_set_changes_any_config_field_and_refuses_unknown_ones(tmp_path, capsys):
    import json

    from ganstudio import cli

    out = tmp_path / "run"
    assert cli.main(["train", "--preset", "toy-ring", "--steps", "2", "--quiet", "--out", str(out),
                     "--set", "train.lr_decay=0.3", "--set", "model.mlp_hidden=16"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["train"]["lr_decay"] == 0.3 and saved["model"]["mlp_hidden"] == 16
    capsys.readouterr()
    assert cli.main(["train", "--preset", "toy-ring", "--steps", "2", "--quiet",
                     "--out", str(tmp_path / "b"), "--set", "train.nonsense=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "train.nonsense" in err


def test_a_bad_argument_is_one_line_and_exit_2(capsys):
    from ganstudio import cli

    for argv in (["eval", "default", "-n", "1e8"], ["sample", "default", "--bogus"]):
        with pytest.raises(SystemExit) as stop:
            cli.main(argv)
        assert stop.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "--help" in err, err
