from __future__ import annotations

import os
import pickle
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from ganstudio.cli import main
from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.io.checkpoint import export_generator
from ganstudio.core.io.loader import import_nvlabs_pickle, load_generator
from ganstudio.core.io.nvlabs_pickle import load_nvlabs_generator, read_snapshot
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

FIXTURE = Path(__file__).parent.parent / "fixtures" / "stylegan2-ada"
PKL = FIXTURE / "G_tiny32.pkl"


def test_matches_the_images_nvlabs_code_produced():
    G, kwargs = load_nvlabs_generator(PKL)
    z = torch.from_numpy(np.load(FIXTURE / "G_tiny32.z.npy"))
    ref = torch.from_numpy(np.load(FIXTURE / "G_tiny32.img.npy"))
    with torch.no_grad():
        img = G(z, None, truncation_psi=1, noise_mode="const")
    err = (img - ref).abs().max().item()
    print(f"max abs error against NVlabs' images: {err:.2e}")
    assert img.shape == ref.shape == (4, 3, 32, 32)
    assert err < 1e-4
    assert kwargs == dict(z_dim=64, c_dim=0, w_dim=64, img_resolution=32, img_channels=3, mapping_layers=2,
                          channel_base=2048, channel_max=64, num_fp16_res=0, conv_clamp=None,
                          architecture="skip")
    assert not G.training and not any(p.requires_grad for p in G.parameters())


def test_w_avg_comes_from_the_snapshot():
    G, _ = load_nvlabs_generator(PKL)
    assert G.mapping.w_avg.abs().sum() > 0  # the fixture's w_avg was set to random values
    z = torch.randn(3, 64)
    ws = G.mapping(z, None, truncation_psi=0)
    assert torch.allclose(ws, G.mapping.w_avg.expand_as(ws))


def test_the_embedded_source_is_never_run():
    snapshot = read_snapshot(PKL)
    G = snapshot["G_ema"]
    assert G.class_name == "Generator" and "module_src" not in G.state
    assert snapshot["D"] is None
    assert not any(name.startswith("_imported_module_") for name in sys.modules)


# --- hostile and damaged files -------------------------------------------------------------

class _Runs:
    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def test_a_pickle_that_runs_a_command_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps({"G_ema": _Runs(os.system, f"touch {marker}")}))
    with pytest.raises(CheckpointError) as err:
        load_nvlabs_generator(bad)
    message = str(err.value)
    assert "refused: the file asks to run" in message and "system" in message
    assert "StyleGAN2 and StyleGAN3 generator snapshots" in message and "\n" not in message
    assert not marker.exists()


@pytest.mark.parametrize("func", [eval, exec, getattr, __import__])
def test_builtins_are_refused(tmp_path, func):
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps(_Runs(func, "print")))
    with pytest.raises(CheckpointError, match=f"builtins.{func.__name__}"):
        read_snapshot(bad)


@pytest.mark.parametrize("cut", [0, 100, 1_000_000])
def test_truncated_snapshots_are_a_clear_line(tmp_path, cut):
    short = tmp_path / "G.pkl"
    short.write_bytes(PKL.read_bytes()[:cut])
    with pytest.raises(CheckpointError, match="empty|truncated") as err:
        load_nvlabs_generator(short)
    assert "\n" not in str(err.value)


def test_other_files_are_a_clear_line(tmp_path):
    text = tmp_path / "notes.pkl"
    text.write_text("these are not the weights you are looking for")
    with pytest.raises(CheckpointError, match="not a readable StyleGAN snapshot"):
        load_nvlabs_generator(text)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_nvlabs_generator(tmp_path / "missing.pkl")


# --- snapshots written the NVlabs way from our own modules ---------------------------------

@pytest.fixture
def nvlabs_modules(monkeypatch):
    """Stand-ins for NVlabs' persistence and dnnlib modules, so this test can write pickles
    that name the same globals their snapshots do."""
    persistence = types.ModuleType("torch_utils.persistence")
    util = types.ModuleType("dnnlib.util")

    def _reconstruct_persistent_obj(meta):  # pragma: no cover - only its name is pickled
        raise AssertionError("never called")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj

    class EasyDict(dict):
        pass

    EasyDict.__module__, EasyDict.__qualname__ = "dnnlib.util", "EasyDict"
    util.EasyDict = EasyDict
    for name, mod in (("torch_utils", types.ModuleType("torch_utils")), ("torch_utils.persistence", persistence),
                      ("dnnlib", types.ModuleType("dnnlib")), ("dnnlib.util", util)):
        monkeypatch.setitem(sys.modules, name, mod)
    return persistence, EasyDict


class _Persistent:
    def __init__(self, reconstruct, meta):
        self.reconstruct, self.meta = reconstruct, meta

    def __reduce__(self):
        return (self.reconstruct, (self.meta,))


