"""StyleGAN3 (alias-free) generators, configs T and R: NVIDIA's snapshots open through the
restricted unpickler and draw NVIDIA's images; import, export and the W explorer work on them."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.core.errors import CheckpointError
from ganstudio.core.io.loader import import_nvlabs_pickle, load_generator
from ganstudio.core.io.nvlabs_pickle import load_nvlabs_generator, read_snapshot
from ganstudio.core.io.nvlabs_stylegan3 import stylegan3_kwargs
from ganstudio.core.models.stylegan3.networks import StyleGAN3Generator
from ganstudio.core.models.stylegan3.transform import InputTransformError, set_input_transform

FIXTURE = Path(__file__).parent.parent / "fixtures" / "stylegan3"
CONFIGS = ["sg3t_tiny32", "sg3r_tiny32"]  # config T (3x3 convs), config R (1x1, radial filters)
TOLERANCE = 1e-4


def _ref(name: str, what: str) -> torch.Tensor:
    return torch.from_numpy(np.load(FIXTURE / f"{name}.{what}.npy"))


@pytest.fixture(scope="module", params=CONFIGS)
def nvidia(request):
    """(fixture name, our generator opened from NVIDIA's snapshot, its settings)."""
    G, kw = load_nvlabs_generator(FIXTURE / f"{request.param}.pkl")
    return request.param, G, kw


def _max_error(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return float((a - b).abs().max())


def test_draws_nvidias_images_at_psi_1_and_0_7(nvidia):
    name, G, kw = nvidia
    assert isinstance(G, StyleGAN3Generator) and not G.training
    assert (G.z_dim, G.c_dim, G.w_dim, G.num_ws, G.img_resolution, G.img_channels) == (32, 0, 32, 8, 32, 3)
    assert G.latent_dim == 32 and G.sample_shape == (3, 32, 32)
    assert (kw["conv_kernel"], kw["use_radial_filters"]) == ((1, True) if "sg3r" in name else (3, False))
    z = _ref(name, "z")
    with torch.no_grad():
        w_err = _max_error(G.mapping(z, None), _ref(name, "w"))
        errors = {psi: _max_error(G(z, None, truncation_psi=psi, noise_mode="const"), _ref(name, what))
                  for psi, what in ((1.0, "img"), (0.7, "img_psi07"))}
    print(f"{name}: max |ours - NVIDIA| w {w_err:.2g}, image psi 1 {errors[1.0]:.2g}, psi 0.7 {errors[0.7]:.2g}")
    assert w_err < TOLERANCE
    assert max(errors.values()) < TOLERANCE
    assert float(_ref(name, "img").abs().max()) > 0.05  # the references are real images, not zeros


def test_the_designed_filters_equal_the_ones_nvidia_stored(nvidia):
    # Our windowed-sinc and jinc designs (no SciPy) against the buffers their code computed.
    name, G, _ = nvidia
    stored = read_snapshot(FIXTURE / f"{name}.pkl")["G_ema"].tensors()
    fresh = StyleGAN3Generator(**{k: v for k, v in _init_kwargs(name).items() if k != "magnitude_ema_beta"})
    filters = {k: v for k, v in fresh.state_dict().items() if k.endswith("_filter")}
    assert any(v.ndim == 2 for v in filters.values()) == ("sg3r" in name)  # radial filters in R only
    assert filters and max(_max_error(v, stored[k]) for k, v in filters.items()) < 1e-6


def _init_kwargs(name: str) -> dict:
    return read_snapshot(FIXTURE / f"{name}.pkl")["G_ema"].init_kwargs


def test_input_transform_translates_as_nvidias_does(nvidia):
    name, G, _ = nvidia
    z = _ref(name, "z")
    try:
        set_input_transform(G, tx=0.1, ty=0.0)
        with torch.no_grad():
            moved = G(z)
        err = _max_error(moved, _ref(name, "img_tx01"))
        print(f"{name}: translated by (0.1, 0): max |ours - NVIDIA| {err:.2g}")
        assert err < TOLERANCE
        assert _max_error(moved, _ref(name, "img")) > 0.05  # the image did move
    finally:
        set_input_transform(G)
    assert torch.equal(G.synthesis.input.transform, torch.eye(3))


def test_input_transform_rotates_as_nvidias_does():
    G = load_nvlabs_generator(FIXTURE / "sg3t_tiny32.pkl")[0]
    set_input_transform(G, tx=0.05, ty=-0.1, angle_deg=30)
    with torch.no_grad():
        err = _max_error(G(_ref("sg3t_tiny32", "z")), _ref("sg3t_tiny32", "img_rot30"))
    print(f"sg3t_tiny32: rotated 30 degrees and translated: max |ours - NVIDIA| {err:.2g}")
    assert err < TOLERANCE


def test_input_transform_refuses_what_is_not_a_rotation_or_translation():
    G = load_nvlabs_generator(FIXTURE / "sg3t_tiny32.pkl")[0]
    for bad in ({"tx": float("nan")}, {"angle_deg": float("inf")}, {"ty": "left"}, {"tx": True}):
        with pytest.raises(InputTransformError) as e:
            set_input_transform(G, **bad)
        assert isinstance(e.value, ValueError) and "\n" not in str(e.value)
    with pytest.raises(InputTransformError, match="Only StyleGAN3 generators"):
        set_input_transform(torch.nn.Linear(2, 2), tx=0.1)
    assert torch.equal(G.synthesis.input.transform, torch.eye(3))  # untouched by the refusals


class _Runs:
    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def test_a_hostile_pickle_is_still_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    bad = tmp_path / "sg3.pkl"
    bad.write_bytes(pickle.dumps({"G_ema": _Runs(os.system, f"touch {marker}")}))
    with pytest.raises(CheckpointError, match=r"sg3.pkl: refused: the file asks to run (posix|nt).system"):
        load_nvlabs_generator(bad)
    assert not marker.exists()


@pytest.mark.parametrize("change, says", [
    ({"margin_size": 12}, "is a StyleGAN3 variant with the option margin_size = 12, which GAN Studio "
                          "does not support (only 10)."),
    ({"mapping_kwargs": {"num_layers": 2, "lr_multiplier": 0.1}},
     "is a StyleGAN3 variant with the mapping option lr_multiplier = 0.1"),
    ({"use_fancy_upsampling": True}, "is a StyleGAN3 variant with settings GAN Studio does not know "
                                     "(use_fancy_upsampling); it opens NVIDIA's configs T and R."),
    ({"conv_kernel": 4}, "holds a StyleGAN3 generator with conv_kernel = 4, which GAN Studio cannot build."),
])
def test_unknown_variants_are_refused_in_one_line(change, says):
    kwargs = {**_init_kwargs("sg3t_tiny32"), **change}
    with pytest.raises(CheckpointError) as e:
        stylegan3_kwargs(kwargs, "odd.pkl")
    assert says in str(e.value) and str(e.value).startswith("odd.pkl ") and "\n" not in str(e.value)


def test_import_to_safetensors_and_back_draws_the_same_images(tmp_path):
    out = tmp_path / "g.safetensors"
    imported = import_nvlabs_pickle(FIXTURE / "sg3r_tiny32.pkl", out)
    m = imported.config.model
    assert (m.arch, m.conv_kernel, m.radial_filters, m.synthesis_layers, m.critical_layers) == (
        "stylegan3", 1, True, 6, 2)
    again = load_generator(out)
    assert again.config == imported.config and isinstance(again.generator, StyleGAN3Generator)
    z = _ref("sg3r_tiny32", "z")
    with torch.no_grad():
        assert torch.equal(again.generator(z, truncation_psi=0.7), imported.generator(z, truncation_psi=0.7))
        assert _max_error(again.generator(z), _ref("sg3r_tiny32", "img")) < TOLERANCE


# --- the W explorer ------------------------------------------------------------------------

def test_the_w_explorer_renders_moves_and_projects_a_stylegan3():
    from ganstudio.core.latent.wspace import WRenderer, WState, plan_preview, render, ws_of
    from ganstudio.core.latent.wspace_directions import w_directions
    from ganstudio.core.latent.wspace_project import project_w

    G = load_nvlabs_generator(FIXTURE / "sg3t_tiny32.pkl")[0]
    state = WState(seed=3, psi=0.7)
    frame = render(G, state)
    assert frame.shape == (32, 32, 3) and frame.dtype == np.uint8 and frame.std() > 5
    # A preview size is ignored (no image before the last layer): the same full frame.
    assert np.array_equal(render(G, state, max_res=16), frame)
    assert plan_preview(G).resolution == 32
    # The renderer's interruptible path renders the same frame in one pass.
    renderer = WRenderer(G)
    assert np.array_equal(renderer.frame(state, should_stop=lambda: False), frame)

    dirs = w_directions(G, n_samples=200, k=3, batch=100)
    assert dirs.vectors.shape == (3, 32) and np.all(np.diff(dirs.explained) <= 0)
    moved = WState(seed=3, psi=0.7, offsets=(2.0,))
    ws = ws_of(G, moved, dirs)
    assert ws.shape == (1, G.num_ws, 32)
    assert np.abs(render(G, moved, dirs).astype(int) - frame).max() > 10  # the slider moves the image

    target = torch.from_numpy(_ref("sg3t_tiny32", "img")[0].numpy()).clamp(-1, 1)
    result = project_w(G, target, steps=3, n_stats=200)
    assert result.ws.shape == (G.num_ws, 32) and result.image.shape == (3, 32, 32)
    assert np.isfinite(result.error) and result.loss_resolution == 32


@pytest.mark.parametrize("up, taps, padding", [(2, 12, (9, 8, 9, 8)), (4, 24, (5, 4, 5, 4)), (2, 12, (-3, -4, 2, 1))])
def test_the_fast_resampling_equals_upfirdn(up, taps, padding):
    from ganstudio.core.models.stylegan2.ops import upfirdn2d
    from ganstudio.core.models.stylegan3.filters import kaiser_lowpass
    from ganstudio.core.models.stylegan3.resample import downsample_separable, upsample_separable

    gen = torch.Generator().manual_seed(up + taps)
    x = torch.randn(2, 3, 20, 17, generator=gen)
    f = torch.as_tensor(kaiser_lowpass(taps, 3.0, 2.0, 16.0 * up), dtype=torch.float32)
    f = f + torch.rand(taps, generator=gen) * 0.1  # asymmetric: a flipped tap would show
    ref = upfirdn2d(x, f, up=up, padding=padding, gain=up * up)
    assert _max_error(upsample_separable(x, f, up, padding), ref) < 1e-5
    assert _max_error(downsample_separable(ref, f, up), upfirdn2d(ref, f, down=up)) < 1e-5


def test_the_trainer_refuses_a_stylegan3_in_one_sentence(tmp_path):
    from ganstudio.core.config import ConfigError
    from ganstudio.core.training.trainer import Trainer

    config = import_nvlabs_pickle(FIXTURE / "sg3t_tiny32.pkl").config
    config.data.name = "mnist-embedded"  # even with data to train on
    with pytest.raises(ConfigError) as e:
        Trainer(config, tmp_path / "run")
    assert str(e.value) == ("model.arch = 'stylegan3' is not allowed: StyleGAN3 generators are imported "
                            "from NVIDIA snapshots to explore; GAN Studio cannot train them")
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_exports_to_onnx_and_the_file_draws_the_same_images(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from ganstudio.core.config import ModelConfig, RunConfig
    from ganstudio.core.io.checkpoint import LoadedGenerator
    from ganstudio.core.io.interop import export
    from ganstudio.core.models.build import build_generator

    # A smaller R-like network than the fixtures (the exporter's time grows with the layers);
    # the fixtures' own export was checked the same way (max error 4e-7).
    config = RunConfig(model=ModelConfig(arch="stylegan3", latent_dim=8, w_dim=8, resolution=16, channels=3,
                                         mapping_layers=1, channel_base=64, channel_max=8, synthesis_layers=3,
                                         critical_layers=1, conv_kernel=1, radial_filters=True, conv_clamp=256))
    config.data.name = "imported"
    torch.manual_seed(0)
    G = build_generator(config.validate()).eval().requires_grad_(False)
    done = export(LoadedGenerator(G, config, 0, None, "imported"), tmp_path / "g.onnx", "onnx")
    assert done.max_error is not None and done.max_error < TOLERANCE  # re-opened and compared by export
    again = load_generator(done.path)
    z = torch.randn(3, 8)
    with torch.no_grad():
        assert _max_error(torch.as_tensor(again.generator(z)), G(z)) < TOLERANCE
    assert again.config.model.arch == "stylegan3"


def test_cli_import_names_the_family(tmp_path, capsys):
    from ganstudio.cli import main

    out = tmp_path / "g.safetensors"
    assert main(["import", str(FIXTURE / "sg3t_tiny32.pkl"), "-o", str(out)]) == 0
    assert "Imported a StyleGAN3 generator (z 32, w 32, 32x32, 3 channels)" in capsys.readouterr().out
    assert load_generator(out).config.model.arch == "stylegan3"
