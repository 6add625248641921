"""Generators as ONNX files: export with torch.onnx, run with onnxruntime.

Opening an ONNX file runs no code from it: the file is a protobuf graph of named operators,
and onnxruntime executes only the kernels compiled into it. Custom operator libraries are
never registered here, and a graph whose nodes name any operator domain beyond the standard
ones (or the model's own local functions, which are graphs too) is refused before a session
is made. External weight files must lie in the model's own folder.

The optional packages (onnx, onnxruntime, onnxscript) are imported only when needed.
"""

from __future__ import annotations

import copy
import hashlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ganstudio.core.errors import CheckpointError
from ganstudio.core.generate import class_vector

INSTALL_HINT = 'install the ONNX support with `pip install "ganstudio[onnx]"`'
# "" and "ai.onnx" are the standard operators, "ai.onnx.ml" the classic-ML ones and
# "com.microsoft" onnxruntime's own built-in kernels: none of them loads code from the file.
STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "com.microsoft"})
META_PREFIX = "ganstudio."
NO_GRADIENTS = ("{what} needs a PyTorch generator: this ONNX model runs in onnxruntime, which "
                "computes no gradients. Open the generator's .safetensors file to use it.")


def require(*modules: str) -> None:
    """CheckpointError with the install line when an optional package is missing."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise CheckpointError(f"ONNX support needs {', '.join(missing)}, which is not installed: "
                              f"{INSTALL_HINT}.")


# --- export ------------------------------------------------------------------------------

def to_onnx_bytes(program: torch.export.ExportedProgram, metadata: dict[str, str],
                  output_name: str = "image", input_names: tuple[str, ...] = ("z",)) -> bytes:
    """An exported generator as an ONNX model: inputs `z` (N, latent_dim) float32 (and, for a
    program that takes the class, `label` (N, c_dim) one-hot rows) and one output, the batch
    axis dynamic where the program's is; `metadata` goes into metadata_props under the
    ganstudio. prefix."""
    require("onnx", "onnxscript")
    try:
        with warnings.catch_warnings():
            # The exporter reports its own internals as warnings; the check after export is ours.
            warnings.simplefilter("ignore")
            onnx_program = torch.onnx.export(
                program, (), None, input_names=list(input_names), output_names=[output_name],
                dynamo=True,
                external_data=False, optimize=True, verbose=False)
    except Exception as e:
        raise CheckpointError(f"PyTorch could not export this generator to ONNX "
                              f"({' '.join(str(e).split())[:200]}).") from None
    model = onnx_program.model_proto
    for value in (*model.graph.input, *model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and dims[0].dim_param:
            dims[0].dim_param = "batch"  # the exporter's symbol (s0, s68, ...) means nothing to users
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = META_PREFIX + key, value
    return model.SerializeToString()


# --- checks on a file before onnxruntime sees it ------------------------------------------

def _graphs_of(graph: Any) -> list[Any]:
    """A graph and every subgraph of its If/Loop/Scan nodes."""
    from onnx import AttributeProto

    found = [graph]
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                found += _graphs_of(attr.g)
            elif attr.type == AttributeProto.GRAPHS:
                for g in attr.graphs:
                    found += _graphs_of(g)
    return found


def check_model(model: Any, path: Path) -> bool:
    """Refuses custom operator domains and external data outside the model's folder; True when
    the model keeps weights in external files."""
    from onnx import AttributeProto, TensorProto

    local = {(f.domain, f.name) for f in model.functions}
    nodes = [n for g in _graphs_of(model.graph) for n in g.node]
    for f in model.functions:
        nodes += list(f.node)
    for node in nodes:
        if node.domain not in STANDARD_DOMAINS and (node.domain, node.op_type) not in local:
            raise CheckpointError(
                f"{path.name} uses the custom operator {node.domain}.{node.op_type}, which would "
                "need code from outside onnxruntime; GAN Studio runs only standard ONNX operators. "
                "Export the model again without custom operators.")
    tensors = [t for g in _graphs_of(model.graph) for t in g.initializer]
    tensors += [a.t for n in nodes for a in n.attribute if a.type == AttributeProto.TENSOR]
    folder = path.resolve().parent
    external = [t for t in tensors if t.data_location == TensorProto.EXTERNAL]
    for t in external:
        location = {e.key: e.value for e in t.external_data}.get("location", "")
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or folder not in target.parents:
            raise CheckpointError(f"{path.name} reads weights from '{location}', outside its own "
                                  "folder; GAN Studio opens external ONNX weights only next to "
                                  "the model.")
    return bool(external)


# --- the generator --------------------------------------------------------------------------

class OnnxGenerator(nn.Module):
    """An onnxruntime session as a generator: forward(z (N, latent_dim)) -> (N, *sample_shape),
    or forward(z, c) for a model with a label input, c one-hot (or soft) rows (N, c_dim): it
    then has `c_dim` > 0 like the PyTorch generators, so the app offers its classes.

    It has no parameters; a buffer holds a digest of the file so that caches keyed on the
    weights (latent.weights_hash) tell ONNX models apart. Without children, PCA directions
    are found on its output, and gradients (projection) are refused with a clear message.
    """

    runtime = "onnxruntime"

    def __init__(self, session: Any, digest: bytes, latent_dim: int,
                 sample_shape: tuple[int, ...], fixed_batch: int | None,
                 input_name: str | None = None, label_name: str | None = None,
                 c_dim: int = 0) -> None:
        super().__init__()
        self.session = session
        self.input_name = input_name or session.get_inputs()[0].name
        self.label_name = label_name if c_dim else None
        self.c_dim = int(c_dim) if label_name else 0
        self.output_name = session.get_outputs()[0].name
        self.latent_dim = int(latent_dim)
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.fixed_batch = fixed_batch  # the model's batch size when its graph fixes one
        self.register_buffer("onnx_digest", torch.frombuffer(bytearray(digest), dtype=torch.uint8))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if z.requires_grad or (c is not None and c.requires_grad):
            raise CheckpointError(NO_GRADIENTS.format(what="Projecting an image"))
        x = z.detach().to("cpu", torch.float32).contiguous().numpy()
        if not self.c_dim:
            if c is not None:
                raise ValueError("this ONNX generator takes no class label")
            return torch.from_numpy(self.run(x))
        if c is None:  # class 0, as the PyTorch generators draw without a label
            labels = class_vector(self, None, len(x)).numpy()
        else:
            labels = c.detach().to("cpu", torch.float32).contiguous().numpy()
            if labels.shape != (len(x), self.c_dim):
                raise ValueError(f"labels shaped {labels.shape}; this generator takes "
                                 f"({len(x)}, {self.c_dim}) one-hot rows")
        return torch.from_numpy(self.run(x, labels))

    def run(self, x: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """The output for latents `x` (and label rows, for a model that takes them), in the
        model's fixed batch size where it has one (the last chunk padded with zeros)."""
        inputs = [(self.input_name, x)] + ([(self.label_name, labels)] if labels is not None else [])
        b = self.fixed_batch
        if b is None:
            return self.session.run([self.output_name], dict(inputs))[0]
        parts = []
        for start in range(0, len(x), b):
            feed = {}
            for name, rows in inputs:
                chunk = rows[start : start + b]
                feed[name] = np.concatenate([chunk, np.zeros((b - len(chunk), rows.shape[1]), np.float32)])
            parts.append(self.session.run([self.output_name], feed)[0][: min(b, len(x) - start)])
        return np.concatenate(parts)

    def __deepcopy__(self, memo: dict[int, Any]) -> OnnxGenerator:
        # A session is immutable and safe to share between threads; it cannot be copied.
        clone = copy.copy(self)
        clone._buffers = dict(self._buffers)
        return clone

    def train(self, mode: bool = True) -> OnnxGenerator:
        super().train(False)  # an ONNX graph has one behaviour: inference
        return self

    def extra_repr(self) -> str:
        classes = f", c_dim={self.c_dim}" if self.c_dim else ""
        return (f"latent_dim={self.latent_dim}{classes}, sample_shape={self.sample_shape}, "
                "runtime=onnxruntime")


