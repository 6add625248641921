"""The command line's counterparts of NVIDIA's gen_images.py, projector.py and style_mixing.py,
and --class on conditional models (NVIDIA's own class-conditional StyleGAN2-ADA fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.generate import generate_uint8, to_uint8
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import sample_z

FIXTURE = Path(__file__).parents[1] / "fixtures" / "stylegan2-ada-conditional" / "sg2ada_cond10_tiny32"
PKL = str(FIXTURE.with_suffix(".pkl"))


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def _one_error_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("psi, reference", [(1.0, "img"), (0.7, "img_psi07")])
def test_sample_class_k_draws_nvidias_image_of_class_k(tmp_path, psi, reference):
    z = np.load(f"{FIXTURE}.z.npy")
    classes = np.load(f"{FIXTURE}.c.npy").argmax(1)
    expected = to_uint8(np.load(f"{FIXTURE}.{reference}.npy"))
    for k in range(len(z)):
        np.save(tmp_path / f"z{k}.npy", z[k : k + 1])
        out = tmp_path / f"class{k}"
        assert main(["sample", PKL, "--z-file", str(tmp_path / f"z{k}.npy"), "--class", str(classes[k]),
                     "--truncation", str(psi), "--outdir", str(out)]) == 0
        got = _png(out / "z0000.png").astype(int)
        assert np.abs(got - expected[k]).max() <= 1
    # the class matters: another class draws another image from the same z
    assert main(["sample", PKL, "--z-file", str(tmp_path / "z0.npy"), "--class", "5",
                 "--outdir", str(tmp_path / "other")]) == 0
    assert np.abs(_png(tmp_path / "other" / "z0000.png").astype(int) - expected[0]).max() > 10


def test_sample_seeds_write_one_png_per_seed_and_a_grid(tmp_path):
    assert main(["sample", "default", "--seeds", "0-2,7", "--truncation", "0.7",
                 "--outdir", str(tmp_path / "out"), "-o", str(tmp_path / "grid.png")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["seed0000.png", "seed0001.png", "seed0002.png", "seed0007.png"]
    G = load_generator("default").generator
    expected = generate_uint8(G, sample_z(7, 1, G.latent_dim), truncation_psi=0.7)[0]
    got = _png(tmp_path / "out" / "seed0007.png")
    assert np.array_equal(got.reshape(expected.shape), expected)
    assert _png(tmp_path / "grid.png").shape[:2] == (2 * 28 + 3 * 2, 2 * 28 + 3 * 2)


@pytest.mark.parametrize("args, words", [
    (["sample", "default", "--seeds", "7-3"], "runs backwards"),
    (["sample", "default", "--seeds", "1,,2"], "is not a list of numbers"),
    (["sample", "default", "--seeds", "0-100000"], "more than 1024"),
    (["sample", "default", "--seeds", "0-3", "--class", "1"], "has no classes"),
    (["sample", PKL, "--seeds", "0", "--class", "10"], "has 10 classes (0-9)"),
    (["interpolate", PKL, "--seeds", "1-2", "--class", "-1"], "does not exist"),
    (["eval", "default", "--class", "0"], "has no classes"),
    (["export", PKL, "--class", "12", "-o", "g.onnx"], "does not exist"),
    (["project", "default", "target.png", "--class", "0"], "does not exist"),
    (["stylemix", "default", "--rows", "1-2", "--cols", "3"], "needs a StyleGAN model"),
    (["stylemix", PKL, "--rows", "1-40", "--cols", "3"], "more than 32"),
    (["stylemix", PKL, "--rows", "1", "--cols", "3", "--layers", "0-99"], "has 8 style layers"),
])
def test_bad_ranges_and_classes_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    line = _one_error_line(capsys)
    assert line.startswith(f"ganstudio {args[0]}: error:") and words in line
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_stylemix_grid_rows_columns_and_mixed_cells(tmp_path):
    G = load_generator(PKL).generator
    assert main(["stylemix", PKL, "--rows", "1,2", "--cols", "3-5", "--layers", "0-7", "--class", "2",
                 "-o", str(tmp_path / "all.png")]) == 0
    grid = _png(tmp_path / "all.png")
    assert grid.shape == (3 * 32, 4 * 32, 3)
    assert not grid[:32, :32].any()  # the corner stays black
    tile = lambda r, c: grid[r * 32 : (r + 1) * 32, c * 32 : (c + 1) * 32]  # noqa: E731
    col3 = generate_uint8(G, sample_z(3, 1, G.z_dim), label=2)[0]
    row2 = generate_uint8(G, sample_z(2, 1, G.z_dim), label=2)[0]
    assert np.abs(tile(0, 1).astype(int) - col3).max() <= 1
    assert np.abs(tile(2, 0).astype(int) - row2).max() <= 1
    for r in (1, 2):  # every layer from the column: each cell is its column's image
        for c in (1, 2, 3):
            assert np.array_equal(tile(r, c), tile(0, c))
    assert main(["stylemix", PKL, "--rows", "1,2", "--cols", "3-5", "--layers", "6,7", "--class", "2",
                 "-o", str(tmp_path / "fine.png")]) == 0
    fine = _png(tmp_path / "fine.png")
    # only the finest styles from the column: the cells stay close to their row's image
    cell = fine[64:96, 32:64].astype(int)
    assert np.abs(cell - fine[64:96, :32]).mean() < np.abs(cell - fine[:32, 32:64]).mean()


def test_project_writes_nvidias_w_file_a_video_and_the_image(tmp_path, capsys):
    from ganstudio.core.latent.wspace_files import load_w_latents

    G = load_generator(PKL).generator
    target = generate_uint8(G, sample_z(11, 1, G.z_dim), label=1)[0]
    Image.fromarray(target).save(tmp_path / "target.png")
    assert main(["project", PKL, str(tmp_path / "target.png"), "--steps", "4", "--class", "1",
                 "-o", str(tmp_path / "w.npz"), "--video", str(tmp_path / "search.gif"),
                 "--image", str(tmp_path / "proj.png")]) == 0
    err = capsys.readouterr().err
    assert "Projecting [" in err and "4/4" in err
    w = np.load(tmp_path / "w.npz")["w"]
    assert w.shape == (1, G.num_ws, G.w_dim)
    opened = load_w_latents(tmp_path / "w.npz", G.num_ws, G.w_dim)  # as the explorer opens it
    assert np.array_equal(opened["ws"], w[0]) and list(opened["classes"]) == [1]
    projected = generate_uint8(G, torch.as_tensor(w), space="w")[0]
    assert np.array_equal(_png(tmp_path / "proj.png"), projected)
    import imageio.v3 as iio

    frames = iio.imread(tmp_path / "search.gif", index=None)
    assert frames.shape[:3] == (4, 32, 64)  # target beside each step's image


def test_project_a_z_model_writes_its_z(tmp_path):
    from ganstudio.core.export import load_latents

    G = load_generator("default").generator
    Image.fromarray(generate_uint8(G, sample_z(3, 1, G.latent_dim))[0][..., 0]).save(tmp_path / "t.png")
    assert main(["project", "default", str(tmp_path / "t.png"), "--steps", "3", "--quiet",
                 "-o", str(tmp_path / "z.npy")]) == 0
    assert np.asarray(load_latents(tmp_path / "z.npy")["z"]).reshape(-1).shape == (G.latent_dim,)


def test_eval_with_a_class_draws_that_class_only(tmp_path, capsys):
    import json

    assert main(["eval", PKL, "--class", "2", "-n", "8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["class"] == 2


@pytest.mark.slow
def test_export_with_a_class_writes_a_program_that_draws_that_class(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    assert main(["export", PKL, "--class", "3", "-o", str(tmp_path / "c3.onnx")]) == 0
    program = load_generator(tmp_path / "c3.onnx").generator
    G = load_generator(PKL).generator
    z = sample_z(5, 2, G.z_dim)
    got = generate_uint8(program, z).astype(int)
    assert np.abs(got - generate_uint8(G, z, label=3)).max() <= 1
    assert np.abs(got - generate_uint8(G, z, label=0)).max() > 10


def test_a_conditional_model_without_class_says_which_class_it_draws(tmp_path, capsys):
    assert main(["sample", PKL, "--seeds", "4", "--outdir", str(tmp_path)]) == 0
    assert "class 0 (choose with --class 0-9)" in capsys.readouterr().err
    G = load_generator(PKL).generator
    expected = generate_uint8(G, sample_z(4, 1, G.z_dim), label=0)[0]
    assert np.abs(_png(tmp_path / "seed0004.png").astype(int) - expected).max() <= 1


def test_eval_class_of_a_conditional_digit_model_is_valid_json(tmp_path, capsys):
    import json

    from ganstudio.core.config import preset
    from ganstudio.core.training.trainer import Trainer

    cfg = preset("mnist-cdcgan")
    cfg.model.g_width = cfg.model.d_width = 8
    cfg.train.steps, cfg.train.batch_size, cfg.train.r1_gamma = 1, 16, 0.0
    trainer = Trainer(cfg, tmp_path / "run")
    trainer.step()
    trainer.save_checkpoint()
    trainer.close()
    assert main(["eval", str(tmp_path / "run"), "--class", "3", "-n", "40", "--json"]) == 0
    result = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert result["class"] == 3 and 0.0 <= result["conditional_accuracy"] <= 1.0
    assert result["per_class_accuracy"][:3] == [None, None, None]
    assert result["per_class_accuracy"][3] == result["conditional_accuracy"]
    assert main(["eval", str(tmp_path / "run"), "--class", "3", "-n", "40"]) == 0
    assert "per class: - - - " in capsys.readouterr().out


def test_seeds_draw_a_uniform_latent_for_a_generator_trained_on_one(tmp_path):
    import torch

    from ganstudio.core.config import preset
    from ganstudio.core.generate import generate
    from ganstudio.core.io.checkpoint import export_generator
    from ganstudio.core.latent import sample_z
    from ganstudio.core.models.build import build_generator

    cfg = preset("mnist-dcgan")
    cfg.model.g_width, cfg.model.latent_dist = 8, "uniform"
    torch.manual_seed(0)
    G = build_generator(cfg).eval()
    export_generator(G, cfg, tmp_path / "g.safetensors")
    from ganstudio import cli
    assert cli.main(["sample", str(tmp_path / "g.safetensors"), "--seeds", "5",
                     "--outdir", str(tmp_path / "out")]) == 0
    import numpy as np
    from PIL import Image
    shown = np.asarray(Image.open(tmp_path / "out" / "seed0005.png").convert("L"))
    want = generate(G, sample_z(5, 1, 100, "uniform"))[0, 0]
    expected = ((want * 127.5 + 128).clamp(0, 255).to(torch.uint8)).numpy()
    assert np.array_equal(shown, expected)
