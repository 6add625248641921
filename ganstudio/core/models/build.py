"""Generator and discriminator families, built by name from a ModelConfig.

The DCGAN generator keeps its layers in a `main` nn.Sequential laid out exactly like the
PyTorch DCGAN example (ConvTranspose2d, BatchNorm2d, ReLU, ..., Tanh), so a state dict saved
by that example loads into it unchanged.
"""

from __future__ import annotations

from torch import nn

from ganstudio.core.config import ModelConfig, RunConfig
from ganstudio.core.models.dcgan.networks import DCGANDiscriminator, DCGANGenerator
from ganstudio.core.models.mlp.networks import MLPDiscriminator, MLPGenerator


def _sample_shape(cfg: ModelConfig, toy: bool) -> tuple[int, ...]:
    return (2,) if toy else (cfg.channels, cfg.resolution, cfg.resolution)


def build_generator(cfg: ModelConfig | RunConfig, toy: bool = False) -> nn.Module:
    """A generator for a run (or a model config; `toy` then says whether it makes 2-D points)."""
    if isinstance(cfg, RunConfig):
        cfg, toy = cfg.model, cfg.is_toy
    if cfg.arch == "dcgan":
        return DCGANGenerator(cfg.latent_dim, cfg.resolution, cfg.channels, cfg.g_width)
    if cfg.arch == "mlp":
        return MLPGenerator(cfg.latent_dim, _sample_shape(cfg, toy), cfg.mlp_hidden, cfg.mlp_layers,
                            image=not toy)
    if cfg.arch == "stylegan2":
        from ganstudio.core.models.stylegan2.networks import StyleGAN2Generator

        return StyleGAN2Generator(z_dim=cfg.latent_dim, c_dim=cfg.c_dim, w_dim=cfg.w_dim,
                                  img_resolution=cfg.resolution, img_channels=cfg.channels,
                                  mapping_layers=cfg.mapping_layers, channel_base=cfg.channel_base,
                                  channel_max=cfg.channel_max, conv_clamp=cfg.conv_clamp,
                                  architecture=cfg.architecture)
    raise ValueError(f"unknown architecture {cfg.arch!r}")


def build_discriminator(cfg: ModelConfig | RunConfig, toy: bool = False, loss: str = "bce") -> nn.Module:
    if isinstance(cfg, RunConfig):
        cfg, toy, loss = cfg.model, cfg.is_toy, cfg.train.loss
    # Batch norm mixes samples in a batch, which breaks the per-sample gradient penalty of
    # WGAN-GP; spectral norm already constrains D, so both leave batch norm out.
    norm = loss != "wgan-gp" and not cfg.spectral_norm
    if cfg.arch == "dcgan":
        return DCGANDiscriminator(cfg.resolution, cfg.channels, cfg.d_width, norm=norm,
                                  sn=cfg.spectral_norm, minibatch_std=cfg.minibatch_std, pack=cfg.pack)
    if cfg.arch == "mlp":
        return MLPDiscriminator(_sample_shape(cfg, toy), cfg.mlp_hidden, cfg.mlp_layers,
                                sn=cfg.spectral_norm, minibatch_std=cfg.minibatch_std, pack=cfg.pack,
                                features=cfg.toy_features if toy else 0,
                                feature_scale=cfg.toy_feature_scale)
    if cfg.arch == "stylegan2":
        from ganstudio.core.models.stylegan2.discriminator import StyleGAN2Discriminator

        return StyleGAN2Discriminator(cfg.c_dim, cfg.resolution, cfg.channels,
                                      channel_base=cfg.channel_base, channel_max=cfg.channel_max,
                                      conv_clamp=cfg.conv_clamp)
    raise ValueError(f"unknown architecture {cfg.arch!r}")


GENERATORS = {"dcgan": DCGANGenerator, "mlp": MLPGenerator}
DISCRIMINATORS = {"dcgan": DCGANDiscriminator, "mlp": MLPDiscriminator}


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
