"""The form's dataset off the GUI thread: its preview, whether it is here, and its download."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from ganstudio.gui.common import dialogs, jobs
from ganstudio.gui.common.labels import WrapLabel
from ganstudio.gui.training.form import ConfigForm


def download_job(name: str, root: str | None = None) -> jobs.Work:
    """Download a torchvision dataset; progress is (bytes so far, expected bytes)."""

    def work(state: jobs.JobState) -> None:
        from ganstudio.core import data

        data.download(name, root, progress=state.progress)

    return work


class DatasetStatus(QObject):
    """Previews the form's dataset, offers a missing one for download and downloads it.

    Owns the download label, bar and button (the tab lays them out) and the jobs behind
    them; ``changed`` tells the tab to update its buttons.
    """

    changed = Signal()  # ``ready`` or ``downloading`` may differ now
    status_message = Signal(str, int)  # text, timeout in ms
    points_ready = Signal(str, object)  # a 2-D toy's name and real points (n, 2), for its view

    def __init__(self, form: ConfigForm, view: QWidget) -> None:
        super().__init__(view)
        self._form = form
        self._view = view  # the parent of the dialogs
        self.jobs = jobs.JobRunner(self)
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

    def shutdown(self, timeout_s: float = jobs.SHUTDOWN_TIMEOUT_S) -> None:
        self.jobs.shutdown(timeout_s)

    # ----------------------------------------------------------------- preview
    def on_dataset_changed(self, name: str) -> None:
        from ganstudio.core import data

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
            self.jobs.cancel("preview")  # an older preview would show another dataset
            return

        def work(_state: jobs.JobState) -> Any:
            if info is not None and info.needs_download and not data.is_available(name, cfg.data.root):
                return "missing"
            return data.preview(cfg.data, cfg.model, n=400 if cfg.is_toy else 8)

        self.jobs.start("preview", work, done=lambda result: self._on_preview_done(name, result),
                        failed=self._on_preview_failed, newest_wins=True)

    def _on_preview_done(self, name: str, result: Any) -> None:
        from ganstudio.core import data

        info = data.DATASETS.get(name)
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
        if info is not None and info.kind == "toy":
            self._form.data_preview.show_points(result)
            self.points_ready.emit(name, result)
        else:
            self._form.data_preview.show_images(result)
        self.changed.emit()

    def _on_preview_failed(self, exc: BaseException, details: str) -> None:
        self._form.data_preview.show_message(jobs.describe(exc, details)[0])
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
        self.jobs.start("download", download_job(name, root), progress=self._on_download_progressed,
                        done=lambda _result: self._on_download_finished(True),
                        failed=self._on_download_failed,
                        cancelled=lambda: self._on_download_finished(False))

    def _on_download_progressed(self, done: int, total: int) -> None:
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * done / max(total, 1)))
        self.bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")
        self.label.setText(self.label.text().split(" (")[0]
                           + f" ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")

    def _on_download_failed(self, exc: BaseException, details: str) -> None:
        jobs.show_failure(self._view, "Download failed", exc, details)
        self._on_download_finished(False)

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
