"""Networks for a config, through the family table (core/models/registry.py)."""

from __future__ import annotations

from torch import nn

from ganstudio.core import losses
from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.models.registry import family


def build_generator(cfg: ModelConfig | RunConfig, toy: bool = False) -> nn.Module:
    """A generator for a run (or a model config; `toy` then says whether it makes toy points:
    True for 2-D ones, or their shape, (1,) or (2,))."""
    if isinstance(cfg, RunConfig):
        cfg, toy = cfg.model, (cfg.sample_shape if cfg.is_toy else False)
    return family(cfg.arch).build_generator(cfg, toy)


def build_discriminator(cfg: ModelConfig | RunConfig, toy: bool = False, loss: str = "bce") -> nn.Module:
    """The discriminator of a run; ValueError for a family that has none."""
    if isinstance(cfg, RunConfig):
        cfg, toy, loss = cfg.model, (cfg.sample_shape if cfg.is_toy else False), cfg.train.loss
    # Spectral norm already constrains D, and some losses' penalties need samples that do not
    # mix in a batch, so either leaves batch norm out.
    batch_norm = losses.loss(loss).allows_batch_norm and not cfg.spectral_norm
    return family(cfg.arch).build_discriminator(cfg, toy, batch_norm)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
