"""Checkpoints: one .safetensors file, tensors prefixed G., G_ema., D., opt_G., opt_D., rng.,
and JSON strings in the metadata (format, version, kind, config, step, optimizer groups).

Nothing here unpickles a file a user chose: safetensors holds only tensors, and external
PyTorch state dicts load with torch.load(weights_only=True), which refuses code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganstudio.core.config import IMPORTED, ConfigError, DataConfig, ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.fsutil import atomic_write_bytes, openable_name, require_regular_file
from ganstudio.core.io.tensor_checks import check_values
from ganstudio.core.models.build import build_discriminator, build_generator
from ganstudio.core.models.registry import family

FORMAT = "ganstudio.checkpoint"
FORMAT_VERSION = 1
SUFFIX = ".safetensors"
KINDS = ("its own checkpoints and generator exports (.safetensors), run folders, PyTorch "
         "DCGAN state dicts (.pt/.pth), ONNX models (.onnx) and StyleGAN pickles (.pkl)")


@dataclass
class LoadedGenerator:
    generator: nn.Module  # eval mode, on the CPU
    config: RunConfig
    step: int
    source: Path | None
    kind: str = "generator"  # "full", "generator" or "imported"

    @property
    def name(self) -> str:
        return self.source.name if self.source else "in-memory generator"


# --- writing -----------------------------------------------------------------------------

def _cpu(sd: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {f"{prefix}{k}": v.detach().to("cpu").contiguous().clone() for k, v in sd.items()}


def flatten_optimizer(prefix: str, opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], str]:
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for pid, state in sd["state"].items():
        for name, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}state.{pid}.{name}"] = value.detach().cpu().contiguous().clone()
            else:
                scalars.setdefault(str(pid), {})[name] = value
    return tensors, json.dumps({"param_groups": sd["param_groups"], "scalars": scalars})


def restore_optimizer(opt: torch.optim.Optimizer, prefix: str, tensors: dict[str, torch.Tensor],
                       meta: str) -> None:
    info = json.loads(meta)
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith(prefix + "state."):
            pid, name = key[len(prefix) + 6:].split(".", 1)
            state.setdefault(int(pid), {})[name] = value
    for pid, scalars in info.get("scalars", {}).items():
        state.setdefault(int(pid), {}).update(scalars)
    opt.load_state_dict({"state": state, "param_groups": info["param_groups"]})


def save_checkpoint(path: str | Path, *, config: RunConfig, step: int, G: nn.Module,
                    D: nn.Module | None = None, G_ema: nn.Module | None = None,
                    opt_G: torch.optim.Optimizer | None = None, opt_D: torch.optim.Optimizer | None = None,
                    rng: dict[str, torch.Tensor] | None = None, extra: dict[str, Any] | None = None,
                    kind: str = "full") -> Path:
    """Writes a checkpoint atomically; raises CheckpointError (e.g. disk full) and leaves any
    previous file at `path` untouched."""
    from safetensors.torch import save

    tensors = _cpu(G.state_dict(), "G.")
    meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "kind": kind,
            "config": config.to_json(), "step": str(int(step))}
    if G_ema is not None:
        tensors.update(_cpu(G_ema.state_dict(), "G_ema."))
    if D is not None:
        tensors.update(_cpu(D.state_dict(), "D."))
    for prefix, opt in (("opt_G.", opt_G), ("opt_D.", opt_D)):
        if opt is not None:
            t, m = flatten_optimizer(prefix, opt)
            tensors.update(t)
            meta[prefix + "meta"] = m
    for name, value in (rng or {}).items():
        tensors[f"rng.{name}"] = value.detach().cpu().contiguous().clone()
    if extra:
        meta["extra"] = json.dumps(extra)
    path = Path(path)
    try:
        atomic_write_bytes(path, save(tensors, metadata=meta))
    except OSError as e:
        raise CheckpointError(f"Could not write the checkpoint {path}: {e.strerror or e}. "
                              "Free some disk space or choose another folder; the previous "
                              "checkpoint is unchanged.") from None
    return path


def export_generator(generator: nn.Module, config: RunConfig, path: str | Path, step: int = 0) -> Path:
    """A generator-only file for sharing: the weights under G. and the config."""
    return save_checkpoint(path, config=config, step=step, G=generator, kind="generator")


# --- reading -----------------------------------------------------------------------------

def read_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of one of our checkpoint files; CheckpointError for anything else."""
    from safetensors import safe_open

    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path} does not exist.")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file; open it as a run folder.")
    require_regular_file(path, CheckpointError, "checkpoint file")  # a FIFO would block
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path.name} is empty (0 bytes); it was probably cut off while "
                              "being written or copied. Use an earlier checkpoint.")
    try:
        with openable_name(path) as name, safe_open(name, framework="pt", device="cpu") as f:
            meta = dict(f.metadata() or {})
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # safetensors raises several types for damaged files
        if path.suffix.lower() != SUFFIX:
            raise CheckpointError(f"{path.name} is not a kind of file GAN Studio opens "
                                  f"({' '.join(str(e).split())[:120]}); it opens {KINDS}.") from None
        raise CheckpointError(
            f"{path.name} is not a readable GAN Studio checkpoint ({' '.join(str(e).split())[:160]}). "
            "It may be truncated or a different kind of file; a GAN Studio checkpoint is a "
            ".safetensors file written by the app or `ganstudio train`.") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is a safetensors file but not a GAN Studio checkpoint "
                              "(its metadata has no GAN Studio format tag). To use PyTorch DCGAN "
                              "weights, import the .pth file with `ganstudio import`.")
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        version = -1
    if not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{path.name} has checkpoint format version {meta.get('format_version')}, "
                              f"but this GAN Studio reads versions 1 to {FORMAT_VERSION}. "
                              "Update GAN Studio to open it.")
    return tensors, meta


