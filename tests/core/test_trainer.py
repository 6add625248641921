from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganstudio.core.io.runs import RunReader
from ganstudio.core.training.trainer import Trainer, TrainHooks, TrainingDiverged


@pytest.mark.parametrize("loss", ["bce", "hinge", "wgan-gp", "lsgan"])
def test_every_loss_trains_and_reports_its_figures(tiny_config, loss):
    cfg = tiny_config(loss=loss, n_critic=2, r1_gamma=1.0 if loss == "bce" else 0.0, diffaug="translation,cutout,color")
    trainer = Trainer(cfg)
    m = trainer.step()
    assert set(m) >= {"step", "loss_D", "loss_G", "D_real", "D_fake", "images_per_s", "lr_g", "lr_d"}
    assert m["step"] == 1 and m["part"] == "both" and m["loss"] == loss and m["optimizer"] == "adam"
    assert all(np.isfinite(v) for v in m.values() if not isinstance(v, str))


def test_same_seed_same_losses(tiny_config):
    a = [Trainer(tiny_config()).step()["loss_D"] for _ in range(1)]
    b = [Trainer(tiny_config()).step()["loss_D"] for _ in range(1)]
    assert a == b


def _losses(trainer, n):
    return [(lambda m: (m["loss_D"], m["loss_G"]))(trainer.step()) for _ in range(n)]


@pytest.mark.parametrize("data", ["mnist-embedded", "toy-ring"])
def test_resume_continues_exactly(tiny_config, tmp_path, data):
    # N steps + checkpoint + resume + M steps == N + M steps without interruption.
    arch = "mlp" if data.startswith("toy") else "dcgan"
    cfg = tiny_config(arch=arch, data=data, steps=20, batch_size=8)
    straight = _losses(Trainer(cfg), 7)

    first = Trainer(cfg, tmp_path / "run")
    part = _losses(first, 4)
    first.save_checkpoint()
    first.close()
    second = Trainer.resume(tmp_path / "run")
    assert second.step_count == 4
    part += _losses(second, 3)
    assert part == straight


def test_run_writes_the_run_folder_and_calls_hooks(tiny_config, tmp_path):
    seen, grids, ckpts = [], [], []
    trainer = Trainer(tiny_config(steps=6), tmp_path / "r")
    trainer.run(TrainHooks(progress=seen.append, samples=lambda s, g: grids.append((s, g.shape)),
                           checkpoint=ckpts.append))
    assert [m["step"] for m in seen] == [1, 2, 3, 4, 5, 6]
    assert [s for s, _ in grids] == [3, 6]
    reader = RunReader(tmp_path / "r")
    assert [r["step"] for r in reader.metrics()] == [1, 2, 3, 4, 5, 6]
    assert [s for s, _ in reader.samples()] == [3, 6]
    assert reader.latest_checkpoint().name == "latest.safetensors"
    assert reader.config == trainer.config


def test_stop_hook_ends_within_one_step(tiny_config):
    trainer = Trainer(tiny_config(steps=100))
    calls = []
    trainer.run(TrainHooks(progress=calls.append, should_stop=lambda: len(calls) >= 2))
    assert trainer.step_count == 2


def test_nan_loss_raises_diverged_and_writes_no_checkpoint(tiny_config, tmp_path):
    trainer = Trainer(tiny_config(steps=10, checkpoint_every=1), tmp_path / "r")
    trainer.run(TrainHooks(should_stop=lambda: trainer.step_count >= 2))
    before = sorted(p.name for p in (tmp_path / "r" / "checkpoints").iterdir())
    with torch.no_grad():
        for p in trainer.D.parameters():
            p.fill_(float("nan"))
    with pytest.raises(TrainingDiverged) as err:
        trainer.run()
    assert err.value.step == 3 and "step 3" in str(err.value)
    assert sorted(p.name for p in (tmp_path / "r" / "checkpoints").iterdir()) == before


def test_toy_view_has_points_and_a_heat_map(tiny_config):
    trainer = Trainer(tiny_config(arch="mlp", data="toy-grid"))
    trainer.step()
    view = trainer.toy_view(resolution=16, n=100)
    assert view["real"].shape == (100, 2) and view["fake"].shape == (100, 2)
    assert view["heat"].shape == (16, 16) and 0 <= view["heat"].min() <= view["heat"].max() <= 1


