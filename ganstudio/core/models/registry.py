"""The model-family table: one row per family, each row declared in the family's own folder.

A family is a folder `core/models/<name>/` whose `__init__.py` defines `FAMILY = Family(...)`:
its networks, its latent kind, whether and how it trains, its own config checks, its presets,
and what the training form and the explorer need to know. The rest of the project asks this
table (or duck-types the generator, `core.generate.is_stylegan`) and never names a family.

Adding a family: write the folder, then add its name to `FAMILY_NAMES` below.

Rows are imported on first use (importlib), so importing the config (which validates
`model.arch` against the table) does not import torch, and the layers stay one-way: the
config imports this table, the families import the config.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

    from ganstudio.core.config import ModelConfig, RunConfig

# The table: each name is a folder under core/models. The first is the default family.
FAMILY_NAMES: tuple[str, ...] = ("dcgan", "mlp", "stylegan2", "stylegan3")


@dataclass(frozen=True)
class Family:
    name: str  # ModelConfig.arch
    title: str  # as the training form lists it
    # (model config, makes 2-D toy points) -> generator
    generator: Callable[[ModelConfig, bool], nn.Module]
    # (model config, makes 2-D toy points, may use batch norm) -> discriminator; None: no D
    discriminator: Callable[[ModelConfig, bool, bool], nn.Module] | None = None
    # "z": the explorer moves z; "w": a mapping network, explored in W (core.latent.wspace)
    latent: str = "z"
    toy: bool = False  # can draw 2-D toy points
    conditional: bool = False  # takes a class label (model.c_dim > 0) when trained here
    # None when the trainer can train it, else the sentence that says why not
    refuses_training: str | None = None
    # the config field that sets each network's width, named when a file's weights do not fit
    width_fields: Mapping[str, str] = field(default_factory=dict)
    # train.* options that only this family reads (refused for the others)
    own_train_fields: tuple[str, ...] = ()
    # the family's own config checks (raise ConfigError); resolutions it accepts
    validate: Callable[[RunConfig], None] | None = None
    resolutions: tuple[int, ...] = (28, 32, 64)
    resolutions_text: str = ""  # how a refused resolution is explained (else the list)
    # name -> (factory, one-line description), shown in the preset menus
    presets: Mapping[str, tuple[Callable[[], RunConfig], str]] = field(default_factory=dict)
    default_preset: str | None = None  # the preset the form switches to for this family
    form_group: str | None = None  # the training form's extra settings group for it
    # per-step training behaviour beyond the shared loop (an object the trainer calls), or None
    training: Callable[[], Any] | None = None
    # what the collapse warning advises for this family
    collapse_advice: str = ""
    # NVIDIA snapshot settings (core.io.nvlabs_*) -> its ModelConfig, or None when not its layout
    from_nvlabs: Callable[[dict[str, Any]], ModelConfig | None] | None = None
    short: str = ""  # the name in sentences ("a StyleGAN3 generator"); default: the title

    @property
    def short_title(self) -> str:
        return self.short or self.title

    @property
    def explorer_mode(self) -> str:
        return self.latent

    def build_generator(self, model: ModelConfig, toy: bool = False) -> nn.Module:
        return self.generator(model, toy)

    def build_discriminator(self, model: ModelConfig, toy: bool = False, batch_norm: bool = True) -> nn.Module:
        if self.discriminator is None:
            raise ValueError(f"the {self.title} family has no discriminator")
        return self.discriminator(model, toy, batch_norm)


@cache
def family(name: str) -> Family:
    """The row of ``name`` (ValueError for a name not in the table)."""
    if name not in FAMILY_NAMES:
        raise ValueError(f"unknown model family {name!r}: one of {', '.join(FAMILY_NAMES)}")
    row = importlib.import_module(f"ganstudio.core.models.{name}").FAMILY
    assert row.name == name, f"core/models/{name} declares the family {row.name!r}"
    return row


def families() -> tuple[Family, ...]:
    return tuple(family(n) for n in FAMILY_NAMES)


def default_family() -> str:
    return FAMILY_NAMES[0]


def all_presets() -> dict[str, tuple[Callable[[], RunConfig], str]]:
    """Every family's presets, in table order."""
    out: dict[str, tuple[Callable[[], RunConfig], str]] = {}
    for f in families():
        out.update(f.presets)
    return out
