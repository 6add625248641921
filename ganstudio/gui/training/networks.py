"""Layer widths of a network, read off its modules for the model overview (no Qt; runs in
the training thread, where the networks live)."""

from __future__ import annotations

from typing import Any

PAIRS = (("in_features", "out_features"), ("in_channels", "out_channels"))


def _has_own_weight(module: Any) -> bool:
    if "weight" in getattr(module, "_parameters", {}):
        return True
    parametrized = getattr(module, "parametrizations", None)  # spectral norm keeps it there
    return parametrized is not None and "weight" in parametrized


def layer_widths(network: Any) -> list[int]:
    """Input width, then each weighted layer's output width, in the order the modules were
    declared: [2, 200, 200, 200, 200, 2] for a toy MLP; channels for convolutions."""
    widths: list[int] = []
    for module in network.modules():
        if not _has_own_weight(module):
            continue
        for a, b in PAIRS:
            if hasattr(module, a) and hasattr(module, b):
                if not widths:
                    widths.append(int(getattr(module, a)))
                widths.append(int(getattr(module, b)))
                break
    return widths


def config_widths(config: Any) -> dict[str, list[int]]:
    """G's and D's layer widths for a config, built on the meta device (no memory, no
    weights): the model overview before a run has networks."""
    import torch

    from ganstudio.core.models.build import build_discriminator, build_generator

    with torch.device("meta"):
        G = build_generator(config)
        try:
            D = build_discriminator(config)
        except ValueError:  # a family without a discriminator
            return {"G": layer_widths(G)}
    return {"G": layer_widths(G), "D": layer_widths(D)}
