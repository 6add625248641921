"""The explorer's longer jobs (loads, direction searches, projections, exports, files) on the
app's one job runner (:mod:`ganstudio.gui.common.jobs`).

The explorer's jobs are ``job(progress, should_stop)`` callables that know nothing of Qt;
this runner hands them the job state's two methods, runs each with one torch thread (the
render worker keeps the cores), and gives their callbacks the line a person reads instead
of the exception object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from ganstudio.gui.common.jobs import Job, JobRunner, JobState, describe

ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]
ExplorerJob = Callable[[ProgressFn, StopFn], Any]


def _one_line(callback: Callable[[str], None]) -> Callable[[BaseException, str], None]:
    return lambda exc, details: callback(describe(exc, details)[0])


class TaskRunner(QObject):
    """One current job per name (a newer one under the same name takes over as current;
    the older runs to its end and delivers to its own callbacks)."""

    def __init__(self, parent: QObject, on_error: Callable[[str], None]) -> None:
        super().__init__(parent)
        self._jobs = JobRunner(self, on_error=_one_line(on_error))

    def start(self, name: str, job: ExplorerJob, succeeded: Callable[[Any], None], *,
              progress: ProgressFn | None = None,
              failed: Callable[[str], None] | None = None,
              cancelled: Callable[[], None] | None = None) -> Job:
        def work(state: JobState) -> Any:
            import torch

            torch.set_num_threads(1)  # per thread: the render worker keeps its own
            return job(state.progress, state.should_stop)

        return self._jobs.start(name, work, done=succeeded, progress=progress,
                                failed=None if failed is None else _one_line(failed),
                                cancelled=cancelled)

    def running(self, name: str) -> bool:
        return self._jobs.running(name)

    def busy(self) -> bool:
        return self._jobs.busy()

    def cancel(self, name: str) -> None:
        self._jobs.cancel(name)

    def shutdown(self) -> None:
        """Ask every job to stop and wait for them (the tab is closing)."""
        self._jobs.shutdown()
