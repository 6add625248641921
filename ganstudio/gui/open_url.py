"""File > Open URL…: a model at an http(s) address, downloaded in the background.

The download and the load run as one job (core `io.loader.load_url`: once into the user
cache, then the same safe loaders as File > Open), under a progress dialog whose Cancel stops
it between chunks. The loaded generator goes to the explorer as a file opened with File > Open
does; the recent files list keeps the URL, so Open Recent downloads nothing the second time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QProgressDialog, QWidget

from ganstudio.gui.common import dialogs, jobs

JOB = "open-url"


def ask_url(parent: QWidget) -> str:
    """The Open URL dialog (tests replace it); "" when cancelled."""
    text, ok = QInputDialog.getText(
        parent, "Open URL", "Address of a model file (http:// or https://):", QLineEdit.EchoMode.Normal,
        "https://")
    return text.strip() if ok else ""


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


class UrlOpener(QObject):
    """Downloads and opens one URL at a time for ``parent`` (the main window)."""

    opened = Signal(object, str)  # the LoadedGenerator, the URL it came from
    ended = Signal()  # succeeded, failed or cancelled: the dialog is gone

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.jobs = jobs.JobRunner(self)
        self.dialog: QProgressDialog | None = None
        self.url = ""

    def open(self, url: str) -> None:
        from ganstudio.core.io import url as urls

        url = url.strip()
        if not urls.is_url(url):
            dialogs.show_error(self.parent_widget, "Open URL",
                               f"{url or 'That'} is not a web address: give an http:// or https:// URL.")
            self.ended.emit()
            return
        self._close_dialog()
        self.url = url
        cached = urls.cached_file(url) is not None
        dialog = QProgressDialog(f"{'Opening' if cached else 'Downloading'} {url}…", "Cancel", 0, 0,
                                 self.parent_widget)
        dialog.setObjectName("openUrlProgress")
        dialog.setWindowTitle("Open URL")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        self.dialog = dialog
        dialog.show()

        def work(state: jobs.JobState) -> Any:
            from ganstudio.core.io.loader import load_url

            return load_url(url, state.progress, state.should_stop)

        self.jobs.start(JOB, work, done=lambda loaded: self._on_loaded(loaded, url),
                        failed=self._on_failed, progress=self._on_progress,
                        cancelled=self._on_cancelled, newest_wins=True)

    def cancel(self) -> None:
        self.jobs.cancel(JOB)

    def busy(self) -> bool:
        return self.jobs.running(JOB)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        self._close_dialog()
        self.jobs.shutdown(timeout_s)

    # ----------------------------------------------------------------- job outcomes
    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is None:
            return
        # kilobytes: QProgressDialog counts in 32-bit ints, a model can be gigabytes
        if total > 0:
            self.dialog.setMaximum(max(1, total // 1024))
            self.dialog.setValue(min(done, total) // 1024)
            what = "Opening" if done >= total else f"Downloaded {_megabytes(done)} of {_megabytes(total)} from"
        else:
            self.dialog.setMaximum(0)
            what = f"Downloaded {_megabytes(done)} from"
        self.dialog.setLabelText(f"{what} {self.url}…")

    def _on_loaded(self, loaded: Any, url: str) -> None:
        self._close_dialog()
        self.opened.emit(loaded, url)
        self.ended.emit()

    def _on_failed(self, exc: BaseException, details: str) -> None:
        self._close_dialog()
        jobs.show_failure(self.parent_widget, "Open URL", exc, details)
        self.ended.emit()

    def _on_cancelled(self) -> None:
        self._close_dialog()
        self.ended.emit()

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()
