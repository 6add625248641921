"""The StyleGAN2 family (Karras et al., 2020): its row in the family table, its config checks
and its preset. Networks in networks.py/ops.py/discriminator.py, training additions in training.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganstudio.core.config import (
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    check,
    is_int,
    is_num,
)
from ganstudio.core.models.registry import Family

if TYPE_CHECKING:
    from torch import nn

ARCHITECTURES = ("skip", "orig")
RESOLUTIONS = tuple(2**i for i in range(3, 11))  # 8 .. 1024


def _generator(m: ModelConfig, toy: bool) -> nn.Module:
    from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

    return StyleGAN2Generator(z_dim=m.latent_dim, c_dim=m.c_dim, w_dim=m.w_dim,
                              img_resolution=m.resolution, img_channels=m.channels,
                              mapping_layers=m.mapping_layers, channel_base=m.channel_base,
                              channel_max=m.channel_max, conv_clamp=m.conv_clamp,
                              architecture=m.architecture)


def _discriminator(m: ModelConfig, toy: bool, batch_norm: bool) -> nn.Module:
    from ganstudio.core.models.stylegan2.discriminator import StyleGAN2Discriminator

    return StyleGAN2Discriminator(m.c_dim, m.resolution, m.channels, channel_base=m.channel_base,
                                  channel_max=m.channel_max, conv_clamp=m.conv_clamp)


def check_style_settings(m: ModelConfig) -> None:
    """The checks every style-based generator's settings share: W size, mapping depth, the
    feature-map cap, the class count and the conv clamp (StyleGAN3 reuses them)."""
    check(is_int(m.w_dim) and 1 <= m.w_dim <= 4096, "model.w_dim", m.w_dim,
           "a whole number from 1 to 4096")
    check(is_int(m.mapping_layers) and 1 <= m.mapping_layers <= 16, "model.mapping_layers",
           m.mapping_layers, "a whole number from 1 to 16")
    check(is_int(m.channel_max) and 1 <= m.channel_max <= 4096, "model.channel_max",
           m.channel_max, "a whole number from 1 to 4096")
    check(is_int(m.c_dim) and 0 <= m.c_dim <= 100_000, "model.c_dim", m.c_dim,
           "a whole number from 0 (unconditional) to 100000 classes")
    check(m.conv_clamp is None or (is_num(m.conv_clamp) and m.conv_clamp > 0), "model.conv_clamp",
           m.conv_clamp, "a number above 0, or null for no clamp")


def _validate(config: RunConfig) -> None:
    m = config.model
    check_style_settings(m)
    check(is_int(m.channel_base) and m.resolution <= m.channel_base <= 2**20, "model.channel_base",
           m.channel_base, f"a whole number from the resolution ({m.resolution}) to 1048576, "
           "so that every resolution has at least one feature map")
    check(m.architecture in ARCHITECTURES, "model.architecture", m.architecture,
           f"one of {', '.join(ARCHITECTURES)}")
    # The options of the DCGAN/MLP discriminators: StyleGAN2's D has its own minibatch-std
    # layer (always on; model.minibatch_std is not read) and equalised-learning-rate layers.
    check(not m.spectral_norm, "model.spectral_norm", m.spectral_norm,
           "off for stylegan2 (its discriminator relies on R1 instead)")
    check(m.pack == 1, "model.pack", m.pack,
           "1 for stylegan2 (its discriminator has a minibatch standard deviation layer instead)")


def _training() -> Any:
    from ganstudio.core.models.stylegan2.training import StyleGAN2Training

    return StyleGAN2Training()


def _mnist_stylegan2() -> RunConfig:
    # StyleGAN2 (Karras et al., 2020) at 32 px, narrowed to train on a CPU: the paper's
    # non-saturating loss with lazy R1 (every 16th step), Adam betas (0, 0.99), lr 0.0025 and
    # batch 32, and a 2-layer mapping network, as stylegan2-ada's CIFAR set-up. Channels
    # 512/64 cost about what the DCGAN preset does per image; 1024/128 cost 4x and scored no
    # better per CPU minute. It learns slowly (with equalised learning rates a weight moves
    # ~0.25% of its scale a step, DCGAN's 2%): in bench/mnist_quality.py the Frechet distance
    # was 121 after 5 CPU minutes (a few digit classes), 77 after 10 and 34 after 15 (all ten
    # classes). lr 0.001/0.0005/0.005, R1 gamma 0.01/1, style mixing 0.9, path length 2 and
    # minibatch-std groups of 8/32 changed nothing within 2-5 CPU minutes, so mixing and path
    # length stay off, as in that CIFAR set-up.
    return RunConfig(
        ModelConfig(arch=NAME, latent_dim=128, resolution=32, channels=1, w_dim=128,
                    mapping_layers=2, channel_base=512, channel_max=64),
        DataConfig(name="mnist-embedded"),
        TrainConfig(steps=5000, batch_size=32, lr_g=0.0025, lr_d=0.0025, beta1=0.0, beta2=0.99,
                    loss="bce", r1_gamma=0.1, r1_every=16, ema=True, ema_decay=0.998),
    )



def nvlabs_style_settings(kw: dict[str, Any]) -> dict[str, Any]:
    """The ModelConfig fields every NVIDIA style-based snapshot records the same way."""
    return dict(latent_dim=kw["z_dim"], resolution=kw["img_resolution"], channels=kw["img_channels"],
                w_dim=kw["w_dim"], mapping_layers=kw["mapping_layers"], channel_base=kw["channel_base"],
                channel_max=kw["channel_max"], c_dim=kw["c_dim"], conv_clamp=kw["conv_clamp"])


def _from_nvlabs(kw: dict[str, Any]) -> ModelConfig | None:
    """The config of a StyleGAN2 snapshot's settings (core.io.nvlabs_pickle.generator_kwargs);
    None for another family's (StyleGAN3's have synthesis layers)."""
    if "num_layers" in kw:
        return None
    return ModelConfig(arch=NAME, architecture=kw["architecture"], **nvlabs_style_settings(kw))


NAME = "stylegan2"
FAMILY = Family(
    name=NAME,
    title="StyleGAN2 (style-based)",
    short="StyleGAN2",
    from_nvlabs=_from_nvlabs,
    generator=_generator,
    discriminator=_discriminator,
    latent="w",
    conditional=True,
    own_train_fields=("pl_weight", "style_mixing"),
    validate=_validate,
    resolutions=RESOLUTIONS,
    resolutions_text="a power of two from 8 to 1024 pixels for stylegan2",
    presets={"mnist-stylegan2": (_mnist_stylegan2, "A small StyleGAN2 on the embedded MNIST, 32x32")},
    default_preset="mnist-stylegan2",
    form_group=NAME,
    training=_training,
    collapse_advice=(
        "a StyleGAN2 often recovers with more steps (mnist-stylegan2 covered all ten digits "
        "after 15 CPU minutes) or a stronger R1 (train.r1_gamma)"),
)
