"""Every message box the app shows goes through these functions.

Errors open window-modal and return at once (the event loop keeps running and a
worker thread keeps reporting); questions block until answered. Tests replace
:func:`ask` to answer without a person.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

_Button = QMessageBox.StandardButton


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """Show ``message`` (a sentence for a person) with the traceback under Show Details."""
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(_Button.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_info(parent: QWidget | None, title: str, message: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("infoDialog")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setText(message)
    box.setStandardButtons(_Button.Ok)
    box.open()
    return box


def ask(parent: QWidget | None, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:
    """A yes/no question; True when the person chose ``yes``."""
    box = QMessageBox(parent)
    box.setObjectName("questionDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(message)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button)
    box.exec()
    return box.clickedButton() is yes_button

