"""A generator made by another program says so: no dataset it may never have seen, no score
against MNIST digits it never tried to make, and no training on unknown data."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganstudio.cli import main
from ganstudio.core import metrics
from ganstudio.core.data import DataError, build_dataset
from ganstudio.core.io.loader import import_state_dict, load_generator


def _dcgan_example_netG(nz: int = 16, ngf: int = 4, nc: int = 1) -> nn.Module:
    """The PyTorch DCGAN example's 64x64 generator layout (main.0, main.3, ... main.12)."""
    layers: list[nn.Module] = []
    widths = [nz, ngf * 8, ngf * 4, ngf * 2, ngf]
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers += [nn.ConvTranspose2d(a, b, 4, 1 if i == 0 else 2, 0 if i == 0 else 1, bias=False),
                   nn.BatchNorm2d(b), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    return net


@pytest.fixture
def grey64_pth(tmp_path):
    path = tmp_path / "netG_epoch_24.pth"
    torch.save(_dcgan_example_netG().state_dict(), path)
    return path


def test_an_imported_grey_64px_generator_is_labelled_imported_with_its_source(grey64_pth, tmp_path):
    loaded = import_state_dict(grey64_pth, tmp_path / "g.safetensors")
    assert (loaded.config.model.channels, loaded.config.model.resolution) == (1, 64)
    again = load_generator(tmp_path / "g.safetensors")  # the label survives the export
    for cfg in (loaded.config, again.config, load_generator(grey64_pth).config):
        assert (cfg.data.name, cfg.data.path) == ("imported", "netG_epoch_24.pth")
    assert not metrics.uses_classifier(again.config)


def test_eval_of_an_import_gives_no_frechet_distance_and_says_why(grey64_pth, tmp_path, capsys):
    assert main(["import", str(grey64_pth), "-o", str(tmp_path / "g.safetensors")]) == 0
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "g.safetensors"), "-n", "40", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["data"] == "imported" and result["source"] == "netG_epoch_24.pth"
    for key in ("frechet_distance", "precision", "recall", "class_kl", "class_histogram"):
        assert key not in result
    why = result["not_applicable"]["frechet_distance"]
    assert "imported from netG_epoch_24.pth" in why and "training data are unknown" in why
    assert result["pixel_diversity"] > 0  # what does apply is still measured
    assert main(["eval", str(tmp_path / "g.safetensors"), "-n", "40"]) == 0
    report = capsys.readouterr().out
    assert report.startswith("generator imported from netG_epoch_24.pth at step 0")
    assert "not computed: Frechet distance, precision, recall, class KL (this generator was imported" in report
    assert "pixel diversity" in report


def test_an_import_cannot_be_trained_on_its_unknown_data(grey64_pth, tmp_path, capsys):
    cfg = import_state_dict(grey64_pth).config
    with pytest.raises(DataError, match="training data are unknown"):
        build_dataset(cfg)
    (tmp_path / "cfg.json").write_text(cfg.replace(train={"steps": 1}).to_json())
    assert main(["train", "--config", str(tmp_path / "cfg.json"), "--out", str(tmp_path / "run"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "imported from netG_epoch_24.pth" in err
