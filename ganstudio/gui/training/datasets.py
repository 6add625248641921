"""The form's dataset off the GUI thread: its preview, whether it is here, and its download."""

from __future__ import annotations

import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from ganstudio.gui.common import dialogs
from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.form import ConfigForm
from ganstudio.gui.training.threads import FunctionWorker, start_in_thread
from ganstudio.gui.training.worker import friendly_message


class DownloadWorker(QObject):
    """Downloads a torchvision dataset; reports (bytes so far, expected bytes) as progress."""

    progressed = Signal(int, int)
    failed = Signal(str, str)
    finished = Signal(bool)

    def __init__(self, name: str, root: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.root = root

    def run(self) -> None:
        from ganstudio.core import data

        ok = False
        try:
            data.download(self.name, self.root, progress=self.progressed.emit)
            ok = True
        except Exception as exc:
            self.failed.emit(friendly_message(exc) if type(exc).__name__ == "DataError"
                             else f"The download failed: {exc}", traceback.format_exc())
        finally:
            self.finished.emit(ok)


class DatasetStatus(QObject):
    """Previews the form's dataset, offers a missing one for download and downloads it.

    Owns the download label, bar and button (the tab lays them out) and the helper
    threads; ``changed`` tells the tab to update its buttons.
    """

    changed = Signal()  # ``ready`` or ``downloading`` may differ now
    status_message = Signal(str, int)  # text, timeout in ms
    points_ready = Signal(str, object)  # a 2-D toy's name and real points (n, 2), for its view

    def __init__(self, form: ConfigForm, view: QWidget) -> None:
        super().__init__(view)
        self._form = form
        self._view = view  # the parent of the dialogs
        self._helpers: dict[QThread, QObject] = {}
        self._preview_request = 0
        self._offer_for: str | None = None  # the dataset a person just picked
        self.ready = True
        self.downloading = False

        self.label = WrapLabel()
        self.label.setObjectName("downloadLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("downloadProgress")
        self.bar.setRange(0, 0)
        self.button = QPushButton("Download…")
        self.button.setObjectName("downloadButton")
        self.button.clicked.connect(self._on_download_clicked)
        self.label.hide()
        self.bar.hide()
        self.button.hide()
        form.dataset_changed.connect(self.on_dataset_changed)
        form.dataset_chosen.connect(self._on_dataset_chosen)

    def threads(self) -> list[QThread]:
        return list(self._helpers)

    # ----------------------------------------------------------------- preview
    def on_dataset_changed(self, name: str) -> None:
        from ganstudio.core import data

        self._preview_request += 1
        request = self._preview_request
        info = data.DATASETS.get(name)
        self._form.data_preview.show_message("Loading a preview…")
        if not self.downloading:
            self.label.hide()
            self.button.hide()
        self.ready = not (info and info.needs_download)
        self.changed.emit()
        try:
            cfg = self._form.raw_config()
        except ValueError:
            return

        def job() -> Any:
            if info is not None and info.needs_download and not data.is_available(name, cfg.data.root):
                return "missing"
            return data.preview(cfg.data, cfg.model, n=400 if name.startswith("toy-") else 8)

        self._run_helper(FunctionWorker((request, name), job), self._on_preview_done,
                         self._on_preview_failed)

    def _on_preview_done(self, tag: tuple[int, str], result: Any) -> None:
        request, name = tag
        if request != self._preview_request:
            return
        if isinstance(result, str) and result == "missing":
            self.ready = False
            self._form.data_preview.show_message("Not downloaded yet.")
            self.label.setText("This dataset is not on this computer yet.")
            self.label.show()
            self.button.show()
            self.changed.emit()
            if self._offer_for == name:  # picked just now: ask at once
                self._offer_for = None
                self._offer_download(name)
            return
        self.label.hide()
        self.button.hide()
        self.ready = True
        if name.startswith("toy-"):
            self._form.data_preview.show_points(result)
            self.points_ready.emit(name, result)
        else:
            self._form.data_preview.show_images(result)
        self.changed.emit()

    def _on_preview_failed(self, tag: tuple[int, str], message: str, _details: str) -> None:
        if tag[0] == self._preview_request:
            self._form.data_preview.show_message(message)
            self.ready = True  # the trainer reports the reason again, at the field it concerns
            self.changed.emit()

    def _on_dataset_chosen(self, name: str) -> None:
        self._offer_for = name

    # ----------------------------------------------------------------- download
    def _on_download_clicked(self) -> None:
        self._offer_download(self._form.dataset_combo.currentData(), ask=False)

    def _offer_download(self, name: str, ask: bool = True) -> None:
        from ganstudio.core.data import DATASETS, default_data_root

        title = DATASETS[name].title
        root = self._form.raw_config().data.root
        if ask and not dialogs.ask(self._view, "Download dataset",
                                   f"{title} is not on this computer yet. Download it now into "
                                   f"{root or default_data_root()}?", yes="Download", no="Not now"):
            return
        self.downloading = True
        self.label.setText(f"Downloading {title}…")
        self.label.show()
        self.button.hide()
        self.bar.show()
        self.changed.emit()
        worker = DownloadWorker(name, root)
        worker.progressed.connect(self._on_download_progressed)
        worker.failed.connect(self._on_download_failed)
        self._run_helper(worker, self._on_download_finished, None, done_signal="finished")

    def _on_download_progressed(self, done: int, total: int) -> None:
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * done / max(total, 1)))
        self.bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")
        self.label.setText(self.label.text().split(" (")[0]
                           + f" ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")

    def _on_download_failed(self, message: str, details: str) -> None:
        dialogs.show_error(self._view, "Download failed", message, details)

    def _on_download_finished(self, ok: bool) -> None:
        self.downloading = False
        self.label.hide()
        self.bar.hide()
        if not ok:
            self.label.setText("The download did not finish; try again when online.")
            self.label.show()
            self.button.show()
        if ok:
            self.status_message.emit("Download complete.", 5000)
            self.on_dataset_changed(self._form.dataset_combo.currentData())
        self.changed.emit()

    # ----------------------------------------------------------------- helper threads
    def _run_helper(self, worker: Any, on_done: Any, on_failed: Any, done_signal: str = "done") -> None:
        getattr(worker, done_signal).connect(on_done)
        if on_failed is not None:
            worker.failed.connect(on_failed)
        thread = start_in_thread(worker, self._view)
        self._helpers[thread] = worker
        thread.finished.connect(self._on_helper_finished)

    def _on_helper_finished(self) -> None:
        thread = self.sender()
        if not isinstance(thread, QThread):
            return
        worker = self._helpers.pop(thread, None)
        if worker is not None:
            worker.deleteLater()
        thread.deleteLater()