def as_nvlabs(reconstruct, module: nn.Module, init_kwargs=None, class_name=None,
              source="import os; os.system('touch pwned')") -> _Persistent:
    """The record NVlabs' persistence writes for a module: class name, embedded source, state."""
    state = {
        "training": False,
        "_parameters": OrderedDict((k, v.detach().clone()) for k, v in module._parameters.items()),
        "_buffers": OrderedDict((k, v.clone() if v is not None else None) for k, v in module._buffers.items()),
        "_non_persistent_buffers_set": set(),
        "_modules": OrderedDict((k, as_nvlabs(reconstruct, m, source=source))
                                for k, m in module._modules.items()),
        "_init_args": (), "_init_kwargs": init_kwargs or {}, "weight_gain": np.float64(0.5),
    }
    name = class_name or ("Generator" if isinstance(module, StyleGAN2Generator) else type(module).__name__)
    return _Persistent(reconstruct, {"type": "class", "version": 6, "module_src": source,
                                     "class_name": name, "state": state})


def tiny_generator(**kw) -> StyleGAN2Generator:
    torch.manual_seed(0)
    args = dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3, mapping_layers=2,
                channel_base=64, channel_max=8)
    args.update(kw)
    G = StyleGAN2Generator(**args).eval()
    with torch.no_grad():
        G.mapping.w_avg.normal_()
    return G


def test_conditional_snapshot_with_easydict_settings_from_the_stylegan3_repo(nvlabs_modules, tmp_path):
    persistence, EasyDict = nvlabs_modules
    G = tiny_generator(c_dim=5, conv_clamp=256.0)
    # The stylegan3 repo passes synthesis options flat; stylegan2-ada nests them.
    kwargs = EasyDict(z_dim=8, c_dim=5, w_dim=8, img_resolution=16, img_channels=3,
                      mapping_kwargs=EasyDict(num_layers=2), channel_base=64, channel_max=8,
                      num_fp16_res=2, conv_clamp=256)
    path = tmp_path / "network-snapshot-000100.pkl"
    path.write_bytes(pickle.dumps({"G": as_nvlabs(persistence._reconstruct_persistent_obj, G, kwargs),
                                   "G_ema": as_nvlabs(persistence._reconstruct_persistent_obj, G, kwargs),
                                   "training_set_kwargs": EasyDict(resolution=16), "progress": {"cur_nimg": 1}}))
    loaded, got = load_nvlabs_generator(path)
    assert got["c_dim"] == 5 and got["conv_clamp"] == 256.0 and got["num_fp16_res"] == 2
    z, c = torch.randn(2, 8), torch.eye(5)[[3, 1]]
    assert torch.equal(loaded(z, c), G(z, c))
    assert torch.equal(loaded.mapping.w_avg, G.mapping.w_avg)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def _write(tmp_path, persistence, G, kwargs, **snapshot_extra) -> Path:
    path = tmp_path / "snap.pkl"
    snap = {"G_ema": as_nvlabs(persistence._reconstruct_persistent_obj, G, kwargs)}
    snap.update(snapshot_extra)
    path.write_bytes(pickle.dumps(snap))
    return path


NESTED = dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3, mapping_kwargs={"num_layers": 2},
              synthesis_kwargs={"channel_base": 64, "channel_max": 8})


def test_an_alias_free_generator_of_unknown_settings_is_refused(nvlabs_modules, tmp_path):
    # StyleGAN3 snapshots open (tests/core/test_stylegan3.py); one whose recorded settings are
    # not NVIDIA's configs T and R is refused before anything is built.
    persistence, _ = nvlabs_modules
    G = tiny_generator()
    G.synthesis.input = nn.Linear(1, 1)  # the alias-free synthesis starts from a SynthesisInput
    G.synthesis.input.__class__ = type("SynthesisInput", (nn.Linear,), {})
    with pytest.raises(CheckpointError, match=r"snap.pkl is a StyleGAN3 variant with settings GAN Studio "
                                              r"does not know \(synthesis_kwargs\); it opens NVIDIA's"):
        load_nvlabs_generator(_write(tmp_path, persistence, G, NESTED))


def test_a_snapshot_without_a_generator_is_refused(nvlabs_modules, tmp_path):
    persistence, _ = nvlabs_modules
    path = tmp_path / "d_only.pkl"
    path.write_bytes(pickle.dumps({"D": as_nvlabs(persistence._reconstruct_persistent_obj, nn.Identity()),
                                   "G_ema": None}))
    with pytest.raises(CheckpointError, match="holds no generator"):
        load_nvlabs_generator(path)


def test_unsupported_settings_are_named(nvlabs_modules, tmp_path):
    persistence, _ = nvlabs_modules
    G = tiny_generator()
    resnet = dict(NESTED, synthesis_kwargs={"channel_base": 64, "channel_max": 8, "architecture": "resnet"})
    with pytest.raises(CheckpointError, match="'resnet' output architecture"):
        load_nvlabs_generator(_write(tmp_path, persistence, G, resnet))
    slow = dict(NESTED, mapping_kwargs={"num_layers": 2, "lr_multiplier": 0.1})
    with pytest.raises(CheckpointError, match="lr_multiplier = 0.1"):
        load_nvlabs_generator(_write(tmp_path, persistence, G, slow))


