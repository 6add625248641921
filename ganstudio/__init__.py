"""GAN Studio: train GANs and explore their latent space."""

__version__ = "0.1.0"
