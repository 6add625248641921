"""The command line run as a person runs it, under hostile conditions: a double Ctrl-C in the
middle of `sample` and `eval` ends with one line and exit 130, leaving only whole files;
onnxruntime's and Pillow's own warnings and log lines never print beside the one line; an
output path naming a device node, a FIFO or a link to one is refused and left as it was."""

from __future__ import annotations

import os
import signal
import stat
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from ganstudio.cli import INTERRUPTED, main

pytestmark = pytest.mark.timeout(300)  # a hang guard only

CLI = [sys.executable, "-m", "ganstudio"]


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}  # the tests' own cache folder, set per session


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    # A session of its own: its process group is what a terminal's Ctrl-C signals.
    return subprocess.Popen(argv, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _wait_until(ready: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"ended ({proc.returncode}) before it was working: {proc.communicate()}")
        assert time.monotonic() < deadline, "never started working"
        time.sleep(0.01)


def _ctrl_c_twice(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Two Ctrl-C in quick succession, to the whole process group as a terminal sends them."""
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)
    return proc.communicate(timeout=120)


# --- a double Ctrl-C ----------------------------------------------------------------------

def test_a_double_ctrl_c_while_sample_writes_ends_in_one_line_and_only_whole_pngs(tmp_path):
    out = tmp_path / "seeds"
    proc = _start([*CLI, "sample", "default", "--seeds", "0-1023", "--outdir", str(out),
                   "-o", str(tmp_path / "grid.png")], tmp_path)
    _wait_until(lambda: out.is_dir() and any(out.glob("seed*.png")), proc)  # writing its PNGs
    stdout, err = _ctrl_c_twice(proc)
    assert proc.returncode == INTERRUPTED, err
    assert _lines(err) == ["ganstudio sample: interrupted"]
    assert stdout == ""
    written = sorted(out.iterdir())
    assert written
    for path in written:  # every file there is a whole PNG: no temporary or half-written one
        assert path.name.startswith("seed") and path.suffix == ".png", path.name
        with Image.open(path) as im:
            im.load()
            assert im.size[0] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seeds"]  # and no grid, not even half


# Run as the command line with one step of the metrics marked: the marker file says the command
# is past its start and really at work there; everything else is `ganstudio eval` unchanged.
EVAL_AT = """
import sys
from pathlib import Path

from ganstudio.core import classifier, metrics

marker, module, name = Path(sys.argv[1]), {"metrics": metrics, "classifier": classifier}[sys.argv[2]], sys.argv[3]
step = getattr(module, name)


def marked(*args, **kwargs):
    marker.touch()
    return step(*args, **kwargs)


setattr(module, name, marked)
from ganstudio.cli import main

# As the installed command calls it (main() reads sys.argv): called with a list, main() would
# hand Ctrl-C back to its caller's handler on return, as it does for Python code.
sys.argv = ["ganstudio", *sys.argv[4:]]
sys.exit(main())
"""


@pytest.mark.parametrize("at", [("metrics", "generate"), ("classifier", "embed")],
                         ids=["drawing-samples", "reading-them-with-the-classifier"])
def test_a_double_ctrl_c_while_eval_works_ends_in_one_line(tmp_path, at):
    marker = tmp_path / "working"
    proc = _start([sys.executable, "-c", EVAL_AT, str(marker), *at, "eval", "default", "-n", "6000"],
                  tmp_path)
    _wait_until(marker.exists, proc)
    stdout, err = _ctrl_c_twice(proc)
    assert proc.returncode == INTERRUPTED, err
    assert _lines(err) == ["ganstudio eval: interrupted"]
    assert stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["working"]


# The command line as its entry point runs it, with two Ctrl-C once the command is over: while
# Python shuts down (most of a second once torch is loaded) and from an exit handler.
AFTER_THE_END = """
import atexit, os, signal, sys, time

from ganstudio.cli import main

code = main()
atexit.register(os.kill, os.getpid(), signal.SIGINT)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.2)
sys.exit(code)
"""


def test_a_ctrl_c_once_the_command_is_over_changes_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-c", AFTER_THE_END, "sample", "default", "-n", "4", "-o",
                           str(tmp_path / "x.png")], env=_env(), capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    [line] = _lines(done.stdout)
    assert line.startswith("4 images of ") and line.endswith(f" -> {tmp_path / 'x.png'}"), line
    with Image.open(tmp_path / "x.png") as im:
        im.load()


# Two Ctrl-C while the command line itself is still being imported, before it can handle
# them: the entry point (ganstudio.__main__, what the installed command calls) says one line.
WHILE_IMPORTING = """
import importlib.abc, os, signal, sys


class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "ganstudio.cli":
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, CtrlC())
sys.argv = ["ganstudio", *sys.argv[1:]]
from ganstudio.__main__ import main

