"""Hostile and damaged inputs end in one line and exit 2 (the files are crafted here, small)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.data import DataError, load_image_folder
from ganstudio.core.io.checkpoint import export_generator
from ganstudio.core.models.build import build_generator

pytestmark = pytest.mark.timeout(300)  # a hang guard only


def _one_line(capsys, command: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ganstudio {command}: error: ") and "\n" not in err, err
    return err


def _dcgan_shapes(width: int) -> dict[str, tuple[int, ...]]:
    cfg = RunConfig(model=ModelConfig(resolution=64, channels=3, g_width=width))
    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in build_generator(cfg).state_dict().items()}


def test_a_pth_of_stride_0_views_is_refused_before_anything_is_built(tmp_path, capsys):
    one = torch.zeros(1)
    state = {k: one.expand(s) if s else one.reshape(()) for k, s in _dcgan_shapes(1024).items()}
    bomb = tmp_path / "bomb.pth"
    torch.save(state, bomb)
    assert bomb.stat().st_size < 64_000
    assert main(["sample", str(bomb), "-o", str(tmp_path / "x.png")]) == 2
    assert "repeats the same stored values" in _one_line(capsys, "sample")
    assert main(["import", str(bomb), "-o", str(tmp_path / "g.safetensors")]) == 2
    assert not (tmp_path / "g.safetensors").exists()


def test_a_fifo_named_like_a_model_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "G.pth"
    os.mkfifo(fifo)
    assert main(["sample", str(fifo), "-o", str(tmp_path / "x.png")]) == 2
    assert "is a pipe (FIFO), not a model file" in _one_line(capsys, "sample")


def test_output_onto_a_fifo_or_folder_is_refused_and_left_alone(tmp_path, capsys):
    fifo = tmp_path / "n"
    os.mkfifo(fifo)
    assert main(["sample", "default", "-n", "4", "-o", str(fifo)]) == 2
    assert "not a regular file" in _one_line(capsys, "sample")
    assert fifo.exists() and not fifo.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n"]  # no temporary file left


def test_a_legal_254_character_output_name_is_written(tmp_path):
    out = tmp_path / ("a" * 250 + ".png")
    assert main(["sample", "default", "-n", "4", "-o", str(out)]) == 0
    assert Image.open(out).size[0] > 0


@pytest.mark.parametrize("text", ['{"train": {"device": 5}}', '{"train": {"diffaug": 5}}',
                                  "[" * 100_000 + "]" * 100_000])
def test_bad_config_json_is_one_line(tmp_path, capsys, text):
    cfg = tmp_path / "c.json"
    cfg.write_text(text)
    assert main(["train", "--config", str(cfg), "--out", str(tmp_path / "run")]) == 2
    _one_line(capsys, "train")


def test_nan_and_integer_weights_are_refused_naming_the_tensor(tmp_path, capsys):
    cfg = RunConfig(model=ModelConfig(g_width=8, latent_dim=8)).validate()
    G = build_generator(cfg)
    name = next(iter(G.state_dict()))
    with torch.no_grad():
        G.state_dict()[name].view(-1)[0] = float("nan")
    path = export_generator(G, cfg, tmp_path / "nan.safetensors")
    assert main(["sample", str(path), "-o", str(tmp_path / "x.png")]) == 2
    assert f"{name} holds NaN or infinite values" in _one_line(capsys, "sample")
    state = {k: v.to(torch.int8) if v.is_floating_point() else v
             for k, v in build_generator(RunConfig(model=ModelConfig(g_width=8, latent_dim=8))).state_dict().items()}
    torch.save(state, tmp_path / "int8.pth")
    assert main(["sample", str(tmp_path / "int8.pth"), "-o", str(tmp_path / "x.png")]) == 2
    assert "holds int8 values where the network has floating-point weights" in _one_line(capsys, "sample")


def test_eval_and_interpolate_limits_are_one_line(tmp_path, capsys):
    for argv in (["eval", "default", "-n", "-5"], ["eval", "default", "-n", "100000000"],
                 ["interpolate", "default", "--seeds", "1", "2", "--scale", "2000", "-o",
                  str(tmp_path / "w.gif")]):
        assert main(argv) == 2
        _one_line(capsys, argv[0])


def test_16_bit_grey_pngs_keep_their_brightness(tmp_path):
    grey = np.full((32, 32), 32768, np.uint16)  # half brightness
    for i in range(2):
        Image.fromarray(grey).save(tmp_path / f"{i}.png")
    images, skipped = load_image_folder(tmp_path, 28, 1, cache=False)
    assert not skipped and abs(float(images.float().mean()) - 127.5) < 1.5


def test_images_above_the_pixel_budget_are_skipped_from_their_header(tmp_path, monkeypatch):
    from ganstudio.core import data

    monkeypatch.setattr(data, "MAX_IMAGE_PIXELS", 100 * 100)
    for i in range(3):
        Image.new("L", (200, 200)).save(tmp_path / f"{i}.png")
    with pytest.raises(DataError, match="3 of them are larger than"):
        load_image_folder(tmp_path, 28, 1, cache=False)


def test_a_folder_nested_too_deep_is_one_sentence(tmp_path):
    deep = tmp_path.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    Image.new("L", (28, 28)).save(deep / "a.png")
    with pytest.raises(DataError, match="nested more than 32 levels deep"):
        load_image_folder(tmp_path, 28, 1, cache=False)


def test_xcb_libraries_missing_is_one_line_naming_the_packages():
    from ganstudio.gui.xcb_libraries import missing_message

    line = missing_message({"QT_QPA_PLATFORM": "xcb"}, "linux", lambda lib: "cursor" not in lib)
    assert line is not None and line.endswith("sudo apt install libxcb-cursor0") and "\n" not in line
    assert missing_message({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda lib: False) is None
    assert missing_message({}, "linux", lambda lib: True) is None


def test_config_json_types_are_checked():
    with pytest.raises(ValueError, match="train.device = 5 is not allowed: a string"):
        RunConfig.from_json(json.dumps({"train": {"device": 5}})).validate()
