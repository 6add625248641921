"""The path given on the command line (`ganstudio PATH`), opened once the core has loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from ganstudio.gui.common import image_opening

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow


def open_given_path(window: MainWindow, path: str) -> None:
    """Open ``path`` as File > Open would. An image (`ganstudio picture.png`) can only be
    projected into a model: while the explorer is about to show the shipped one, the image
    waits for it, so the question about projecting comes with a model to project into."""
    explorer = window.explorer_tab
    shown = getattr(explorer, "generator_changed", None)
    if (shown is not None and getattr(explorer, "loaded", None) is None
            and image_opening.is_image(path) and _shipped_model_loads()):
        shown.connect(lambda _description: window.open_path(path),
                      Qt.ConnectionType.SingleShotConnection)
        return
    window.open_path(path)


def _shipped_model_loads() -> bool:
    """Whether the explorer opens a model by itself at start (it opens the shipped one)."""
    from ganstudio.resources import default_generator_path

    return default_generator_path() is not None
