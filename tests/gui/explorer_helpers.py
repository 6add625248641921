"""What the explorer tests share: a tiny MLP generator, a shown Explorer tab, and waiting
for the frame a change asked for (in W: the full frame once an edit has settled)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.io.checkpoint import LoadedGenerator
from ganstudio.core.models.build import build_generator
from ganstudio.gui.explorer.tab import ExplorerTab


def tiny_loaded(latent_dim: int = 8, seed: int = 0) -> LoadedGenerator:
    """An MLP generator: z (latent_dim) -> Linear -> ReLU ("main.1") -> Linear -> Tanh."""
    import torch

    torch.manual_seed(seed)
    model = ModelConfig(
        arch="mlp", latent_dim=latent_dim, resolution=28, channels=1, mlp_hidden=32, mlp_layers=1
    )
    config = RunConfig(model=model)
    return LoadedGenerator(build_generator(config).eval().requires_grad_(False), config, 10, None)


def make_tab(qtbot: Any, cache_dir: Path, loaded: Any = None) -> ExplorerTab:
    """A shown Explorer tab caching directions in ``cache_dir``; with ``loaded``, showing
    its first frame."""
    widget = ExplorerTab(autoload=False, cache_dir=cache_dir)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    if loaded is not None:
        widget.set_generator(loaded)
        wait_frame(qtbot, widget)
    return widget


def wait_frame(qtbot: Any, tab: ExplorerTab) -> np.ndarray:
    """The frame shown once the latest request is painted."""
    qtbot.waitUntil(lambda: tab.image.painted_id >= tab.last_request_id > 0, timeout=20000)
    return tab.image.array().copy()


def settle(qtbot: Any, tab: ExplorerTab) -> np.ndarray:
    """The full W frame after an edit: past the drag-settle time, then its frame."""
    from ganstudio.gui.explorer.wspace_mode import SETTLE_MS

    qtbot.wait(SETTLE_MS + 50)
    return wait_frame(qtbot, tab)
