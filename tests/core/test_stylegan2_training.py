"""Training a StyleGAN2: its discriminator, style mixing, path-length regularisation, the run
folder, resume and the preset."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.core.config import ConfigError, preset
from ganstudio.core.data import DataError
from ganstudio.core.generate import generate
from ganstudio.core.io.loader import load_generator
from ganstudio.core.io.runs import RunReader
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.models.stylegan2 import training as stylegan2_train
from ganstudio.core.models.stylegan2.discriminator import MinibatchStdLayer, StyleGAN2Discriminator
from ganstudio.core.training.trainer import Trainer


def tiny_sg2(**train):
    """The mnist-stylegan2 preset shrunk to 16 px and a few channels, so a step takes ms."""
    cfg = preset("mnist-stylegan2")
    m = cfg.model
    m.resolution, m.latent_dim, m.w_dim, m.mapping_layers = 16, 16, 16, 2
    m.channel_base, m.channel_max = 64, 16  # 4 channels at 16 px, 8 at 8, 16 at 4
    t = cfg.train
    t.batch_size, t.steps, t.sample_every, t.checkpoint_every, t.log_every = 8, 6, 3, 3, 1
    t.device = "cpu"
    for k, v in train.items():
        setattr(t, k, v)
    return cfg.validate()


def _w_avg(G: torch.nn.Module) -> torch.Tensor:
    return next(b for name, b in G.named_buffers() if name.endswith("w_avg"))


# --- the discriminator ------------------------------------------------------------------

@pytest.mark.parametrize("resolution, channels", [(8, 1), (32, 3)])
def test_discriminator_gives_one_logit_per_image(resolution, channels):
    D = StyleGAN2Discriminator(0, resolution, channels, channel_base=256, channel_max=16)
    out = D(torch.randn(8, channels, resolution, resolution))
    assert out.shape == (8,) and torch.isfinite(out).all()


def test_discriminator_has_the_nvlabs_layer_names():
    names = set(StyleGAN2Discriminator(0, 32, 3, channel_base=256, channel_max=16).state_dict())
    assert {"b32.fromrgb.weight", "b32.fromrgb.bias", "b32.conv0.weight", "b32.conv1.weight",
            "b32.skip.weight", "b16.conv0.bias", "b8.skip.weight", "b4.conv.weight",
            "b4.fc.weight", "b4.out.weight", "b4.out.bias"} <= names
    assert "b16.fromrgb.weight" not in names and "b32.skip.bias" not in names  # resnet D


def test_conditional_discriminator_scores_image_and_label_together():
    torch.manual_seed(0)
    D = StyleGAN2Discriminator(10, 16, 1, channel_base=128, channel_max=16)
    x = torch.randn(4, 1, 16, 16)
    labels = torch.eye(10)[:4]
    out = D(x, labels)
    assert out.shape == (4,)
    assert not torch.allclose(out, D(x, torch.eye(10)[4:8]))  # another label, another score
    assert {"mapping.embed.weight", "mapping.fc0.weight", "mapping.fc7.weight"} <= set(D.state_dict())
    with pytest.raises(ValueError, match="labels"):
        D(x)


def test_minibatch_std_appends_one_feature_also_for_batches_not_divisible_by_four():
    layer = MinibatchStdLayer(group_size=4)
    for n in (8, 6, 1):
        x = torch.randn(n, 5, 4, 4)
        y = layer(x)
        assert y.shape == (n, 6, 4, 4) and torch.equal(y[:, :5], x)
    same = torch.ones(4, 3, 4, 4)
    assert layer(same)[:, 3].abs().max() < 1e-3  # identical samples: no spread


def test_build_discriminator_dispatches_stylegan2():
    cfg = tiny_sg2()
    D = build_discriminator(cfg)
    assert isinstance(D, StyleGAN2Discriminator)
    assert D(torch.randn(4, 1, 16, 16)).shape == (4,)


# --- style mixing and path length --------------------------------------------------------

def test_style_mixing_switches_the_styles_from_a_crossover_layer_on():
    G = build_generator(tiny_sg2())
    z = torch.randn(4, 16)
    torch.manual_seed(3)
    plain = stylegan2_train.mapping(G, z, 0.0, update_emas=False)
    assert torch.equal(plain, plain[:, :1].expand_as(plain))  # one w on every layer
    mixed_any = False
    for seed in range(5):
        torch.manual_seed(seed)
        mixed = stylegan2_train.mapping(G, z, 1.0, update_emas=False)
        same = [torch.equal(mixed[:, i], plain[:, i]) for i in range(plain.shape[1])]
        cutoff = same.index(False)
        assert 1 <= cutoff < plain.shape[1]
        assert all(same[:cutoff]) and not any(same[cutoff:])  # first the own w, then another
        assert torch.equal(mixed[:, cutoff:], mixed[:, cutoff:cutoff + 1].expand_as(mixed[:, cutoff:]))
        mixed_any = True
    assert mixed_any


def test_path_length_penalty_has_gradients_and_moves_its_running_mean():
    G = build_generator(tiny_sg2())
    penalty, mean = stylegan2_train.path_length_penalty(G, torch.randn(4, 16), 0.0, torch.zeros(()))
    assert penalty.item() >= 0 and mean.item() > 0
    penalty.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in G.synthesis.parameters())


# --- training ---------------------------------------------------------------------------

def test_a_few_steps_write_the_run_folder(tmp_path):
    trainer = Trainer(tiny_sg2(steps=3, pl_weight=2.0, pl_every=2, style_mixing=0.9), tmp_path / "r")
    w_avg_before = _w_avg(trainer.G).clone()
    trainer.run()
    trainer.close()
    reader = RunReader(tmp_path / "r")
    rows = reader.metrics()
    assert [r["step"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert all(np.isfinite(r[k]) for k in ("loss_D", "loss_G", "D_real", "D_fake", "images_per_s"))
    assert [s for s, _ in reader.samples()] == [3]
    assert reader.latest_checkpoint() is not None
    assert not torch.equal(_w_avg(trainer.G), w_avg_before)  # w_avg follows the G passes
    assert torch.equal(_w_avg(trainer.G_ema), _w_avg(trainer.G))
    assert trainer.sample_grid(4).shape == (2 * 16 + 3 * 2, 2 * 16 + 3 * 2, 1)


def test_lazy_r1_and_path_length_run_on_their_steps_only(monkeypatch):
    from ganstudio.core import losses

    r1_steps, pl_steps = [], []
    real_r1, real_pl = losses.r1_penalty, stylegan2_train.path_length_penalty

    def r1(*args):
        r1_steps.append(trainer.step_count)
        return real_r1(*args)

    def pl(*args):
        pl_steps.append(trainer.step_count)
        return real_pl(*args)

    monkeypatch.setattr(losses, "r1_penalty", r1)
    monkeypatch.setattr(stylegan2_train, "path_length_penalty", pl)
    trainer = Trainer(tiny_sg2(steps=8, r1_gamma=1.0, r1_every=4, pl_weight=2.0, pl_every=3))
    shown = [trainer.step() for _ in range(8)]
    assert r1_steps == [0, 4] and pl_steps == [0, 3, 6]
    assert all(np.isfinite(m["loss_G"]) for m in shown)
    assert trainer.hooks.pl_mean.item() > 0


def _figures(trainer, n):
    return [(m["loss_D"], m["loss_G"]) for m in (trainer.step() for _ in range(n))]


def test_resume_continues_exactly_with_mixing_and_path_length(tmp_path):
    cfg = tiny_sg2(steps=20, pl_weight=2.0, pl_every=2, style_mixing=0.9, r1_every=2)
    straight = Trainer(cfg)
    expected = _figures(straight, 7)

    first = Trainer(cfg, tmp_path / "run")
    got = _figures(first, 4)
    first.save_checkpoint()
    first.close()
    second = Trainer.resume(tmp_path / "run")
    assert second.step_count == 4 and second.hooks.pl_mean.item() == first.hooks.pl_mean.item() != 0
    got += _figures(second, 3)
    assert got == expected
    assert torch.equal(_w_avg(second.G), _w_avg(straight.G))


def test_bf16_autocast_and_diffaugment_steps_are_finite():
    trainer = Trainer(tiny_sg2(precision="bf16", pl_weight=2.0, pl_every=1, style_mixing=0.5,
                               diffaug="translation,cutout,color"))
    m = trainer.step()
    assert np.isfinite(m["loss_D"]) and np.isfinite(m["loss_G"])


def test_trained_generator_loads_samples_and_renders(tmp_path):
    from ganstudio.core.inference import for_rendering
    from ganstudio.core.io.loader import load_generator

    trainer = Trainer(tiny_sg2(steps=2), tmp_path / "r")
    trainer.run()
    trainer.close()
    loaded = load_generator(tmp_path / "r")
    z = torch.randn(3, loaded.config.model.latent_dim)
    images = loaded.generator(z)
    assert images.shape == (3, 1, 16, 16) and torch.isfinite(images).all()
    expected = trainer.loaded_generator().generator(z)
    assert torch.allclose(images, expected, atol=1e-6)
    plan = for_rendering(loaded.generator, runs=2, budget_s=0.05)
    assert torch.allclose(plan(z[:1]), images[:1], atol=1e-5)


# --- configuration ----------------------------------------------------------------------

def test_preset_validates_and_builds_at_32_pixels():
    cfg = preset("mnist-stylegan2").validate()
    assert (cfg.model.arch, cfg.model.resolution, cfg.model.channels) == ("stylegan2", 32, 1)
    assert cfg.train.loss == "bce" and cfg.train.r1_gamma > 0 and cfg.train.ema
    G, D = build_generator(cfg), build_discriminator(cfg)
    with torch.no_grad():
        x = G(torch.randn(2, cfg.model.latent_dim))
    assert x.shape == (2, 1, 32, 32) and D(x).shape == (2,)


@pytest.mark.parametrize("field, value", [("pl_weight", 2.0), ("style_mixing", 0.5)])
def test_stylegan2_only_options_are_refused_for_other_models(tiny_config, field, value):
    with pytest.raises(ConfigError, match=f"train.{field}"):
        tiny_config(**{field: value})


@pytest.mark.parametrize("field, value", [("pl_every", 0), ("style_mixing", 1.5), ("pl_weight", -1.0)])
def test_out_of_range_options_are_refused(field, value):
    with pytest.raises(ConfigError, match=f"train.{field}"):
        tiny_sg2(**{field: value})


@pytest.mark.parametrize("field, value", [("spectral_norm", True), ("pack", 2)])
def test_options_of_the_other_discriminators_are_refused(field, value):
    cfg = tiny_sg2()
    setattr(cfg.model, field, value)
    with pytest.raises(ConfigError, match=f"model.{field}"):
        cfg.validate()


def test_a_conditional_stylegan2_trains_on_the_digits_labels(tmp_path):
    cfg = tiny_sg2()
    cfg.model.c_dim, cfg.model.class_names = 10, [str(i) for i in range(10)]
    cfg.train.pl_weight, cfg.train.pl_every, cfg.train.style_mixing = 2.0, 1, 0.9
    trainer = Trainer(cfg, tmp_path / "run")
    for _ in range(2):
        row = trainer.step()
    assert np.isfinite(row["loss_D"]) and np.isfinite(row["loss_G"])
    grid = trainer.sample_grid()  # one row per class
    assert grid.shape[0] == 10 * (cfg.model.resolution + 2) + 2
    trainer.save_checkpoint()
    trainer.close()
    G = load_generator(tmp_path / "run").generator
    z = torch.randn(1, cfg.model.latent_dim).repeat(2, 1)
    a, b = generate(G, z, label=[1, 7])
    assert not torch.equal(a, b)  # the class reaches the mapping


def test_a_conditional_stylegan2_needs_labelled_data(tmp_path):
    from PIL import Image

    for i in range(40):  # a folder without class sub-folders: no labels
        Image.new("L", (8, 8), 5 * i).save(tmp_path / f"{i}.png")
    cfg = tiny_sg2()
    cfg.model.c_dim = 2
    cfg.data.name, cfg.data.path = "folder", str(tmp_path)
    with pytest.raises(DataError, match="class folder"):
        Trainer(cfg)


def test_two_gloo_processes_train_a_stylegan2_and_agree_on_every_tensor(tmp_path):
    # Each rank moves w_avg with its own batch; a checkpoint takes rank 0's buffers everywhere.
    import os
    import subprocess
    import sys
    from pathlib import Path

    from safetensors.torch import load_file

    cfg = tiny_sg2(steps=4, checkpoint_every=2, style_mixing=0.5, pl_weight=2.0, pl_every=2)
    (tmp_path / "cfg.json").write_text(cfg.to_json())
    worker = Path(__file__).with_name("dist_worker.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(worker), str(tmp_path / "cfg.json"), str(tmp_path / "run")]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    r0, r1 = load_file(tmp_path / "rank0.safetensors"), load_file(tmp_path / "rank1.safetensors")
    assert any(k.endswith("w_avg") for k in r0)
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    resumed = Trainer.resume(tmp_path / "run", steps=1)
    assert torch.equal(_w_avg(resumed.G), next(v for k, v in r0.items() if k.endswith("w_avg")))
    assert np.isfinite(resumed.step()["loss_G"])
