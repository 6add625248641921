"""Hostile inputs, each run as `ganstudio ...` in a subprocess: peak memory (RSS of the process
tree, from the children's rusage), wall time, exit status and the line it printed, beside
torch's own import as the reference. Usage: python bench/hostile_inputs.py"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent.parent
GANSTUDIO = [sys.executable, "-m", "ganstudio.cli"]


def _run(argv: list[str]) -> tuple[float, float, int, str]:
    """(peak MB, seconds, exit status, last stderr line) of one child; each child runs under a
    fresh python that starts the command, so RUSAGE_CHILDREN's maximum is read per run."""
    wrapper = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, "
               "text=True); print(p.returncode); print((p.stderr.strip().splitlines() or [''])[-1]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", wrapper, *argv], capture_output=True, text=True,
                         cwd=HERE, timeout=600).stdout.splitlines()
    seconds = time.perf_counter() - t0
    rc, line, kb = int(out[0]), out[1], int(out[2])
    return kb / (1024 * 1024 if sys.platform == "darwin" else 1024), seconds, rc, line  # bytes on macOS


class _Persistent:
    """Pickles as NVlabs' `torch_utils.persistence._reconstruct_persistent_obj(meta)`."""

    def __init__(self, fn, meta):
        self.fn, self.meta = fn, meta

    def __reduce__(self):
        return (self.fn, (self.meta,))


def _nvlabs_stride0(module: torch.nn.Module, kwargs: dict | None = None, name: str | None = None) -> _Persistent:
    """An NVIDIA-style record of `module` whose every tensor is a stride-0 view of one zero."""
    persistence = sys.modules.setdefault("torch_utils.persistence", types.ModuleType("torch_utils.persistence"))
    sys.modules.setdefault("torch_utils", types.ModuleType("torch_utils"))

    if not hasattr(persistence, "_reconstruct_persistent_obj"):
        def _reconstruct_persistent_obj(meta):  # pragma: no cover - only its name is pickled
            raise AssertionError

        _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
        _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
        persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    fn = persistence._reconstruct_persistent_obj
    one = torch.zeros(1)
    params = OrderedDict((k, one.expand(v.shape) if v.dim() else one.reshape(()))
                         for k, v in [*module._parameters.items(), *module._buffers.items()] if v is not None)
    state = {"training": False, "_parameters": params, "_buffers": OrderedDict(),
             "_non_persistent_buffers_set": set(), "_init_args": (), "_init_kwargs": kwargs or {},
             "_modules": OrderedDict((k, _nvlabs_stride0(m)) for k, m in module._modules.items())}
    return _Persistent(fn, {"type": "class", "version": 6, "module_src": "",
                            "class_name": name or type(module).__name__, "state": state})


def _deflated_pth(path: Path, gigabytes: float) -> None:
    """A .pth whose one storage is deflated zeros that inflate to `gigabytes`."""
    n = int(gigabytes * 2**30) // 4
    torch.save({"w": torch.zeros(1)}, path)
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    data = next(k for k in members if "/data/" in k)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for k, v in members.items():
            if k != data:
                dst.writestr(k, v)
        with dst.open(data, "w", force_zip64=True) as f:
            chunk = bytes(64 * 2**20)
            for _ in range(n * 4 // len(chunk)):
                f.write(chunk)


def _files(d: Path) -> dict[str, list[str]]:
    from ganstudio.core.config import ModelConfig, RunConfig
    from ganstudio.core.models.build import build_generator

    cfg = RunConfig(model=ModelConfig(resolution=64, channels=3, g_width=1024))
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in build_generator(cfg).state_dict().items()}
    one = torch.zeros(1)
    torch.save({k: one.expand(s) if s else one.reshape(()) for k, s in shapes.items()}, d / "bomb.pth")
    os.mkfifo(d / "fifo.pth")
    from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

    kwargs = dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                  mapping_kwargs={"num_layers": 8}, synthesis_kwargs={"channel_base": 32768, "channel_max": 512})
    with torch.device("meta"):
        G = StyleGAN2Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                               mapping_layers=8, channel_base=32768, channel_max=512)
    (d / "bomb.pkl").write_bytes(pickle.dumps({"G_ema": _nvlabs_stride0(G, kwargs, "Generator")}))
    _deflated_pth(d / "deflated.pth", 2.5)
    cases = {
        "stride-0 .pth (largest DCGAN)": ["sample", str(d / "bomb.pth"), "-o", str(d / "x.png")],
        "stride-0 NVIDIA pickle (StyleGAN2 1024)": ["sample", str(d / "bomb.pkl"), "-o", str(d / "x.png")],
        "deflated .pth storage (2.5 GB inflated)": ["import", str(d / "deflated.pth"), "-o",
                                                    str(d / "g.safetensors")],
        "FIFO named .pth": ["sample", str(d / "fifo.pth"), "-o", str(d / "x.png")],
        "/dev/urandom as .pth": ["import", "/dev/urandom", "-o", str(d / "g.safetensors")],
        "eval -n 100000000": ["eval", "default", "-n", "100000000"],
        "interpolate --scale 2000": ["interpolate", "default", "--seeds", "1", "2", "--scale", "2000",
                                     "-o", str(d / "w.gif")],
    }
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        shape = numpy_helper.from_array(torch.tensor([1, 1, 32768, 32768]).numpy(), "shape")
        node = helper.make_node("ConstantOfShape", ["shape"], ["image"],
                                value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0]))
        g = helper.make_graph([node], "g", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)], [shape])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), d / "cos.onnx")
        cases["ONNX ConstantOfShape 1x1x32768x32768"] = ["sample", str(d / "cos.onnx"), "-o", str(d / "x.png")]
        body = helper.make_graph(
            [helper.make_node("Identity", ["c_in"], ["c_out"]), helper.make_node("Identity", ["x_in"], ["x_out"])],
            "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                     helper.make_tensor_value_info("c_in", TensorProto.BOOL, []),
                     helper.make_tensor_value_info("x_in", TensorProto.FLOAT, None)],
            [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
             helper.make_tensor_value_info("x_out", TensorProto.FLOAT, None)])
        trip = numpy_helper.from_array(torch.tensor(2**62).numpy(), "trip")
        cond = numpy_helper.from_array(torch.tensor(True).numpy(), "cond")
        loop = helper.make_node("Loop", ["trip", "cond", "z"], ["image"], body=body)
        g = helper.make_graph([loop], "g", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, None)], [trip, cond])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), d / "loop.onnx")
        cases["ONNX Loop of 2^62 iterations"] = ["sample", str(d / "loop.onnx"), "-o", str(d / "x.png")]
    except ImportError:
        pass
    return cases


def main() -> None:
    ref, secs, _, _ = _run([sys.executable, "-c", "import torch"])
    print(f"{'reference: import torch':45s} {ref:8.0f} MB {secs:6.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in _files(Path(tmp)).items():
            mb, secs, rc, line = _run([*GANSTUDIO, *argv])
            print(f"{name:45s} {mb:8.0f} MB {secs:6.1f} s  exit {rc}  {line[:110]}")


if __name__ == "__main__":
    main()
