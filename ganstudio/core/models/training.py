"""The hooks a model family gives the shared training loop (a row's `training` slot).

The trainer asks its family's hooks, never the family's name: which part of G the loop calls
(and compiles), how a training batch of fakes is made, an extra penalty on G, state to keep in
checkpoints, and whether a config can be trained at all. `FamilyTraining` is what a family
without additions gets (DCGAN, MLP); StyleGAN2's are in stylegan2/training.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import Tensor, nn

    from ganstudio.core.config import RunConfig


class FamilyTraining:
    """The default: G called on z as a whole, no penalty, nothing extra to save."""

    # On CUDA with image data the networks go channels-last (faster cuDNN convolutions); a
    # family whose layers reshape weights per sample keeps the contiguous format instead.
    channels_last = True

    def check(self, config: RunConfig) -> None:
        """Raises ConfigError for a valid config the loop cannot train."""

    def forward_module(self, G: nn.Module) -> nn.Module:
        """The module the loop calls to make fakes, and compiles with train.compile."""
        return G

    def setup(self, trainer: Any) -> None:
        """Called once the networks are on their device."""

    def generator_forward(self, trainer: Any, z: Tensor, update_emas: bool,
                          c: Tensor | None = None) -> Tensor:
        """A training batch of fakes for the one-hot labels ``c`` (None: unconditional);
        ``update_emas``: this pass may move G's running averages."""
        return trainer.G_forward(z) if c is None else trainer.G_forward(z, c)

    def generator_penalty(self, trainer: Any, batch_size: int) -> tuple[Tensor, bool] | None:
        """An extra term of G's loss on this step (already weighted), and whether it belongs
        in the plotted loss (a lazy penalty would make the curve jump); None: none this step."""
        return None

    def extra_state(self) -> dict[str, Any]:
        """JSON-ready state a resume needs (kept in the checkpoint's metadata)."""
        return {}

    def load_extra_state(self, extra: dict[str, Any]) -> None:
        """Restores what extra_state() wrote (absent keys: a checkpoint from before them)."""


def training_hooks(family: Any) -> FamilyTraining:
    """The hooks of a family-table row: its own, or the default."""
    return family.training() if family.training is not None else FamilyTraining()
