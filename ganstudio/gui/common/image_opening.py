"""An image opened where a model is expected (File > Open, a drop on the explorer, an open
recent file, `ganstudio picture.png`).

The explorer can use a picture only as the target to project into the current model's latent
space. Doing that without a word looked as if the file had not opened at all (the model stays,
another page shows), so the person is asked first; without a model there is nothing to
project into, and one line says so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from ganstudio.gui.common import dialogs

TITLE = "Open"


def is_image(path: str | Path) -> bool:
    from ganstudio.core.export import IMAGE_SUFFIXES  # loaded with the core; the app asks later

    p = Path(path)
    return p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()


def question(path: str | Path) -> str:
    return (f"{Path(path).name} is an image, not a model. "
            "Project it into the current model's latent space?")


def confirm_projection(parent: QWidget | None, path: str | Path, has_model: bool) -> bool:
    """Whether the image at ``path`` should become the projection target (the person said so);
    False, after one line, when no model is open to project into."""
    if not has_model:
        dialogs.show_info(parent, TITLE, f"{Path(path).name} is an image, not a model. Open a model "
                                         "first; its Project page then takes the image.")
        return False
    return dialogs.ask(parent, TITLE, question(path), yes="Project", no="Cancel")
