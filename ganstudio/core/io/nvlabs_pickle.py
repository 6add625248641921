"""Opens StyleGAN2 snapshots (`.pkl`) written by NVlabs' stylegan2-ada-pytorch, and the
StyleGAN2 and StyleGAN3 (alias-free, configs T and R) networks of their stylegan3
repository, without running anything from the file.

Their snapshots are pickles of whole modules, and their persistence format embeds each
class's Python source, which `pickle.load` would exec. Here a restricted unpickler answers
every global the file names from a short allowlist of our own functions:

- `torch_utils.persistence._reconstruct_persistent_obj` -> `PersistentRecord`: the class
  name and the object's `__dict__` state (`_parameters`, `_buffers`, `_modules`,
  `_init_kwargs`, ...). The embedded source is dropped unread.
- `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter(_with_state)` -> tensors built
  here from a storage, with types and bounds checked.
- `torch.storage._load_from_bytes` -> `torch.load(weights_only=True)` (tensor data only).
- numpy scalars, dtypes and arrays of numeric types -> values built with `np.frombuffer`.
- `collections.OrderedDict`, `dnnlib(.util).EasyDict` -> dicts.

Anything else (`os.system`, `builtins.eval`, any other class) is refused with a
CheckpointError before it is looked up, so nothing the file names is ever imported or
called. The generator is then built from its recorded constructor arguments, once they
make a model config GAN Studio allows and every weight is bytes the file holds (no storage
inflates beyond its bytes, no stride-0 or shared views: `tensor_checks`), finite floats;
its tensors are loaded by name, strictly.
"""

from __future__ import annotations

import collections
import io
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganstudio.core.errors import CheckpointError
from ganstudio.core.fsutil import require_regular_file
from ganstudio.core.io.nvlabs_config import check_declared
from ganstudio.core.io.nvlabs_stylegan3 import stylegan3_kwargs
from ganstudio.core.io.tensor_checks import check_physical, check_values, check_zip_members
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

SUPPORTED = "GAN Studio only opens StyleGAN2 and StyleGAN3 generator snapshots"
MAX_DEPTH = 32  # module nesting; NVIDIA's generators nest 4 deep


class RefusedGlobal(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"refused: the file asks to run {module}.{name}; {SUPPORTED}")


class PersistentRecord:
    """A pickled NVlabs module, as data: never an object of its class."""

    def __init__(self, class_name: str, state: dict[str, Any]) -> None:
        self.class_name = class_name
        self.state = state

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError("a persistent object was given extra state")

    def __repr__(self) -> str:
        return f"PersistentRecord({self.class_name})"

    @property
    def modules(self) -> dict[str, Any]:
        return dict(self.state.get("_modules") or {})

    @property
    def init_kwargs(self) -> dict[str, Any]:
        return dict(self.state.get("_init_kwargs") or {})

    def walk(self, prefix: str = "") -> list[tuple[str, PersistentRecord]]:
        """(dotted name, record) for this record and every sub-module, depth first. Iterative
        and bounded: a file may nest records thousands deep or make one contain itself."""
        out: list[tuple[str, PersistentRecord]] = []
        stack: list[tuple[str, PersistentRecord, tuple[int, ...]]] = [(prefix, self, ())]
        while stack:
            name, rec, parents = stack.pop()
            if id(rec) in parents:
                raise pickle.UnpicklingError(f"the module {name.rstrip('.') or 'G'} contains itself")
            if len(parents) >= MAX_DEPTH:
                raise pickle.UnpicklingError(f"modules are nested more than {MAX_DEPTH} deep")
            out.append((name, rec))
            children = [(f"{name}{k}.", c) for k, c in rec.modules.items() if isinstance(c, PersistentRecord)]
            stack += [(n, c, (*parents, id(rec))) for n, c in reversed(children)]
        return out

    def tensors(self) -> dict[str, torch.Tensor]:
        """The state dict the module would have: parameters and persistent buffers, by name."""
        out: dict[str, torch.Tensor] = {}
        for prefix, rec in self.walk():
            skip = set(rec.state.get("_non_persistent_buffers_set") or ())
            for group in ("_parameters", "_buffers"):
                for name, value in (rec.state.get(group) or {}).items():
                    if value is None or name in skip:
                        continue
                    if not isinstance(value, torch.Tensor):
                        raise pickle.UnpicklingError(f"{prefix}{name} is not a tensor")
                    out[prefix + name] = value
            for name, child in rec.modules.items():
                if child is not None and not isinstance(child, PersistentRecord):
                    raise pickle.UnpicklingError(f"{prefix}{name} is not a module")
        return out


