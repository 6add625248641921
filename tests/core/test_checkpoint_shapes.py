"""A file whose declared architecture does not fit its weights is refused before any network is
built: a crafted config cannot make the app allocate gigabytes."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from ganstudio.core.config import ARCHS, ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.io import checkpoint, loader
from ganstudio.core.io.checkpoint import expected_shapes
from ganstudio.core.io.loader import import_state_dict, load_generator
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.training import trainer
from ganstudio.core.training.trainer import Trainer

# A small config of every architecture; a new architecture must be added here, so that its
# checkpoints are checked before building too (its modules must build on the meta device).
SMALL = {
    "dcgan": ("mnist-embedded", {"g_width": 8, "d_width": 8, "latent_dim": 16, "spectral_norm": True}),
    "mlp": ("toy-ring", {"mlp_hidden": 16, "latent_dim": 4, "toy_features": 8, "minibatch_std": True}),
    "stylegan2": ("mnist-embedded", {"resolution": 16, "latent_dim": 16, "w_dim": 16,
                                     "mapping_layers": 2, "channel_base": 64, "channel_max": 16}),
    "stylegan3": ("imported", {"resolution": 16, "latent_dim": 8, "w_dim": 8, "mapping_layers": 2,
                               "channel_base": 64, "channel_max": 8, "synthesis_layers": 4,
                               "conv_clamp": 256}),
}


@pytest.fixture
def run(tiny_config, tmp_path):
    t = Trainer(tiny_config(steps=2, checkpoint_every=2), tmp_path / "run")
    t.run()
    t.close()
    return tmp_path / "run"


def _declare(src, dst, **model) -> None:
    """The same tensors under an edited config, as a hand-edited or crafted file would be."""
    tensors, meta = checkpoint.read_checkpoint(src)
    config = json.loads(meta["config"])
    config["model"].update(model)
    meta["config"] = json.dumps(config)
    save_file(tensors, str(dst), metadata=meta)


@pytest.fixture
def built_on(monkeypatch):
    """The devices build_generator/build_discriminator run on while a file is opened."""
    seen: list[str] = []

    def spy(real):
        def wrapper(*args, **kwargs):
            seen.append(torch.empty(()).device.type)  # "meta" inside the shape check
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(checkpoint, "build_generator", spy(checkpoint.build_generator))
    monkeypatch.setattr(checkpoint, "build_discriminator", spy(checkpoint.build_discriminator))
    monkeypatch.setattr(loader, "build_generator", spy(loader.build_generator))
    return seen


@pytest.mark.parametrize("arch", ARCHS)
def test_every_architecture_reports_its_shapes_without_weights(arch):
    assert arch in SMALL, f"add a small {arch} config to SMALL"
    data, model = SMALL[arch]
    cfg = RunConfig(model=ModelConfig(arch=arch, **model))
    cfg.data.name = data
    cfg.validate()
    for build in (build_generator, build_discriminator):
        try:
            real = build(cfg)
        except ValueError:  # an architecture that has no trainable discriminator (yet)
            assert build is build_discriminator
            continue
        shapes = expected_shapes(lambda: build(cfg))  # noqa: B023
        assert shapes == {k: tuple(v.shape) for k, v in real.state_dict().items()}


def test_a_generator_declared_far_wider_than_its_weights_is_refused_unbuilt(run, tmp_path, built_on):
    crafted = tmp_path / "crafted.safetensors"
    _declare(run / "checkpoints" / "latest.safetensors", crafted, g_width=1024)
    with pytest.raises(CheckpointError) as refused:
        load_generator(crafted)
    assert str(refused.value) == (
        "crafted.safetensors declares a dcgan generator of width 1024 (model.g_width), but its "
        "weights do not fit it: main.0.weight is 16x32x3x3 in the file and 16x4096x3x3 in the "
        "declared generator. The file is damaged or was edited.")
    assert built_on == ["meta"]  # never built for real
    built_on.clear()
    assert load_generator(run).config.model.g_width == 8  # an honest file still opens
    assert built_on == ["meta", "cpu"]


def test_absurd_widths_are_refused_by_the_config(run, tmp_path, built_on):
    crafted = tmp_path / "huge.safetensors"
    _declare(run / "checkpoints" / "latest.safetensors", crafted, g_width=4096)
    with pytest.raises(CheckpointError, match=r"model.g_width = 4096 is not allowed: a whole number from 4 to 1024"):
        load_generator(crafted)
    assert built_on == []


def test_renamed_weights_are_refused_unbuilt(run, tmp_path, built_on):
    tensors, meta = checkpoint.read_checkpoint(run / "checkpoints" / "latest.safetensors")
    tensors = {k.replace("G_ema.main.0.", "G_ema.main.00."): v for k, v in tensors.items()}
    save_file(tensors, str(tmp_path / "renamed.safetensors"), metadata=meta)
    with pytest.raises(CheckpointError, match=r"do not fit it: 1 missing \(such as main.0.weight\) "
                                              r"and 1 it does not use \(such as main.00.weight\)"):
        load_generator(tmp_path / "renamed.safetensors")
    assert built_on == ["meta"]


def test_resume_checks_every_network_before_building_any(run, monkeypatch, built_on):
    _declare(run / "checkpoints" / "latest.safetensors", run / "checkpoints" / "latest.safetensors",
             d_width=1024)

    def never(*args, **kwargs):
        raise AssertionError("a network was built for training")

    monkeypatch.setattr(trainer, "build_generator", never)
    monkeypatch.setattr(trainer, "build_discriminator", never)
    with pytest.raises(CheckpointError, match="declares a dcgan discriminator of width 1024 "
                                              r"\(model.d_width\), but its weights do not fit it"):
        Trainer.resume(run)
    assert set(built_on) == {"meta"}


def test_an_imported_state_dict_that_implies_a_huge_generator_is_refused_unbuilt(tmp_path, built_on):
    state = build_generator(ModelConfig(resolution=32, g_width=8, latent_dim=10)).state_dict()
    state["main.6.weight"] = torch.zeros(16, 1024, 4, 4)  # reads as ngf 1024
    torch.save(state, tmp_path / "netG.pth")
    built_on.clear()
    with pytest.raises(CheckpointError, match="netG.pth declares a dcgan generator of width 1024"):
        import_state_dict(tmp_path / "netG.pth")
    assert built_on == ["meta"]
