"""The first run of an ONNX model a user opens, in a child process bounded in time and memory.

An ONNX graph is data, but what it computes is up to the file: 161 bytes of `ConstantOfShape`
ask for a 4 GB tensor (onnxruntime allocates it while it folds constants, as the session is
made), and a `Loop` of 2^62 iterations never ends. Neither can be seen reliably by reading
the graph (shapes may be computed), and onnxruntime offers no memory cap for that work nor a
time limit for a run. So the session is made and the probe latents run first in a child
process (`python -m ganstudio.core.io.onnx_probe`, importing only numpy and onnxruntime)
that limits its own address space (RLIMIT_AS, Linux) once imported, and that the parent kills
after PROBE_SECONDS. Only a model that passes is opened in the app's own process, where the
same session costs what the child measured it to cost.

In a frozen app (PyInstaller) there is no Python to start: the probe runs in-process there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

PROBE_SECONDS = 15.0
BASE_MEMORY = 1536 * 2**20  # bytes the probe may add beyond onnxruntime itself
MEMORY_PER_MODEL_BYTE = 4  # plus this much per byte of the model (its weights, optimised copies)
MAX_CLASSES = 1000  # as core.models.conditioning allows (this module imports only numpy and onnxruntime)
# Input names that mark the class label of a generator with two inputs (GAN Studio's exports
# call it "label"; NVIDIA's G(z, c) calls it c).
LABEL_NAMES = frozenset({"c", "label", "labels", "class", "classes", "y", "cond", "condition"})


def memory_budget(model_bytes: int) -> int:
    return BASE_MEMORY + MEMORY_PER_MODEL_BYTE * model_bytes


def probe_latents(batch: int, latent: int) -> Any:
    import numpy as np

    return np.random.default_rng(0).standard_normal((batch, latent)).astype(np.float32)


def probe_labels(batch: int, classes: int) -> Any:
    """One-hot rows (batch, classes), row i of class i modulo the count."""
    import numpy as np

    rows = np.zeros((batch, classes), np.float32)
    rows[np.arange(batch), np.arange(batch) % classes] = 1
    return rows


def session_options(threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3  # errors only: its warnings are about its own graph rewrites
    opts.intra_op_num_threads = max(1, min(threads, 8))
    opts.inter_op_num_threads = 1
    # No busy-waiting between the explorer's frames.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def _matrix(arg: Any) -> list[Any] | None:
    """The shape [batch, k] of a float input with a known k >= 1, else None."""
    shape = list(arg.shape) if arg.shape is not None else []
    if arg.type != "tensor(float)" or len(shape) != 2 or not isinstance(shape[1], int) or shape[1] < 1:
        return None
    return shape


def _label_index(names: list[str]) -> int:
    """Which of two inputs is the class label: the one named as a label when only one is,
    else the second (G(z, c), as NVIDIA's generators and GAN Studio's take them)."""
    named = [i for i, n in enumerate(names) if n.lower() in LABEL_NAMES]
    return named[0] if len(named) == 1 else 1


def interface(session: Any) -> dict[str, Any]:
    """The model's inputs as [name, type, shape] and its output count; when it has the
    interface GAN Studio drives (one float input z (batch, k), optionally a second float
    input, the class label as rows (batch, classes), and one output), also the names of z
    and of the label (None), the latent size, the classes (0 without a label) and the fixed
    batch size (None when the batch axis is free)."""
    ins, outs = session.get_inputs(), session.get_outputs()
    found: dict[str, Any] = {"inputs": [[i.name, i.type, list(i.shape or [])] for i in ins],
                             "outputs": len(outs)}
    if len(outs) != 1 or len(ins) not in (1, 2):
        return found
    shapes = [_matrix(i) for i in ins]
    if any(s is None for s in shapes):
        return found
    label = _label_index([i.name for i in ins]) if len(ins) == 2 else None
    z = 0 if label != 0 else 1
    batches = {s[0] if isinstance(s[0], int) and s[0] > 0 else None for s in shapes}
    classes = shapes[label][1] if label is not None else 0
    if len(batches) != 1 or classes > MAX_CLASSES:  # the batch sizes disagree, or too many classes
        return found
    return {**found, "z": ins[z].name, "label": None if label is None else ins[label].name,
            "latent": shapes[z][1], "classes": classes, "batch": batches.pop()}


def run_probe(source: Any, threads: int) -> dict[str, Any]:
    """Makes a session of `source` (bytes, or the path of a model with external weights) and,
    when its interface fits, runs the probe latents (and labels); describes both."""
    import numpy as np
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    session = ort.InferenceSession(source, sess_options=session_options(threads),
                                   providers=["CPUExecutionProvider"])
    answer = interface(session)
    if "latent" not in answer:
        return answer
    n = answer["batch"] or 2
    feed = {answer["z"]: probe_latents(n, answer["latent"])}
    if answer["label"] is not None:
        feed[answer["label"]] = probe_labels(n, answer["classes"])
    out = np.asarray(session.run(None, feed)[0])
    finite = bool(np.isfinite(out).all()) if out.dtype.kind == "f" else True
    return {**answer, "shape": list(out.shape), "dtype": str(out.dtype), "finite": finite}


class ProbeFailed(Exception):
    """The probe did not finish; `why` is a phrase for the sentence the caller writes."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def probe(path: Path, data: bytes, external: bool, threads: int) -> dict[str, Any]:
    """run_probe's answer, computed in a bounded child process; ProbeFailed when it runs out
    of time or memory, or stops in any other way (an onnxruntime error's text is kept)."""
    import subprocess

    if getattr(sys, "frozen", False):
        return run_probe(str(path) if external else data, threads)
    budget = memory_budget(len(data))
    args = {"path": str(path) if external else None, "threads": threads, "budget": budget}
    env = dict(os.environ, MALLOC_ARENA_MAX="2")  # glibc's per-thread arenas reserve address space
    try:
        done = subprocess.run([sys.executable, "-m", "ganstudio.core.io.onnx_probe", json.dumps(args)],
                              input=b"" if external else data, capture_output=True,
                              timeout=PROBE_SECONDS, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise ProbeFailed(f"did not finish a test latent within {PROBE_SECONDS:.0f} s") from None
    answer = _answer(done.stdout)
    if done.returncode == 0 and answer is not None and "error" not in answer:
        return answer
    if answer is not None and answer.get("error"):
        raise ProbeFailed(answer["error"])
    return_code = done.returncode
    raise ProbeFailed(f"stopped while running a test latent (out of the {budget / 2**30:.1f} GB of "
                      f"memory a test may use, or a crash: exit status {return_code})")


def _answer(stdout: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return answer if isinstance(answer, dict) else None


def _limit_memory(budget: int) -> None:
    """Caps this process's address space at what it maps now plus `budget` (Linux: other
    systems do not enforce RLIMIT_AS; the parent's time limit still applies)."""
    if not sys.platform.startswith("linux"):
        return
    import resource

    with open("/proc/self/status", encoding="ascii") as f:
        mapped = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (mapped + budget, mapped + budget))


def _child(argv: list[str]) -> int:
    args = json.loads(argv[0])
    import numpy  # noqa: F401  (imported before the limit: its own mappings are not the model's)
    import onnxruntime  # noqa: F401

    source = args["path"] or sys.stdin.buffer.read()
    _limit_memory(int(args["budget"]))
    try:
        answer = run_probe(source, int(args["threads"]))
    except MemoryError:
        answer = {"error": f"needs more than the {args['budget'] / 2**30:.1f} GB of memory a test "
                           "latent may use"}
    except Exception as e:  # onnxruntime raises its own types; the text goes into one sentence
        text = " ".join(str(e).split())
        if "alloc" in text.lower():  # bad_alloc, "Failed to allocate memory", bfc_arena's
            answer = {"error": f"needs more than the {args['budget'] / 2**30:.1f} GB of memory a "
                               "test latent may use"}
        else:
            answer = {"error": f"failed on a test latent ({text[:200]})"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