def test_metrics_file_has_no_nan_tokens(tiny_config, tmp_path):
    from ganstudio.core.io.runs import RunWriter

    w = RunWriter(tmp_path, tiny_config())
    w.log({"step": 1, "loss_D": float("nan")})
    w.close()
    assert json.loads((tmp_path / "metrics.jsonl").read_text()) == {"step": 1, "loss_D": None}


def test_watching_a_toy_run_changes_neither_its_course_nor_its_points(tiny_config):
    # Trainers share torch's global RNG, so each run is done start to finish on its own.
    unwatched = Trainer(tiny_config(arch="mlp", data="toy-ring"))
    expected = [unwatched.step()["loss_D"] for _ in range(2)]
    watched = Trainer(tiny_config(arch="mlp", data="toy-ring"))
    got = [watched.step()["loss_D"]]
    first = watched.toy_view(resolution=8, n=50)
    again = watched.toy_view(resolution=8, n=50)
    got.append(watched.step()["loss_D"])
    assert np.array_equal(first["fake"], again["fake"])
    assert watched.G.training
    assert got == expected


def test_bf16_autocast_trains_and_checkpoints_load_in_fp32(tiny_config, tmp_path):
    from ganstudio.core.io.loader import load_generator

    trainer = Trainer(tiny_config(precision="bf16", steps=2), tmp_path / "r")
    trainer.run()
    loaded = load_generator(tmp_path / "r")
    assert next(loaded.generator.parameters()).dtype == torch.float32
    assert torch.isfinite(loaded.generator(torch.randn(2, loaded.config.model.latent_dim))).all()


def test_lr_decay_brings_both_learning_rates_down_to_zero_by_the_last_step(tiny_config):
    trainer = Trainer(tiny_config(steps=8, lr_decay=0.5))
    seen = []
    for _ in range(8):
        trainer.step()
        seen.append((trainer.opt_G.param_groups[0]["lr"], trainer.opt_D.param_groups[0]["lr"]))
    t = trainer.config.train
    assert seen[0] == (t.lr_g, t.lr_d) and seen[3] == (t.lr_g, t.lr_d)  # the first half: constant
    g_rates = [g for g, _ in seen[4:]]
    assert g_rates == sorted(g_rates, reverse=True) and len(set(g_rates)) == 4  # then falling
    assert seen[-1][0] == pytest.approx(t.lr_g / 4) and seen[-1][1] == pytest.approx(t.lr_d / 4)
    assert trainer.lr_scale(8) == 0.0
    trainer.close()


def test_lr_decay_outside_zero_to_one_is_refused(tiny_config):
    from ganstudio.core.config import ConfigError

    with pytest.raises(ConfigError, match="train.lr_decay"):
        tiny_config(lr_decay=1.5)


def test_adam_falls_back_to_the_loop_where_torch_has_no_fused_kernel(monkeypatch):
    from ganstudio.core.training.trainer import _adam

    real = torch.optim.Adam

    def without_fused(params, **kwargs):
        if kwargs.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be on a supported device")
        return real(params, **kwargs)

    monkeypatch.setattr(torch.optim, "Adam", without_fused)
    opt = _adam(torch.nn.Linear(2, 2), 1e-3, {"betas": (0.5, 0.99), "fused": True})
    assert not opt.defaults.get("fused") and opt.defaults["betas"] == (0.5, 0.99)


def test_lazy_r1_applies_the_penalty_on_every_kth_step_only(tiny_config, monkeypatch):
    from ganstudio.core import losses
    from ganstudio.core.config import ConfigError

    calls = []
    real_penalty = losses.r1_penalty

    def recording(real_logits, real):
        value = real_penalty(real_logits, real)
        calls.append(trainer.step_count)
        return value

    monkeypatch.setattr(losses, "r1_penalty", recording)
    trainer = Trainer(tiny_config(steps=8, r1_gamma=2.0, r1_every=4))
    shown = [trainer.step()["loss_D"] for _ in range(8)]
    assert calls == [0, 4]  # steps 0 and 4 of 8
    assert all(np.isfinite(shown))
    trainer.close()
    with pytest.raises(ConfigError, match="train.r1_every"):
        tiny_config(r1_every=0)
