"""Cyclic garbage is collected on the GUI thread only, never in a worker thread."""

from __future__ import annotations

import threading

from ganstudio.gui.app import collect_garbage_on_gui_thread, ensure_app


class _Cycle:
    freed_in: list[str] = []

    def __init__(self) -> None:
        self.me = self  # only the cyclic collector can free this

    def __del__(self) -> None:
        _Cycle.freed_in.append(threading.current_thread().name)


def test_cycles_left_by_the_gui_are_freed_on_the_gui_thread_not_in_a_busy_worker(qtbot) -> None:
    ensure_app()
    collect_garbage_on_gui_thread()
    _Cycle.freed_in.clear()
    _Cycle()  # garbage from now on, as a closed window's wrappers are

    made: list[list[int]] = []

    def busy_worker() -> None:  # allocates container objects as a training loop does
        for i in range(20_000):
            made.append([i])

    worker = threading.Thread(target=busy_worker, name="worker")
    worker.start()
    worker.join()
    assert _Cycle.freed_in == []  # the worker crossed the thresholds but collected nothing
    qtbot.waitUntil(lambda: bool(_Cycle.freed_in), timeout=5000)
    assert _Cycle.freed_in == [threading.main_thread().name]
    assert len(made) == 20_000