sys.exit(main())
"""


def test_a_ctrl_c_while_the_command_line_is_imported_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-c", WHILE_IMPORTING, "sample", "default", "-o",
                           str(tmp_path / "x.png")], env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, _lines(done.stderr), done.stdout) == (INTERRUPTED, ["ganstudio: interrupted"], "")
    assert list(tmp_path.iterdir()) == []


# --- other libraries' own lines -----------------------------------------------------------

def _stderr_of_python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=_env(), capture_output=True,
                          text=True, timeout=120)
    return done.stderr


def _onnx_with_an_unused_weight(path: Path) -> Path:
    """A valid ONNX generator z (b, 4) -> image (b, 1, 8, 8) that also holds a weight no node
    uses: onnxruntime's default logger warns about it while making a session."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weights = [numpy_helper.from_array(np.random.default_rng(0).standard_normal((4, 64)).astype(np.float32), "W"),
               numpy_helper.from_array(np.array([-1, 1, 8, 8], np.int64), "shape"),
               numpy_helper.from_array(np.zeros(3, np.float32), "unused")]
    nodes = [helper.make_node("MatMul", ["z", "W"], ["h"]), helper.make_node("Reshape", ["h", "shape"], ["r"]),
             helper.make_node("Tanh", ["r"], ["image"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["b", 1, 8, 8])],
                              weights)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_onnxruntimes_own_warnings_never_print_beside_the_one_line(tmp_path):
    model = _onnx_with_an_unused_weight(tmp_path / "g.onnx")
    plain = _stderr_of_python("import sys, onnxruntime as ort; ort.InferenceSession(sys.argv[1], "
                              "providers=['CPUExecutionProvider'])", str(model))
    assert "Removing initializer 'unused'" in plain  # what onnxruntime prints left to itself

    ok = subprocess.run([*CLI, "sample", str(model), "-n", "4", "-o", str(tmp_path / "x.png")],
                        env=_env(), capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    assert _lines(ok.stdout) == [f"4 images of g.onnx (step 0) -> {tmp_path / 'x.png'}"]

    refused = subprocess.run([*CLI, "sample", str(model), "--class", "3", "-o", str(tmp_path / "y.png")],
                             env=_env(), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert _lines(refused.stderr) == ["ganstudio sample: error: --class 3: this model has no classes "
                                      "(it is unconditional); leave --class out"]


def _png_declaring(path: Path, width: int, height: int) -> Path:
    """A small PNG file whose header declares width x height grey pixels (its data is short)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(100)))
                     + chunk(b"IEND", b""))
    return path


def _tiff_of_100_samples_per_pixel(path: Path) -> Path:
    """A TIFF declaring 100 samples per pixel: Pillow logs an error about it as it refuses it."""
    tags = [(256, 3, 1, 4), (257, 3, 1, 4), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, 122), (277, 3, 1, 100), (278, 3, 1, 4), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *t) for t in tags) + bytes(4)
    path.write_bytes(b"II*\0" + struct.pack("<I", 8) + ifd + bytes(16))
    return path


PILLOW_SAYS = {"bomb-warning": "DecompressionBombWarning", "bomb-error": "DecompressionBombError",
               "tiff-log": "More samples per pixel than can be decoded"}
TARGETS = {"bomb-warning": lambda p: _png_declaring(p / "big.png", 10_000, 10_000),  # > 89 Mpx
           "bomb-error": lambda p: _png_declaring(p / "huge.png", 20_000, 20_000),  # > 179 Mpx
           "tiff-log": lambda p: _tiff_of_100_samples_per_pixel(p / "odd.png")}  # a TIFF named .png
CLI_SAYS = {"bomb-warning": "big.png is 10000x10000 pixels, more than the 50 megapixels",
            "bomb-error": "huge.png is larger than the 50 megapixels",
            "tiff-log": "odd.png is not an image this app can read"}


@pytest.mark.parametrize("kind", list(TARGETS))
def test_pillows_own_warnings_and_log_lines_never_print_beside_the_one_line(tmp_path, kind):
    target = TARGETS[kind](tmp_path)
    plain = _stderr_of_python("import sys; from PIL import Image; Image.open(sys.argv[1])", str(target))
    assert PILLOW_SAYS[kind] in plain  # what Pillow prints left to itself

    done = subprocess.run([*CLI, "project", "default", str(target), "--steps", "1", "--quiet",
                           "-o", str(tmp_path / "z.npy")], env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    [line] = _lines(done.stderr)
    assert line.startswith(f"ganstudio project: error: the target {target}: {CLI_SAYS[kind]}"), line
    assert not (tmp_path / "z.npy").exists()


def test_an_image_folder_of_such_files_is_one_line_too(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for make in TARGETS.values():
        make(folder)
    done = subprocess.run([*CLI, "train", "--data", "folder", "--data-path", str(folder), "--steps", "1",
                           "--device", "cpu", "--quiet", "--out", str(tmp_path / "run")],
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert _lines(done.stderr) == [f"ganstudio train: error: None of the 3 image files in {folder} could "
                                   "be read; 2 of them are larger than the 50 megapixels GAN Studio decodes."]


# --- outputs that are not files -----------------------------------------------------------

def _device(path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _link_to(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def made(path: Path) -> Path:
        target = make(path.with_name(path.name + "-target"))
        path.symlink_to(target)
        return path

    return made


@pytest.mark.parametrize("make", [_device, _fifo, _link_to(_device), _link_to(_fifo)],
                         ids=["device-node", "fifo", "link-to-a-device-node", "link-to-a-fifo"])
def test_output_onto_a_device_node_fifo_or_link_to_one_is_refused_and_left_as_it_was(tmp_path, capsys, make):
    out = make(tmp_path / "n")
    before = {p.name: os.lstat(p) for p in tmp_path.iterdir()}
    assert main(["sample", "default", "-n", "4", "-o", str(out)]) == 2
    [line] = _lines(capsys.readouterr().err)
    assert line.startswith("ganstudio sample: error: ") and "not a regular file" in line, line
    after = {p.name: os.lstat(p) for p in tmp_path.iterdir()}
    assert after.keys() == before.keys()  # nothing new, not even a temporary file
    for name, was in before.items():  # each still the node (or link) it was, not a PNG
        now = after[name]
        assert (stat.S_IFMT(now.st_mode), now.st_rdev, now.st_ino) == (stat.S_IFMT(was.st_mode), was.st_rdev,
                                                                       was.st_ino)
    if out.is_symlink():
        assert os.readlink(out) == str(out.with_name("n-target"))
    if make is _device:
        assert stat.S_ISCHR(os.lstat(out).st_mode)


def test_the_longest_legal_output_name_is_written(tmp_path):
    out = tmp_path / ("a" * 251 + ".png")  # 255 bytes, the most a name may have
    assert main(["sample", "default", "-n", "4", "-o", str(out)]) == 0
    with Image.open(out) as im:
        im.load()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
