"""The model config of an NVIDIA StyleGAN snapshot's generator, from its recorded settings.

Checked before anything is built, even on the meta device: a snapshot's constructor
arguments come from the file, and a network built from unchecked ones (a resolution or
width no config allows) can cost gigabytes before any other check runs.
"""

from __future__ import annotations

from typing import Any

from ganstudio.core.config import IMPORTED, ConfigError, DataConfig, ModelConfig, RunConfig
from ganstudio.core.errors import CheckpointError


def nvlabs_model_config(kw: dict[str, Any]) -> ModelConfig:
    """ModelConfig of a StyleGAN2 (`generator_kwargs`) or StyleGAN3 (`stylegan3_kwargs`)
    generator's settings."""
    common = dict(latent_dim=kw["z_dim"], resolution=kw["img_resolution"], channels=kw["img_channels"],
                  w_dim=kw["w_dim"], mapping_layers=kw["mapping_layers"], channel_base=kw["channel_base"],
                  channel_max=kw["channel_max"], c_dim=kw["c_dim"], conv_clamp=kw["conv_clamp"])
    if "num_layers" in kw:  # the alias-free generator's settings (nvlabs_stylegan3)
        return ModelConfig(arch="stylegan3", synthesis_layers=kw["num_layers"],
                           critical_layers=kw["num_critical"], conv_kernel=kw["conv_kernel"],
                           radial_filters=kw["use_radial_filters"], **common)
    return ModelConfig(arch="stylegan2", architecture=kw["architecture"], **common)


def family_title(model: ModelConfig) -> str:
    return "StyleGAN3" if model.arch == "stylegan3" else "StyleGAN2"


def check_declared(kw: dict[str, Any], source: str) -> ModelConfig:
    """The validated model config of these settings; CheckpointError naming what no GAN
    Studio config allows."""
    model = nvlabs_model_config(kw)
    try:
        RunConfig(model=model, data=DataConfig(name=IMPORTED, path=source)).validate()
    except ConfigError as e:
        raise CheckpointError(f"{source} holds a {family_title(model)} generator GAN Studio cannot "
                              f"use yet ({e}).") from None
    return model