def _session(path: Path, data: bytes, external: bool) -> Any:
    import onnxruntime as ort

    from ganstudio.core.io.onnx_probe import session_options

    ort.set_default_logger_severity(3)  # its warnings would break the one-line rule
    # As many threads as torch uses. The bytes that were checked are the bytes that run;
    # external weights need the path.
    source: Any = str(path) if external else data
    return ort.InferenceSession(source, sess_options=session_options(torch.get_num_threads()),
                                providers=["CPUExecutionProvider"])


def open_onnx(path: Path) -> tuple[OnnxGenerator, dict[str, str]]:
    """The generator in an ONNX file and its ganstudio.* metadata (prefix removed).

    The model must have one float input (N, k), optionally a second, the class label as rows
    (N, classes) (the one named as a label, else the second), and one output (N, C, H, W) or
    (N, D); the output's shape is read from one forward pass of a probe z (and labels), run
    first in a child process bounded in time and memory (core.io.onnx_probe)."""
    require("onnx", "onnxruntime")
    import onnx

    from ganstudio.core.io.onnx_probe import ProbeFailed, probe

    try:
        data = path.read_bytes()
        model = onnx.load_from_string(data)
    except OSError as e:
        raise CheckpointError(f"Could not read {path}: {e.strerror or e}.") from None
    except Exception as e:
        raise CheckpointError(f"{path.name} is not a readable ONNX model "
                              f"({' '.join(str(e).split())[:160]}).") from None
    external = check_model(model, path)
    meta = {p.key[len(META_PREFIX):]: p.value for p in model.metadata_props
            if p.key.startswith(META_PREFIX)}
    del model
    try:
        found = probe(path, data, external, torch.get_num_threads())
    except ProbeFailed as e:
        raise CheckpointError(f"{path.name} cannot be opened: onnxruntime {e.why}.") from None
    if "shape" not in found:
        described = ", ".join(f"{name} {kind} {shape}" for name, kind, shape in found["inputs"])
        raise CheckpointError(
            f"{path.name} is not a generator GAN Studio can drive: it needs one float input shaped "
            "(batch, latent size), for a class-conditional model a second shaped (batch, classes) "
            f"(the class as one-hot rows), and one output, but has inputs [{described}] and "
            f"{found['outputs']} output(s).")
    shape, fixed = found["shape"], found["batch"]
    n = fixed or 2
    if len(shape) not in (2, 4) or shape[0] != n or found["dtype"] != "float32":
        raise CheckpointError(
            f"{path.name} makes {found['dtype']} output shaped {tuple(shape)} from {n} "
            "latents; GAN Studio needs float images (batch, channels, height, width) or 2-D points.")
    if not found["finite"]:
        raise CheckpointError(f"{path.name} makes NaN or infinite values from a test latent, which "
                              "would draw blank images; its weights are damaged.")
    try:
        session = _session(path, data, external)
    except Exception as e:
        raise CheckpointError(f"onnxruntime cannot run {path.name} "
                              f"({' '.join(str(e).split())[:200]}).") from None
    digest = hashlib.sha256(data).digest()
    generator = OnnxGenerator(session, digest, int(found["latent"]), tuple(shape[1:]), fixed,
                              found["z"], found["label"], int(found["classes"]))
    return generator, meta
