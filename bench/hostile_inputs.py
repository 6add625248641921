"""Hostile inputs, each run as `ganstudio ...` in a subprocess: peak memory (RSS of the process
tree, from the children's rusage), wall time, exit status and the line it printed, beside
torch's own import as the reference. Usage: python bench/hostile_inputs.py"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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


def _files(d: Path) -> dict[str, list[str]]:
    from ganstudio.core.config import ModelConfig, RunConfig
    from ganstudio.core.models.build import build_generator

    cfg = RunConfig(model=ModelConfig(resolution=64, channels=3, g_width=1024))
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in build_generator(cfg).state_dict().items()}
    one = torch.zeros(1)
    torch.save({k: one.expand(s) if s else one.reshape(()) for k, s in shapes.items()}, d / "bomb.pth")
    os.mkfifo(d / "fifo.pth")
    cases = {
        "stride-0 .pth (largest DCGAN)": ["sample", str(d / "bomb.pth"), "-o", str(d / "x.png")],
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
