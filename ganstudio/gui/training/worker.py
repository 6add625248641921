"""The worker that keeps training off the GUI thread.

``TrainingWorker`` lives in its own QThread and drives the core's ``Trainer.run`` through
its hooks, so a GUI run writes exactly the run folder the command line writes. The GUI
talks to it through thread-safe methods (pause, resume, stop, save, generator requests,
steps taken by hand, new settings) that the worker picks up between steps; it answers
through queued signals, with metrics batched at most every ``EMIT_INTERVAL_S`` (100 ms) so
the GUI thread stays light.

A step taken by hand (Step, Step D, Step G) runs while the run is paused, inside the
trainer's pause wait: it is logged, shown and checkpointed like any other step.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ganstudio.gui.common.jobs import describe

EMIT_INTERVAL_S = 0.1
TOY_VIEW_INTERVAL_S = 0.25  # the 2-D view also refreshes on time, so it moves as it trains
PAUSE_POLL_S = 0.05
METRICS_MAX_INTERVAL_S = 20.0  # quality figures at least 3 times a minute, even on a slow CPU
METRICS_MIN_STEPS = 50  # ... once 50 steps have passed (a 20-step smoke run gets no figures)
METRICS_COST_SHARE = 0.03  # and a fast run skips evaluations to keep their cost under 3%; 0: never


@dataclass
class TrainingJob:
    """What to train: a new run (``config`` into ``run_dir``) or a resumed run folder."""

    config: Any = None  # RunConfig for a new run
    run_dir: Path | None = None
    resume_from: Path | None = None  # a run folder or checkpoint to continue
    extra_steps: int = 0  # used when the resumed run had already finished
    sample_every: int = 100
    metrics_every: int = 0  # steps between quality figures; 0: 250 for 2-D data, 200 for images
    torch_threads: int | None = None  # None: default_torch_threads(); 0: torch's own default
    start_paused: bool = False  # build the networks, show them, and wait for a step or Resume


RESUME_LOCKED_ADVICE = "Wait for that run to finish (or stop it) before continuing it."


def default_torch_threads() -> int:
    """Threads for training on the CPU: all cores but one, which the GUI thread keeps.

    On a small machine this matters twice: the event loop stays on time, and torch's
    worker threads do not spin-wait against each other when the cores are shared.
    """
    return max(1, (os.cpu_count() or 1) - 1)


class TrainingWorker(QObject):
    run_started = Signal(dict)  # run_dir, device, step, steps, is_toy
    status = Signal(str)
    progressed = Signal(list)  # metric rows since the last emit
    samples_ready = Signal(int, object)  # step, uint8 (H, W, C)
    toy_view_ready = Signal(int, object)  # step, Trainer.toy_view() dict
    checkpoint_saved = Signal(str)
    metrics_evaluated = Signal(dict)  # a metrics_probe row with "collapse_message" and "metrics_s"
    generator_ready = Signal(object)  # LoadedGenerator
    paused_changed = Signal(bool)
    stepped = Signal(dict)  # the row of a step taken by hand, once it is shown
    settings_applied = Signal(list)  # dotted names of the live settings the trainer took
    settings_refused = Signal(str)  # the sentence that says why it did not
    diverged = Signal(int, str, str)  # step, message, last checkpoint ("" when none)
    failed = Signal(str, str)  # message, details
    finished = Signal(str)  # "completed", "stopped", "diverged" (stopped unsaved) or "failed"

    def __init__(self, job: TrainingJob) -> None:
        super().__init__()
        self.job = job
        self._pause = threading.Event()
        self._stop = threading.Event()
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._steps: queue.SimpleQueue[str] = queue.SimpleQueue()  # parts asked for by hand
        self._hooks: Any = None
        self._sample_every = max(1, job.sample_every)
        self._rows: list[dict[str, float]] = []
        self._last_emit = 0.0
        self._last_view = 0.0
        self._trainer: Any = None
        self._metrics_every = max(0, job.metrics_every)
        self._probe: Any = None  # a MetricsProbe, built at the first evaluation
        self._metrics_off = False  # the probe failed once: training goes on without figures
        self._last_metrics = (0.0, 0)  # (time, step) of the last evaluation
        self._metrics_cost = 0.0  # seconds the last evaluation took (the reference aside)

    # ----------------------------------------------------------------- called from the GUI thread
    def pause(self) -> None:
        if not self._pause.is_set():
            self._pause.set()
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if self._pause.is_set():
            self._pause.clear()
            self.paused_changed.emit(False)

    @property
    def is_paused(self) -> bool:
        return self._pause.is_set()

    def stop(self) -> None:
        """Stop after the step in progress; the trainer then saves a checkpoint."""
        self._stop.set()

    def request_checkpoint(self) -> None:
        self._commands.put(("save", None))

    def request_generator(self) -> None:
        self._commands.put(("generator", None))

    def request_rollback(self) -> None:
        self._commands.put(("rollback", None))

    def set_sample_every(self, steps: int) -> None:
        self._commands.put(("sample_every", max(1, int(steps))))

    def set_metrics_every(self, steps: int) -> None:
        self._commands.put(("metrics_every", max(1, int(steps))))

    def request_step(self, part: str = "both") -> None:
        """One step by hand while paused: an iteration ("both"), one D or one G update ("d", "g")."""
        self._steps.put(part)

    def update_settings(self, config: Any) -> None:
        """Train with ``config``'s live settings from the next step (a copy is sent)."""
        from ganstudio.core.training.live import copy_config

        self._commands.put(("settings", copy_config(config)))

    # ----------------------------------------------------------------- the worker thread
    def run(self) -> None:
        reason = "failed"
        try:
            reason = self._train()
        except Exception as exc:  # every failure becomes a dialog, never a dead thread
            self._flush(force=True)
            # A UserError (a folder another process writes, a bad setting) is one line with
            # no traceback; anything else is a bug and keeps its traceback.
            self.failed.emit(*describe(exc, traceback.format_exc()))
        finally:
            if self._trainer is not None:
                try:
                    self._trainer.close()
                except Exception:  # closing a log file must not hide the real outcome
                    pass
            self.finished.emit(reason)

    def _train(self) -> str:
        import torch

        from ganstudio.core.training.trainer import Trainer, TrainHooks, TrainingDiverged

        threads = self.job.torch_threads
        if threads is None:
            threads = default_torch_threads()
        if threads > 0:
            torch.set_num_threads(threads)
        self.status.emit("Preparing the data and the networks…")
        trainer = self._build(Trainer)
        if self.job.start_paused:
            self.pause()
        hooks = self._hooks = TrainHooks(progress=self._on_progress, samples=self._on_samples,
                           checkpoint=self._on_checkpoint, should_pause=self._should_pause,
                           should_stop=self._should_stop)
        while True:
            self._announce(trainer)
            try:
                trainer.run(hooks)
            except TrainingDiverged as exc:
                self._flush(force=True)
                if not self._handle_divergence(exc):
                    return "diverged"
                trainer = self._trainer
                continue
            self._flush(force=True)
            return "stopped" if self._stop.is_set() else "completed"

    def _build(self, trainer_class: Any) -> Any:
        from ganstudio.core.io.runlock import RunLocked

        job = self.job
        if job.resume_from is not None:
            try:
                trainer = trainer_class.resume(job.resume_from)
            except RunLocked as exc:
                raise exc.with_advice(RESUME_LOCKED_ADVICE) from None
            if trainer.step_count >= trainer.config.train.steps:
                trainer.config.train.steps = trainer.step_count + max(1, job.extra_steps)
        else:
            trainer = trainer_class(job.config, job.run_dir)
        trainer.config.train.sample_every = self._sample_every
        if not self._metrics_every:
            self._metrics_every = 250 if trainer.config.is_toy else 200
        self._trainer = trainer
        self._last_metrics = (time.monotonic(), trainer.step_count)
        return trainer

    def _announce(self, trainer: Any) -> None:
        self.run_started.emit({
            "run_dir": str(trainer.run_dir) if trainer.run_dir else "",
            "device": str(trainer.device),
            "step": int(trainer.step_count),
            "steps": int(trainer.config.train.steps),
            "is_toy": bool(trainer.config.is_toy),
            "config": trainer.config,
            "networks": _networks(trainer),
        })
        previous = getattr(trainer, "took_over_from", None)
        if previous is not None:  # its writer was killed; say so once, as the command line does
            from ganstudio.core.io.runlock import takeover_note

            self.status.emit(f"Training on {trainer.device}. Note: {takeover_note(previous)}")
        else:
            self.status.emit(f"Training on {trainer.device}.")
        self._emit_view(trainer)

    def _handle_divergence(self, exc: Exception) -> bool:
        """Wait paused for a rollback (True) or a stop (False).

        Resume means roll back too: the diverged weights would only diverge again.
        """
        trainer = self._trainer
        checkpoint = trainer.run_dir and _latest_checkpoint(trainer.run_dir)
        self._pause.set()
        self.paused_changed.emit(True)
        self.diverged.emit(int(getattr(exc, "step", trainer.step_count)), str(exc), str(checkpoint or ""))
        while not self._stop.is_set():
            try:
                command, _ = self._commands.get(timeout=PAUSE_POLL_S)
            except queue.Empty:
                command = "" if self._pause.is_set() else "rollback"
            if command != "rollback":
                continue
            if not checkpoint:
                self.pause()  # nothing to go back to: stay paused until Stop
                continue
            steps = trainer.config.train.steps
            trainer.close()
            self.status.emit("Rolling back to the last checkpoint…")
            self._trainer = type(trainer).resume(trainer.run_dir)
            self._trainer.config.train.steps = steps
            self._trainer.config.train.sample_every = self._sample_every
            self.resume()
            return True
        return False

    # ----------------------------------------------------------------- hooks (worker thread)
    def _on_progress(self, figures: dict[str, float]) -> None:
        self._rows.append(dict(figures))
        step = int(figures.get("step", 0))
        trainer = self._trainer
        if trainer is not None and trainer.config.is_toy:
            if (step == 1 or step % self._sample_every == 0
                    or time.monotonic() - self._last_view >= TOY_VIEW_INTERVAL_S):
                self._emit_view(trainer)
        elif step == 1:
            self._emit_view(trainer)
        self._run_commands()
        self._flush()
        if trainer is not None and self._metrics_due(step):
            self._evaluate_metrics(trainer, step)

    def _on_samples(self, step: int, grid: Any) -> None:
        self.samples_ready.emit(int(step), grid)

    def _on_checkpoint(self, path: Path) -> None:
        self.checkpoint_saved.emit(str(path))

    def _should_pause(self) -> bool:
        if self._pause.is_set():
            self._flush(force=True)
            self._run_commands()
            self._take_step_by_hand()
        return self._pause.is_set() and not self._should_stop()

    def _should_stop(self) -> bool:
        # Steps taken by hand may reach the run's end while paused: it then ends as completed
        # (run() checks the count only before its own steps).
        trainer = self._trainer
        done = trainer is not None and trainer.step_count >= trainer.config.train.steps
        return self._stop.is_set() or done

    def _take_step_by_hand(self) -> None:
        try:
            part = self._steps.get_nowait()
        except queue.Empty:
            return
        trainer, t = self._trainer, self._trainer.config.train
        figures = trainer.step(part=part)
        s = trainer.step_count
        if trainer.writer is not None:
            trainer.writer.log(figures)  # every step a person takes is in the record
        self._on_progress(figures)
        self._flush(force=True)
        if not trainer.config.is_toy and (s % t.sample_every == 0 or s == t.steps):
            trainer.emit_samples(self._hooks)  # saved into samples/ as run() would
        else:
            self._emit_view(trainer)  # each step by hand is shown
        if trainer.run_dir and s % t.checkpoint_every == 0:
            self._on_checkpoint(trainer.save_checkpoint())
        self.stepped.emit(dict(figures))

    # ----------------------------------------------------------------- helpers (worker thread)
    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._rows and (force or now - self._last_emit >= EMIT_INTERVAL_S):
            rows, self._rows = self._rows, []
            self._last_emit = now
            self.progressed.emit(rows)

    def _emit_view(self, trainer: Any) -> None:
        if trainer is None:
            return
        if trainer.config.is_toy:
            self._last_view = time.monotonic()
            step = int(trainer.step_count)
            if trainer.config.sample_shape == (1,):
                view = trainer.toy_view_1d()
                self._note_js(step, view.get("js"))
            else:
                view = trainer.toy_view()
            self.toy_view_ready.emit(step, view)
        else:
            self.samples_ready.emit(int(trainer.step_count), trainer.sample_grid())

    def _note_js(self, step: int, js: Any) -> None:
        """The 1-D lab's Jensen-Shannon divergence joins its step's row: plotted beside the loss."""
        if js is None or step <= 0:
            return
        if self._rows and int(self._rows[-1].get("step", -1)) == step:
            self._rows[-1]["js"] = float(js)
        else:
            self._rows.append({"step": step, "js": float(js)})

    def _run_commands(self) -> None:
        trainer = self._trainer
        while True:
            try:
                command, arg = self._commands.get_nowait()
            except queue.Empty:
                return
            if command == "save":
                path = trainer.save_checkpoint()
                if path is not None:
                    self.checkpoint_saved.emit(str(path))
            elif command == "generator":
                self.generator_ready.emit(trainer.loaded_generator())
            elif command == "sample_every":
                self._sample_every = arg
                trainer.config.train.sample_every = arg
            elif command == "metrics_every":
                self._metrics_every = arg
            elif command == "settings":
                self._apply_settings(trainer, arg)

    def _apply_settings(self, trainer: Any, config: Any) -> None:
        from ganstudio.core.errors import UserError

        config.train.sample_every = self._sample_every  # the tab's own cadence wins
        try:
            applied = trainer.update_settings(config)
        except UserError as exc:
            self.settings_refused.emit(str(exc))
            return
        self.settings_applied.emit(list(applied))

    def _metrics_due(self, step: int) -> bool:
        if self._metrics_off or step <= 0:
            return False
        last_time, last_step = self._last_metrics
        elapsed = time.monotonic() - last_time
        if METRICS_COST_SHARE and elapsed * METRICS_COST_SHARE < self._metrics_cost:
            return False
        if step % self._metrics_every == 0:
            return True
        return step - last_step >= METRICS_MIN_STEPS and elapsed >= METRICS_MAX_INTERVAL_S

    def _evaluate_metrics(self, trainer: Any, step: int) -> None:
        """Quality figures of the generator the explorer would get (EMA when on), in this thread."""
        from ganstudio.gui.training.probe import MetricsProbe

        try:
            if self._probe is None:
                self._probe = MetricsProbe(trainer.config, trainer.dataset)
            t0 = time.perf_counter()
            row, message = self._probe.evaluate(trainer.sampler, step)
        except Exception as exc:  # figures are a help: their failure must not stop training
            self._metrics_off = True
            self.status.emit(f"Quality figures are off for this run: {exc}")
            return
        row["metrics_s"] = self._metrics_cost = time.perf_counter() - t0
        row["collapse_message"] = message
        self._last_metrics = (time.monotonic(), step)
        if trainer.writer is not None:
            trainer.writer.log(row)
        self._flush(force=True)  # the step's curves first, then its figures
        self.metrics_evaluated.emit(row)


def _networks(trainer: Any) -> dict[str, list[int]]:
    from ganstudio.gui.training.networks import layer_widths

    return {"G": layer_widths(trainer.G), "D": layer_widths(trainer.D)}


def _latest_checkpoint(run_dir: Path | str) -> Path | None:
    from ganstudio.core.io.runs import latest_checkpoint

    return latest_checkpoint(run_dir)
