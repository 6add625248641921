"""A conditional generator exported without a class takes the class as a second input: ONNX
`label` (one-hot rows), .pt2 and TorchScript likewise; opened again it is conditional like the
PyTorch generator (c_dim, forward(z, c)), so --class, soft labels and one row per class work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.errors import CheckpointError
from ganstudio.core.generate import generate, generate_uint8, num_classes
from ganstudio.core.io import interop
from ganstudio.core.io.loader import load_generator
from ganstudio.core.latent import blend_classes, sample_z

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
from onnx import TensorProto, helper  # noqa: E402

SG2_FIXTURE = (Path(__file__).parents[1] / "fixtures" / "stylegan2-ada-conditional"
               / "sg2ada_cond10_tiny32.pkl")


@pytest.fixture(scope="module")
def conditional():
    return load_generator("default-conditional")


@pytest.fixture(scope="module")
def labelled_onnx(tmp_path_factory):
    """The shipped conditional DCGAN exported by the command line without a class (about 3 s)."""
    out = tmp_path_factory.mktemp("onnx-label") / "cond.onnx"
    assert main(["export", "default-conditional", "-o", str(out)]) == 0
    return out


def _one_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(int)


# --- ours: the shipped conditional DCGAN ----------------------------------------------------

def test_the_onnx_file_takes_z_and_a_label_and_says_so(labelled_onnx, conditional, capsys):
    model = onnx.load(str(labelled_onnx))
    assert [i.name for i in model.graph.input] == ["z", "label"]
    label_dims = model.graph.input[1].type.tensor_type.shape.dim
    assert label_dims[0].dim_param == "batch" and label_dims[1].dim_value == 10
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["ganstudio.label_input"] == "label" and meta["ganstudio.classes"] == "10"
    assert "ganstudio.class" not in meta
    again = load_generator(labelled_onnx)
    assert num_classes(again.generator) == 10 and again.generator.c_dim == 10
    assert again.config.to_dict() == conditional.config.to_dict()
    assert again.config.model.class_names == conditional.config.model.class_names


def test_every_class_draws_the_pytorch_generators_images(labelled_onnx, conditional):
    program = load_generator(labelled_onnx).generator
    z = sample_z(11, 6, conditional.config.model.latent_dim)
    errors, images = [], []
    for k in range(10):
        got = generate(program, z, label=k)
        errors.append(float((got - generate(conditional.generator, z, label=k)).abs().max()))
        images.append(got)
    assert max(errors) <= interop.MAX_EXPORT_ERROR, errors
    for a in range(10):  # the label matters: each class draws other images from the same z
        for b in range(a + 1, 10):
            assert float((images[a] - images[b]).abs().max()) > 0.1, (a, b)


def test_a_blend_of_two_classes_matches_pytorch(labelled_onnx, conditional):
    program = load_generator(labelled_onnx).generator
    z = sample_z(5, 4, conditional.config.model.latent_dim)
    for t in (0.25, 0.5, 0.8):
        rows = np.repeat(np.asarray(blend_classes(2, 7, t, 10))[None], len(z), axis=0)
        got = generate(program, z, label=rows)
        assert float((got - generate(conditional.generator, z, label=rows)).abs().max()) \
            <= interop.MAX_EXPORT_ERROR
    soft = generate(program, z, label=rows)
    assert float((soft - generate(program, z, label=2)).abs().max()) > 0.1
    assert float((soft - generate(program, z, label=7)).abs().max()) > 0.1


def test_sample_with_a_class_on_the_onnx_file_draws_that_class(labelled_onnx, tmp_path, capsys):
    for source, name in ((str(labelled_onnx), "onnx.png"), ("default-conditional", "torch.png")):
        assert main(["sample", source, "--class", "3", "-n", "8", "--seed", "4",
                     "-o", str(tmp_path / name)]) == 0
    assert np.abs(_png(tmp_path / "onnx.png") - _png(tmp_path / "torch.png")).max() <= 1
    assert main(["sample", str(labelled_onnx), "--class", "5", "-n", "8", "--seed", "4",
                 "-o", str(tmp_path / "five.png")]) == 0
    assert np.abs(_png(tmp_path / "five.png") - _png(tmp_path / "onnx.png")).max() > 10
    capsys.readouterr()
    assert main(["sample", str(labelled_onnx), "--class", "10", "-o", str(tmp_path / "x.png")]) == 2
    assert "--class 10 does not exist: this model has 10 classes (0-9)" in _one_line(capsys)
    assert not (tmp_path / "x.png").exists()


def test_with_a_class_the_program_still_draws_that_class_from_z_alone(tmp_path, conditional, capsys):
    out = tmp_path / "seven.onnx"
    assert main(["export", "default-conditional", "--class", "7", "-o", str(out)]) == 0
    assert "draws class 7" in capsys.readouterr().out
    assert [i.name for i in onnx.load(str(out)).graph.input] == ["z"]
    program = load_generator(out).generator
    assert num_classes(program) == 0
    z = sample_z(2, 4, conditional.config.model.latent_dim)
    assert float((generate(program, z) - generate(conditional.generator, z, label=7)).abs().max()) \
        <= interop.MAX_EXPORT_ERROR


@pytest.mark.parametrize("name", ["cond.pt2", "cond.pt"])
def test_torch_programs_take_the_label_too(tmp_path, monkeypatch, conditional, name):
    done = interop.export(conditional, tmp_path / name)
    assert done.classes == 10 and done.max_error <= interop.MAX_EXPORT_ERROR
    monkeypatch.setenv(interop.TRUST_ENV, "1")
    program = load_generator(done.path).generator
    assert num_classes(program) == 10
    z = sample_z(3, 3, conditional.config.model.latent_dim)
    rows = np.stack([blend_classes(1, 8, 0.3, 10)] * 3)
    for label in (0, 4, 9, rows):
        assert float((generate(program, z, label=label)
                      - generate(conditional.generator, z, label=label)).abs().max()) \
            <= interop.MAX_EXPORT_ERROR


def test_the_export_check_covers_several_classes_and_a_blend():
    rows = interop.check_rows(10)
    hard = rows[:-1]
    assert bool((hard.sum(1) == 1).all()) and len(set(hard.argmax(1).tolist())) >= 4
    assert {0, 9} <= set(hard.argmax(1).tolist())
    assert rows[-1].tolist() == [0.5] + [0.0] * 8 + [0.5]
    assert interop.check_rows(1).tolist() == [[1.0], [1.0]]


def test_an_export_whose_program_ignores_the_label_is_not_written(tmp_path, conditional, monkeypatch):
    real = interop.LabelInput.forward
    monkeypatch.setattr(interop.LabelInput, "forward",
                        lambda self, z, label: real(self, z, torch.zeros_like(label) + label[:, :1]))
    with pytest.raises(CheckpointError, match="differ from the generator's"):
        interop.export(conditional, tmp_path / "bad.onnx")
    assert not (tmp_path / "bad.onnx").exists()


# --- NVIDIA's conditional StyleGAN2-ADA ------------------------------------------------------

@pytest.mark.slow
def test_nvidias_conditional_stylegan2_exports_with_a_label_input(tmp_path):
    original = load_generator(SG2_FIXTURE)
    done = interop.export(original, tmp_path / "sg2.onnx")
    assert done.classes == 10 and done.max_error <= interop.MAX_EXPORT_ERROR
    program = load_generator(done.path).generator
    assert num_classes(program) == 10
    z = sample_z(4, 2, original.config.model.latent_dim)
    frames = [generate_uint8(program, z, label=k).astype(int) for k in range(10)]
    for k in range(10):
        assert np.abs(frames[k] - generate_uint8(original.generator, z, label=k)).max() <= 1
    assert np.abs(frames[3] - frames[0]).max() > 10


# --- ONNX files from elsewhere with a label input ---------------------------------------------

def _two_inputs(path: Path, names=("z", "c"), k: int = 8, classes: int = 4,
                batch: str | int = "N") -> tuple[np.ndarray, np.ndarray]:
    """tanh(z @ W + c @ V) as (N, 1, 4, 4), inputs in the order `names` (the one of size
    `classes` is the label), without GAN Studio metadata."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((k, 16)).astype(np.float32)
    v = rng.standard_normal((classes, 16)).astype(np.float32) * 3
    z_name, c_name = names if names[0] in ("z", "latent") else names[::-1]
    sizes = {z_name: k, c_name: classes}
    graph = helper.make_graph(
        [helper.make_node("MatMul", [z_name, "W"], ["a"]), helper.make_node("MatMul", [c_name, "V"], ["b"]),
         helper.make_node("Add", ["a", "b"], ["h"]), helper.make_node("Tanh", ["h"], ["t"]),
         helper.make_node("Reshape", ["t", "s"], ["image"])],
        "conditional",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [batch, sizes[n]]) for n in names],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 1, 4, 4])],
        [helper.make_tensor("W", TensorProto.FLOAT, w.shape, w.ravel()),
         helper.make_tensor("V", TensorProto.FLOAT, v.shape, v.ravel()),
         helper.make_tensor("s", TensorProto.INT64, [4], [-1, 1, 4, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return w, v


@pytest.mark.parametrize("names", [("z", "c"), ("label", "latent")])
def test_a_foreign_onnx_generator_with_a_label_input_opens_conditional(tmp_path, names):
    w, v = _two_inputs(tmp_path / "theirs.onnx", names)
    loaded = load_generator(tmp_path / "theirs.onnx")
    assert loaded.kind == "imported" and loaded.config.model.c_dim == 4
    G = loaded.generator
    assert num_classes(G) == 4 and G.latent_dim == 8
    z = sample_z(1, 3, 8)
    for k in range(4):
        expected = np.tanh(z.numpy() @ w + v[k]).reshape(3, 1, 4, 4)
        assert np.allclose(generate(G, z, label=k).numpy(), expected, atol=1e-5)


def test_a_fixed_batch_of_one_with_a_label_renders_any_batch(tmp_path):
    w, v = _two_inputs(tmp_path / "one.onnx", batch=1)
    G = load_generator(tmp_path / "one.onnx").generator
    assert G.fixed_batch == 1 and num_classes(G) == 4
    z = sample_z(2, 3, 8)
    rows = np.array([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0, 1]], np.float32)
    expected = np.tanh(z.numpy() @ w + rows @ v).reshape(3, 1, 4, 4)
    assert np.allclose(generate(G, z, label=rows).numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("inputs", [
    [("z", ["N", 8]), ("label", ["N", 10, 1])],  # a label that is not rows
    [("z", ["N", 8]), ("label", [1, 10])],  # the batch sizes disagree
    [("z", ["N", 8]), ("label", ["N", 5000])],  # more classes than a model may have
    [("z", ["N", 8]), ("c", ["N", 10]), ("y", ["N", 3])],  # three inputs
])
def test_onnx_with_two_odd_inputs_is_one_line(tmp_path, capsys, inputs):
    graph = helper.make_graph(
        [helper.make_node("Identity", ["z"], ["image"])], "odd",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "odd.onnx"))
    with pytest.raises(CheckpointError, match=r"one float input shaped .* a second shaped \(batch, classes\)"):
        load_generator(tmp_path / "odd.onnx")
    assert main(["sample", str(tmp_path / "odd.onnx"), "-o", str(tmp_path / "x.png")]) == 2
    assert "odd.onnx" in _one_line(capsys)
