"""Running one object's ``run`` in a QThread of its own, and a worker for one plain function."""

from __future__ import annotations

import traceback
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal


class FunctionWorker(QObject):
    """Runs one function in a thread; ``done`` carries the tag and its result, ``failed`` its error.

    Connect these signals to methods of QObjects (not lambdas): a lambda would run in
    the worker's thread instead of the GUI's.
    """

    done = Signal(object, object)  # tag, result
    failed = Signal(object, str, str)  # tag, message, details
    finished = Signal()

    def __init__(self, tag: Any, fn: Any, *args: Any) -> None:
        super().__init__()
        self.tag = tag
        self._fn, self._args = fn, args

    def run(self) -> None:
        try:
            result = self._fn(*self._args)
        except Exception as exc:
            self.failed.emit(self.tag, str(exc) or type(exc).__name__, traceback.format_exc())
        else:
            self.done.emit(self.tag, result)
        finally:
            self.finished.emit()


def start_in_thread(worker: QObject, parent: QObject | None = None) -> QThread:
    """Move ``worker`` to a new QThread and run ``worker.run`` there; the thread quits after it.

    The caller keeps both objects until ``thread.finished`` and then drops them (the
    thread is parented to ``parent`` so Qt deletes it with the owner at the latest).
    """
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # direct: quit() is thread-safe, and the thread must not wait for the GUI loop to end
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread
