"""Every background job of the app: one way to run work off the GUI thread, one rule for
when threads end, and one way to say what went wrong.

- A job is a function ``work(state)`` that runs in a thread of its own. It reports progress
  with ``state.progress(done, total)`` and looks at ``state.should_stop()`` (or calls
  ``state.check_stop()``) between pieces of work; it returns a result or raises.
- :class:`JobRunner` starts named jobs for one owner (a tab, the menus). Its :class:`Job`
  handles deliver progress, the result, the exception object with its traceback text, or
  the cancellation on the GUI thread, whatever kind of callable they are connected to.
- Every thread the app starts is in one registry until it ends: jobs, the threads of
  :func:`start_thread` (training) and long-lived threads added with :func:`register_thread`
  (the explorer's renderer). The one lifetime rule: :func:`shutdown_all` asks each to stop and
  waits for all of them, within one bound; :func:`install` calls it when the application is
  about to quit (and at interpreter exit, for scripts that never run the event loop).
  Threads belong to the registry, not to a widget, so closing a window never destroys a
  thread that is still running.
- :func:`describe` turns an exception into the line a person reads (gui/common/errors.py).
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from ganstudio.core.errors import Cancelled
from ganstudio.gui.common.errors import describe, is_cancellation, show_failure, traceback_text

__all__ = ["Job", "JobCancelled", "JobRunner", "JobState", "Work", "describe", "install",
           "is_cancellation", "live_threads", "register_thread", "show_failure", "shutdown_all",
           "start_thread", "unregister_thread"]

SHUTDOWN_TIMEOUT_S = 10.0  # a training run saves a checkpoint when it stops


class JobCancelled(Cancelled):
    """Raised by :meth:`JobState.check_stop` once the job was asked to stop."""


class JobState:
    """What a running job sees: where its progress goes and whether it should stop.

    Thread-safe and free of Qt, so a job's function can be tested with a bare ``JobState()``.
    Progress is coalesced: while the GUI has not yet taken the last report, newer reports
    replace it, so a fast loop never floods the event queue and the newest value always lands.
    """

    def __init__(self, on_progress: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress: tuple[int, int] | None = None
        self._posted = False
        self._on_progress = on_progress

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; callable from any thread (a download's watcher too)."""
        with self._lock:
            self._progress = (int(done), int(total))
            post = self._on_progress is not None and not self._posted
            self._posted = self._posted or post
        if post:
            self._on_progress()  # type: ignore[misc]

    def take_progress(self) -> tuple[int, int] | None:
        """The newest report; the next one is posted again."""
        with self._lock:
            self._posted = False
            return self._progress

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def check_stop(self) -> None:
        if self._stop.is_set():
            raise JobCancelled("stopped on request")

    def request_stop(self) -> None:
        self._stop.set()


Work = Callable[[JobState], Any]


# ---------------------------------------------------------------------------- the registry
class _OwnThread(QThread):
    """A thread the registry made: it runs one call and tells the registry when it is done."""

    ran = Signal(object)  # this thread, as run() returns

    def __init__(self, name: str, fn: Callable[[], Any]) -> None:
        super().__init__(_registry())  # owned by the registry: no widget can delete it running
        self.setObjectName(name)
        self._fn: Callable[[], Any] | None = fn

    def run(self) -> None:
        try:
            self._call()
        finally:
            self.ran.emit(self)

    def _call(self) -> None:
        if self._fn is not None:
            self._fn()

    def release(self) -> None:
        # On the GUI thread: the function may hold QObjects, which must not die in this thread.
        self._fn = None


class _Registry(QObject):
    """Every live thread and how to ask it to stop; lives on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: dict[QThread, Callable[[], None]] = {}

    def add(self, thread: QThread, stop: Callable[[], None]) -> None:
        self.prune()
        self.threads[thread] = stop

    def prune(self) -> None:
        for thread in [t for t in self.threads if not shiboken6.isValid(t)]:
            del self.threads[thread]

    @Slot(object)
    def on_ran(self, thread: _OwnThread) -> None:
        """One of our threads returned from run(): join it, forget it, delete it."""
        self.threads.pop(thread, None)
        if shiboken6.isValid(thread):
            thread.wait()  # run() has returned: this is the moment the thread takes to end
            thread.release()
            thread.deleteLater()


_REGISTRY: _Registry | None = None


def _registry() -> _Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _Registry()
        app = QCoreApplication.instance()
        if app is not None:
            _REGISTRY.moveToThread(app.thread())
    return _REGISTRY


def _adopt(thread: _OwnThread, stop: Callable[[], None]) -> None:
    registry = _registry()
    registry.add(thread, stop)
    thread.ran.connect(registry.on_ran, Qt.ConnectionType.QueuedConnection)


def register_thread(thread: QThread, stop: Callable[[], None]) -> None:
    """Put a long-lived thread (one that outlives single jobs) under the quit rule.

    ``stop`` asks it to end; it must be thread-safe and must not wait. The thread stays
    registered until :func:`unregister_thread` or until its QObject is deleted.
    """
    _registry().add(thread, stop)


def unregister_thread(thread: QThread) -> None:
    _registry().threads.pop(thread, None)


def start_thread(fn: Callable[[], Any], *, stop: Callable[[], None], name: str) -> QThread:
    """Run ``fn()`` in a new registered thread: for workers that report through their own
    signals (the training worker). The thread is deleted once ``fn`` returns; the caller
    may ``wait()`` on it until then."""
    thread = _OwnThread(name, fn)
    _adopt(thread, stop)
    thread.start()
    return thread


def live_threads() -> list[QThread]:
    """The registered threads that have not been forgotten yet (running or just ended)."""
    registry = _registry()
    registry.prune()
    return list(registry.threads)


def shutdown_all(timeout_s: float = SHUTDOWN_TIMEOUT_S) -> list[str]:
    """Ask every registered thread to stop, then wait for all, ``timeout_s`` in all.

    Returns the names of those still running after the bound (normally none).
    """
    if _REGISTRY is None:
        return []
    _REGISTRY.prune()
    entries = list(_REGISTRY.threads.items())
    for _thread, stop in entries:
        try:
            stop()
        except RuntimeError:  # its QObject went away meanwhile
            pass
    deadline = time.monotonic() + timeout_s
    left = []
    for thread, _stop in entries:
        if not shiboken6.isValid(thread):
            continue
        remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
        if not thread.wait(remaining_ms):
            left.append(thread.objectName() or type(thread).__name__)
    return left


def install(app: QCoreApplication) -> None:
    """Apply the quit rule to ``app``: :func:`shutdown_all` once it is about to quit."""
    if app.property("ganstudio_jobs_installed"):
        return
    app.setProperty("ganstudio_jobs_installed", True)
    _registry()
    app.aboutToQuit.connect(_on_about_to_quit)


def _on_about_to_quit() -> None:
    left = shutdown_all()
    if left:
        import sys

        print(f"GAN Studio: still running at quit: {', '.join(left)}", file=sys.stderr)


# Scripts and tests that never quit an event loop: the same rule, at interpreter exit.
atexit.register(shutdown_all)


# ---------------------------------------------------------------------------- jobs
class _WorkThread(_OwnThread):
    outcome = Signal(str, object, str)  # "done" | "failed" | "cancelled", result or error, traceback
    progress_posted = Signal()

    def __init__(self, name: str, work: Work) -> None:
        super().__init__(f"job:{name}", None)
        self.state = state = JobState(on_progress=self.progress_posted.emit)
        self._fn = lambda: work(state)

    def _call(self) -> None:
        fn = self._fn
        try:
            result = fn() if fn is not None else None
        except Exception as exc:  # handed to the GUI thread as an object, never lost
            if self.state.should_stop() or is_cancellation(exc):
                self.outcome.emit("cancelled", None, "")
            else:
                self.outcome.emit("failed", exc, traceback_text(exc))
            return
        if self.state.should_stop():
            self.outcome.emit("cancelled", None, "")
        else:
            self.outcome.emit("done", result, "")


class Job(QObject):
    """A started job, seen from the GUI thread.

    Emits any number of ``progressed(done, total)``, then exactly one of ``succeeded(result)``,
    ``failed(exception, traceback_text)`` or ``cancelled()``, then ``ended(job)`` once its
    thread has ended. A job replaced under ``newest_wins`` emits only ``ended``.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()
    ended = Signal(object)

    def __init__(self, name: str, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.outcome = ""  # "done", "failed" or "cancelled" once known
        self.result: Any = None
        self.error: BaseException | None = None
        self._dropped = False
        self._ended = False
        self._thread = thread = _WorkThread(name, work)
        self.state = thread.state
        queued = Qt.ConnectionType.QueuedConnection
        thread.progress_posted.connect(self._on_progress_posted, queued)
        thread.outcome.connect(self._on_outcome, queued)
        thread.ran.connect(self._on_ran, queued)
        _adopt(thread, self.state.request_stop)

    def start(self) -> Job:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it ends at its next ``should_stop()`` check."""
        self.state.request_stop()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (True) or ``timeout_ms`` passed (False)."""
        if self._ended or not shiboken6.isValid(self._thread):
            return True
        return self._thread.wait(timeout_ms) if timeout_ms >= 0 else self._thread.wait()

    def drop(self) -> None:
        """Stop the job and deliver nothing more than ``ended`` (a newer one replaced it)."""
        self._dropped = True
        self.cancel()

    @Slot()
    def _on_progress_posted(self) -> None:
        report = self.state.take_progress()
        if report is not None and not self._dropped and not self.outcome:
            self.progressed.emit(*report)

    @Slot(str, object, str)
    def _on_outcome(self, kind: str, payload: Any, details: str) -> None:
        self.outcome = kind
        if kind == "done":
            self.result = payload
        elif kind == "failed":
            self.error = payload
        if self._dropped:
            return
        if kind == "done":
            self.succeeded.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload, details)
        else:
            self.cancelled.emit()

    @Slot(object)
    def _on_ran(self, _thread: QThread) -> None:
        self._ended = True
        self.ended.emit(self)


