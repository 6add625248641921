"""Open any model file: the one dispatcher behind File > Open, `ganstudio MODEL`, and every
command that takes a model.

A model name (`default`), a run folder (its newest checkpoint), our safetensors checkpoints
and generator exports, PyTorch DCGAN state dicts (.pth, read with weights_only), NVIDIA
StyleGAN snapshots (.pkl, through the restricted unpickler of `nvlabs_pickle`), and through
`interop` ONNX, trusted TorchScript/.pt2 archives and a refusal for Keras files. Each format
module depends on the checkpoint primitives, never on this dispatcher.
"""

from __future__ import annotations

from pathlib import Path

from ganstudio.core.config import ConfigError
from ganstudio.core.errors import CheckpointError, UserError
from ganstudio.core.fsutil import require_regular_file
from ganstudio.core.io import url as urls
from ganstudio.core.io.checkpoint import (
    LoadedGenerator,
    check_weights_fit,
    config_of,
    export_generator,
    imported_config,
    load_into,
    read_checkpoint,
    strip_prefix,
)
from ganstudio.core.io.torch_files import read_state_dict
from ganstudio.core.models.build import build_generator
from ganstudio.core.models.dcgan.pytorch_example import infer_dcgan_config


def resolve_checkpoint(path: str | Path) -> Path:
    """A run folder becomes its newest checkpoint, a model name (`default`) its file when no
    file of that name exists (core.names), an http(s) URL its downloaded file (`io.url`: once,
    into the user cache); a file stays itself."""
    from ganstudio.core.names import ModelNameError, resolve_model_name

    if urls.is_url(path):
        return urls.download(str(path))
    try:
        path = resolve_model_name(path)
    except ModelNameError as e:
        raise CheckpointError(str(e)) from None
    if path.is_dir():
        from ganstudio.core.io.runs import latest_checkpoint

        ckpt = latest_checkpoint(path)
        if ckpt is None:
            raise CheckpointError(f"The folder {path} holds no checkpoint yet (looked in "
                                  f"{path / 'checkpoints'}). Wait for the run to save one, or "
                                  "open a .safetensors file.")
        return ckpt
    return path


def load_url(url: str, progress: urls.ProgressFn | None = None,
             should_stop: urls.StopFn | None = None) -> LoadedGenerator:
    """The model at an http(s) URL: downloaded once (with ``progress(done, total)`` and
    ``should_stop()``, see `io.url.download`), then opened by the loaders below. A download
    that is not a model is dropped from the cache and named by its URL."""
    path = urls.download(url, progress, should_stop)
    try:
        return load_generator(path)
    except UserError as e:
        urls.forget(url)
        raise CheckpointError(f"{url.strip()} is not a model GAN Studio can open: {e}") from None


def load_generator(path: str | Path, prefer_ema: bool = True) -> LoadedGenerator:
    """A generator from a checkpoint, a generator export, a run folder, a DCGAN .pth, an
    NVlabs StyleGAN2/3 .pkl, a model name (`default`: the shipped generator) or an http(s)
    URL of any of these files (downloaded once; see `load_url`)."""
    if urls.is_url(path):
        return load_url(str(path))
    path = resolve_checkpoint(path)
    # stat first: a FIFO or a device named like a model would block or never end when read
    require_regular_file(path, CheckpointError, "model file")
    from ganstudio.core.io import interop

    if interop.handles(path):
        return interop.load(path)
    if path.suffix.lower() in (".pt", ".pth"):
        return import_state_dict(path)
    if path.suffix.lower() == ".pkl":
        return import_nvlabs_pickle(path)
    tensors, meta = read_checkpoint(path)
    config = config_of(meta, path)
    prefix = "G_ema." if prefer_ema and any(k.startswith("G_ema.") for k in tensors) else "G."
    state = strip_prefix(tensors, prefix)
    if not state:
        raise CheckpointError(f"{path.name} holds no generator weights.")
    check_weights_fit(config, state, "generator", path)
    G = build_generator(config)
    load_into(G, state, "generator", path)
    G.eval().requires_grad_(False)
    kind = meta.get("kind", "full")
    return LoadedGenerator(G, config, int(meta.get("step", "0")), path, kind)


# --- import of PyTorch DCGAN example weights ---------------------------------------------

def import_nvlabs_pickle(path: str | Path, out_path: str | Path | None = None) -> LoadedGenerator:
    """The StyleGAN2 or StyleGAN3 generator (G_ema) of an NVlabs `.pkl` snapshot, read without running
    anything from the file (see nvlabs_pickle); written as a generator export to out_path
    when given."""
    from ganstudio.core.io.nvlabs_config import nvlabs_model_config
    from ganstudio.core.io.nvlabs_pickle import load_nvlabs_generator

    path = Path(path)
    G, kw = load_nvlabs_generator(path)  # its settings are validated before it is built
    config = imported_config(nvlabs_model_config(kw), path).validate()
    if out_path is not None:
        export_generator(G, config, out_path)
    return LoadedGenerator(G, config, 0, Path(out_path) if out_path else path, "imported")


def import_state_dict(path: str | Path, out_path: str | Path | None = None) -> LoadedGenerator:
    """A PyTorch DCGAN example generator (`torch.save(netG.state_dict(), ...)`) as our generator;
    written as a generator export to out_path when given."""
    path = Path(path)
    state = read_state_dict(path)  # refuses what is not a regular file, unopened
    model = infer_dcgan_config(state, path.name)
    config = imported_config(model, path)
    try:
        config.validate()
    except ConfigError as e:
        raise CheckpointError(f"{path.name} holds a DCGAN generator GAN Studio cannot use ({e}).") from None
    check_weights_fit(config, state, "generator", path)
    G = build_generator(config)
    load_into(G, state, "generator", path)
    G.eval().requires_grad_(False)
    if out_path is not None:
        export_generator(G, config, out_path)
    return LoadedGenerator(G, config, 0, Path(out_path) if out_path else path, "imported")
