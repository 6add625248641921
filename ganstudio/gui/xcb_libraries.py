"""Before the window: the system libraries Qt's X11 (xcb) platform plugin needs.

PySide6's wheels bring Qt but not the xcb utility libraries, which a fresh Debian or Ubuntu
desktop lacks. Without them Qt aborts before any window opens, and its message names the
plugin, not the missing library. This module asks the dynamic loader for each one (no Qt
imported) so that the app can say, in one line, which packages to install.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# The libraries Qt 6's xcb plugin loads beyond libxcb itself, and their Debian/Ubuntu packages
# (Qt's "X11 requirements" page lists the same set).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
}


def uses_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will pick its xcb plugin: Linux, and QT_QPA_PLATFORM asks for xcb, or is
    unset outside a Wayland session (offscreen, wayland, eglfs, ... need none of these)."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland")


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian/Ubuntu packages of the xcb plugin's libraries the loader cannot find."""
    return [package for library, package in XCB_LIBRARIES.items() if not loads(library)]


def missing_message(environ: dict[str, str] | None = None, platform: str | None = None,
                    loads: Callable[[str], bool] = _loads) -> str | None:
    """One line for the person starting the app when Qt's xcb plugin would abort; else None."""
    if not uses_xcb(environ, platform):
        return None
    packages = missing_packages(loads)
    if not packages:
        return None
    return (f"ganstudio: error: the window needs system libraries that Qt's X11 (xcb) plugin "
            f"uses and this system lacks; on Debian or Ubuntu install them with: sudo apt install "
            f"{' '.join(packages)}")
