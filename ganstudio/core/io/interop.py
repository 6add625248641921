"""Generators in and out of other formats: ONNX, TorchScript and torch.export (.pt2) archives.

What opening each kind runs (docs/architecture.md says more):
- ONNX: a graph of standard operators executed by onnxruntime's compiled kernels; no code
  from the file. Opened always (core.onnx_generator checks the graph first).
- TorchScript (.pt/.ts): a program in TorchScript that runs inside PyTorch as soon as the
  archive is used; PyTorch's security policy asks to treat such files as code from their
  author. torch.export archives (.pt2) may hold Python pickles (torch.export.load unpickles
  them without restriction) and compiled AOTInductor libraries. Both open only when the user
  says they trust the file (GANSTUDIO_TRUST_CODE=1); otherwise a clear refusal.
- Keras (.h5/.keras): not opened; the message says how to convert it.

Our own exports carry the RunConfig and step (ONNX metadata_props, or a `ganstudio.json`
extra file in TorchScript and .pt2 archives), so re-opening restores the configuration.
A conditional generator's program takes the class as a second input, `label`: one-hot rows
(N, c_dim), as the generators themselves take it (soft rows blend classes); the metadata
says so (`label_input`, `classes`). Exported with one class, it takes z alone (`class`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.fsutil import atomic_write_bytes
from ganstudio.core.generate import class_vector, generate, num_classes
from ganstudio.core.io.checkpoint import (
    KINDS,
    LoadedGenerator,
    config_of,
    export_generator,
    imported_config,
)
from ganstudio.core.latent import sample_z

FORMATS: dict[str, tuple[str, ...]] = {
    "safetensors": (".safetensors",),
    "onnx": (".onnx",),
    "torchscript": (".pt", ".ts", ".torchscript"),
    "pt2": (".pt2",),
}
KNOWN_SUFFIXES = tuple(s for sfx in FORMATS.values() for s in sfx)
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras")
SUFFIXES = (".onnx", ".pt2", ".ts", ".torchscript", *KERAS_SUFFIXES)  # load() opens (or refuses) these
TRUST_ENV = "GANSTUDIO_TRUST_CODE"
META_FILE = "ganstudio.json"
GENERATOR_FORMAT = "ganstudio.generator"
MAX_EXPORT_ERROR = 1e-3  # on the [-1, 1] scale; a grey level is 2/255 = 0.0078
LABEL_INPUT = "label"  # the name of a conditional program's class input (after `z`)


def format_for(path: str | Path) -> str:
    """The export format a file name asks for; safetensors for any other suffix."""
    suffix = Path(path).suffix.lower()
    return next((f for f, sfx in FORMATS.items() if suffix in sfx), "safetensors")


def handles(path: Path) -> bool:
    """Whether load() is the reader for this file (a TorchScript archive may be named .pt)."""
    suffix = path.suffix.lower()
    return suffix in SUFFIXES or (suffix in (".pt", ".pth") and is_torchscript(path))


def is_torchscript(path: Path) -> bool:
    """TorchScript archives are zip files with constants.pkl and code/ (read as a zip, nothing
    unpickled); torch.save files are zips too but hold neither."""
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("/constants.pkl") or "/code/" in n for n in z.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def trusted(trust_code: bool | None) -> bool:
    if trust_code is not None:
        return trust_code
    return os.environ.get(TRUST_ENV, "").strip().lower() in ("1", "yes", "true")


# --- loading -------------------------------------------------------------------------------

def load(path: str | Path, trust_code: bool | None = None, fmt: str | None = None) -> LoadedGenerator:
    """A generator from an ONNX, TorchScript or .pt2 file (`fmt`, else told by the suffix);
    CheckpointError otherwise."""
    path = Path(path)
    suffix = FORMATS[fmt][0] if fmt in ("onnx", "torchscript", "pt2") else path.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        raise CheckpointError(f"{path.name} is a Keras model; GAN Studio opens {KINDS}. Convert it "
                              "to ONNX (e.g. with tf2onnx) and open the .onnx.")
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist.")
    if suffix == ".onnx":
        from ganstudio.core.io.onnx_generator import open_onnx

        generator, meta = open_onnx(path)
        return _loaded(generator, meta, path)
    kind = "torch.export archive" if suffix == ".pt2" else "TorchScript archive"
    if not trusted(trust_code):
        why = ("holds a program that runs inside PyTorch when it is used" if suffix != ".pt2" else
               "may hold Python pickles and compiled code that run when it is opened")
        raise CheckpointError(
            f"{path.name} is a {kind}: it {why}, so GAN Studio opens it only if you trust its "
            f"author. If you do, set {TRUST_ENV}=1 and open it again; otherwise ask for an ONNX "
            "or .safetensors export (`ganstudio export ... --format onnx`).")
    data = path.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation notices of torch.jit / torch.export
            program, meta, dims = (_read_pt2 if suffix == ".pt2" else _read_torchscript)(data)
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"{path.name} is not a readable {kind} "
                              f"({' '.join(str(e).split())[:200]}).") from None
    config = _config_from(meta, path)
    latent, batch, classes = dims
    if config is not None:
        latent = config.model.latent_dim
    if latent is None:
        raise CheckpointError(
            f"{path.name} has no GAN Studio metadata and a {kind} does not record its input "
            "size, so the latent size is unknown. Export it to ONNX and open the .onnx.")
    generator = ProgramGenerator(program, hashlib.sha256(data).digest(), latent, batch,
                                 "TorchScript" if suffix != ".pt2" else "torch.export", classes)
    generator.sample_shape = _probe_shape(generator, path)
    return _loaded(generator, meta, path)


class ProgramGenerator(nn.Module):
    """A TorchScript module or torch.export program as a generator: forward(z), or for a
    program with a label input (`c_dim` > 0) forward(z, c), c one-hot rows (N, c_dim).

    The program is kept outside the module tree: its submodules are never called as modules
    (hooks on them would not fire), so PCA directions are taken on its output, and nothing
    tries to copy it. A buffer holds the file's digest for caches keyed on the weights.
    """

    def __init__(self, program: Any, digest: bytes, latent_dim: int, fixed_batch: int | None,
                 runtime: str, c_dim: int = 0) -> None:
        super().__init__()
        object.__setattr__(self, "program", program)
        self.latent_dim = int(latent_dim)
        self.c_dim = int(c_dim)
        self.sample_shape: tuple[int, ...] = ()
        self.fixed_batch = fixed_batch
        self.runtime = runtime
        self.register_buffer("program_digest", torch.frombuffer(bytearray(digest), dtype=torch.uint8))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if not self.c_dim:
            if c is not None:
                raise ValueError("this program takes no class label")
            inputs = [z]
        else:
            if c is None:  # class 0, as the PyTorch generators draw without a label
                c = class_vector(self, None, len(z))
            inputs = [z, c.to(z.device, z.dtype)]
        b = self.fixed_batch
        if b is None:
            return self.program(*inputs)
        parts = []
        for start in range(0, len(z), b):
            chunks = [x[start : start + b] for x in inputs]
            padded = [torch.cat([x, x.new_zeros(b - len(x), x.shape[1])]) for x in chunks]
            parts.append(self.program(*padded)[: len(chunks[0])])
        return torch.cat(parts)


Dims = tuple[int | None, int | None, int]  # latent size, fixed batch, classes of a label input


def _read_torchscript(data: bytes) -> tuple[Any, dict[str, str], Dims]:
    extra = {META_FILE: ""}
    module = torch.jit.load(io.BytesIO(data), map_location="cpu", _extra_files=extra)
    module.eval()
    _freeze(module)
    meta = _meta_json(extra[META_FILE])
    batch = meta.get("batch", "")
    return module, meta, (None, int(batch) if batch.isdigit() and int(batch) > 0 else None,
                          _label_classes(meta))


def _read_pt2(data: bytes) -> tuple[Any, dict[str, str], Dims]:
    extra = {META_FILE: ""}
    program = torch.export.load(io.BytesIO(data), extra_files=extra)
    names = list(program.graph_signature.user_inputs)
    shapes = [n.meta.get("val").shape for n in program.graph.nodes
              if n.op == "placeholder" and n.name in names and n.meta.get("val") is not None]
    meta = _meta_json(extra[META_FILE])
    dims: Dims = (None, None, 0)
    if len(names) in (1, 2) and len(shapes) == len(names) and all(len(s) == 2 for s in shapes):
        batch, latent = shapes[0]
        classes = shapes[1][1] if len(shapes) == 2 else 0
        dims = (int(latent) if isinstance(latent, int) else None,
                int(batch) if isinstance(batch, int) else None,
                int(classes) if isinstance(classes, int) else _label_classes(meta))
    module = program.module()
    _freeze(module)
    return module, meta, dims


def _label_classes(meta: dict[str, str]) -> int:
    """The classes of the label input our metadata records (0: the program takes z alone)."""
    classes = meta.get("classes", "")
    return int(classes) if meta.get("label_input") and classes.isdigit() else 0


def _freeze(module: Any) -> None:
    for p in module.parameters():  # ScriptModules have no requires_grad_()
        p.requires_grad_(False)


def _meta_json(text: str | bytes) -> dict[str, str]:
    try:
        meta = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return {k: str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def _probe_shape(generator: ProgramGenerator, path: Path) -> tuple[int, ...]:
    z = sample_z(0, generator.fixed_batch or 2, generator.latent_dim)
    try:
        out = generate(generator, z)  # class 0 where the program takes a label
    except Exception as e:
        raise CheckpointError(f"{path.name} failed on a test latent of size {generator.latent_dim} "
                              f"({' '.join(str(e).split())[:200]}).") from None
    if not isinstance(out, torch.Tensor) or out.dim() not in (2, 4) or len(out) != len(z):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckpointError(f"{path.name} makes {shape} from {len(z)} latents; GAN Studio needs "
                              "images (batch, channels, height, width) or 2-D points.")
    return tuple(out.shape[1:])


def _config_from(meta: dict[str, str], path: Path) -> RunConfig | None:
    """Our RunConfig when the file carries it and it validates; else None."""
    if meta.get("format") != GENERATOR_FORMAT:
        return None
    try:
        return config_of(meta, path)
    except CheckpointError:  # e.g. an architecture this version does not know: infer instead
        return None


def _loaded(generator: nn.Module, meta: dict[str, str], path: Path) -> LoadedGenerator:
    shape = tuple(generator.sample_shape)
    config = _config_from(meta, path)
    classes = num_classes(generator)
    if config is not None and (config.sample_shape != shape
                               or config.model.latent_dim != generator.latent_dim):
        raise CheckpointError(f"{path.name} makes {shape} from latents of size "
                              f"{generator.latent_dim}, but its GAN Studio metadata describes "
                              f"{config.sample_shape} from {config.model.latent_dim}; the file "
                              "was edited or damaged.")
    if config is not None and classes and config.model.c_dim != classes:
        raise CheckpointError(f"{path.name} takes labels of {classes} classes, but its GAN Studio "
                              f"metadata describes {config.model.c_dim}; the file was edited or "
                              "damaged.")
    if config is None:
        config = inferred_config(generator.latent_dim, shape, path, classes)
    step = int(meta.get("step", "0")) if meta.get("step", "0").isdigit() else 0
    return LoadedGenerator(generator, config, step, path,
                           "generator" if meta.get("format") == GENERATOR_FORMAT else "imported")


def inferred_config(latent_dim: int, shape: tuple[int, ...], path: Path,
                    classes: int = 0) -> RunConfig:
    """The configuration of a generator known only by its shapes: images of unknown data
    (of `classes` classes, named by their numbers, when it takes a label)."""
    if len(shape) != 3 or shape[0] not in (1, 3) or shape[1] != shape[2]:
        raise CheckpointError(f"{path.name} makes samples shaped {shape}; without GAN Studio "
                              "metadata it opens only square images with 1 or 3 channels.")
    # Not validated: the resolution may be one GAN Studio does not train (e.g. 128 pixels).
    model = ModelConfig(latent_dim=latent_dim, resolution=shape[1], channels=shape[0],
                        c_dim=int(classes))
    return imported_config(model, path)


# --- export --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exported:
    path: Path
    format: str
    max_error: float | None  # largest pixel difference to PyTorch on a check batch
    classes: int = 0  # the classes of the program's label input (0: it takes z alone)


class OneClass(nn.Module):
    """A conditional generator that draws one class: ``forward(z)`` alone, as programs take it."""

    def __init__(self, generator: nn.Module, c: torch.Tensor) -> None:
        super().__init__()
        self.generator = generator
        self.register_buffer("c", c.reshape(1, -1).float())
        self.latent_dim = generator.latent_dim
        self.sample_shape = generator.sample_shape

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z, self.c.expand(z.shape[0], -1))


class LabelInput(nn.Module):
    """A conditional generator as programs take it with the class: ``forward(z, label)``, the
    label one-hot (or soft) rows (N, c_dim), both inputs required."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator
        self.latent_dim = generator.latent_dim
        self.sample_shape = generator.sample_shape

    def forward(self, z: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        return self.generator(z, label)


def check_rows(classes: int) -> torch.Tensor:
    """The label rows an export with a label input is checked on: one-hot rows of up to five
    classes spread over the range (the first and the last among them), then a blend of the
    first and the last (the explorer's class morph draws such rows)."""
    picked = sorted({round(float(k)) for k in torch.linspace(0, classes - 1, min(classes, 5))})
    rows = torch.zeros(len(picked) + 1, classes)
    rows[torch.arange(len(picked)), torch.tensor(picked)] = 1
    rows[-1, 0] += 0.5
    rows[-1, classes - 1] += 0.5
    return rows


def export(loaded: LoadedGenerator, path: str | Path, fmt: str | None = None,
           label: int | None = None) -> Exported:
    """Writes the generator as safetensors, ONNX, TorchScript or .pt2 and, for the last three,
    re-opens the file and compares its images with the generator's on a few latents.

    A conditional generator's program takes the class as a second input (ONNX: `label`),
    one-hot rows (N, c_dim), and is checked on several classes and a blend of two; with
    ``label`` it draws that one class from z alone. A safetensors export keeps every class
    and takes no label."""
    path = Path(path)
    fmt = fmt or format_for(path)
    if fmt not in FORMATS:
        raise CheckpointError(f"Unknown export format '{fmt}': use one of {', '.join(FORMATS)}.")
    G = loaded.generator
    runtime = getattr(G, "runtime", None)
    if runtime:
        raise CheckpointError(f"{loaded.name} runs in {runtime}: it has no PyTorch weights to "
                              "export. Export from the original .safetensors checkpoint instead.")
    if fmt == "safetensors":
        if label is not None:
            raise CheckpointError("A safetensors export keeps every class; a class is chosen "
                                  "only for onnx, torchscript and pt2 programs.")
        return Exported(export_generator(G, loaded.config, path, step=loaded.step), fmt, None)
    meta = {"format": GENERATOR_FORMAT, "format_version": "1",
            "config": loaded.config.to_json(), "step": str(int(loaded.step))}
    reference = G
    classes = 0
    if label is not None:
        c = class_vector(G, label)
        if c is None:
            raise CheckpointError(f"{loaded.name} has no classes; export it without a class.")
        G = OneClass(G, c).eval()
        meta["class"] = str(int(label))
    elif classes := num_classes(G):
        G = LabelInput(G).eval()
        meta["label_input"], meta["classes"] = LABEL_INPUT, str(classes)
    dim = int(loaded.config.model.latent_dim)
    if fmt == "onnx":
        from ganstudio.core.io.onnx_generator import require, to_onnx_bytes

        require("onnx", "onnxscript", "onnxruntime")  # before the slow export
        try:
            program = exported_program(G, dim, classes)
        except Exception as e:
            raise CheckpointError(f"PyTorch could not export this generator to ONNX "
                                  f"({' '.join(str(e).split())[:200]}).") from None
        output = "points" if loaded.config.is_toy else "image"
        inputs = ("z", LABEL_INPUT) if classes else ("z",)
        atomic_write_bytes(path, to_onnx_bytes(program, meta, output, inputs))
    else:
        atomic_write_bytes(path, _program_bytes(G, dim, meta, fmt, classes))
    try:
        reopened = load(path, trust_code=True, fmt=fmt)  # our own file, written just now
        if num_classes(reopened.generator) != classes:
            raise CheckpointError(f"it takes labels of {num_classes(reopened.generator)} classes, "
                                  f"not {classes}")
        rows = check_rows(classes) if classes else None
        z = sample_z(12345, 5 if rows is None else len(rows), dim)
        wanted = label if rows is None else rows
        error = float((generate(reopened.generator, z, label=rows)
                       - generate(reference, z, label=wanted)).abs().max())
    except CheckpointError as e:
        path.unlink(missing_ok=True)
        raise CheckpointError(f"The {fmt} export could not be re-opened ({e}); nothing was "
                              "written.") from None
    if not error <= MAX_EXPORT_ERROR:
        path.unlink(missing_ok=True)
        raise CheckpointError(f"The {fmt} export makes images that differ from the generator's "
                              f"by up to {error:.3g}; nothing was written.")
    return Exported(path, fmt, error, classes)


def example_inputs(dim: int, classes: int, n: int) -> tuple[torch.Tensor, ...]:
    """n latents (and, for a program with a label input, n one-hot rows) to trace with."""
    z = sample_z(0, n, dim)
    if not classes:
        return (z,)
    return (z, torch.eye(classes)[torch.arange(n) % classes])


def exported_program(G: nn.Module, dim: int, classes: int = 0) -> torch.export.ExportedProgram:
    """torch.export's program of G (inputs z, and the label rows when ``classes``) with a
    dynamic batch axis, or for batches of one where the generator's code fixes the batch size
    (StyleGAN2's grouped convolutions do); the loaders read the fixed size back from the
    program's input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            args = example_inputs(dim, classes, 2)
            batch = torch.export.Dim("batch")
            return torch.export.export(G, args, strict=False,
                                       dynamic_shapes=tuple({0: batch} for _ in args))
        except Exception:
            return torch.export.export(G, example_inputs(dim, classes, 1), strict=False)


def _program_bytes(G: nn.Module, dim: int, meta: dict[str, str], fmt: str, classes: int = 0) -> bytes:
    """A .pt2 or TorchScript archive holding the generator and `meta`."""
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.jit's deprecation notice; see the docs
            if fmt == "pt2":
                program = exported_program(G, dim, classes)
                torch.export.save(program, buffer, extra_files={META_FILE: json.dumps(meta)})
            else:
                try:
                    scripted = torch.jit.script(G)
                except Exception:  # not scriptable: record one forward pass of one image
                    scripted = torch.jit.trace(G, example_inputs(dim, classes, 1), check_trace=False)
                    meta = {**meta, "batch": "1"}
                torch.jit.save(scripted, buffer, _extra_files={META_FILE: json.dumps(meta)})
    except Exception as e:
        raise CheckpointError(f"PyTorch could not export this generator as {fmt} "
                              f"({' '.join(str(e).split())[:200]}).") from None
    return buffer.getvalue()
