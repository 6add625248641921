"""Generators out to ONNX, TorchScript and .pt2 and back in: same pixels, honest refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.cli import main
from ganstudio.core import latent
from ganstudio.core.errors import CheckpointError
from ganstudio.core.export import to_uint8
from ganstudio.core.io import interop
from ganstudio.core.io.checkpoint import LoadedGenerator
from ganstudio.core.io.loader import load_generator
from ganstudio.core.models.build import build_generator
from ganstudio.resources import default_generator_path

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402


def _assert_same_pixels(a: LoadedGenerator, b: LoadedGenerator) -> None:
    for n in (1, 9):  # the explorer renders one image, grids and metrics many
        z = latent.sample_z(3, n, a.config.model.latent_dim)
        with torch.inference_mode():
            x, y = a.generator(z), b.generator(z)
        assert x.shape == y.shape
        assert float((x - y).abs().max()) <= 1e-5
        if x.dim() == 4:
            frames = to_uint8(x).astype(int) - to_uint8(y).astype(int)
            assert np.abs(frames).max() <= 1


@pytest.fixture(scope="module")
def default_onnx(tmp_path_factory):
    """The shipped DCGAN exported by the command line, once for the module (about 5 s)."""
    out = tmp_path_factory.mktemp("onnx") / "g.onnx"
    assert main(["export", "default", "--format", "onnx", "-o", str(out)]) == 0
    return out


def _tiny(tiny_config, arch: str, data: str = "mnist-embedded") -> LoadedGenerator:
    config = tiny_config(arch, data)
    torch.manual_seed(0)
    G = build_generator(config).eval().requires_grad_(False)
    return LoadedGenerator(G, config, 42, None)


# --- round trips ----------------------------------------------------------------------------

def test_shipped_generator_through_onnx_has_the_same_pixels_and_config(default_onnx, capsys):
    original = load_generator("default")
    again = load_generator(default_onnx)
    _assert_same_pixels(original, again)
    assert again.config.to_dict() == original.config.to_dict()
    assert (again.step, again.kind) == (original.step, "generator")
    assert main(["sample", str(default_onnx), "-n", "4", "-o",
                 str(default_onnx.with_name("grid.png"))]) == 0
    assert "4 images of g.onnx" in capsys.readouterr().out
    model = onnx.load(str(default_onnx))
    assert [i.name for i in model.graph.input] == ["z"]
    assert [o.name for o in model.graph.output] == ["image"]
    assert not default_onnx.with_name("g.onnx.data").exists()  # one self-contained file


@pytest.mark.parametrize("fmt, name", [("torchscript", "g.pt"), ("torchscript", "g.ts"),
                                       ("pt2", "g.pt2")])
def test_shipped_generator_through_torch_archives(tmp_path, monkeypatch, fmt, name):
    original = load_generator(default_generator_path())
    done = interop.export(original, tmp_path / name)
    assert done.format == fmt and done.max_error == 0.0
    monkeypatch.setenv(interop.TRUST_ENV, "1")
    again = load_generator(done.path)
    _assert_same_pixels(original, again)
    assert again.config.to_dict() == original.config.to_dict() and again.step == original.step


@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "pt2"])
def test_mlp_generator_round_trips(tiny_config, tmp_path, monkeypatch, fmt):
    original = _tiny(tiny_config, "mlp")
    path = interop.export(original, tmp_path / "g.bin", fmt).path  # --format wins over a suffix
    monkeypatch.setenv(interop.TRUST_ENV, "1")
    again = load_generator(path.rename(path.with_suffix(interop.FORMATS[fmt][0])))
    _assert_same_pixels(original, again)
    assert again.step == 42 and again.config.to_dict() == original.config.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["onnx", "torchscript", "pt2"])
def test_stylegan2_generator_round_trips(tmp_path, monkeypatch, fmt):
    from ganstudio.core.config import ModelConfig, RunConfig

    config = RunConfig(model=ModelConfig(arch="stylegan2", latent_dim=16, resolution=8, channels=1,
                                         w_dim=16, mapping_layers=2, channel_base=64,
                                         channel_max=16)).validate()
    torch.manual_seed(0)
    original = LoadedGenerator(build_generator(config).eval().requires_grad_(False), config, 7, None)
    path = interop.export(original, tmp_path / f"sg2{interop.FORMATS[fmt][0]}").path
    monkeypatch.setenv(interop.TRUST_ENV, "1")
    again = load_generator(path)
    _assert_same_pixels(original, again)  # its grouped convolutions fix the batch: run in ones
    assert again.config.to_dict() == original.config.to_dict()


def test_toy_generator_round_trips_through_onnx(tiny_config, tmp_path):
    original = _tiny(tiny_config, "mlp", "toy-ring")
    again = load_generator(interop.export(original, tmp_path / "toy.onnx").path)
    assert again.config.is_toy and again.generator.sample_shape == (2,)
    _assert_same_pixels(original, again)


# --- what an ONNX generator can and cannot do -----------------------------------------------

def test_onnx_generator_refuses_projection_but_finds_directions(default_onnx):
    loaded = load_generator(default_onnx)
    target = torch.zeros(1, 28, 28)
    with pytest.raises(CheckpointError, match="needs a PyTorch generator.*onnxruntime"):
        latent.project(loaded.generator, target, steps=2, lr=0.1, seed=0, starts=2)
    dirs = latent.pca_directions(loaded.generator, n_samples=64, k=3, batch=32)
    assert dirs.vectors.shape == (3, 100)
    assert np.allclose(np.linalg.norm(dirs.vectors, axis=1), 1, atol=1e-5)
    assert latent.weights_hash(loaded.generator) != latent.weights_hash(
        load_generator(_foreign_onnx(default_onnx.parent / "other.onnx")[0]).generator)


def test_a_generator_that_runs_in_onnxruntime_is_not_exported_again(default_onnx, tmp_path):
    with pytest.raises(CheckpointError, match="runs in onnxruntime"):
        interop.export(load_generator(default_onnx), tmp_path / "again.safetensors")


# --- ONNX files from elsewhere --------------------------------------------------------------

def _save(model, path):
    onnx.save(model, str(path))
    return path


def _foreign_onnx(path, batch="N", k=8, shape=(3, 4, 4), seed=0):
    """z (batch, k) -> tanh(z @ W) reshaped to (batch, C, H, W), with no GAN Studio metadata."""
    w = np.random.default_rng(seed).standard_normal((k, int(np.prod(shape)))).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["z", "W"], ["h"]), helper.make_node("Tanh", ["h"], ["t"]),
         helper.make_node("Reshape", ["t", "s"], ["image"])],
        "foreign",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [batch, k])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, *shape])],
        [helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.ravel()),
         helper.make_tensor("s", TensorProto.INT64, [4], [-1, *shape])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    _save(model, path)
    return path, w


def test_foreign_onnx_generator_is_opened_with_inferred_shapes(tmp_path):
    path, w = _foreign_onnx(tmp_path / "theirs.onnx")
    loaded = load_generator(path)
    assert loaded.config.model.latent_dim == 8 and loaded.config.sample_shape == (3, 4, 4)
    assert loaded.kind == "imported" and loaded.config.data.name == "imported"
    z = latent.sample_z(1, 5, 8)
    expected = np.tanh(z.numpy() @ w).reshape(5, 3, 4, 4)
    with torch.inference_mode():
        assert np.allclose(loaded.generator(z).numpy(), expected, atol=1e-6)


def test_foreign_onnx_with_a_fixed_batch_of_one_renders_any_batch(tmp_path):
    path, w = _foreign_onnx(tmp_path / "one.onnx", batch=1)
    G = load_generator(path).generator
    z = latent.sample_z(2, 3, 8)
    with torch.inference_mode():
        assert np.allclose(G(z).numpy(), np.tanh(z.numpy() @ w).reshape(3, 3, 4, 4), atol=1e-6)


def test_onnx_with_a_custom_operator_is_refused(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("RunShell", ["z"], ["image"], domain="com.example")], "evil",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 4, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.example", 1)])
    with pytest.raises(CheckpointError, match="custom operator com.example.RunShell"):
        load_generator(_save(model, tmp_path / "evil.onnx"))


def test_onnx_with_weights_outside_its_folder_is_refused(tmp_path):
    path, _ = _foreign_onnx(tmp_path / "m.onnx")
    model = onnx.load(str(path))
    w = model.graph.initializer[0]
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="../secret.bin")
    with pytest.raises(CheckpointError, match="outside its own folder"):
        load_generator(_save(model, path))


@pytest.mark.parametrize("inputs", [
    [("z", ["N", 8, 1])],  # not (batch, latent)
    [("z", ["N", 8]), ("label", ["N", 10]), ("noise", ["N", 4])],  # more than z and a label
])
def test_onnx_with_other_inputs_is_refused(tmp_path, inputs):
    nodes = [helper.make_node("Identity", ["z"], ["image"])]
    graph = helper.make_graph(
        nodes, "other", [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with pytest.raises(CheckpointError, match="needs one float input shaped"):
        load_generator(_save(model, tmp_path / "other.onnx"))


def test_without_onnx_support_opening_says_how_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    path, _ = _foreign_onnx(tmp_path / "m.onnx")
    assert main(["sample", str(path), "-o", str(tmp_path / "s.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert 'pip install "ganstudio[onnx]"' in err and len(err.splitlines()) == 1


# --- archives that run code, and Keras ------------------------------------------------------

@pytest.mark.parametrize("name", ["g.pt", "g.pt2"])
def test_torch_archives_need_trust(tmp_path, monkeypatch, name):
    monkeypatch.delenv(interop.TRUST_ENV, raising=False)
    path = interop.export(load_generator("default"), tmp_path / name).path
    with pytest.raises(CheckpointError, match=f"trust its author.*{interop.TRUST_ENV}=1"):
        load_generator(path)


def test_torchscript_without_our_metadata_is_refused_clearly(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(load_generator("default").generator), str(tmp_path / "x.pt"))
    with pytest.raises(CheckpointError, match="latent size is unknown"):
        interop.load(tmp_path / "x.pt", trust_code=True)


def test_pt2_without_our_metadata_gets_its_latent_size_from_the_program(tmp_path):
    class Theirs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(6, 3 * 8 * 8)

        def forward(self, z):
            return torch.tanh(self.fc(z)).reshape(-1, 3, 8, 8)

    model = Theirs().eval()
    program = torch.export.export(model, (torch.randn(2, 6),),
                                  dynamic_shapes=({0: torch.export.Dim("batch")},))
    torch.export.save(program, str(tmp_path / "theirs.pt2"))
    loaded = interop.load(tmp_path / "theirs.pt2", trust_code=True)
    assert loaded.config.sample_shape == (3, 8, 8) and loaded.config.model.latent_dim == 6
    z = latent.sample_z(0, 4, 6)
    with torch.inference_mode():
        assert torch.allclose(loaded.generator(z), model(z), atol=1e-6)


@pytest.mark.parametrize("name", ["model.h5", "model.keras"])
def test_keras_files_get_an_honest_line(tmp_path, capsys, name):
    (tmp_path / name).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    assert main(["sample", str(tmp_path / name), "-o", str(tmp_path / "s.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "is a Keras model" in err and "tf2onnx" in err and "code" not in err


def test_unknown_files_list_what_opens(tmp_path):
    (tmp_path / "model.ckpt").write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match=r"not a kind of file GAN Studio opens.*\.onnx"):
        load_generator(tmp_path / "model.ckpt")


def test_export_format_and_suffix_must_agree(tmp_path, capsys):
    assert main(["export", "default", "--format", "onnx", "-o", str(tmp_path / "g.pt")]) == 2
    assert "--format is onnx" in capsys.readouterr().err
    assert not (tmp_path / "g.pt").exists()
