"""The model config of an NVIDIA StyleGAN snapshot's generator, from its recorded settings.

Checked before anything is built, even on the meta device: a snapshot's constructor
arguments come from the file, and a network built from unchecked ones (a resolution or
width no config allows) can cost gigabytes before any other check runs.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.config import IMPORTED, ConfigError, DataConfig, ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError
from ganstudio.core.models.registry import families, family


def nvlabs_model_config(kw: dict[str, Any]) -> ModelConfig:
    """ModelConfig of a StyleGAN2 (`generator_kwargs`) or StyleGAN3 (`stylegan3_kwargs`)
    generator's settings: the family whose row reads them (Family.from_nvlabs)."""
    for row in families():
        if row.from_nvlabs is not None:
            model = row.from_nvlabs(kw)
            if model is not None:
                return model
    raise CheckpointError("no model family reads these NVIDIA settings")


def check_declared(kw: dict[str, Any], source: str) -> ModelConfig:
    """The validated model config of these settings; CheckpointError naming what no GAN
    Studio config allows."""
    model = nvlabs_model_config(kw)
    try:
        RunConfig(model=model, data=DataConfig(name=IMPORTED, path=source)).validate()
    except ConfigError as e:
        raise CheckpointError(f"{source} holds a {family(model.arch).short_title} generator GAN Studio cannot "
                              f"use yet ({e}).") from None
    return model