class _PlainDict(dict):
    """dnnlib.EasyDict (a dict with attribute access) read as a dict."""

    def __setstate__(self, state: Any) -> None:
        if state:
            raise pickle.UnpicklingError("a dictionary was given extra state")


# --- the allowlisted reconstructors ------------------------------------------------------

def _reconstruct_persistent_obj(meta: Any) -> PersistentRecord:
    if not isinstance(meta, dict) or meta.get("type") != "class":
        raise pickle.UnpicklingError("a persistent object without class metadata")
    name, state = meta.get("class_name"), meta.get("state")
    if not isinstance(name, str) or not isinstance(state, dict):
        raise pickle.UnpicklingError("a persistent object without a class name or state")
    return PersistentRecord(name, dict(state))  # meta["module_src"] is never read


def _load_from_bytes(data: Any) -> Any:
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError("tensor storage that is not bytes")
    data = bytes(data)
    check_zip_members(data, "a tensor storage")  # a deflated member would inflate in memory
    storage = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise pickle.UnpicklingError("tensor storage bytes that hold something else")
    untyped = storage._untyped_storage if isinstance(storage, torch.TypedStorage) else storage
    if untyped.nbytes() > len(data):
        raise pickle.UnpicklingError("a tensor storage larger than the bytes that hold it")
    return storage


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any = False, backward_hooks: Any = None,
                       metadata: Any = None) -> torch.Tensor:
    if not isinstance(storage, torch.TypedStorage):
        raise pickle.UnpicklingError("a tensor without a typed storage")
    if not (_is_int(storage_offset) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(map(_is_int, size + stride))):
        raise pickle.UnpicklingError("a tensor with malformed size or stride")
    if backward_hooks:
        raise pickle.UnpicklingError("a tensor with backward hooks")
    t = torch.empty(0, dtype=storage.dtype)
    t.set_(storage._untyped_storage, storage_offset, size, stride)  # bounds-checked by torch
    return t


def _rebuild_parameter(data: Any, requires_grad: Any = False, backward_hooks: Any = None,
                       state: Any = None) -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise pickle.UnpicklingError("a parameter without tensor data")
    if backward_hooks:
        raise pickle.UnpicklingError("a parameter with backward hooks")
    return data  # as a plain tensor: it is only copied into our own module


_NUMERIC_DTYPE = re.compile(r"^[<>|=]?[biufc]\d{1,2}$")


class _DType:
    """numpy.dtype(spec, align, copy) with its pickled byte-order state; numeric types only."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = False) -> None:
        if not isinstance(spec, str) or not _NUMERIC_DTYPE.match(spec):
            raise pickle.UnpicklingError(f"numpy dtype {spec!r} is not a plain numeric type")
        self.spec = spec
        self.order = "="

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "|", "="):
            self.order = state[1]

    def numpy(self) -> np.dtype:
        dtype = np.dtype(self.spec)
        return dtype if self.order in ("|", "=") else dtype.newbyteorder(self.order)


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, _DType) or not isinstance(data, bytes):
        raise pickle.UnpicklingError("a numpy scalar that is not a plain number")
    dt = dtype.numpy()
    if len(data) != dt.itemsize:
        raise pickle.UnpicklingError("a numpy scalar of the wrong size")
    return np.frombuffer(data, dtype=dt)[0].item()


class _NDArrayType:
    """Stands for numpy.ndarray, which the pickle passes to _reconstruct."""


class _ArrayRecord:
    """numpy's ndarray reconstruction: _reconstruct(ndarray, (0,), b'b'), then the state
    (version, shape, dtype, fortran order, raw bytes) sets the data."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise pickle.UnpicklingError("a numpy array with malformed state")
        _, shape, dtype, fortran, raw = state
        if not (isinstance(shape, tuple) and all(map(_is_int, shape)) and isinstance(dtype, _DType)
                and isinstance(raw, (bytes, bytearray))):
            raise pickle.UnpicklingError("a numpy array that is not a plain numeric array")
        arr = np.frombuffer(bytes(raw), dtype=dtype.numpy())
        self.array = arr.reshape(shape, order="F" if fortran else "C").copy()