class JobRunner(QObject):
    """The jobs of one owner: at most one current job per name, every one cancellable.

    ``on_error(exception, traceback_text)`` receives failures of jobs started without a
    ``failed`` callback; by default they open an error dialog over the parent widget.
    """

    def __init__(self, parent: QObject | None = None,
                 on_error: Callable[[BaseException, str], None] | None = None) -> None:
        super().__init__(parent)
        self._current: dict[str, Job] = {}
        self._live: set[Job] = set()
        self._on_error = on_error or self._show_error

    def start(self, name: str, work: Work, *,
              done: Callable[[Any], None] | None = None,
              failed: Callable[[BaseException, str], None] | None = None,
              progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], None] | None = None,
              newest_wins: bool = False) -> Job:
        """Run ``work(state)`` in a new thread; the callbacks run on the GUI thread.

        A job started under a name that is running becomes the current one. With
        ``newest_wins`` the older is asked to stop and delivers nothing; without, it runs to
        its end and delivers to its own callbacks.
        """
        older = self._current.get(name)
        if older is not None and newest_wins:
            older.drop()
        job = Job(name, work, self)
        if done is not None:
            job.succeeded.connect(done)
        job.failed.connect(failed or self._on_error)
        if progress is not None:
            job.progressed.connect(progress)
        if cancelled is not None:
            job.cancelled.connect(cancelled)
        job.ended.connect(self._on_job_ended)
        self._current[name] = job
        self._live.add(job)
        return job.start()

    def running(self, name: str) -> bool:
        return name in self._current

    def current(self, name: str) -> Job | None:
        return self._current.get(name)

    def busy(self) -> bool:
        return bool(self._live)

    def cancel(self, name: str) -> None:
        job = self._current.get(name)
        if job is not None:
            job.cancel()

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel every job of this runner and wait for them (its owner is closing).
        True when all have ended within ``timeout_s``."""
        jobs = list(self._live)
        for job in jobs:
            job.cancel()
        deadline = time.monotonic() + timeout_s
        return all([job.wait(max(0, int((deadline - time.monotonic()) * 1000))) for job in jobs])

    @Slot(object)
    def _on_job_ended(self, job: Job) -> None:
        if self._current.get(job.name) is job:
            del self._current[job.name]
        self._live.discard(job)
        job.deleteLater()

    def _show_error(self, exc: BaseException, details: str) -> None:
        from PySide6.QtWidgets import QWidget

        parent = self.parent()
        widget = parent if isinstance(parent, QWidget) else None
        show_failure(widget.window() if widget is not None else None, "GAN Studio", exc, details)
