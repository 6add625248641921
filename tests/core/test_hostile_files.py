"""Hostile NVIDIA pickles, deflated .pth archives, ONNX bombs and odd paths end in one line and
exit 2, or open where they are legal (the files are crafted here, small)."""

from __future__ import annotations

import os
import pickle
import sys
import types
import zipfile
from collections import OrderedDict

import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.io.checkpoint import export_generator
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

pytestmark = pytest.mark.timeout(300)  # a hang guard only


def _one_line(capsys, command: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"ganstudio {command}: error: ") and "\n" not in err, err
    return err


@pytest.fixture
def reconstruct(monkeypatch):
    """A stand-in for NVlabs' `torch_utils.persistence._reconstruct_persistent_obj`, so the
    pickles written here name the same global their snapshots do."""
    persistence = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta):  # pragma: no cover - only its name is pickled
        raise AssertionError("never called")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    monkeypatch.setitem(sys.modules, "torch_utils", types.ModuleType("torch_utils"))
    monkeypatch.setitem(sys.modules, "torch_utils.persistence", persistence)
    return _reconstruct_persistent_obj


class _Persistent:
    def __init__(self, fn, meta):
        self.fn, self.meta = fn, meta

    def __reduce__(self):
        return (self.fn, (self.meta,))


def _record(fn, name: str, params: dict, modules: dict, kwargs: dict | None = None) -> _Persistent:
    state = {"training": False, "_parameters": OrderedDict(params), "_buffers": OrderedDict(),
             "_non_persistent_buffers_set": set(), "_modules": OrderedDict(modules),
             "_init_args": (), "_init_kwargs": kwargs or {}}
    return _Persistent(fn, {"type": "class", "version": 6, "module_src": "", "class_name": name,
                            "state": state})


def _stride0(fn, module: torch.nn.Module, kwargs=None, name=None) -> _Persistent:
    one = torch.zeros(1)
    params = {k: one.expand(v.shape) if v.dim() else one.reshape(())
              for k, v in [*module._parameters.items(), *module._buffers.items()] if v is not None}
    return _record(fn, name or type(module).__name__, params,
                   {k: _stride0(fn, m) for k, m in module._modules.items()}, kwargs)


def test_a_pickle_of_stride_0_views_declaring_a_large_stylegan2_is_refused(reconstruct, tmp_path, capsys):
    kwargs = dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                  mapping_kwargs={"num_layers": 8}, synthesis_kwargs={"channel_base": 32768, "channel_max": 512})
    with torch.device("meta"):
        G = StyleGAN2Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                               mapping_layers=8, channel_base=32768, channel_max=512)
    path = tmp_path / "bomb.pkl"
    path.write_bytes(pickle.dumps({"G_ema": _stride0(reconstruct, G, kwargs, "Generator")}))
    assert path.stat().st_size < 200_000
    assert main(["sample", str(path), "-o", str(tmp_path / "x.png")]) == 2
    assert "bomb.pkl" in _one_line(capsys, "sample")
    assert not (tmp_path / "x.png").exists()


def test_deep_and_cyclic_persistent_records_are_one_line(reconstruct, tmp_path, capsys):
    deep = _record(reconstruct, "Leaf", {}, {})
    for _ in range(5000):
        deep = _record(reconstruct, "Layer", {}, {"m": deep})
    leaf = _record(reconstruct, "MappingNetwork", {}, {})
    deep_g = _record(reconstruct, "Generator", {}, {"mapping": leaf, "synthesis": deep})
    # A module that contains itself: its _modules dict is pickled (memoized, still empty) before
    # the record that refers to it, and filled with that record afterwards.
    cyclic = _record(reconstruct, "Generator", {}, {"mapping": leaf})
    modules = cyclic.meta["state"]["_modules"]
    modules["synthesis"] = cyclic
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 60_000))  # only so the test can write them
    (tmp_path / "deep.pkl").write_bytes(pickle.dumps({"G_ema": deep_g}))
    (tmp_path / "cyclic.pkl").write_bytes(pickle.dumps({"first": modules, "G_ema": cyclic}))
    for name, why in (("deep.pkl", "nested more than"), ("cyclic.pkl", "contains itself")):
        assert main(["sample", str(tmp_path / name), "-o", str(tmp_path / "x.png")]) == 2
        line = _one_line(capsys, "sample")
        assert name in line and why in line, line


def test_a_pth_with_a_deflated_storage_is_refused_before_inflating(tmp_path, capsys):
    plain, deflated = tmp_path / "plain.pth", tmp_path / "deflated.pth"
    torch.save({"w": torch.zeros(8 * 2**20)}, plain)  # 32 MB of zeros, a few KB deflated
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    assert deflated.stat().st_size < 2_000_000
    assert main(["import", str(deflated), "-o", str(tmp_path / "g.safetensors")]) == 2
    assert "compressed part" in _one_line(capsys, "import")
    assert not (tmp_path / "g.safetensors").exists()


def _onnx_model(nodes, initializers, tmp_path, name):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["b", 4])],
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)], initializers)
    path = tmp_path / name
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_an_onnx_constant_of_shape_bomb_is_one_line(tmp_path, capsys):
    from onnx import TensorProto, helper, numpy_helper

    shape = numpy_helper.from_array(torch.tensor([1, 1, 32768, 32768]).numpy(), "shape")
    node = helper.make_node("ConstantOfShape", ["shape"], ["image"],
                            value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0]))
    path = _onnx_model([node], [shape], tmp_path, "cos.onnx")
    assert main(["sample", str(path), "-o", str(tmp_path / "x.png")]) == 2
    assert "cos.onnx" in _one_line(capsys, "sample")


def test_an_onnx_loop_that_never_ends_is_one_line(tmp_path, capsys):
    from onnx import TensorProto, helper, numpy_helper

    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Identity", ["x_in"], ["x_out"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                 helper.make_tensor_value_info("x_in", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("x_out", TensorProto.FLOAT, None)])
    trip = numpy_helper.from_array(torch.tensor(2**62).numpy(), "trip")
    cond = numpy_helper.from_array(torch.tensor(True).numpy(), "cond")
    loop = helper.make_node("Loop", ["trip", "cond", "z"], ["image"], body=body)
    path = _onnx_model([loop], [trip, cond], tmp_path, "loop.onnx")
    assert main(["sample", str(path), "-o", str(tmp_path / "x.png")]) == 2
    assert "loop.onnx" in _one_line(capsys, "sample")


def test_a_checkpoint_whose_name_is_not_utf8_opens(tmp_path):
    G = build_generator(RunConfig(model=ModelConfig(g_width=8, latent_dim=8)))
    good = tmp_path / "G.safetensors"
    export_generator(G, RunConfig(model=ModelConfig(g_width=8, latent_dim=8)), good)
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.safetensors")
    os.rename(good, odd)
    out = tmp_path / "x.png"
    assert main(["sample", os.fsdecode(odd), "-n", "4", "-o", str(out)]) == 0
    assert Image.open(out).size[0] > 0


def test_output_onto_a_device_is_refused_and_left_alone(capsys):
    assert main(["sample", "default", "-n", "4", "-o", os.devnull]) == 2
    assert "not a regular file" in _one_line(capsys, "sample")
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)
