"""Help > Keyboard shortcuts: read off the window's own actions and shortcuts, so the list
is never out of date. Menu actions come by menu; the tabs' own actions and any QShortcut
(Space pauses training) follow under the tab that owns them."""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common.keys import shortcut_text

Row = tuple[str, str, str]  # section, keys, what it does


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _walk(menu: QMenu, section: str, rows: list[Row], seen: set[int]) -> None:
    for action in menu.actions():
        seen.add(shiboken6.getCppPointer(action)[0])
        if action.menu() is not None:
            _walk(action.menu(), section, rows, seen)
        elif action.shortcuts():
            rows.append((section, shortcut_text(action.shortcuts()), _clean(action.text())))


def _owner_tab(obj: QObject, tabs: QTabWidget | None) -> str:
    """Its ``section`` property, else the title of the tab ``obj`` (an action or shortcut)
    belongs to, else "Window"."""
    if obj.property("section"):
        return str(obj.property("section"))
    widget = obj.parent()
    while isinstance(widget, QWidget):
        if tabs is not None and tabs.indexOf(widget) >= 0:
            return _clean(tabs.tabText(tabs.indexOf(widget)))
        widget = widget.parentWidget()
    return "Window"


def shortcut_rows(window: QMainWindow) -> list[Row]:
    rows: list[Row] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        if top.menu() is not None:
            _walk(top.menu(), _clean(top.text()), rows, seen)
    tabs = window.findChild(QTabWidget, "tabs")
    for action in window.findChildren(QAction):
        if shiboken6.getCppPointer(action)[0] in seen or not action.shortcuts():
            continue
        what = _clean(action.text()) or action.toolTip()
        rows.append((_owner_tab(action, tabs), shortcut_text(action.shortcuts()), what))
    for shortcut in window.findChildren(QShortcut):
        keys = [k for k in shortcut.keys() if not k.isEmpty()]
        if keys:
            what = shortcut.whatsThis() or shortcut.objectName() or "(no description)"
            rows.append((_owner_tab(shortcut, tabs), shortcut_text(keys), what))
    return rows


def shortcuts_html(rows: list[Row]) -> str:
    parts: list[str] = []
    section = None
    for sec, keys, what in rows:
        if sec != section:
            if section is not None:
                parts.append("</table>")
            parts.append(f"<h4>{html.escape(sec)}</h4><table cellspacing='2'>")
            section = sec
        parts.append(f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;&nbsp;</td>"
                     f"<td>{html.escape(what)}</td></tr>")
    if section is not None:
        parts.append("</table>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.text = QTextBrowser(self)
        self.text.setObjectName("shortcutsText")
        self.text.setHtml(shortcuts_html(shortcut_rows(window)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        # scrolls on a small screen instead of running off it
        available = window.screen().availableGeometry() if window.screen() else None
        height = min(560, available.height() - 80) if available is not None else 560
        self.resize(480, max(240, height))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
