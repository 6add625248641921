"""The MLP family: the classic GAN of Goodfellow et al. (2014) on images, and the 2-D toy lab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ganstudio.core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from ganstudio.core.models.conditioning import check_labels
from ganstudio.core.models.registry import Family

if TYPE_CHECKING:
    from torch import nn


def _shape(m: ModelConfig, toy: bool | tuple[int, ...]) -> tuple[int, ...]:
    # toy: False (images), True (2-D points) or the points' shape ((1,) on a line)
    if not toy:
        return (m.channels, m.resolution, m.resolution)
    return tuple(toy) if isinstance(toy, tuple) else (2,)


def _generator(m: ModelConfig, toy: bool) -> nn.Module:
    from ganstudio.core.models.mlp.networks import MLPGenerator

    return MLPGenerator(m.latent_dim, _shape(m, toy), m.mlp_hidden, m.mlp_layers, image=not toy,
                        c_dim=m.c_dim)


def _discriminator(m: ModelConfig, toy: bool, batch_norm: bool) -> nn.Module:
    from ganstudio.core.models.mlp.networks import MLPDiscriminator

    return MLPDiscriminator(_shape(m, toy), m.mlp_hidden, m.mlp_layers, sn=m.spectral_norm,
                            minibatch_std=m.minibatch_std, pack=m.pack,
                            features=m.toy_features if toy else 0, feature_scale=m.toy_feature_scale,
                            c_dim=m.c_dim)


def _mnist_mlp() -> RunConfig:
    # The classic GAN of Goodfellow et al. (2014): 100 -> 256 -> 784 with tanh.
    return RunConfig(
        ModelConfig(arch=NAME, latent_dim=100, resolution=28, channels=1, mlp_hidden=256, mlp_layers=1),
        DataConfig(name="mnist-embedded"),
        TrainConfig(steps=10000, batch_size=64, lr_g=2e-4, lr_d=2e-4, beta1=0.5, loss="bce", ema=False),
    )


def _toy(name: str) -> RunConfig:
    # PacGAN's toy set-up (Lin et al., 2018): MLPs with 4 hidden layers, latent 2, packing.
    # Width 200, lr 1e-3, beta2 0.99 and EMA 0.99 measured best in bench/toy2d_modes.py. On the
    # ring, a light R1 (gamma 0.1) and a learning rate falling to 0 over the second half took
    # high quality from 91.9% to 95.9 +- 0.4% over 5 seeds (8 modes on every seed, reverse KL
    # 0.005), in under 100 CPU s a seed. Packing 4 on the grid follows PacGAN4.
    cfg = RunConfig(
        ModelConfig(arch=NAME, latent_dim=2, mlp_hidden=200, mlp_layers=4,
                    pack=2 if name == "toy-ring" else 4),
        DataConfig(name=name),
        TrainConfig(steps=10000, batch_size=100, lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.99,
                    loss="bce", ema=True, ema_decay=0.99, r1_gamma=0.1, lr_decay=0.5,
                    sample_every=100, checkpoint_every=2000),
    )
    if name == "toy-grid":
        # A plain MLP D cannot resolve 25 narrow modes from raw coordinates (spectral bias): the
        # samples stayed a diffuse cloud (8 modes, 2% high quality). Fixed random Fourier
        # features (Tancik et al., 2020) in front of D fix that; R1 (Mescheder et al., 2018)
        # keeps the sharper D from trapping G. Measured in bench/toy2d_modes.py: feature scale
        # 0.5 with R1 1.0 reached 20.2 +- 1.2 modes / 73.9% high quality (5 seeds), with G
        # drawing lines between the modes; scale 0.15 (smooth features) with R1 0.3 reached 25
        # modes on 4 of 5 seeds and 95.7% high quality, but one seed kept 15 modes; R1 0.5
        # covered all 25 on that seed too, but at 11000 steps (2 CPU minutes) one seed was still
        # at 89.6% (mean 94.2 +- 1.2%). Lazy R1 every 8 steps (Karras et al., 2020) cut the step
        # from 8.4 to 5.9 ms, which buys 16000 steps in the same time: 96.2 +- 0.4%, every seed
        # >= 94.8%, 25 modes on each.
        cfg.model.toy_features, cfg.model.toy_feature_scale = 64, 0.15
        cfg.train.steps, cfg.train.r1_gamma, cfg.train.r1_every = 16000, 0.5, 8
        cfg.train.ema_decay = 0.999
    return cfg


def _toy_1d() -> RunConfig:
    # GAN Lab's 1-D view: a 1-D latent, so each z maps to one x and the z -> x lines show how G
    # stretches the normal noise over the two modes (its gap is where the lines fan out).
    # The learning rates fall to 0 over the second half: at a constant rate the Jensen-Shannon
    # divergence of toy_view_1d reached 0.06 bits by step 1000 and then swung between 0.14 and
    # 0.2; with the decay it ended at 0.008-0.02 (steps 2500-3000, 21 CPU s).
    return RunConfig(
        ModelConfig(arch=NAME, latent_dim=1, mlp_hidden=64, mlp_layers=3, pack=1),
        DataConfig(name="toy-1d"),
        TrainConfig(steps=3000, batch_size=128, lr_g=1e-3, lr_d=1e-3, beta1=0.5, beta2=0.99,
                    loss="bce", ema=False, lr_decay=0.5, sample_every=50, checkpoint_every=1000),
    )


NAME = "mlp"
FAMILY = Family(
    name=NAME,
    title="MLP (classic GAN)",
    generator=_generator,
    discriminator=_discriminator,
    toy=True,
    width_fields={"generator": "mlp_hidden", "discriminator": "mlp_hidden"},
    presets={
        "mnist-mlp": (_mnist_mlp, "The classic MLP GAN (100-256-784) on the embedded MNIST"),
        "toy-ring": (lambda: _toy("toy-ring"), "8 Gaussians on a ring (radius 1, std 0.01)"),
        "toy-grid": (lambda: _toy("toy-grid"), "25 Gaussians on a 5x5 grid (spacing 2, std 0.05)"),
        "toy-1d": (_toy_1d, "1-D: two Gaussians on a line (at -2 and 2, std 0.5)"),
    },
    default_preset="mnist-mlp",
    validate=check_labels,
    conditional=True,
)
