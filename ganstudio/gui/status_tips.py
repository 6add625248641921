"""What each menu item does, in the status bar while the pointer is on it.

One table for the items whose code does not say it where the action is made; an action
with its own tip keeps it. Keyed by objectName, else by the item's text without its "&"
(Undo and Redo change their text to name the step, so they go by name).
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar

TIPS: dict[str, str] = {
    # File
    "New run": "Clear the training form for a new run (the run in progress must be stopped)",
    "Open checkpoint…": "Explore a generator file: a checkpoint, an export, an NVIDIA pickle or ONNX",
    "Open run folder…": "Open a training run's folder and follow it while it is written",
    "Open Recent": "Open a checkpoint, run folder or address opened before",
    "No recent files": "Nothing has been opened yet",
    "Clear list": "Forget the files opened before (the files stay)",
    "Save checkpoint": "Save the running training's checkpoint now",
    "Quit": "Close GAN Studio (while a run trains, it asks, then saves a checkpoint first)",
    # Edit
    "undoAction": "Undo the last change in the explorer",
    "redoAction": "Redo the change last undone in the explorer",
    # View
    "showTrainingAction": "Show the Training tab",
    "showExplorerAction": "Show the Explorer tab",
    "panel_training-settings": "Show or hide the training form",
    "panel_quality": "Show or hide the training's quality figures",
    "panel_explorer-controls": "Show or hide the explorer's controls",
    "zoomInAction": "Enlarge the explorer's image",
    "zoomOutAction": "Shrink the explorer's image",
    "actualSizeAction": "Show the explorer's image one screen pixel per image pixel",
    "fitToWindowAction": "Fit the explorer's image to its view",
    "fullScreenAction": "Fill the screen with the window, or return from it",
    # Help
    "Keyboard Shortcuts": "List every key the window answers to",
    "About GAN Studio": "The version, its libraries, and where settings and caches are kept",
}


def key(action: QAction) -> str:
    return action.objectName() or action.text().replace("&", "")


def menu_actions(menu: QMenu) -> list[QAction]:
    """Every item of ``menu`` and of its submenus (a submenu's own item too), no separators."""
    found = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        found.append(action)
        if action.menu() is not None:
            found += menu_actions(action.menu())
    return found


def apply(bar: QMenuBar) -> None:
    """Give each item of ``bar``'s menus without a tip the one in TIPS."""
    for top in bar.actions():
        if top.menu() is not None:
            apply_to(top.menu())


def apply_to(menu: QMenu) -> None:
    """As :func:`apply`, for one menu built again each time it opens (Open Recent)."""
    for action in menu_actions(menu):
        if not action.statusTip() and key(action) in TIPS:
            action.setStatusTip(TIPS[key(action)])
