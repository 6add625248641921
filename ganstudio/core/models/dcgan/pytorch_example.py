"""The PyTorch DCGAN example's generator files (`torch.save(netG.state_dict(), ...)`): the
model config their weights imply. core.io.loader reads the file safely and asks this."""

from __future__ import annotations

import torch

from ganstudio.core.config import ModelConfig
from ganstudio.core.errors import CheckpointError

NAME = "dcgan"


def infer_dcgan_config(state: dict[str, torch.Tensor], source: str = "file") -> ModelConfig:
    """Reads nz, ngf, channels and image size off the transposed-conv weights of main.N."""
    convs = sorted(((int(k.split(".")[1]), v) for k, v in state.items()
                    if k.startswith("main.") and k.endswith(".weight") and v.dim() == 4),
                   key=lambda kv: kv[0])
    if len(convs) < 4:
        raise CheckpointError(f"{source} is not a DCGAN generator: expected transposed-conv weights "
                              "named main.0.weight, main.3.weight, ... (the PyTorch DCGAN example's "
                              f"netG), found {len(convs)}.")
    shapes = [tuple(v.shape) for _, v in convs]  # ConvTranspose2d weight: (in, out, k, k)
    nz, channels, first_k = shapes[0][0], shapes[-1][1], shapes[0][2]
    ngf = shapes[-2][1]
    resolution = {(5, 4): 64, (4, 4): 32, (4, 3): 28}.get((len(shapes), first_k))
    if resolution is None or channels not in (1, 3):
        raise CheckpointError(f"{source} has a generator layout GAN Studio does not know: {len(shapes)} "
                              f"transposed convs, first kernel {first_k}, {channels} output channels. "
                              "Supported: DCGAN generators for 28, 32 or 64 pixels, 1 or 3 channels.")
    return ModelConfig(arch=NAME, latent_dim=nz, resolution=resolution, channels=channels,
                       g_width=ngf, d_width=ngf)
