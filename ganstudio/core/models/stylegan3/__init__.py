"""The StyleGAN3 family (Karras et al., 2021, alias-free; configs T and R): its row in the
family table and its config checks. Generators come from NVIDIA snapshots (io/nvlabs_pickle)
and are explored in W; GAN Studio does not train them. Networks in networks.py/layers.py,
filter design in filters.py, the user's rotation/translation in transform.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganstudio.core.config import ModelConfig, RunConfig, check, is_int
from ganstudio.core.models.registry import Family
from ganstudio.core.models.stylegan2 import check_style_settings, nvlabs_style_settings

if TYPE_CHECKING:
    from torch import nn

def _from_nvlabs(kw: dict[str, Any]) -> ModelConfig | None:
    """The config of an alias-free snapshot's settings (core.io.nvlabs_stylegan3), which
    name their synthesis layers; None for another family's."""
    if "num_layers" not in kw:
        return None
    return ModelConfig(arch=NAME, synthesis_layers=kw["num_layers"], critical_layers=kw["num_critical"],
                       conv_kernel=kw["conv_kernel"], radial_filters=kw["use_radial_filters"],
                       **nvlabs_style_settings(kw))


NAME = "stylegan3"
RESOLUTIONS = tuple(2**i for i in range(3, 11))  # 8 .. 1024, NVIDIA's released sizes among them
CONV_KERNELS = (1, 3, 5, 7, 9)  # odd: the "full" convolution grows the map by kernel - 1


def _generator(m: ModelConfig, toy: bool) -> nn.Module:
    from ganstudio.core.models.stylegan3.networks import StyleGAN3Generator

    return StyleGAN3Generator(z_dim=m.latent_dim, c_dim=m.c_dim, w_dim=m.w_dim,
                              img_resolution=m.resolution, img_channels=m.channels,
                              mapping_kwargs={"num_layers": m.mapping_layers},
                              channel_base=m.channel_base, channel_max=m.channel_max,
                              num_layers=m.synthesis_layers, num_critical=m.critical_layers,
                              conv_kernel=m.conv_kernel, use_radial_filters=m.radial_filters,
                              conv_clamp=m.conv_clamp)


def _validate(config: RunConfig) -> None:
    m = config.model
    check_style_settings(m)
    # The last layers get channel_base / resolution feature maps (rounded): at least one.
    check(is_int(m.channel_base) and m.resolution <= m.channel_base <= 2**22, "model.channel_base",
          m.channel_base, f"a whole number from the resolution ({m.resolution}) to 4194304")
    check(is_int(m.synthesis_layers) and 3 <= m.synthesis_layers <= 64, "model.synthesis_layers",
          m.synthesis_layers, "a whole number from 3 to 64")
    check(is_int(m.critical_layers) and 0 <= m.critical_layers < m.synthesis_layers,
          "model.critical_layers", m.critical_layers,
          f"a whole number from 0 to {m.synthesis_layers - 1} (below model.synthesis_layers)")
    check(is_int(m.conv_kernel) and m.conv_kernel in CONV_KERNELS, "model.conv_kernel",
          m.conv_kernel, "an odd whole number from 1 to 9 (3: config T, 1: config R)")
    check(isinstance(m.radial_filters, bool), "model.radial_filters", m.radial_filters,
          "true or false")


FAMILY = Family(
    name=NAME,
    title="StyleGAN3 (alias-free)",
    short="StyleGAN3",
    from_nvlabs=_from_nvlabs,
    generator=_generator,
    latent="w",
    refuses_training=("StyleGAN3 generators are imported from NVIDIA snapshots to explore; "
                      "GAN Studio cannot train them"),
    validate=_validate,
    resolutions=RESOLUTIONS,
    resolutions_text="a power of two from 8 to 1024 pixels for stylegan3",
)
