"""Opening the model a command names (a file, a run folder, `default` or an http(s) URL) and
checking the class a command asks it for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ganstudio.core.errors import UserError

if TYPE_CHECKING:
    from torch import nn

    from ganstudio.core.io.checkpoint import LoadedGenerator


class ClassOptionError(UserError, ValueError):
    """--class on a model without classes, or a class it does not have."""


def open_model(spec: str | Path, *, quiet: bool = False) -> LoadedGenerator:
    """The generator ``spec`` names; a URL is downloaded once (a progress bar on stderr)."""
    from ganstudio.core.io import url as urls
    from ganstudio.core.io.loader import load_generator, load_url

    from .progress import Bar

    if not urls.is_url(str(spec)):
        return load_generator(spec)
    text = str(spec)
    if urls.cached_file(text) is not None:
        return load_url(text)
    bar = Bar("Downloading", bytes=True, quiet=quiet)
    try:
        return load_url(text, progress=bar)
    finally:
        bar.close()


def class_label(generator: nn.Module, index: int | None, *, note: bool = False) -> int | None:
    """``index`` checked against the generator's classes (None: no --class given). With
    ``note``, a conditional model given no class says on stderr which class it draws."""
    import sys

    from ganstudio.core.generate import num_classes

    n = num_classes(generator)
    if index is None:
        if note and n:
            print(f"note: this model draws {n} classes; showing class 0 (choose with --class 0-{n - 1})",
                  file=sys.stderr)
        return None
    if n == 0:
        raise ClassOptionError(f"--class {index}: this model has no classes (it is unconditional); "
                               "leave --class out")
    if not 0 <= index < n:
        raise ClassOptionError(f"--class {index} does not exist: this model has {n} classes (0-{n - 1})")
    return index
