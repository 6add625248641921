"""Where the main window opens and how large: it fits the screen it opens on.

A first launch asks for the size the layout was drawn for, but at most 90 % of the screen's
free area (QScreen.availableGeometry: without task bars and docks), centred; the rest leaves
room for the title bar, so a 1280x800 or 1366x768 laptop still shows the status bar. A later
launch keeps the saved geometry while it fits inside a screen's free area; otherwise (say the
window was last on a larger monitor, now unplugged) it opens as a first launch does.
"""

from __future__ import annotations

import struct

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize
from PySide6.QtGui import QCursor, QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

FIRST_SIZE = QSize(1280, 820)
SCREEN_SHARE = 0.9
# How QWidget.saveGeometry starts (versions 1 to 3): magic, version, frame and normal
# rectangles (left, top, right, bottom), screen number, maximized, full screen.
_SAVED = struct.Struct(">IHH4i4iiBB")
_SAVED_MAGIC = 0x1D9D0CB


def first_geometry(available: QRect, minimum: QSize | None = None,
                   wanted: QSize = FIRST_SIZE) -> QRect:
    """The window's rectangle on a screen whose free area is ``available``: ``wanted``,
    shrunk to ``SCREEN_SHARE`` of it, never below ``minimum`` (what the layout needs) nor
    beyond the screen itself, centred."""
    minimum = minimum or QSize(0, 0)
    size = QSize(min(wanted.width(), int(available.width() * SCREEN_SHARE)),
                 min(wanted.height(), int(available.height() * SCREEN_SHARE)))
    size = size.expandedTo(minimum).boundedTo(available.size())
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    return rect


# Room for a window frame around the smallest window the layout allows.
FRAME_SLACK = 64


def fits(geometry: QRect, available: QRect, minimum: QSize | None = None) -> bool:
    """Whether a saved frame lies on the free area. On a screen smaller than the smallest
    window the layout allows (``minimum``), a first launch could not fit it either, so the
    free area counts as that large: a saved window of about that size is kept."""
    if minimum is not None:
        available = QRect(available.topLeft(),
                          available.size().expandedTo(minimum + QSize(FRAME_SLACK, FRAME_SLACK)))
    return available.contains(geometry)


def opening_screen(window: QWidget) -> QScreen | None:
    """The screen a new window appears on: the one under the pointer, as window managers
    place new windows, else the window's own (the primary screen)."""
    return QGuiApplication.screenAt(QCursor.pos()) or window.screen() or QGuiApplication.primaryScreen()


def saved_frame(saved: QByteArray) -> tuple[QRect, bool] | None:
    """The frame rectangle in ``saved`` (QWidget.saveGeometry) and whether the window was
    maximized or full screen; None for data in a layout not known here.

    Read before restoring, because restoreGeometry already squeezes a window that is too
    large into the screen (edge to edge), and so could not tell a fit from a squeeze after."""
    data = bytes(saved.data())
    if len(data) < _SAVED.size:
        return None
    magic, major, _minor, *numbers = _SAVED.unpack_from(data)
    if magic != _SAVED_MAGIC or not 1 <= major <= 3:
        return None
    left, top, right, bottom = numbers[:4]
    maximized, full_screen = numbers[9:11]
    return QRect(QPoint(left, top), QPoint(right, bottom)), bool(maximized or full_screen)


def place(window: QWidget, saved: QByteArray) -> None:
    """Restore ``saved`` (QWidget.saveGeometry) when it still fits the screen it was on,
    else give ``window`` its first-launch geometry on the screen it opens on."""
    if not saved.isEmpty():
        found = saved_frame(saved)
        if found is None:
            keep = True  # a layout this module does not read: Qt's own restore keeps it on a screen
        else:
            frame, whole_screen = found
            screen = QGuiApplication.screenAt(frame.center())
            keep = whole_screen or (screen is not None and fits(
                frame, screen.availableGeometry(), window.minimumSizeHint()))
        if keep and window.restoreGeometry(saved):
            return
    screen = opening_screen(window)
    if screen is None:  # no screen at all (a headless start): the size the layout was drawn for
        window.resize(FIRST_SIZE)
        return
    window.setGeometry(first_geometry(screen.availableGeometry(), window.minimumSizeHint()))
