from __future__ import annotations

import os
import pickle

import pytest
import torch

from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.io.checkpoint import export_generator, read_checkpoint
from ganstudio.core.io.loader import import_state_dict, load_generator
from ganstudio.core.models.build import build_generator
from ganstudio.core.training.trainer import Trainer


@pytest.fixture
def trained(tiny_config, tmp_path):
    trainer = Trainer(tiny_config(steps=3), tmp_path / "run")
    trainer.run()
    trainer.close()
    return trainer, tmp_path / "run"


def test_full_checkpoint_holds_all_parts(trained):
    trainer, run = trained
    tensors, meta = read_checkpoint(run / "checkpoints" / "latest.safetensors")
    prefixes = {k.split(".")[0] for k in tensors}
    assert {"G", "G_ema", "D", "opt_G", "opt_D", "rng"} <= prefixes
    assert meta["step"] == "3" and meta["kind"] == "full"
    assert RunConfig.from_json(meta["config"]) == trainer.config


def test_generator_export_round_trip_reproduces_images(trained, tmp_path):
    trainer, run = trained
    loaded = load_generator(run)  # a run folder opens as its newest checkpoint
    z = torch.randn(4, loaded.config.model.latent_dim)
    out = export_generator(loaded.generator, loaded.config, tmp_path / "g.safetensors", step=3)
    again = load_generator(out)
    assert again.kind == "generator"
    assert torch.equal(loaded.generator(z), again.generator(z))
    _, meta = read_checkpoint(out)
    assert "D" not in {k.split(".")[0] for k in read_checkpoint(out)[0]}
    assert meta["step"] == "3"


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"definitely not safetensors", "not a readable"),
        (None, "not a readable"),  # truncated below
    ],
)
def test_damaged_files_are_checkpoint_errors(trained, tmp_path, content, words):
    _, run = trained
    bad = tmp_path / "bad.safetensors"
    if content is None:
        full = (run / "checkpoints" / "latest.safetensors").read_bytes()
        content = full[: len(full) // 2]
    bad.write_bytes(content)
    with pytest.raises(CheckpointError, match=words):
        load_generator(bad)


def test_other_safetensors_file_and_missing_and_empty_run(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, tmp_path / "x.safetensors")
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_generator(tmp_path / "x.safetensors")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_generator(tmp_path / "nope.safetensors")
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    with pytest.raises(CheckpointError, match="no checkpoint yet"):
        load_generator(tmp_path / "run")


def test_atomic_write_keeps_the_old_file_when_writing_fails(trained, monkeypatch):
    trainer, run = trained
    latest = run / "checkpoints" / "latest.safetensors"
    before = latest.read_bytes()

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(CheckpointError, match="No space left"):
        trainer.save_checkpoint(latest)
    assert latest.read_bytes() == before
    assert not [p for p in latest.parent.iterdir() if p.name.startswith(".")]


def _pytorch_example_netG(nz=100, ngf=64, nc=3):
    """The generator of the PyTorch DCGAN example (64x64), as its own Sequential."""
    from torch import nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

        def forward(self, x):
            return self.main(x)

    return Generator()


def test_import_of_the_pytorch_dcgan_example_generator(tmp_path):
    netG = _pytorch_example_netG(nz=20, ngf=8, nc=3).eval()
    torch.save(netG.state_dict(), tmp_path / "netG_epoch_24.pth")
    loaded = import_state_dict(tmp_path / "netG_epoch_24.pth", tmp_path / "g.safetensors")
    m = loaded.config.model
    assert (m.latent_dim, m.g_width, m.channels, m.resolution) == (20, 8, 3, 64)
    z = torch.randn(2, 20)
    with torch.no_grad():
        expected = netG(z.view(2, 20, 1, 1))
    assert torch.allclose(load_generator(tmp_path / "g.safetensors").generator(z), expected, atol=1e-6)
    assert torch.allclose(load_generator(tmp_path / "netG_epoch_24.pth").generator(z), expected, atol=1e-6)


class _Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, monkeypatch, writer):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pth"
    if writer == "pickle":
        with open(evil, "wb") as f:
            pickle.dump({"main.0.weight": _Payload()}, f, protocol=2)
    else:
        torch.save({"main.0.weight": _Payload()}, evil)
    with pytest.raises(CheckpointError, match="run code"):
        import_state_dict(evil)
    assert not (tmp_path / "pwned.txt").exists()


def test_state_dict_of_another_architecture_is_refused(tmp_path):
    torch.save({"fc.weight": torch.zeros(3, 3)}, tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match="not a DCGAN generator"):
        import_state_dict(tmp_path / "other.pth")
    sd = build_generator(ModelConfig(resolution=32, g_width=8, latent_dim=10)).state_dict()
    sd["main.3.weight"] = torch.zeros(5, 5, 4, 4)
    torch.save(sd, tmp_path / "mangled.pth")
    with pytest.raises(CheckpointError, match="do not fit"):
        import_state_dict(tmp_path / "mangled.pth")
