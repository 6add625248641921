"""Startup timestamps for the startup benchmark.

With ``GANSTUDIO_STARTUP_TRACE=1`` the app prints, in seconds since its process started,

    window-shown 0.84      the main window's first paint
    core-loaded 3.71       torch and the model core imported, the explorer built
    first-frame 4.02       the explorer's first latent frame painted

and then quits (exit status 0; 1 when there was no generator to show or no frame came within
``FRAME_TIMEOUT_S``). Once the core is loaded it shows the Explorer tab, so that the frame is
painted as a person sees it. The variable may also name a checkpoint, which the app then opens
as if it had been given on the command line. The app calls :func:`install` on its main window
before showing it; this module imports nothing of the app, so either can load first.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

ENV = "GANSTUDIO_STARTUP_TRACE"
FRAME_TIMEOUT_S = 120.0
POLL_MS = 50
_IMPORTED_AT = time.perf_counter()


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def checkpoint() -> str | None:
    """The checkpoint named by the variable, if it names one."""
    value = os.environ.get(ENV, "")
    return value if value not in ("", "0", "1") and os.path.exists(value) else None


def process_age() -> float:
    """Seconds since this process was created (since this module was imported where the
    operating system does not say)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        # fields[0] is the state (field 3 of stat); the start time is field 22, in clock ticks.
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return time.perf_counter() - _IMPORTED_AT


def _say(event: str) -> None:
    stream = sys.stdout or sys.stderr
    if stream is not None:
        print(f"{event} {process_age():.3f}", file=stream, flush=True)


class StartupTrace(QObject):
    """Watches one main window; prints the three events once each, then quits."""

    def __init__(self, window: Any, quit_when_done: bool = True) -> None:
        super().__init__(window)
        self._window = window
        self._quit = quit_when_done
        self._shown = False
        self._framed = False
        self._poll: QTimer | None = None
        window.installEventFilter(self)
        window.core_loaded.connect(self._on_core_loaded)
        self._timeout = QTimer(self, singleShot=True, interval=int(FRAME_TIMEOUT_S * 1000))
        self._timeout.timeout.connect(self._on_timeout)
        self._timeout.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not self._shown and watched is self._window and event.type() == QEvent.Type.Paint:
            self._shown = True
            _say("window-shown")
        return False

    def _on_core_loaded(self) -> None:
        _say("core-loaded")
        window = self._window
        explorer = window.explorer_tab
        image = getattr(explorer, "image", None)
        if image is None:
            print("first-frame none (the explorer is not available)", flush=True)
            self._finish(1)
            return
        image.frame_painted.connect(self._on_frame_painted)
        window.tabs.setCurrentWidget(explorer)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._check_empty)
        self._poll.start()

    def _check_empty(self) -> None:
        explorer = self._window.explorer_tab
        empty = getattr(explorer, "empty_page", None)
        if (explorer.loaded is None and not explorer.is_busy() and empty is not None
                and explorer.stack.currentWidget() is empty):
            print("first-frame none (no generator to show)", flush=True)
            self._finish(1)

    def _on_frame_painted(self, _frame_id: int) -> None:
        if not self._framed:
            self._framed = True
            _say("first-frame")
            self._finish(0)

    def _on_timeout(self) -> None:
        print(f"first-frame none (no frame within {FRAME_TIMEOUT_S:.0f} s: is there a generator "
              "to show?)", flush=True)
        self._finish(1)

    def _finish(self, code: int) -> None:
        self._timeout.stop()
        if self._poll is not None:
            self._poll.stop()
        if not self._quit:
            return

        def leave() -> None:
            self._window.close()
            QApplication.exit(code)

        QTimer.singleShot(0, leave)


def install(window: Any) -> StartupTrace | None:
    """Trace ``window``'s start-up when GANSTUDIO_STARTUP_TRACE is set; call before show()."""
    if not enabled() or window.property("ganstudio_startup_trace"):
        return None
    window.setProperty("ganstudio_startup_trace", True)
    return StartupTrace(window)

