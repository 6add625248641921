"""What training a StyleGAN2 adds to the shared loop: style mixing and path-length
regularisation (Karras et al., 2020, "Analyzing and Improving the Image Quality of
StyleGAN", sections 2.2 and 3.2 and appendix B), and the checks that keep options meant for
the DCGAN/MLP families away from it.

The losses themselves are the shared ones (`losses.py`): the paper trains with the
non-saturating loss (our `bce`) and a lazy R1 penalty on D (`train.r1_gamma`,
`train.r1_every`).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.core.models.training import FamilyTraining

PL_DECAY = 0.01  # the paper's exponential decay of the running mean path length


def mapping(G: nn.Module, z: Tensor, mixing: float, update_emas: bool, c: Tensor | None = None) -> Tensor:
    """ws (N, num_ws, w_dim) for a training batch, style-mixed with probability ``mixing``.

    As in the paper's code, one coin and one crossover layer serve the whole batch: with
    probability ``mixing`` the ws from the crossover layer on come from a second latent
    (whose w does not move w_avg). A conditional model maps both latents with the batch's
    labels ``c`` (the mixing keeps the class).
    """
    ws = G.mapping(z, c, update_emas=update_emas)
    if mixing > 0:
        num_ws = ws.shape[1]
        cutoff = int(torch.randint(1, num_ws, ()).item()) if num_ws > 1 else num_ws
        if torch.rand(()).item() < mixing and cutoff < num_ws:
            other = G.mapping(torch.randn_like(z), c, update_emas=False)
            ws = torch.cat([ws[:, :cutoff], other[:, cutoff:]], dim=1)
    return ws


def generate(G: nn.Module, synthesis: nn.Module, z: Tensor, mixing: float,
             update_emas: bool, c: Tensor | None = None) -> Tensor:
    """A training batch of images; the synthesis network draws fresh noise inputs."""
    return synthesis(mapping(G, z, mixing, update_emas, c), noise_mode="random")


def path_length_penalty(G: nn.Module, z: Tensor, mixing: float,
                        pl_mean: Tensor, c: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """The path-length penalty of a batch (mean over it, unweighted) and the new running mean.

    J_w^T y with y ~ N(0, I) / sqrt(H W) is the gradient of sum(img * y) with respect to w;
    its length should stay constant, which makes a fixed step in W a fixed change in the
    image. The running mean ``a`` is updated in place of the returned value, not in place.
    """
    ws = mapping(G, z, mixing, update_emas=False, c=c)
    img = G.synthesis(ws, noise_mode="random")
    noise = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
    (grad,) = torch.autograd.grad((img * noise).sum(), ws, create_graph=True)
    lengths = grad.float().square().sum(2).mean(1).sqrt()  # (N,)
    new_mean = pl_mean.lerp(lengths.mean().detach(), PL_DECAY)
    return (lengths - new_mean).square().mean(), new_mean


class StyleGAN2Training(FamilyTraining):
    """StyleGAN2's hooks: the mapping apart from the synthesis (style mixing, w_avg following
    the G passes), lazy path-length regularisation with its running mean in checkpoints. A
    conditional model (c_dim > 0) maps z with the batch's labels, as NVIDIA's code does; its
    discriminator scores the label by projection."""

    channels_last = False  # its modulated convs reshape weights per sample

    def __init__(self) -> None:
        self.pl_mean: Tensor | None = None  # the running mean path length

    def forward_module(self, G: nn.Module) -> nn.Module:
        return G.synthesis  # mixing needs the mapping apart; only the synthesis is compiled

    def setup(self, trainer: Any) -> None:
        self.pl_mean = torch.zeros((), device=trainer.device)

    def generator_forward(self, trainer: Any, z: Tensor, update_emas: bool,
                          c: Tensor | None = None) -> Tensor:
        return generate(trainer.G, trainer.G_forward, z, trainer.config.train.style_mixing, update_emas, c)

    def generator_penalty(self, trainer: Any, batch_size: int) -> tuple[Tensor, bool] | None:
        t = trainer.config.train
        if not (t.pl_weight > 0 and trainer.step_count % t.pl_every == 0):  # lazy, like R1
            return None
        # On half the batch, as the paper's code (pl_batch_shrink 2); uncompiled, since
        # torch.compile does not differentiate twice.
        z = trainer.sample_noise(max(1, batch_size // 2))
        c = trainer.batch_labels()
        assert self.pl_mean is not None
        penalty, self.pl_mean = path_length_penalty(trainer.G, z, t.style_mixing, self.pl_mean,
                                                    None if c is None else c[: len(z)])
        return t.pl_weight * t.pl_every * penalty, t.pl_every == 1

    def extra_state(self) -> dict[str, Any]:
        return {"pl_mean": self.pl_mean.item() if self.pl_mean is not None else 0.0}

    def load_extra_state(self, extra: dict[str, Any]) -> None:
        if self.pl_mean is not None:
            self.pl_mean.fill_(float(extra.get("pl_mean", 0.0)))
