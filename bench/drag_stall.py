"""Does a slider drag keep the explorer's image moving? Frames painted during a real drag.

For each generator, the Explorer tab drags the truncation slider through the event loop:
the slider goes down (as under the mouse), takes a new value every 33 ms (30 Hz) for
``--seconds``, and is released. The tab and its render worker do what they do for a person:
drag previews and the full frame after the release on StyleGAN2, whole frames on z models.
Printed per generator and load:

- painted/move: frames painted during the drag for each slider move (1.0: every move);
- longest gap:  the longest time without a new frame, from the first move to the release;
- release:      from the release to the final frame (full size) on screen;
- input gap:    the longest time between two slider moves as the event loop delivered
                them (a busy machine delays them too: no frame can come faster).

Each is measured with the worker's pacing (gui.explorer.pacing.FramePacer) and, as the
reference, with the rule before it (``old``: a newer request always abandons the frame in
progress, and a finished frame is dropped when a newer one waits and a frame was shown
within 100 ms). "busy" runs the same drag while another process spins on one core.

Generators: ``default`` (the shipped DCGAN), ``tiny32`` (NVlabs' StyleGAN2 test snapshot,
32 px), ``sg3t`` and ``sg3r`` (StyleGAN3 snapshots written by NVlabs' code, configs T and R,
32 px), ``sg256`` and ``sg1024`` (StyleGAN2 with FFHQ widths and random weights, as
bench/stylegan2_explorer.py builds them).

    python bench/drag_stall.py [--models default,tiny32,sg3t,sg3r,sg256,sg1024] [--seconds 2]
                               [--loads idle,busy] [--rules new,old]

Target (issue 18): a new frame at least every 100 ms of the drag, on every model.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


TINY32 = ROOT / "tests" / "fixtures" / "stylegan2-ada" / "G_tiny32.pkl"
STYLEGAN3 = ROOT / "tests" / "fixtures" / "stylegan3"
MOVE_MS = 33


def load(name: str):
    from ganstudio.core.io.loader import load_generator

    if name == "default":
        return load_generator("default")
    if name == "tiny32":
        return load_generator(TINY32)
    if name in ("sg3t", "sg3r"):
        return load_generator(STYLEGAN3 / f"{name}_tiny32.pkl")
    resolution = int(name.removeprefix("sg"))
    sys.path.insert(0, str(ROOT / "bench"))
    from stylegan2_explorer import build

    G, title = build(resolution)
    return SimpleNamespace(generator=G, config=None, step=0, source=None,
                           name=f"{title} (random weights)")


def old_rule():
    """The pacing before: the newest request always wins; a finished frame is dropped while a
    newer one waits, unless nothing was shown for 100 ms."""
    from ganstudio.gui.explorer.pacing import FramePacer

    class AbandonOnNewer(FramePacer):
        def should_abandon(self, newer: str | None) -> bool:
            return newer is not None

        def should_show(self, newer: str | None) -> bool:
            shown = self._shown_at
            return newer is None or shown is None or self._clock() - shown >= 0.1

    return AbandonOnNewer()


def spin(app, until, timeout_s: float) -> bool:
    end = time.perf_counter() + timeout_s
    while not until():
        if time.perf_counter() > end:
            return False
        app.processEvents()
        time.sleep(0.002)
    return True


def drag(app, tab, seconds: float) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QSlider

    slider = tab.findChild(QSlider, "truncationSlider")
    paints: list[float] = []
    tab.image.frame_painted.connect(lambda _fid: paints.append(time.perf_counter()))
    moves = max(1, round(seconds * 1000 / MOVE_MS))
    # A triangle wave, 2 ticks (0.02 of psi) a move, about the middle of the slider's range so
    # that every move changes the value (one clamped at an end would ask for no frame).
    start = (slider.minimum() + slider.maximum()) // 2
    if slider.value() != start:
        slider.setValue(start)
        spin(app, lambda: tab.image.painted_id >= tab.last_request_id, 120)
        spin(app, lambda: not tab.is_busy(), 120)
    values = [start + 2 * (15 - abs((i + 15) % 60 - 30)) for i in range(1, moves + 1)]
    values = [v if v != start else v + 1 for v in values]
    state = {"i": 0, "start": 0.0, "release": 0.0}
    ticks: list[float] = []
    loop = QEventLoop()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(MOVE_MS)

    def tick() -> None:
        i = state["i"]
        ticks.append(time.perf_counter())
        if i == 0:
            state["start"] = time.perf_counter()
        if i < len(values):
            slider.setValue(values[i])
            state["i"] = i + 1
            return
        timer.stop()
        state["release"] = time.perf_counter()
        slider.setSliderDown(False)
        loop.quit()

    slider.setSliderDown(True)
    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    release = state["release"]
    spin(app, lambda: tab.image.painted_id >= tab.last_request_id, 120)
    final = time.perf_counter()
    during = [t for t in paints if state["start"] <= t <= release]
    edges = [state["start"], *during, release]
    return {
        "moves": moves,
        "painted": len(during),
        "per_move": len(during) / moves,
        "gap_ms": 1000 * max(b - a for a, b in zip(edges, edges[1:], strict=False)),
        "release_ms": 1000 * (final - release),
        "input_ms": 1000 * max(b - a for a, b in zip(ticks, ticks[1:], strict=False)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="default,tiny32,sg3t,sg3r,sg256,sg1024")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--loads", default="idle,busy")
    parser.add_argument("--rules", default="new,old")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from ganstudio.gui.explorer.pacing import FramePacer
    from ganstudio.gui.explorer.tab import ExplorerTab

    app = QApplication.instance() or QApplication([])
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start; "
          f"drags of {args.seconds:g} s at {1000 / MOVE_MS:.0f} Hz")
    print(f"{'model':10s} {'load':5s} {'rule':4s} {'painted/move':>13s} {'longest gap':>12s} "
          f"{'release':>9s} {'input gap':>10s}")
    with tempfile.TemporaryDirectory() as cache:
        for name in args.models.split(","):
            loaded = load(name)
            tab = ExplorerTab(autoload=False, cache_dir=cache)
            tab.resize(1000, 700)
            tab.show()
            tab.set_generator(loaded)
            spin(app, lambda t=tab: t.image.painted_id >= t.last_request_id > 0, 300)
            if tab.w_mode:  # the drag preview's plan is timed after the first frame
                spin(app, lambda t=tab: t.w_preview_plan() is not None, 300)
            spin(app, lambda t=tab: not t.is_busy(), 300)
            plan = tab.w_preview_plan()
            if plan is not None:
                print(f"{name}: {plan.describe()}, {plan.threads or 'default'} threads, "
                      f"{plan.precision}")
            for load_kind in args.loads.split(","):
                spinner = None
                if load_kind == "busy":
                    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                try:
                    for rule in args.rules.split(","):
                        tab.renderer.pacer = FramePacer() if rule == "new" else old_rule()
                        r = drag(app, tab, args.seconds)
                        print(f"{name:10s} {load_kind:5s} {rule:4s} "
                              f"{r['painted']:>4d}/{r['moves']:<3d} {r['per_move']:4.2f} "
                              f"{r['gap_ms']:9.0f} ms {r['release_ms']:6.0f} ms "
                              f"{r['input_ms']:7.0f} ms", flush=True)
                finally:
                    if spinner is not None:
                        spinner.kill()
                        spinner.wait()
            tab.shutdown()
            tab.deleteLater()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