def config_of(meta: dict[str, str], path: Path) -> RunConfig:
    try:
        return RunConfig.from_json(meta["config"]).validate()
    except (KeyError, ConfigError, TypeError) as e:
        raise CheckpointError(f"{path.name} has a missing or invalid run configuration ({e}).") from None


def strip_prefix(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def load_into(module: nn.Module, state: dict[str, torch.Tensor], what: str, path: Path) -> None:
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise CheckpointError(f"The {what} weights in {path.name} do not fit the architecture its "
                              f"configuration describes ({first}). The file is damaged or was "
                              "edited.") from None


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) or "a scalar"


def expected_tensors(build: Callable[[], nn.Module]) -> dict[str, torch.Tensor] | None:
    """A network's state dict on the meta device: names, shapes and dtypes, no data. None for
    a module that cannot be built there (load_into still checks it, after building)."""
    try:
        with torch.device("meta"):
            module = build()
    except Exception:
        return None
    return dict(module.state_dict())


def expected_shapes(build: Callable[[], nn.Module]) -> dict[str, tuple[int, ...]] | None:
    """Names and shapes of a network's weights, found without allocating them: the module is
    built on the meta device, which records shapes and holds no data. None for a module that
    cannot be built there (load_into still checks it, after building)."""
    expected = expected_tensors(build)
    return None if expected is None else {k: tuple(v.shape) for k, v in expected.items()}


def check_weights_fit(config: RunConfig, state: dict[str, torch.Tensor], what: str, path: Path) -> None:
    """Refuses weights that do not fit the architecture the file's config declares, before
    any network is built: a file that declares a huge network beside small tensors (damaged or
    crafted) costs nothing, rather than gigabytes of memory. Then each weight's values: floats
    where the network has floats, none NaN or infinite (tensor_checks.check_values)."""
    build = build_discriminator if what == "discriminator" else build_generator
    expected = expected_tensors(lambda: build(config))
    if expected is None:
        return
    m = config.model
    # Where a family's size is one config field, the message names it (any family is checked).
    field = family(m.arch).width_fields.get("discriminator" if what == "discriminator" else "generator")
    declared = f"a {m.arch} {what}" + (f" of width {getattr(m, field)} (model.{field})" if field else "")
    for key, want in expected.items():
        if key in state and tuple(state[key].shape) != tuple(want.shape):
            raise CheckpointError(
                f"{path.name} declares {declared}, but its weights do not fit it: {key} is "
                f"{_shape(tuple(state[key].shape))} in the file and {_shape(tuple(want.shape))} in "
                f"the declared {what}. The file is damaged or was edited.")
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    if missing or unexpected:
        found = [f"{len(missing)} missing (such as {missing[0]})"] if missing else []
        found += [f"{len(unexpected)} it does not use (such as {unexpected[0]})"] if unexpected else []
        raise CheckpointError(f"{path.name} declares {declared}, but its weights do not fit it: "
                              f"{' and '.join(found)}. The file is damaged or was edited.")
    for key, want in expected.items():
        check_values(key, state[key], want, path.name)


def check_checkpoint_fits(config: RunConfig, tensors: dict[str, torch.Tensor], path: Path) -> None:
    """check_weights_fit for each network a checkpoint holds (G., G_ema., D.)."""
    for prefix, what in (("G.", "generator"), ("G_ema.", "EMA generator"), ("D.", "discriminator")):
        state = strip_prefix(tensors, prefix)
        if state:
            check_weights_fit(config, state, what, path)


def imported_config(model: ModelConfig, source: Path) -> RunConfig:
    """The config of a generator made by another program: its training data are unknown, so
    the data label says `imported` (with the file's name), never a dataset it may not have seen;
    the metrics then score only what applies, and training refuses it."""
    return RunConfig(model=model, data=DataConfig(name=IMPORTED, path=source.name))