def test_every_tensor_must_be_accounted_for(nvlabs_modules, tmp_path):
    persistence, _ = nvlabs_modules
    G = tiny_generator()
    del G.synthesis.b8.conv1.noise_strength
    with pytest.raises(CheckpointError, match="missing synthesis.b8.conv1.noise_strength"):
        load_nvlabs_generator(_write(tmp_path, persistence, G, NESTED))
    G = tiny_generator()
    wider = dict(NESTED, synthesis_kwargs={"channel_base": 128, "channel_max": 16})
    with pytest.raises(CheckpointError, match="shape"):
        load_nvlabs_generator(_write(tmp_path, persistence, G, wider))


def test_a_record_declaring_a_huge_generator_is_refused_before_building_it(nvlabs_modules, tmp_path,
                                                                           monkeypatch):
    from ganstudio.core.io import nvlabs_pickle

    persistence, _ = nvlabs_modules
    built: list[str] = []
    real = nvlabs_pickle.StyleGAN2Generator

    def spy(**kwargs):
        built.append(torch.empty(()).device.type)  # "meta" inside the shape check
        return real(**kwargs)

    monkeypatch.setattr(nvlabs_pickle, "StyleGAN2Generator", spy)
    # 512 channels where the weights have 8 (kept moderate so a regression costs MBs, not GBs)
    huge = dict(NESTED, synthesis_kwargs={"channel_base": 2**16, "channel_max": 512})
    with pytest.raises(CheckpointError, match="shape"):
        load_nvlabs_generator(_write(tmp_path, persistence, tiny_generator(), huge))
    assert built == ["meta"]  # the declared network was never allocated


# --- everywhere a generator file is opened ------------------------------------------------

def test_load_generator_opens_a_pickle_as_an_imported_stylegan2():
    loaded = load_generator(PKL)
    m = loaded.config.model
    assert loaded.kind == "imported" and loaded.step == 0 and loaded.source == PKL
    assert (m.arch, m.latent_dim, m.w_dim, m.resolution, m.channels, m.mapping_layers) == (
        "stylegan2", 64, 64, 32, 3, 2)
    assert loaded.config.data.name == "imported" and loaded.config.data.path == PKL.name
    assert loaded.config.sample_shape == loaded.generator.sample_shape
    z = torch.from_numpy(np.load(FIXTURE / "G_tiny32.z.npy"))
    ref = torch.from_numpy(np.load(FIXTURE / "G_tiny32.img.npy"))
    assert (loaded.generator(z) - ref).abs().max() < 1e-4


def test_import_writes_an_export_that_reproduces_the_pickle_exactly(tmp_path):
    out = tmp_path / "g.safetensors"
    imported = import_nvlabs_pickle(PKL, out)
    again = load_generator(out)
    assert again.config == imported.config and again.kind == "generator"
    z = torch.randn(3, 64)
    assert torch.equal(again.generator(z, truncation_psi=0.7), imported.generator(z, truncation_psi=0.7))
    assert torch.equal(again.generator.mapping.w_avg, imported.generator.mapping.w_avg)


def test_a_stylegan2_generator_export_round_trips_bit_exactly(tmp_path):
    config = RunConfig(model=ModelConfig(arch="stylegan2", latent_dim=16, resolution=16, channels=1, w_dim=16,
                                         mapping_layers=2, channel_base=128, channel_max=16, c_dim=3,
                                         conv_clamp=64.0)).validate()
    G = build_generator(config).eval()
    with torch.no_grad():
        G.mapping.w_avg.normal_()
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.3)
    again = load_generator(export_generator(G, config, tmp_path / "sg2.safetensors", step=7))
    assert again.config == config and again.step == 7
    z, c = torch.randn(2, 16), torch.eye(3)[[2, 0]]
    assert torch.equal(again.generator(z, c, truncation_psi=0.5), G(z, c, truncation_psi=0.5))
    for k, v in G.state_dict().items():
        assert torch.equal(again.generator.state_dict()[k], v), k


def test_cli_import_and_sample_accept_a_pickle(tmp_path, capsys):
    out = tmp_path / "g.safetensors"
    assert main(["import", str(PKL), "-o", str(out)]) == 0
    assert "Imported a StyleGAN2 generator (z 64, w 64, 32x32, 3 channels)" in capsys.readouterr().out
    assert load_generator(out).config.model.arch == "stylegan2"
    png = tmp_path / "s.png"
    assert main(["sample", str(PKL), "-n", "4", "--truncation", "0.5", "-o", str(png)]) == 0
    assert np.asarray(Image.open(png)).shape == (2 * 32 + 3 * 2, 2 * 32 + 3 * 2, 3)


def test_cli_refuses_a_hostile_pickle_in_one_line(tmp_path, capsys):
    marker = tmp_path / "ran"
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps({"G_ema": _Runs(os.system, f"touch {marker}")}))
    assert main(["sample", str(bad), "-o", str(tmp_path / "s.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ganstudio sample: error: evil.pkl: refused") and "\n" not in err
    assert main(["import", str(bad), "-o", str(tmp_path / "g.safetensors")]) == 2
    assert not marker.exists() and not (tmp_path / "g.safetensors").exists()