def _numpy_reconstruct(cls: Any, shape: Any = None, typecode: Any = None) -> _ArrayRecord:
    if cls is not _NDArrayType:
        raise pickle.UnpicklingError("a numpy array of a subclass")
    return _ArrayRecord()


_ALLOWED: dict[tuple[str, str], Callable[..., Any] | type] = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _load_from_bytes,
    ("numpy", "dtype"): _DType,
    ("numpy", "ndarray"): _NDArrayType,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("dnnlib.util", "EasyDict"): _PlainDict,
    ("dnnlib", "EasyDict"): _PlainDict,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise RefusedGlobal(module, name)
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("the file uses persistent ids, which NVlabs snapshots do not")


def read_snapshot(path: str | Path) -> Any:
    """The unpickled snapshot, modules as PersistentRecords; CheckpointError for a refused
    global or a file that is not a readable pickle."""
    path = require_regular_file(path, CheckpointError, "StyleGAN snapshot")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path.name} is empty (0 bytes); it was probably cut off while "
                              "being downloaded or copied.")
    try:
        with open(path, "rb") as f:
            return _RestrictedUnpickler(f).load()
    except (RefusedGlobal, CheckpointError) as e:
        raise CheckpointError(f"{path.name}: {str(e).rstrip('.')}.") from None
    except MemoryError:
        raise CheckpointError(f"{path.name} needs more memory to read than is available.") from None
    except Exception as e:  # truncated files raise EOFError, UnpicklingError, ValueError, ...
        detail = " ".join(str(e).split())[:160] or type(e).__name__
        raise CheckpointError(f"{path.name} is not a readable StyleGAN snapshot ({detail}). It may be "
                              "truncated (download it again) or a different kind of .pkl file.") from None


# --- from a record to our generator -------------------------------------------------------

_GENERATOR_ARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs",
                   "synthesis_kwargs")
_SG3_ARGS = _GENERATOR_ARGS[:-1]  # the alias-free Generator takes its synthesis options flat
# Options whose non-default value changes what the network computes, and which
# StyleGAN2Generator does not offer.
_MAPPING_FIXED = {"lr_multiplier": 0.01, "activation": "lrelu"}
_SYNTHESIS_FIXED = {"resample_filter": [1, 3, 3, 1], "use_noise": True, "activation": "lrelu",
                    "kernel_size": 3}


def is_stylegan3(G: PersistentRecord) -> bool:
    synthesis = G.modules.get("synthesis")
    if not isinstance(synthesis, PersistentRecord):
        return False
    names = set(synthesis.modules)
    return "input" in names or any(n.startswith("L0_") for n in names) or any(
        rec.class_name == "SynthesisInput" for _, rec in synthesis.walk())


