"""Key bindings shared by the window's menus and the tabs' own actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence


def redo_shortcuts() -> list[QKeySequence]:
    """The platform's Redo keys (Ctrl+Y on Windows), with Ctrl+Shift+Z and Ctrl+Y everywhere."""
    keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
    for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):
        seq = QKeySequence(extra)
        if seq not in keys:
            keys.append(seq)
    return keys


def typed_keys(keys: list[QKeySequence]) -> list[QKeySequence]:
    """``keys`` less the dedicated keys of some keyboards (Undo, Copy, Zoom In, Save, and
    F13 and up, Sun's Undo and Copy), which the standard bindings include but nobody looks up."""
    return [k for k in keys if not k.isEmpty() and k[0].key().value <= Qt.Key.Key_F12.value]


def shortcut_text(keys: list[QKeySequence]) -> str:
    """How a person reads the keys of an action: "Ctrl+Shift+Z, Ctrl+Y"."""
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in typed_keys(keys))
