from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    # Decoded image folders are cached per user: the tests keep theirs in a temporary folder.
    old = os.environ.get("GANSTUDIO_CACHE")
    os.environ["GANSTUDIO_CACHE"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if old is None:
        os.environ.pop("GANSTUDIO_CACHE", None)
    else:
        os.environ["GANSTUDIO_CACHE"] = old


@pytest.fixture(autouse=True)
def _few_threads():
    # Two cores are shared with the Qt thread and the test runner: keep torch to one.
    import torch

    torch.set_num_threads(1)
    yield


def make_tiny_config(arch: str = "dcgan", data: str = "mnist-embedded", **train):
    from ganstudio.core.config import preset

    cfg = preset("mnist-dcgan" if data.startswith("mnist") or data == "folder" else data)
    cfg.model.arch = arch
    cfg.data.name = data
    cfg.model.g_width = cfg.model.d_width = 8
    cfg.model.mlp_hidden = 32
    cfg.model.mlp_layers = 1
    cfg.model.latent_dim = 8 if data.startswith("toy") else 16
    if data.startswith("toy"):
        cfg.model.pack = 1
    cfg.train.batch_size = 8
    cfg.train.steps = 6
    cfg.train.sample_every = 3
    cfg.train.checkpoint_every = 3
    cfg.train.log_every = 1
    cfg.train.device = "cpu"
    for k, v in train.items():
        setattr(cfg.train, k, v)
    return cfg.validate()


@pytest.fixture
def tiny_config():
    """A factory of small, fast run configs: tiny_config(arch, data, **train_fields)."""
    return make_tiny_config
