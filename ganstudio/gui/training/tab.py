"""The Training tab: the form, Start/Pause/Stop, and the live view of a run."""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ganstudio.gui.common import dialogs, settings
from ganstudio.gui.common.image_view import SampleHistory
from ganstudio.gui.training.form import ConfigForm
from ganstudio.gui.training.live_plots import LivePlots
from ganstudio.gui.training.metrics_plot import CollapseBanner, MetricsPanel
from ganstudio.gui.training.probe import is_metrics_row
from ganstudio.gui.training.run_follower import RunFollower, history
from ganstudio.gui.training.toy_view import ToyView
from ganstudio.gui.training.worker import (
    DownloadWorker,
    FunctionWorker,
    TrainingJob,
    TrainingWorker,
    start_in_thread,
)


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    b.setEnabled(False)
    return b


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingTab(QWidget):
    status_message = Signal(str, int)  # text, timeout in ms (0: until replaced)
    training_state_changed = Signal(bool)
    stats_changed = Signal(str, int, float)  # device, step, images/s
    generator_ready = Signal(object)  # LoadedGenerator for the explorer
    checkpoint_ready = Signal(str)  # a checkpoint path for the explorer
    training_finished = Signal(str)  # "completed", "stopped", "diverged" or "failed"
    checkpoint_saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingTab")
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self._helpers: dict[QThread, QObject] = {}
        self._core_ready = False
        self._device = "–"
        self._run_dir: Path | None = None
        self._total_steps = 0
        self._start_step = 0
        self._step = 0
        self._is_toy = False
        self._rate: float | None = None  # steps per second, smoothed
        self._last_rate_time: tuple[float, int] | None = None
        self._preview_request = 0
        self._dataset_ready = True
        self._downloading = False
        self._offer_for: str | None = None  # the dataset a person just picked
        self._build()

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        self.form = ConfigForm(self)
        self.form.valid_changed.connect(self._on_form_valid_changed)
        self.form.dataset_changed.connect(self._on_dataset_changed)
        self.form.dataset_chosen.connect(self._on_dataset_chosen)

        self.start_button = _button("Start", "startButton", "Start training with these settings")
        self.start_button.setDefault(True)
        self.pause_button = _button("Pause", "pauseButton", "Pause or resume (Space)")
        self.stop_button = _button("Stop", "stopButton", "Stop after this step and save a checkpoint")
        self.save_button = _button("Save checkpoint", "saveCheckpointButton", "Save a checkpoint now (Ctrl+S)")
        self.explorer_button = _button("Open in Explorer", "openInExplorerButton",
                                       "Explore the current generator in the Explorer tab")
        self.resume_button = _button("Resume run…", "resumeRunButton",
                                     "Continue a run from its newest checkpoint")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.save_button.clicked.connect(self.save_checkpoint)
        self.explorer_button.clicked.connect(self._on_open_in_explorer_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)

        self.download_label = QLabel()
        self.download_label.setObjectName("downloadLabel")
        self.download_label.setWordWrap(True)
        self.download_bar = QProgressBar()
        self.download_bar.setObjectName("downloadProgress")
        self.download_bar.setRange(0, 0)
        self.download_button = QPushButton("Download…")
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self._on_download_clicked)
        self.download_label.hide()
        self.download_bar.hide()
        self.download_button.hide()
        download_row = QHBoxLayout()
        download_row.addWidget(self.download_label, 1)
        download_row.addWidget(self.download_button)

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self.form)
        form_layout.addLayout(download_row)
        form_layout.addWidget(self.download_bar)
        scroll = QScrollArea()
        scroll.setObjectName("formScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_page)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # never narrower than the form can be: a clipped field would hide its value
        scroll.setMinimumWidth(form_page.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)

        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(b)
        controls.addStretch(1)
        for b in (self.save_button, self.explorer_button, self.resume_button):
            controls.addWidget(b)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("No run yet")
        self.progress_bar.setTextVisible(True)
        self.run_label = QLabel("Runs are saved in a folder of their own.")
        self.run_label.setObjectName("runLabel")
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.run_label.setOpenExternalLinks(False)
        self.run_label.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))

        self.plots = LivePlots(self)
        self.metrics_panel = MetricsPanel(self)
        self.metrics_panel.every_changed.connect(self._on_metrics_every_changed)
        self.collapse_banner = CollapseBanner(self)
        plots_column = QSplitter(Qt.Orientation.Vertical)
        plots_column.setObjectName("plotsColumn")
        plots_column.setChildrenCollapsible(False)
        plots_column.addWidget(self.plots)
        plots_column.addWidget(self.metrics_panel)
        plots_column.setStretchFactor(0, 3)
        plots_column.setStretchFactor(1, 2)
        self.samples = SampleHistory(self)
        self.toy_view = ToyView(self)
        self.view_stack = QStackedWidget()
        self.view_stack.setObjectName("liveViewStack")
        self.view_stack.addWidget(self.samples)
        self.view_stack.addWidget(self.toy_view)
        self.sample_every_spin = QSpinBox()
        self.sample_every_spin.setObjectName("sampleEverySpin")
        self.sample_every_spin.setRange(1, 100_000)
        self.sample_every_spin.setGroupSeparatorShown(True)
        self.sample_every_spin.setSuffix(" steps")
        self.sample_every_spin.setValue(settings.get("training/sample_every"))
        self.sample_every_spin.valueChanged.connect(self._on_sample_every_changed)
        every_row = QHBoxLayout()
        every_row.addWidget(QLabel("Update samples every"))
        every_row.addWidget(self.sample_every_spin)
        every_row.addStretch(1)
        view_panel = QWidget()
        view_layout = QVBoxLayout(view_panel)
        view_layout.setContentsMargins(0, 0, 0, 0)
        view_layout.addWidget(self.view_stack, 1)
        view_layout.addLayout(every_row)

        self.live_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.live_splitter.setObjectName("liveSplitter")
        self.live_splitter.addWidget(plots_column)
        self.live_splitter.addWidget(view_panel)
        self.live_splitter.setStretchFactor(0, 3)
        self.live_splitter.setStretchFactor(1, 2)
        self.live_splitter.setSizes([560, 400])

        live = QWidget()
        live_layout = QVBoxLayout(live)
        live_layout.addLayout(controls)
        live_layout.addWidget(self.progress_bar)
        live_layout.addWidget(self.run_label)
        live_layout.addWidget(self.collapse_banner)
        live_layout.addWidget(self.live_splitter, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("trainingSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(live)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([scroll.minimumWidth(), 960])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.follower = RunFollower(self)
        self.follower.rows_ready.connect(self._on_progressed)
        self.follower.sample_ready.connect(self._on_samples_ready)

        state = settings.get("training/splitter")
        if not state.isEmpty():
            self.splitter.restoreState(state)

    # ----------------------------------------------------------------- core loading
    def on_core_loaded(self) -> None:
        """Called once torch and the core are imported: fill the form, build the plots."""
        from ganstudio.core.config import ConfigError, RunConfig, preset
        from ganstudio.core.trainer import available_devices, resolve_device

        self.plots.build()  # pyqtgraph: imported now that the window is on screen
        self.toy_view.build()
        devices = [(d, f"auto ({resolve_device('auto')})" if d == "auto" else d)
                   for d in available_devices()]
        self.form.populate(devices)
        self._device = str(resolve_device("auto"))
        cfg = None
        text = settings.get("training/last_config")
        if text:
            try:
                cfg = RunConfig.from_json(text)
            except ConfigError:
                cfg = None
        self.form.set_config(cfg or preset("mnist-dcgan"))
        self._core_ready = True
        self.resume_button.setEnabled(True)
        self._update_buttons()

    def device_name(self) -> str:
        return self._device

    # ----------------------------------------------------------------- state
    @property
    def is_training(self) -> bool:
        return self.worker is not None

    @property
    def is_paused(self) -> bool:
        return self.worker is not None and self.worker.is_paused

    def _update_buttons(self) -> None:
        training = self.is_training
        can_start = (self._core_ready and not training and self.form.is_valid
                     and self._dataset_ready and not self._downloading)
        self.start_button.setEnabled(can_start)
        self.pause_button.setEnabled(training)
        self.pause_button.setText("Resume" if self.is_paused else "Pause")
        self.stop_button.setEnabled(training)
        self.save_button.setEnabled(training and self._run_dir is not None)
        self.resume_button.setEnabled(self._core_ready and not training)
        # the explorer shows image generators; 2-D runs are watched here
        self.explorer_button.setEnabled(not self._is_toy and (
            training or self._latest_checkpoint() is not None))
        self.form.setEnabled(self._core_ready and not training)

    def _latest_checkpoint(self) -> Path | None:
        run_dir = self._run_dir or self.follower.run_dir
        if run_dir is None:
            return None
        from ganstudio.core.runs import latest_checkpoint

        return latest_checkpoint(run_dir)

    # ----------------------------------------------------------------- public actions
    def new_run(self) -> None:
        from ganstudio.core.config import preset

        self.follower.close()
        self._reset_view()
        self.form.set_config(preset("mnist-dcgan"))
        self._run_dir = None
        self._update_buttons()

    def start(self, config: Any = None, run_dir: Path | None = None) -> bool:
        """Start training ``config`` (default: the form's) in a new run folder."""
        from ganstudio.core.config import ConfigError

        if self.is_training:
            return False
        try:
            config = config or self.form.config()
        except ConfigError as err:
            dialogs.show_error(self, "Cannot start", str(err))
            return False
        settings.set_value("training/last_config", config.to_json())
        run_dir = run_dir or self._new_run_dir(config)
        self._launch(TrainingJob(config=config, run_dir=run_dir))
        return True

    def resume_run(self, run_dir: str | Path) -> bool:
        if self.is_training:
            return False
        self._launch(TrainingJob(resume_from=Path(run_dir), run_dir=Path(run_dir),
                                 extra_steps=self.form.steps_spin.value()))
        return True

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.is_paused:
            self.worker.resume()
        else:
            self.worker.pause()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker.resume()
            self.stop_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self.status_message.emit("Stopping after this step and saving a checkpoint…", 0)

    def save_checkpoint(self) -> None:
        if self.worker is not None and self._run_dir is not None:
            self.worker.request_checkpoint()
            self.status_message.emit("Saving a checkpoint…", 0)

    def open_run(self, run_dir: str | Path) -> bool:
        """Show a run folder's curves and samples, and follow it while it grows."""
        if self.is_training:
            dialogs.show_info(self, "Open run folder", "Stop the run in progress first.")
            return False
        self._reset_view()
        try:
            config = self.follower.open(run_dir)
        except OSError as exc:
            dialogs.show_error(self, "Open run folder", f"{run_dir} cannot be read: {exc}")
            return False
        self._run_dir = None
        if config is not None:
            self.form.set_config(config)
            self._total_steps = config.train.steps
            self._is_toy = config.is_toy
            self.view_stack.setCurrentWidget(self.toy_view if config.is_toy else self.samples)
            self.metrics_panel.set_config(config)
        self._set_run_label(Path(run_dir), "Following")
        settings.set_value("training/last_run_dir", str(run_dir))
        self._update_buttons()
        self.status_message.emit(f"Opened {run_dir}; new steps appear as they are written.", 5000)
        return True

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop every worker and join its thread (the window is closing)."""
        self.follower.close()
        if self.worker is not None:
            self.worker.stop()
        threads = list(self._helpers) + ([self.thread] if self.thread is not None else [])
        for thread in threads:
            thread.quit()
            thread.wait(timeout_ms)

    def save_settings(self) -> None:
        settings.set_value("training/splitter", self.splitter.saveState())
        settings.set_value("training/sample_every", self.sample_every_spin.value())
        if self._core_ready:
            try:
                settings.set_value("training/last_config", self.form.raw_config().to_json())
            except ValueError:
                pass

    # ----------------------------------------------------------------- launching
    def _new_run_dir(self, config: Any) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{config.data.name}-{config.model.arch}"
        root = settings.runs_root()
        path, n = root / name, 1
        while path.exists():
            n += 1
            path = root / f"{name}-{n}"
        return path

    def _launch(self, job: TrainingJob) -> None:
        self.follower.close()
        self._reset_view()
        job.sample_every = self.sample_every_spin.value()
        if job.config is not None:
            job.metrics_every = self.metrics_panel.every_for(job.config)
        self._run_dir = job.run_dir
        worker = TrainingWorker(job)
        worker.run_started.connect(self._on_run_started)
        worker.status.connect(self._on_worker_status)
        worker.progressed.connect(self._on_progressed)
        worker.samples_ready.connect(self._on_samples_ready)
        worker.toy_view_ready.connect(self._on_toy_view_ready)
        worker.metrics_evaluated.connect(self._on_metrics_evaluated)
        worker.checkpoint_saved.connect(self._on_checkpoint_saved)
        worker.generator_ready.connect(self._on_generator_ready)
        worker.paused_changed.connect(self._on_paused_changed)
        worker.diverged.connect(self._on_diverged)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.thread = start_in_thread(worker, self)
        self.progress_bar.setFormat("Starting…")
        if job.run_dir is not None:
            self._set_run_label(job.run_dir, "Writing")
        self._update_buttons()
        self.training_state_changed.emit(True)

    def _reset_view(self) -> None:
        self.plots.clear()
        self.metrics_panel.clear()
        self.collapse_banner.reset()
        self.samples.clear()
        self.toy_view.clear()
        self._rate = None
        self._last_rate_time = None
        self._step = 0
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("No run yet")

    def _set_run_label(self, run_dir: Path, verb: str) -> None:
        url = QUrl.fromLocalFile(str(run_dir)).toString()
        self.run_label.setText(f'{verb}: <a href="{url}">{run_dir}</a>')

    # ----------------------------------------------------------------- worker signals
    def _on_run_started(self, info: dict) -> None:
        self._device = info["device"]
        self._total_steps = info["steps"]
        step = info["step"]
        self._start_step = self._step = step
        self._last_rate_time = None
        if info.get("run_dir"):
            self._run_dir = Path(info["run_dir"])
            self._set_run_label(self._run_dir, "Writing")
        if len(self.plots.buffer) and self.plots.buffer.x()[-1] > step:  # rolled back
            self.plots.truncate_after(step)
            self.metrics_panel.truncate_after(step)
            self.samples.truncate_after(step)
        elif step > 0 and len(self.plots.buffer) == 0 and self._run_dir is not None:
            rows, grids = history(self._run_dir, step)  # a resumed run: show its past too
            self.plots.append(self._take_metric_rows(rows))
            for grid_step, grid in grids:
                self.samples.add(grid_step, grid)
        self._is_toy = bool(info["is_toy"])
        self.view_stack.setCurrentWidget(self.toy_view if info["is_toy"] else self.samples)
        self.metrics_panel.set_config(info.get("config"))
        self.progress_bar.setRange(0, max(1, self._total_steps))
        self.progress_bar.setValue(self._step)
        self._update_progress_text()
        self._update_buttons()
        self.stats_changed.emit(self._device, self._step, 0.0)

    def _on_progressed(self, rows: list) -> None:
        rows = self._take_metric_rows(rows)
        if not rows:
            return
        self.plots.append(rows)
        last = rows[-1]
        step = int(last.get("step") or self._step)
        now = time.monotonic()
        if self._last_rate_time is not None and step > self._last_rate_time[1]:
            t0, s0 = self._last_rate_time
            rate = (step - s0) / max(now - t0, 1e-6)
            self._rate = rate if self._rate is None else 0.8 * self._rate + 0.2 * rate
        self._last_rate_time = (now, step)
        self._step = step
        if self._total_steps:
            self.progress_bar.setRange(0, max(1, self._total_steps))
            self.progress_bar.setValue(min(step, self._total_steps))
        self._update_progress_text()
        self.stats_changed.emit(self._device, step, float(last.get("images_per_s") or 0.0))

    def _update_progress_text(self) -> None:
        if not self._total_steps:
            return
        text = f"step {self._step:,} of {self._total_steps:,}"
        if self.is_training and self._rate:
            text += f" — ETA {format_eta((self._total_steps - self._step) / self._rate)}"
        if self.is_paused:
            text += " — paused"
        self.progress_bar.setFormat(text)

    def _on_samples_ready(self, step: int, grid: Any) -> None:
        self.samples.add(step, grid)

    def _on_toy_view_ready(self, _step: int, view: dict) -> None:
        self.toy_view.set_view(view)

    def _on_worker_status(self, text: str) -> None:
        self.status_message.emit(text, 0)

    def _on_generator_ready(self, loaded: object) -> None:
        self.generator_ready.emit(loaded)

    def _on_checkpoint_saved(self, path: str) -> None:
        self.status_message.emit(f"Checkpoint saved: {path}", 5000)
        self._update_buttons()
        self.checkpoint_saved.emit(path)

    def _on_paused_changed(self, paused: bool) -> None:
        self._last_rate_time = None
        self._update_buttons()
        self._update_progress_text()
        self.status_message.emit("Paused." if paused else "Training…", 3000 if not paused else 0)

    def _on_diverged(self, step: int, message: str, checkpoint: str) -> None:
        if checkpoint and dialogs.ask(self, "Training diverged",
                                      f"{message}\n\nRoll back to the last checkpoint and continue?",
                                      yes="Roll back", no="Stay paused"):
            if self.worker is not None:
                self.worker.request_rollback()
            return
        if not checkpoint:
            dialogs.show_error(self, "Training diverged",
                               f"{message}\n\nThere is no checkpoint to roll back to; stop the run and "
                               "start again with other settings.")
        self.status_message.emit(f"Paused: training diverged at step {step}.", 0)

    def _on_failed(self, message: str, details: str) -> None:
        dialogs.show_error(self, "Training failed", message, details)

    def _on_finished(self, reason: str) -> None:
        self.plots.flush()
        thread = self.thread
        self.worker = None
        self.thread = None
        if thread is not None:
            thread.wait(2000)
            thread.deleteLater()
        if self._run_dir is not None:
            self._set_run_label(self._run_dir, "Saved")
        done = {"completed": "Training finished.", "stopped": "Training stopped; checkpoint saved.",
                "diverged": "Training stopped after it diverged; the last good checkpoint is kept.",
                "failed": "Training failed."}
        self.status_message.emit(done.get(reason, reason), 0)
        if reason == "completed" and self._total_steps:
            self.progress_bar.setValue(self._total_steps)
        self._update_progress_text()
        self._update_buttons()
        self.training_state_changed.emit(False)
        self.training_finished.emit(reason)

    # ----------------------------------------------------------------- form and buttons
    def _on_form_valid_changed(self, _valid: bool) -> None:
        self._update_buttons()

    def _on_start_clicked(self) -> None:
        self.start()

    def _take_metric_rows(self, rows: list) -> list:
        """Quality figures go to their plot and the collapse banner; the rest is returned."""
        figures = [r for r in rows if is_metrics_row(r)]
        if not figures:
            return rows
        self.metrics_panel.append(figures)
        self.collapse_banner.show_row(figures[-1])
        return [r for r in rows if not is_metrics_row(r)]

    def _on_metrics_evaluated(self, row: dict) -> None:
        self._take_metric_rows([row])

    def _on_metrics_every_changed(self, steps: int) -> None:
        if self.worker is not None:
            self.worker.set_metrics_every(steps)

    def _on_sample_every_changed(self, steps: int) -> None:
        if self.worker is not None:
            self.worker.set_sample_every(steps)

    def _on_open_in_explorer_clicked(self) -> None:
        if self.worker is not None:
            self.worker.request_generator()
            self.status_message.emit("Handing the current generator to the Explorer…", 3000)
            return
        checkpoint = self._latest_checkpoint()
        if checkpoint is not None:
            self.checkpoint_ready.emit(str(checkpoint))

    def _on_resume_clicked(self) -> None:
        from ganstudio.core.runs import is_run_dir

        folder = QFileDialog.getExistingDirectory(self, "Resume run folder", str(settings.runs_root()))
        if not folder:
            return
        if not is_run_dir(folder) or _latest(folder) is None:
            dialogs.show_error(self, "Resume run", f"{folder} has no checkpoint to resume from.")
            return
        self.resume_run(folder)

    # ----------------------------------------------------------------- dataset preview and download
    def _on_dataset_changed(self, name: str) -> None:
        from ganstudio.core import data

        self._preview_request += 1
        request = self._preview_request
        info = data.DATASETS.get(name)
        self.form.data_preview.show_message("Loading a preview…")
        if not self._downloading:
            self.download_label.hide()
            self.download_button.hide()
        self._dataset_ready = not (info and info.needs_download)
        self._update_buttons()
        try:
            cfg = self.form.raw_config()
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
            self._dataset_ready = False
            self.form.data_preview.show_message("Not downloaded yet.")
            self.download_label.setText("This dataset is not on this computer yet.")
            self.download_label.show()
            self.download_button.show()
            self._update_buttons()
            if self._offer_for == name:  # picked just now: ask at once
                self._offer_for = None
                self._offer_download(name)
            return
        self.download_label.hide()
        self.download_button.hide()
        self._dataset_ready = True
        if name.startswith("toy-"):
            self.form.data_preview.show_points(result)
        else:
            self.form.data_preview.show_images(result)
        self._update_buttons()

    def _on_preview_failed(self, tag: tuple[int, str], message: str, _details: str) -> None:
        if tag[0] == self._preview_request:
            self.form.data_preview.show_message(message)
            self._dataset_ready = True  # the trainer reports the reason again, at the field it concerns
            self._update_buttons()

    def _on_dataset_chosen(self, name: str) -> None:
        self._offer_for = name

    def _on_download_clicked(self) -> None:
        self._offer_download(self.form.dataset_combo.currentData(), ask=False)

    def _offer_download(self, name: str, ask: bool = True) -> None:
        from ganstudio.core.data import DATASETS, default_data_root

        title = DATASETS[name].title
        root = self.form.raw_config().data.root
        if ask and not dialogs.ask(self, "Download dataset",
                                   f"{title} is not on this computer yet. Download it now into "
                                   f"{root or default_data_root()}?", yes="Download", no="Not now"):
            return
        self._downloading = True
        self.download_label.setText(f"Downloading {title}…")
        self.download_label.show()
        self.download_button.hide()
        self.download_bar.show()
        self._update_buttons()
        worker = DownloadWorker(name, root)
        worker.progressed.connect(self._on_download_progressed)
        worker.failed.connect(self._on_download_failed)
        self._run_helper(worker, self._on_download_finished, None, done_signal="finished")

    def _on_download_progressed(self, done: int, total: int) -> None:
        self.download_bar.setRange(0, 1000)
        self.download_bar.setValue(int(1000 * done / max(total, 1)))
        self.download_bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")
        self.download_label.setText(self.download_label.text().split(" (")[0]
                                    + f" ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")

    def _on_download_failed(self, message: str, details: str) -> None:
        dialogs.show_error(self, "Download failed", message, details)

    def _on_download_finished(self, ok: bool) -> None:
        self._downloading = False
        self.download_label.hide()
        self.download_bar.hide()
        if not ok:
            self.download_label.setText("The download did not finish; try again when online.")
            self.download_label.show()
            self.download_button.show()
        if ok:
            self.status_message.emit("Download complete.", 5000)
            self._on_dataset_changed(self.form.dataset_combo.currentData())
        self._update_buttons()

    def _run_helper(self, worker: Any, on_done: Any, on_failed: Any, done_signal: str = "done") -> None:
        getattr(worker, done_signal).connect(on_done)
        if on_failed is not None:
            worker.failed.connect(on_failed)
        thread = start_in_thread(worker, self)
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



def _latest(folder: str | Path) -> Path | None:
    from ganstudio.core.runs import latest_checkpoint

    return latest_checkpoint(folder)
