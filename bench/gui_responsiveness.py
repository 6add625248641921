"""How responsive the app stays while a model trains in its worker thread.

Trains the MNIST DCGAN preset headless (a plain ``Trainer.step()`` loop) and through the
Training tab's worker, in the same process, alternating the two for ``--rounds`` rounds so
that other load on the machine hits both alike. While a GUI run trains, a 10 ms QTimer
measures how late the event loop runs. Prints p50/p95/max lateness and both throughputs.

Targets on a 2-core CPU: p95 lateness <= 30 ms; GUI training >= 90% of headless images/s.

    python bench/gui_responsiveness.py [--steps 100] [--warmup 10] [--batch 64] [--threads N]
                                       [--rounds 2]

Both runs use the same number of torch threads: by default the app's choice for its
worker (all cores but one), so that the comparison measures what the GUI costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer  # noqa: E402

TICK_MS = 10
_WINDOWS: list = []  # closed windows live on until exit, when their threads are joined


def make_config(steps: int, batch: int):  # noqa: ANN201
    from ganstudio.core.config import preset

    cfg = preset("mnist-dcgan")
    cfg.train.steps = steps
    cfg.train.batch_size = batch
    cfg.train.device = "cpu"
    return cfg.validate()


def headless(steps: int, warmup: int, batch: int, threads: int) -> float:
    """images/s of a bare Trainer.step() loop, after ``warmup`` steps."""
    import torch

    from ganstudio.core.trainer import Trainer

    torch.set_num_threads(threads)
    trainer = Trainer(make_config(steps + warmup, batch))
    for _ in range(warmup):
        trainer.step()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step()
    elapsed = time.perf_counter() - start
    trainer.close()
    return steps * batch / elapsed


def gui(steps: int, warmup: int, batch: int, threads: int, run_dir: Path,
        verbose: bool = False) -> tuple[float, np.ndarray]:
    """(images/s of the GUI run, event-loop lateness in ms for each 10 ms tick while it trained)."""
    from ganstudio.gui.app import create_main_window, ensure_app

    app = ensure_app()
    window = create_main_window()
    window.show()
    window.load_core()
    tab = window.training_tab

    clock = QElapsedTimer()
    clock.start()
    lateness: list[float] = []
    marks: dict[str, float] = {}
    last_tick = [0.0]
    worst: list[tuple[float, int]] = []

    def on_tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if "start" in marks and "end" not in marks and last_tick[0]:
            lateness.append(max(0.0, now - last_tick[0] - TICK_MS))
            worst.append((lateness[-1], tab._step))
        last_tick[0] = now

    def on_progressed(rows: list) -> None:
        step = int(rows[-1]["step"])
        now = time.perf_counter()
        if step >= warmup and "start" not in marks:
            marks["start"], marks["start_step"] = now, step
        if step >= warmup + steps and "end" not in marks:
            marks["end"], marks["end_step"] = now, step

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(on_tick)
    timer.start()

    if verbose:  # the same window, not training: what the rest of the machine costs
        marks["start"] = time.perf_counter()
        deadline = time.perf_counter() + 3.0
        while time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.001)
        idle = np.asarray(lateness)
        print(f"  idle window: p95 {np.percentile(idle, 95):.1f} ms, max {idle.max():.1f} ms "
              f"over {len(idle)} ticks")
        lateness.clear()
        worst.clear()
        marks.clear()

    from ganstudio.gui.workers import TrainingJob

    job = TrainingJob(config=make_config(steps + warmup + 5, batch), run_dir=run_dir,
                      sample_every=tab.sample_every_spin.value(), torch_threads=threads)
    tab._launch(job)
    tab.worker.progressed.connect(on_progressed)
    while tab.is_training and "end" not in marks:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    tab.stop()
    while tab.is_training:
        app.processEvents()
        time.sleep(0.005)
    window.close()
    _WINDOWS.append(window)
    if verbose:
        print("  worst ticks (ms late, last step the GUI had seen):",
              ", ".join(f"{ms:.0f} @ {step}" for ms, step in sorted(worst, reverse=True)[:6]))
    images = (marks["end_step"] - marks["start_step"]) * batch
    return images / (marks["end"] - marks["start"]), np.asarray(lateness)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="measured steps per run")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for both runs (default: the app's choice for its worker)")
    parser.add_argument("--rounds", type=int, default=2, help="headless/GUI pairs to alternate")
    parser.add_argument("--verbose", action="store_true",
                        help="also time an idle window, and name the latest ticks of each run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # keep the person's own settings and runs folder out of it
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, tmp)
        import torch

        from ganstudio.gui.workers import default_torch_threads

        threads = args.threads or default_torch_threads()
        print(f"torch {torch.__version__}, {threads} torch threads, "
              f"{os.cpu_count()} CPUs; MNIST DCGAN, batch {args.batch}, {args.steps} steps")
        bases, rates, lates = [], [], []
        for r in range(args.rounds):
            bases.append(headless(args.steps, args.warmup, args.batch, threads))
            rate, late = gui(args.steps, args.warmup, args.batch, threads, Path(tmp) / f"run{r}",
                             args.verbose)
            rates.append(rate)
            lates.append(late)
            print(f"round {r + 1}: headless {bases[-1]:7.1f} images/s, GUI worker {rate:7.1f} images/s")
        base, rate, late = float(np.mean(bases)), float(np.mean(rates)), np.concatenate(lates)
        print(f"headless           {base:8.1f} images/s (mean)")
        print(f"GUI worker         {rate:8.1f} images/s (mean, {100 * rate / base:.0f}% of headless)")
        p50, p95 = np.percentile(late, [50, 95])
        print(f"event-loop lateness over {len(late)} ticks of {TICK_MS} ms: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {late.max():.1f} ms")
        ok = p95 <= 30 and rate >= 0.9 * base
        print("targets (p95 <= 30 ms, >= 90% of headless):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
