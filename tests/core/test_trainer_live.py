"""Stepping one network at a time, and changing settings while a run trains (the training
tab's lab): what the networks, the metrics rows, the run folder and a resume get."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.core.config import ConfigError
from ganstudio.core.generate import sample_latent
from ganstudio.core.io.runs import RunReader
from ganstudio.core.training.live import LIVE_FIELDS, restart_fields
from ganstudio.core.training.trainer import Trainer


def _weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("arch, data", [("dcgan", "mnist-embedded"), ("mlp", "toy-ring")])
def test_a_d_step_moves_only_d_and_a_g_step_only_g(tiny_config, arch, data):
    trainer = Trainer(tiny_config(arch=arch, data=data, n_critic=3))
    g0, d0 = _weights(trainer.G), _weights(trainer.D)
    row = trainer.step("d")
    assert row["part"] == "d" and row["step"] == trainer.step_count == 1
    assert {"loss_D", "D_real", "D_fake"} <= set(row) and "loss_G" not in row
    assert _same(_weights(trainer.G), g0) and not _same(_weights(trainer.D), d0)
    d1 = _weights(trainer.D)
    row = trainer.step("g")
    assert row["part"] == "g" and row["step"] == 2 and {"loss_G", "D_fake"} <= set(row)
    assert "loss_D" not in row
    assert _same(_weights(trainer.D), d1) and not _same(_weights(trainer.G), g0)
    assert trainer.step("both")["step"] == 3
    with pytest.raises(ValueError, match="part"):
        trainer.step("x")


def test_a_stylegan2_steps_one_network_at_a_time():
    from test_stylegan2_training import tiny_sg2

    trainer = Trainer(tiny_sg2(pl_weight=2.0, pl_every=1, style_mixing=0.5))
    for part in ("d", "g", "both"):
        row = trainer.step(part)
        assert all(np.isfinite(v) for v in row.values() if not isinstance(v, str))
    assert trainer.step_count == 3


def test_n_critic_and_g_steps_count_the_updates_of_an_iteration(tiny_config):
    trainer = Trainer(tiny_config(arch="mlp", data="toy-ring", n_critic=2, g_steps=3))
    trainer.step()
    assert trainer.opt_D.state_dict()["state"][0]["step"].item() == 2
    assert trainer.opt_G.state_dict()["state"][0]["step"].item() == 3


def test_sgd_uses_beta1_as_momentum_and_resumes_exactly(tiny_config, tmp_path):
    cfg = tiny_config(arch="mlp", data="toy-ring", optimizer="sgd", beta1=0.9, lr_g=0.01, lr_d=0.01)
    trainer = Trainer(cfg)
    assert isinstance(trainer.opt_G, torch.optim.SGD) and trainer.opt_G.param_groups[0]["momentum"] == 0.9
    straight = [trainer.step()["loss_D"] for _ in range(6)]
    first = Trainer(cfg, tmp_path / "run")
    got = [first.step()["loss_D"] for _ in range(3)]
    first.save_checkpoint()
    first.close()
    second = Trainer.resume(tmp_path / "run")
    assert any(s.get("momentum_buffer") is not None for s in second.opt_G.state.values())
    got += [second.step()["loss_D"] for _ in range(3)]
    assert got == straight


def test_uniform_latents_lie_in_the_unit_box_and_normal_ones_stay_as_before(tiny_config):
    cfg = tiny_config(arch="mlp", data="toy-ring")
    normal = sample_latent(cfg, 1000, torch.Generator().manual_seed(3))
    assert torch.equal(normal, torch.randn(1000, cfg.model.latent_dim, generator=torch.Generator().manual_seed(3)))
    cfg.model.latent_dist = "uniform"
    trainer = Trainer(cfg.validate())
    assert trainer.fixed_z.abs().max() <= 1 and trainer.fixed_z.min() < -0.9
    torch.manual_seed(0)
    assert trainer.sample_noise(500).abs().max() <= 1
    assert np.isfinite(trainer.step()["loss_D"])
    from ganstudio.core.latent import LatentState, sample_z

    z = sample_z(5, 200, 3, "uniform")  # what the explorer and the CLI draw for such a model
    assert z.abs().max() <= 1 and z.min() < -0.9 and not torch.equal(z, sample_z(5, 200, 3))
    assert np.abs(LatentState.from_seed(5, 3, dist="uniform").z).max() <= 1
    cfg.model.latent_dist = "cauchy"
    with pytest.raises(ConfigError, match="model.latent_dist"):
        cfg.validate()


@pytest.mark.parametrize("field, value", [("optimizer", "rmsprop"), ("g_steps", 0)])
def test_bad_optimizer_settings_are_refused(tiny_config, field, value):
    with pytest.raises(ConfigError, match=f"train.{field}"):
        tiny_config(**{field: value})


def test_restart_fields_name_what_needs_new_networks(tiny_config):
    old = tiny_config(arch="mlp", data="toy-ring")
    new = old.replace(train={"lr_g": 0.01, "loss": "hinge", "n_critic": 3, "batch_size": 16, "seed": 4},
                      model={"mlp_hidden": 16})
    assert restart_fields(old, new) == ["model.mlp_hidden", "train.batch_size", "train.seed"]
    assert "train.loss" in LIVE_FIELDS
    # A DCGAN's D has batch norm, which WGAN-GP's per-sample penalty rules out: a new D.
    dcgan = tiny_config()
    assert restart_fields(dcgan, dcgan.replace(train={"loss": "wgan-gp"})) == ["train.loss"]
    assert restart_fields(dcgan, dcgan.replace(train={"loss": "hinge"})) == []


def test_live_settings_apply_from_the_next_step_and_resume_exactly(tiny_config, tmp_path):
    cfg = tiny_config(arch="mlp", data="toy-ring", steps=20)
    change = cfg.replace(train={"lr_g": 5e-3, "loss": "hinge", "optimizer": "sgd", "beta1": 0.8,
                                "n_critic": 2, "log_every": 2})

    straight = Trainer(cfg)
    rows = [straight.step() for _ in range(2)]
    assert straight.update_settings(change) == [
        "train.lr_g", "train.beta1", "train.n_critic", "train.optimizer", "train.loss", "train.log_every"]
    assert straight.config.train.loss == "hinge" and isinstance(straight.opt_G, torch.optim.SGD)
    rows += [straight.step() for _ in range(4)]
    assert [r["loss"] for r in rows] == ["bce"] * 2 + ["hinge"] * 4
    assert [r["optimizer"] for r in rows] == ["adam"] * 2 + ["sgd"] * 4
    assert rows[1]["lr_g"] == cfg.train.lr_g and rows[2]["lr_g"] == 5e-3

    first = Trainer(cfg, tmp_path / "run")
    got = [first.step() for _ in range(2)]
    first.update_settings(change)
    got += [first.step() for _ in range(2)]
    first.save_checkpoint()
    first.close()
    assert RunReader(tmp_path / "run").config.train.loss == "hinge"  # config.json follows
    second = Trainer.resume(tmp_path / "run")
    assert second.config.train.optimizer == "sgd" and second.opt_G.param_groups[0]["momentum"] == 0.8
    got += [second.step() for _ in range(2)]
    assert [r["loss_D"] for r in got] == [r["loss_D"] for r in rows]


def test_a_field_that_needs_new_networks_is_refused_and_nothing_changes(tiny_config):
    cfg = tiny_config(arch="mlp", data="toy-ring")
    trainer = Trainer(cfg)
    with pytest.raises(ConfigError, match="model.latent_dim") as err:
        trainer.update_settings(cfg.replace(model={"latent_dim": 4}, train={"lr_g": 0.5}))
    assert "new run" in str(err.value)
    assert trainer.config.train.lr_g == cfg.train.lr_g and trainer.config.model.latent_dim == 8
