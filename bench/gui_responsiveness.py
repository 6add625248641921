"""How responsive the app stays while a model trains in its worker thread.

Trains the MNIST DCGAN preset through the Training tab's worker and, in the same process,
headless (a plain ``Trainer.step()`` loop in the main thread). The two alternate in short
blocks (the worker pauses while the headless block runs), so that other load on the
machine hits both alike. While the worker trains, a 10 ms QTimer measures how late the
event loop runs. Prints p50/p95/max lateness and both throughputs: wall-clock images/s
over the blocks, and the median of the per-step images/s the core reports for each step.

Targets on a 2-core CPU: p95 lateness <= 30 ms; GUI training >= 90% of headless images/s.

    python bench/gui_responsiveness.py [--blocks 6] [--block-steps 10] [--warmup 5]
                                       [--batch 64] [--threads N] [--verbose]

Both use the same number of torch threads: by default the app's choice for its worker
(all cores but one), so that the comparison measures what the GUI costs.
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


class Bench:
    def __init__(self, args: argparse.Namespace, threads: int, run_dir: Path) -> None:
        from ganstudio.core.training.trainer import Trainer
        from ganstudio.gui.app import create_main_window, ensure_app

        self.args = args
        self.app = ensure_app()
        self.window = create_main_window()
        self.window.show()
        self.window.load_core()
        self.tab = self.window.training_tab
        total = args.warmup + args.blocks * args.block_steps + 50
        import torch

        torch.set_num_threads(threads)
        self.headless = Trainer(make_config(total, args.batch))
        self.run_dir, self.threads, self.total = run_dir, threads, total
        self.clock = QElapsedTimer()
        self.clock.start()
        self.lateness: list[float] = []
        self.gui_rows: list[dict] = []
        self.measuring = False
        self._last_tick = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)

    def _on_tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        if self.measuring and self._last_tick:
            self.lateness.append(max(0.0, now - self._last_tick - TICK_MS))
        self._last_tick = now

    def _on_progressed(self, rows: list) -> None:
        if self.measuring:
            self.gui_rows.extend(rows)

    def _spin(self, until, timeout_s: float = 600.0) -> None:  # noqa: ANN001
        """Serve the event loop until ``until()``; sleeping between rounds keeps this loop's
        own share of the GIL small."""
        deadline = time.perf_counter() + timeout_s
        while not until():
            if time.perf_counter() > deadline:
                raise TimeoutError("the GUI run stopped reporting")
            self.app.processEvents()
            time.sleep(0.004)

    def run(self) -> tuple[list[float], list[float], list[float], list[float]]:
        from ganstudio.gui.training.worker import TrainingJob

        a, tab = self.args, self.tab
        for _ in range(a.warmup):
            self.headless.step()
        job = TrainingJob(config=make_config(self.total, a.batch), run_dir=self.run_dir,
                          sample_every=tab.sample_every_spin.value(), torch_threads=self.threads)
        tab._launch(job)
        tab.worker.progressed.connect(self._on_progressed)
        self._timer.start()
        self._spin(lambda: tab.run.step >= a.warmup)
        gui_wall, head_wall, head_steps = [], [], []
        self.gui_cpu = self.gui_time = 0.0
        for _ in range(a.blocks):
            start_step, start, cpu = tab.run.step, time.perf_counter(), time.thread_time()
            self._last_tick, self.measuring = 0.0, True
            self._spin(lambda s=start_step: tab.run.step >= s + a.block_steps)
            self.measuring = False
            self.gui_cpu += time.thread_time() - cpu
            self.gui_time += time.perf_counter() - start
            gui_wall.append((tab.run.step - start_step) * a.batch / (time.perf_counter() - start))
            tab.worker.pause()
            self._spin(lambda: self._settled())
            start = time.perf_counter()
            for _ in range(a.block_steps):
                head_steps.append(self.headless.step()["images_per_s"])
            head_wall.append(a.block_steps * a.batch / (time.perf_counter() - start))
            tab.worker.resume()
        self._timer.stop()
        tab.stop()
        self._spin(lambda: not tab.is_training)
        self.window.close()
        _WINDOWS.append(self.window)
        gui_steps = [float(r["images_per_s"]) for r in self.gui_rows if r.get("images_per_s")]
        return gui_wall, head_wall, gui_steps, head_steps

    def _settled(self) -> bool:
        """The paused worker has reported its last step (nothing new for 0.3 s)."""
        step = self.tab.run.step
        end = time.perf_counter() + 0.3
        self._spin(lambda: time.perf_counter() >= end)
        return self.tab.run.step == step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=6, help="GUI/headless block pairs")
    parser.add_argument("--block-steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for both (default: the app's choice for its worker)")
    parser.add_argument("--verbose", action="store_true", help="print each block")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # keep the person's own settings and runs folder out of it
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, tmp)
        import torch

        from ganstudio.gui.training.worker import default_torch_threads

        threads = args.threads or default_torch_threads()
        print(f"torch {torch.__version__}, {threads} torch threads, {os.cpu_count()} CPUs; "
              f"MNIST DCGAN, batch {args.batch}, {args.blocks} x {args.block_steps} steps each")
        bench = Bench(args, threads, Path(tmp) / "run")
        gui_wall, head_wall, gui_steps, head_steps = bench.run()
        if args.verbose:
            for i, (g, h) in enumerate(zip(gui_wall, head_wall, strict=True)):
                print(f"  block {i + 1}: GUI {g:6.1f}, headless {h:6.1f} images/s")
        g, h = float(np.mean(gui_wall)), float(np.mean(head_wall))
        gm, hm = float(np.median(gui_steps)), float(np.median(head_steps))
        print(f"wall clock     GUI worker {g:7.1f} images/s, headless {h:7.1f}  ({100 * g / h:.0f}%)")
        print(f"per step (med) GUI worker {gm:7.1f} images/s, headless {hm:7.1f}  ({100 * gm / hm:.0f}%)")
        late = np.asarray(bench.lateness)
        p50, p95 = np.percentile(late, [50, 95])
        print(f"event-loop lateness over {len(late)} ticks of {TICK_MS} ms while training: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {late.max():.1f} ms")
        print(f"GUI thread busy {100 * bench.gui_cpu / bench.gui_time:.0f}% of one core while the "
              "worker trained")
        ok = p95 <= 30 and g >= 0.9 * h
        print("targets (p95 <= 30 ms, >= 90% of headless):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
