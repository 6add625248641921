"""Names that stand for models, so nobody has to type an install path.

`default` is the generator that ships with GAN Studio. The rule, everywhere a model is named
(`ganstudio sample default`, `ganstudio default`, the core's load_generator): a file or folder
that exists under the given name wins, so a file literally called `default` in the current
folder opens as itself; only when none exists does a known name stand for its model.

This module imports neither torch nor Qt: the command line resolves a name before the app starts.
"""

from __future__ import annotations

from pathlib import Path

from ganstudio.core.errors import UserError

DEFAULT = "default"
DEFAULT_CONDITIONAL = "default-conditional"
MODEL_NAMES = {
    DEFAULT: "the generator that ships with GAN Studio (a DCGAN on MNIST digits)",
    DEFAULT_CONDITIONAL: "the class-conditional generator that ships with GAN Studio (draws the digit asked for)",
}
# name -> file under resources/models
MODEL_FILES = {DEFAULT: "default_generator.safetensors",
               DEFAULT_CONDITIONAL: "default_conditional_generator.safetensors"}


class ModelNameError(UserError, ValueError):
    """A model name that stands for nothing in this installation; the message says why."""


def shipped_generator_file(name: str = DEFAULT) -> Path:
    """Where a shipped generator lives in this installation (it may be missing)."""
    from ..resources import resource_path

    return resource_path("models", MODEL_FILES[name])


def resolve_model_name(name: str | Path) -> Path:
    """The path `name` stands for: itself when it exists or is not a model name, else the
    named model's file. Raises ModelNameError when the named model is not installed."""
    path = Path(name)
    if path.exists() or str(name) not in MODEL_NAMES:
        return path
    shipped = shipped_generator_file(str(name))
    if not shipped.is_file():
        raise ModelNameError(f"`{name}` names {MODEL_NAMES[str(name)]}, but this "
                             f"installation has none ({shipped} is missing); reinstall GAN Studio "
                             "or name a checkpoint file.")
    return shipped
