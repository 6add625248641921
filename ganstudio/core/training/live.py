"""Which settings a running Trainer can change between two steps, and which need a new run.

The training tab edits a run while it trains: the learning rates, the loss, the optimizer and
its betas, how many D and G updates an iteration makes, the penalties and how often it logs.
Everything that shapes the networks or the data (any model.* or data.* field, the batch size,
the seed, the precision, the device) needs new networks: `restart_fields` names those.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ganstudio.core.config import RunConfig

LIVE_FIELDS: tuple[str, ...] = tuple(f"train.{n}" for n in (
    "lr_g", "lr_d", "loss", "optimizer", "beta1", "beta2", "n_critic", "g_steps", "r1_gamma",
    "r1_every", "gp_weight", "sample_every", "log_every", "label_smoothing"))
# Read by Trainer.run() at every step: they change the run's length and saving, not its state.
RUN_FIELDS: tuple[str, ...] = ("train.steps", "train.checkpoint_every")


def _flat(config: RunConfig) -> dict[str, Any]:
    return {f"{part}.{k}": v for part, values in config.to_dict().items() for k, v in values.items()}


def changed_fields(old: RunConfig, new: RunConfig) -> list[str]:
    """Dotted names of the fields whose values differ, in the config's field order."""
    a, b = _flat(old), _flat(new)
    return [k for k in a if a[k] != b.get(k)]


def _discriminator_layout(config: RunConfig) -> dict[str, tuple[int, ...]] | None:
    from ganstudio.core.io.checkpoint import expected_shapes
    from ganstudio.core.models.build import build_discriminator

    return expected_shapes(lambda: build_discriminator(config))


def restart_fields(old: RunConfig, new: RunConfig) -> list[str]:
    """The changed fields that need new networks or data (a new run, or a resume with them).

    The loss is live unless the new one needs another discriminator (WGAN-GP's penalty takes
    per-sample gradients, so its D has no batch norm): then it is a restart field too.
    """
    out = []
    for name in changed_fields(old, new):
        if name in RUN_FIELDS:
            continue
        if name == "train.loss":
            only_loss = old.replace(train={"loss": new.train.loss})
            if _discriminator_layout(old) == _discriminator_layout(only_loss):
                continue
        if name in LIVE_FIELDS and name != "train.loss":
            continue
        out.append(name)
    return out


def value_of(config: RunConfig, name: str) -> Any:
    part, field = name.split(".", 1)
    return getattr(getattr(config, part), field)


def copy_config(config: RunConfig) -> RunConfig:
    """A deep copy, so a caller's later edits never reach the running trainer."""
    return RunConfig.from_dict(dataclasses.asdict(config))
