"""File > Open Shipped Model: back to the generator that ships with the app, after exploring
another one, without finding its file in the installation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from ganstudio.gui.common import dialogs

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow

TITLE = "Open Shipped Model"
SHORTCUT = "Ctrl+Shift+D"  # D for the `default` model, as the command line names it


def build_action(window: MainWindow) -> QAction:
    action = QAction("Open S&hipped Model", window)
    action.setObjectName("openShippedModelAction")
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setStatusTip("Explore the generator that ships with GAN Studio (handwritten digits)")
    action.triggered.connect(lambda _checked=False: open_shipped_model(window))
    return action


def open_shipped_model(window: MainWindow) -> None:
    """Open the shipped generator in the explorer as File > Open does with a file (at once,
    or once the core has loaded); one line when this installation lacks it."""
    # The file itself, not names.resolve_model_name: a file called `default` in the current
    # folder would win there, and this menu item promises the shipped one.
    from ganstudio.core.names import shipped_generator_file

    path = shipped_generator_file()
    if not path.is_file():
        dialogs.show_error(window, TITLE, f"This installation has no shipped model ({path} is missing); "
                                          "reinstall GAN Studio to get it back.")
        return
    window.open_when_loaded(str(path))
