"""The Training tab: Start/Pause/Stop, stepping by hand, and the live view of a run.

The widgets are built in layout.py, the run's figures (step, rate, ETA, state) live in
controller.py without Qt, the dataset's preview and download in datasets.py, steps by hand
in stepping.py, settings edited during a run in live_edit.py and the toy lab in
lab_panel.py; this class wires them to the worker that trains.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ganstudio.gui.common import dialogs, jobs, settings
from ganstudio.gui.common.file_drops import FileDropTarget
from ganstudio.gui.training import controller
from ganstudio.gui.training.controller import TrainingRun
from ganstudio.gui.training.layout import TrainingLayout
from ganstudio.gui.training.probe import is_metrics_row
from ganstudio.gui.training.run_follower import RunFollower, history
from ganstudio.gui.training.worker import TrainingJob, TrainingWorker


class TrainingTab(FileDropTarget, TrainingLayout):
    status_message = Signal(str, int)  # text, timeout in ms (0: until replaced)
    training_state_changed = Signal(bool)
    stats_changed = Signal(str, int, float)  # device, step, images/s
    generator_ready = Signal(object)  # LoadedGenerator for the explorer
    checkpoint_ready = Signal(str)  # a checkpoint path for the explorer
    training_finished = Signal(str)  # "completed", "stopped", "diverged" or "failed"
    checkpoint_saved = Signal(str)
    open_requested = Signal(str)  # a run folder or checkpoint dropped here: the window opens it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingTab")
        self.setAcceptDrops(True)
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self._core_ready = False
        self.run = TrainingRun()
        self.run.subscribe(self._on_run_changed)
        self.follower = RunFollower(self)
        self._own_config: str | None = None  # the person's form while a followed run is shown
        self._restart_pending = False
        self._jobs = jobs.JobRunner(self)
        self._connect()

    def _connect(self) -> None:
        self.form.valid_changed.connect(self._on_form_valid_changed)
        self.dataset.changed.connect(self._update_buttons)
        self.dataset.points_ready.connect(self._on_toy_points_ready)
        self.form.dataset_changed.connect(self._on_form_dataset_changed)
        self.dataset.status_message.connect(self.status_message)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.save_button.clicked.connect(self.save_checkpoint)
        self.explorer_button.clicked.connect(self._on_open_in_explorer_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.metrics_panel.every_changed.connect(self._on_metrics_every_changed)
        self.sample_every_spin.valueChanged.connect(self._on_sample_every_changed)
        self.follower.rows_ready.connect(self._on_progressed)
        self.follower.sample_ready.connect(self._on_samples_ready)
        self.follower.writer_changed.connect(self._on_follower_writer_changed)
        self.stepper.start_requested.connect(self._on_step_start_requested)
        self.stepper.changed.connect(self._update_pause_button)
        self.live_edit.apply_requested.connect(self._on_live_settings_edited)
        self.live_edit.restart_requested.connect(self._on_restart_requested)
        self.lab.points.saved.connect(self._on_points_drawn)
        self.form.point_file_chosen.connect(self._on_point_file_chosen)
        self.form.config_changed.connect(self._on_form_config_changed)

    # ----------------------------------------------------------------- core loading
    def on_core_loaded(self) -> None:
        """Called once torch and the core are imported: fill the form, build the plots."""
        from ganstudio.core.config import ConfigError, RunConfig, preset
        from ganstudio.core.training.trainer import available_devices, resolve_device

        self.plots.build()  # pyqtgraph: imported now that the window is on screen
        self.lab.build()
        self.metrics_panel.link_steps(self.plots.loss_plot)
        devices = [(d, f"auto ({resolve_device('auto')})" if d == "auto" else d)
                   for d in available_devices()]
        self.form.populate(devices)
        self.run.device = str(resolve_device("auto"))
        cfg = None
        text = settings.get("training/last_config")
        if text:
            try:
                cfg = RunConfig.from_json(text)
            except ConfigError:
                cfg = None
        self.form.set_config(cfg or preset("mnist-dcgan"))
        self.size_form_pane()
        self._core_ready = True
        self.resume_button.setEnabled(True)
        self._update_buttons()

    def device_name(self) -> str:
        return self.run.device

    # ----------------------------------------------------------------- state
    @property
    def is_training(self) -> bool:
        return self.worker is not None

    @property
    def is_paused(self) -> bool:
        return self.run.paused

    def _update_buttons(self) -> None:
        training = self.is_training
        can_start = (self._core_ready and not training and self.form.is_valid
                     and self.dataset.ready and not self.dataset.downloading)
        self.start_button.setEnabled(can_start)
        self.pause_button.setEnabled(training)
        self._update_pause_button()
        self.stop_button.setEnabled(training)
        self.save_button.setEnabled(training and self.run.run_dir is not None)
        self.resume_button.setEnabled(self._core_ready and not training)
        # the explorer shows image generators; 2-D runs are watched here
        self.explorer_button.setEnabled(not self.run.is_toy and (
            training or self._latest_checkpoint() is not None))
        # the form stays editable during a run: live settings apply, the others ask for a restart
        self.form.setEnabled(self._core_ready)
        self.stepper.set_context(can_start, self._form_is_toy() if not training else self.run.is_toy)
        self.lab.points.set_available(self._core_ready and not training)

    def _update_pause_button(self) -> None:
        running = self.is_training and (not self.is_paused or self.stepper.slow_playing)
        self.pause_button.setText("Pause" if running or not self.is_training else "Resume")

    def _form_is_toy(self) -> bool:
        try:
            return bool(self.form.raw_config().is_toy)
        except (ValueError, AttributeError):
            return False

    def _latest_checkpoint(self) -> Path | None:
        run_dir = self.run.run_dir or self.follower.run_dir
        if run_dir is None:
            return None
        from ganstudio.core.io.runs import latest_checkpoint

        return latest_checkpoint(run_dir)

    # ----------------------------------------------------------------- public actions
    def new_run(self) -> None:
        from ganstudio.core.config import preset

        self.follower.close()
        self._reset_view()
        self.form.set_config(preset("mnist-dcgan"))
        self.run.run_dir = None
        self._update_buttons()

    def start(self, config: Any = None, run_dir: Path | None = None, paused: bool = False) -> bool:
        """Start training ``config`` (default: the form's) in a new run folder; ``paused``: build
        the networks, show them and wait for a step or Resume."""
        from ganstudio.core.config import ConfigError

        if self.is_training:
            return False
        try:
            config = config or self.form.config()
        except ConfigError as err:
            dialogs.show_error(self, "Cannot start", str(err))
            return False
        settings.set_value("training/last_config", config.to_json())
        run_dir = run_dir or controller.new_run_dir(settings.runs_root(), config.data.name,
                                                    config.model.arch, datetime.now())
        if self._refuse_locked(run_dir, "Cannot start", None):
            return False
        self._launch(TrainingJob(config=config, run_dir=run_dir, start_paused=paused))
        return True

    def resume_run(self, run_dir: str | Path) -> bool:
        from ganstudio.gui.training.worker import RESUME_LOCKED_ADVICE

        if self.is_training:
            return False
        if self._refuse_locked(Path(run_dir), "Cannot resume", RESUME_LOCKED_ADVICE):
            return False
        self._launch(TrainingJob(resume_from=Path(run_dir), run_dir=Path(run_dir),
                                 extra_steps=self.form.steps_spin.value()))
        return True

    def toggle_pause(self) -> None:
        if self.worker is None or self.stepper.toggle_pause():
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
        if self.worker is not None and self.run.run_dir is not None:
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
        if config is not None:
            if self._own_config is None:  # the person's own settings survive the visit
                try:
                    self._own_config = self.form.raw_config().to_json()
                except (ValueError, AttributeError):
                    pass
            self.form.set_config(config)
            self.lab.set_config(config)
            self.metrics_panel.set_config(config)
        self.metrics_panel.set_following(True)
        self.run.opened(config.train.steps if config is not None else None,
                        config.is_toy if config is not None else None)
        self._set_run_label(Path(run_dir), "Following", self._read_only_note(self.follower.writer))
        settings.set_value("training/last_run_dir", str(run_dir))
        self._update_buttons()
        self.status_message.emit(f"Opened {run_dir}; new steps appear as they are written.", 5000)
        return True

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop every worker and join its thread (the window is closing)."""
        self.follower.close()
        if self.worker is not None:
            self.worker.stop()
        self.dataset.shutdown(timeout_ms / 1000)
        if self.thread is not None:
            self.thread.wait(timeout_ms)

    def save_settings(self) -> None:
        settings.set_value("training/splitter", self.splitter.saveState())
        settings.set_value("training/sample_every", self.sample_every_spin.value())
        if self._core_ready:
            try:
                own = self._own_config if self.follower.run_dir is not None else None
                settings.set_value("training/last_config", own or self.form.raw_config().to_json())
            except ValueError:
                pass

    # ----------------------------------------------------------------- the view before a run
    def _shows_a_run(self) -> bool:
        return self.is_training or self.run.run_dir is not None or self.follower.run_dir is not None

    def _on_form_dataset_changed(self, name: str) -> None:
        """Until a run is shown, the view beside the plots matches the form's data: the
        sample grid's place for images, the data space for a 2-D toy."""
        if self._shows_a_run():
            return
        try:
            config = self.form.raw_config()
        except ValueError:
            config = None
        self.metrics_panel.set_config(config)  # its cadence and figures
        if config is not None:
            self.toy_view.clear()  # a toy's points come with the preview
            self.toy_view_1d.clear()
            self.lab.set_config(config)
            self.lab.preview_networks(config)
        self._update_buttons()

    def _on_toy_points_ready(self, name: str, points: Any) -> None:
        """The toy's real points over an empty D map (neutral: D has not judged anything yet)."""
        from ganstudio.core.training.trainer import TOY_EXTENT

        if self._shows_a_run() or self.form.dataset_combo.currentData() != name:
            return
        self.lab.show_preview(points, TOY_EXTENT.get(name))

    def _on_form_config_changed(self) -> None:
        if not self._shows_a_run() and self.form.is_valid:
            config = self.form.raw_config()
            self.lab.set_config(config)
            self.lab.preview_networks(config)
        self._update_buttons()

    # ----------------------------------------------------------------- drag and drop
    def open_dropped(self, path: str) -> None:
        """A file or folder dropped on the tab (see drops.py for what each becomes)."""
        from ganstudio.gui.training import drops

        if not self._core_ready:
            self.status_message.emit("The model core is still loading; drop it again in a moment.", 5000)
            return
        kind = drops.classify(path)
        if kind in (drops.RUN, drops.CHECKPOINT):
            self.open_requested.emit(path)
        elif kind == drops.IMAGES:
            if self.is_training:
                self.status_message.emit("Stop the run in progress before choosing other training "
                                         "images.", 5000)
                return
            self.form.use_image_folder(path)
            self.status_message.emit(f"Training images: the folder {path}.", 5000)
        else:
            self.status_message.emit(drops.refusal(path), 8000)

    # ----------------------------------------------------------------- launching
    def _launch(self, job: TrainingJob) -> None:
        self.follower.close()
        self._own_config = None
        self.metrics_panel.set_following(False)
        self._reset_view()
        job.sample_every = self.sample_every_spin.value()
        if job.config is not None:
            job.metrics_every = self.metrics_panel.every_for(job.config)
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
        worker.settings_applied.connect(self._on_settings_applied)
        worker.settings_refused.connect(self._on_settings_refused)
        worker.diverged.connect(self._on_diverged)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.thread = jobs.start_thread(worker.run, stop=worker.stop, name="training")
        self.run.launched(job.run_dir)
        if job.run_dir is not None:
            self._set_run_label(job.run_dir, "Writing")
        self.stepper.attach(worker)
        self.training_state_changed.emit(True)

    def _reset_view(self) -> None:
        self.plots.clear()
        self.metrics_panel.clear()
        self.collapse_banner.reset()
        self.lab.clear()
        self.run.reset()

    def _set_run_label(self, run_dir: Path, verb: str, note: str = "") -> None:
        self.run_label.set_path(verb, str(run_dir), note)

    @staticmethod
    def _read_only_note(writer: Any) -> str:
        if writer is None:
            return ""
        who = writer.describe()
        return f" (read-only: being written by {who or 'another GAN Studio process'})"

    def _on_follower_writer_changed(self, writer: Any) -> None:
        if self.follower.run_dir is not None and not self.is_training:
            self._set_run_label(self.follower.run_dir, "Following", self._read_only_note(writer))

    def _refuse_locked(self, run_dir: Path, title: str, advice: str | None) -> bool:
        """One dialog line, and no launch, for a folder another process is writing (the
        trainer refuses it too; asking first keeps the tab's state untouched)."""
        from ganstudio.core.io.runlock import RunLocked, lock_owner

        owner = lock_owner(run_dir)
        if owner is None:
            return False
        dialogs.show_error(self, title, str(RunLocked(run_dir, owner, advice)))
        return True

    # ----------------------------------------------------------------- worker signals
    def _on_run_started(self, info: dict) -> None:
        run = self.run
        run.started(info)
        step = run.step
        if info.get("run_dir"):
            self._set_run_label(Path(info["run_dir"]), "Writing")
        if len(self.plots.buffer) and self.plots.buffer.x()[-1] > step:  # rolled back
            self.plots.truncate_after(step)
            self.metrics_panel.truncate_after(step)
            self.samples.truncate_after(step)
        elif step > 0 and len(self.plots.buffer) == 0 and run.run_dir is not None:
            rows, grids = history(run.run_dir, step)  # a resumed run: show its past too
            self.plots.append(self._take_metric_rows(rows))
            for grid_step, grid in grids:
                self.samples.add(grid_step, grid)
        config = info.get("config")
        if config is not None:
            from ganstudio.core.training.live import copy_config

            config = copy_config(config)  # the trainer's own object lives in the worker thread
            self.lab.set_config(config)
            if self.live_edit.active:  # rolled back after a divergence: the same run goes on
                self.live_edit.applied(config)
            else:
                self.live_edit.begin(config)
        self.lab.set_networks(info.get("networks") or {})
        self.metrics_panel.set_config(config)
        self.stats_changed.emit(run.device, step, 0.0)

    def _on_progressed(self, rows: list) -> None:
        rows = self._take_metric_rows(rows)
        if not rows:
            return
        self.plots.append(rows)
        last = rows[-1]
        self.lab.graph.set_values(last)
        self.run.progressed(int(last.get("step") or self.run.step))
        self.stats_changed.emit(self.run.device, self.run.step, float(last.get("images_per_s") or 0.0))

    def _on_run_changed(self, event: str) -> None:
        """Paint the run's progress; buttons follow every change of state (not each step)."""
        self.progress_bar.show_run(self.run, event)
        if event not in (controller.RESET, controller.OPENED, controller.PROGRESSED):
            self._update_buttons()

    def _on_samples_ready(self, step: int, grid: Any) -> None:
        self.samples.add(step, grid)

    def _on_toy_view_ready(self, _step: int, view: dict) -> None:
        self.lab.show_view(view)

    def _on_worker_status(self, text: str) -> None:
        self.status_message.emit(text, 0)

    def _on_generator_ready(self, loaded: object) -> None:
        self.generator_ready.emit(loaded)

    def _on_checkpoint_saved(self, path: str) -> None:
        self.status_message.emit(f"Checkpoint saved: {path}", 5000)
        self._update_buttons()
        self.checkpoint_saved.emit(path)

    def _on_paused_changed(self, paused: bool) -> None:
        self.run.set_paused(paused)
        self.status_message.emit("Paused: edit the settings or take steps by hand." if paused else "Training…",
                                 3000 if not paused else 0)

    # ----------------------------------------------------------------- steps and settings by hand
    def _on_step_start_requested(self) -> None:
        """The first Step with no run: a paused run with the form's settings takes it."""
        self.start(paused=True)
        if self.worker is None:  # refused (a dialog said why)
            self.stepper.detach()

    def _on_live_settings_edited(self, config: Any) -> None:
        if self.worker is not None:
            self.worker.update_settings(config)

    def _on_settings_applied(self, names: list) -> None:
        if not names:
            return
        shown = ", ".join(self.form.field_title(n) for n in names)
        self.status_message.emit(f"From the next step: {shown}.", 4000)
        if "train.steps" in names:
            try:
                self.run.total_steps = self.form.raw_config().train.steps
            except ValueError:
                pass

    def _on_settings_refused(self, message: str) -> None:
        self.status_message.emit(message, 8000)

    def _on_restart_requested(self) -> None:
        """Stop this run (it saves a checkpoint), then start one with the form's settings."""
        if self.worker is None or not self.form.is_valid:
            return
        self._restart_pending = True
        self.stop()

    def _on_points_drawn(self, path: str) -> None:
        self.form.use_point_file(path)
        self.status_message.emit(f"Training data: the points you drew, saved in {path}.", 6000)

    def _on_point_file_chosen(self, path: str) -> None:
        """A point file opened from the form: read it off the GUI thread; a bad one is one line."""
        from ganstudio.core.data import load_points

        self._jobs.start("check points", lambda _state: load_points(path), done=lambda _points: None,
                         failed=lambda exc, details: dialogs.show_error(
                             self, "Open point file", *jobs.describe(exc, details)), newest_wins=True)

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
            thread.wait(2000)  # it ends right after this signal; jobs deletes it then
        if self.run.run_dir is not None:
            self._set_run_label(self.run.run_dir, "Saved")
        done = {"completed": "Training finished.", "stopped": "Training stopped; checkpoint saved.",
                "diverged": "Training stopped after it diverged; the last good checkpoint is kept.",
                "failed": "Training failed."}
        self.status_message.emit(done.get(reason, reason), 0)
        self.stepper.detach()
        self.live_edit.end()
        self.run.finished(reason)
        self.training_state_changed.emit(False)
        self.training_finished.emit(reason)
        if self._restart_pending:
            self._restart_pending = False
            self.start()

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
        from ganstudio.core.io.runs import is_run_dir, latest_checkpoint

        folder = QFileDialog.getExistingDirectory(self, "Resume run folder", str(settings.runs_root()))
        if not folder:
            return
        if not is_run_dir(folder) or latest_checkpoint(folder) is None:
            dialogs.show_error(self, "Resume run", f"{folder} has no checkpoint to resume from.")
            return
        self.resume_run(folder)