def generator_kwargs(G: PersistentRecord, source: str) -> dict[str, Any]:
    """StyleGAN2Generator's constructor arguments from the recorded NVlabs init kwargs."""
    kwargs = _recorded_kwargs(G, _GENERATOR_ARGS)
    # stylegan2-ada-pytorch nests synthesis options; the stylegan3 repo passes them flat.
    synthesis = dict(kwargs.get("synthesis_kwargs") or {})
    for key, value in kwargs.items():
        if key not in _GENERATOR_ARGS:
            synthesis.setdefault(key, value)
    mapping = dict(kwargs.get("mapping_kwargs") or {})
    for options, fixed in ((mapping, _MAPPING_FIXED), (synthesis, _SYNTHESIS_FIXED)):
        for key, default in fixed.items():
            value = options.get(key, default)
            if (list(value) if isinstance(value, (list, tuple)) else value) != default:
                raise CheckpointError(f"{source} uses the StyleGAN2 option {key} = {value!r}, which GAN "
                                      f"Studio does not support (only {default!r}).")
    for key in ("layer_features", "embed_features"):
        if mapping.get(key) not in (None, kwargs.get("w_dim")):
            raise CheckpointError(f"{source} uses the StyleGAN2 mapping option {key} = "
                                  f"{mapping[key]!r}, which GAN Studio does not support.")
    architecture = synthesis.get("architecture", "skip")
    if architecture not in ("skip", "orig"):
        raise CheckpointError(f"{source} has a StyleGAN2 generator of the {architecture!r} output "
                              "architecture; GAN Studio opens the 'skip' (standard) and 'orig' ones.")
    try:
        out = {key: int(kwargs[key]) for key in ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels")}
        out.update(mapping_layers=int(mapping.get("num_layers", 8)),
                   channel_base=int(synthesis.get("channel_base", 32768)),
                   channel_max=int(synthesis.get("channel_max", 512)),
                   num_fp16_res=int(synthesis.get("num_fp16_res", 0)),
                   conv_clamp=None if synthesis.get("conv_clamp") is None else float(synthesis["conv_clamp"]),
                   architecture=architecture)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{source} holds a generator without readable settings ({e!r} "
                              "missing or malformed).") from None
    return out


def pick_generator(snapshot: Any, source: str) -> PersistentRecord:
    """G_ema (the weights NVlabs evaluates and shares), else G, of a snapshot."""
    if isinstance(snapshot, PersistentRecord):
        G = snapshot
    elif isinstance(snapshot, dict):
        G = snapshot.get("G_ema") if snapshot.get("G_ema") is not None else snapshot.get("G")
    else:
        G = None
    if not isinstance(G, PersistentRecord):
        raise CheckpointError(f"{source} holds no generator (no G_ema or G); {SUPPORTED}.")
    if G.class_name != "Generator" or "mapping" not in G.modules or "synthesis" not in G.modules:
        raise CheckpointError(f"{source} holds a {G.class_name}, not a StyleGAN generator; {SUPPORTED}.")
    try:
        G.walk()  # once here, so that later walks meet a bounded tree
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{source} holds a malformed generator ({e}).") from None
    return G


def _recorded_kwargs(G: PersistentRecord, names: tuple[str, ...]) -> dict[str, Any]:
    kwargs = G.init_kwargs
    for key, value in zip(names, G.state.get("_init_args") or ()):
        kwargs.setdefault(key, value)
    return kwargs


def _build(G: PersistentRecord, source: str, build: Callable[[], torch.nn.Module],
           family: str) -> torch.nn.Module:
    """build()'s network with the record's weights (every tensor accounted for), eval, CPU."""
    try:
        # Shapes first, on the meta device (no memory behind them): a record that declares a
        # huge network beside small weights is refused before anything is allocated.
        with torch.device("meta"):
            expected = build().state_dict()
    except (ValueError, RuntimeError) as e:
        raise CheckpointError(f"{source} describes a generator GAN Studio cannot build ({e}).") from None
    try:
        tensors = G.tensors()
    except pickle.UnpicklingError as e:
        raise CheckpointError(f"{source} holds a malformed generator ({e}).") from None
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        what = (f"missing {', '.join(missing[:3])}" if missing else f"unknown {', '.join(unexpected[:3])}")
        if any(k.startswith("synthesis.") and ".skip." in k for k in unexpected):
            what = "a 'resnet' output architecture"
        raise CheckpointError(f"{source} holds a generator whose weights do not match a {family} "
                              f"of its recorded settings ({what}); {SUPPORTED}.")
    for name, value in tensors.items():
        if tuple(value.shape) != tuple(expected[name].shape):
            raise CheckpointError(f"{source}: the weight {name} has shape {tuple(value.shape)}, but its "
                                  f"settings call for {tuple(expected[name].shape)}.")
    check_physical(tensors.items(), source)  # so the network is no larger than the file
    for name, value in tensors.items():
        check_values(name, value, expected[name], source)
    net = build()
    net.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, strict=True)
    return net.eval().requires_grad_(False)


def build_from_record(G: PersistentRecord, source: str) -> StyleGAN2Generator:
    """Our StyleGAN2 generator with the record's weights (every tensor accounted for)."""
    kwargs = generator_kwargs(G, source)
    return _build(G, source, lambda: StyleGAN2Generator(**kwargs), "StyleGAN2")


def load_nvlabs_generator(path: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """(generator, its settings) from an NVlabs `.pkl` snapshot: a StyleGAN2Generator and its
    constructor kwargs, or a StyleGAN3Generator and `nvlabs_stylegan3.stylegan3_kwargs`."""
    path = Path(path)
    record = pick_generator(read_snapshot(path), path.name)
    if is_stylegan3(record):
        kw = stylegan3_kwargs(_recorded_kwargs(record, _SG3_ARGS), path.name)
        model = check_declared(kw, path.name)  # a config GAN Studio allows, before anything is built
        # built by the StyleGAN3 family's row, as any checkpoint of that config
        return _build(record, path.name, lambda: build_generator(model), "StyleGAN3"), kw
    kwargs = generator_kwargs(record, path.name)
    check_declared(kwargs, path.name)
    return build_from_record(record, path.name), kwargs
