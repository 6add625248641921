"""How long the toy lab's views take to redraw: milliseconds per frame, all layers on.

A frame is what the Training tab does with each view the worker sends: ``set_view`` (points,
D's map with its colour key and D = 0.5 line, G's manifold, gradient arrows, the fit) and the
paint that follows, rendered offscreen into an image of the widget's size. The 2-D view is
timed at the worker's sizes (512 real and generated points, a 64 x 64 map, 22 manifold lines
of 41 points); the 1-D view at 200 grid points and 40 z -> x lines; a slow-motion frame (the
map blended and the points recoloured by D) as well.

    python bench/toy_view_redraw.py [--frames 60] [--size 420x460]

Prints the median and 90th percentile per kind of frame. On the 2-core build machine the
training thread competes for the same cores, so the view redraws at most 4 times a second
while training (worker.TOY_VIEW_INTERVAL_S).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def toy_view_dict(rng: np.random.Generator, shift: float) -> dict:
    angles = rng.integers(0, 8, 512) * np.pi / 4
    real = np.stack([np.cos(angles), np.sin(angles)], 1) + rng.normal(0, 0.05, (512, 2))
    fake = rng.normal(0, 0.5, (512, 2)) + shift
    xs = np.linspace(-1.6, 1.6, 64)
    gx, gy = np.meshgrid(xs, xs)
    heat = (0.5 + 0.3 * np.tanh(2 * gx + shift) * np.cos(gy)).astype(np.float32)
    t = np.linspace(-2, 2, 41)
    lines = [np.stack([t, np.full_like(t, c)], 1) for c in np.linspace(-2, 2, 11)]
    lines += [np.stack([np.full_like(t, c), t], 1) for c in np.linspace(-2, 2, 11)]
    manifold = np.stack(lines) * 0.6 + shift
    return {"real": real, "fake": fake, "heat": heat, "extent": (-1.6, 1.6, -1.6, 1.6),
            "manifold": manifold, "gradients": -fake, "d_range": (float(heat.min()), float(heat.max()))}


def line_view_dict(rng: np.random.Generator, shift: float) -> dict:
    x = np.linspace(-4, 4, 200)
    p_data = np.exp(-(x - 1) ** 2 / 0.5) + np.exp(-(x + 1.5) ** 2 / 0.3)
    p_g = np.exp(-(x - shift) ** 2)
    z = np.sort(rng.normal(size=40))
    return {"x": x, "p_data": p_data, "p_g": p_g, "d": 1 / (1 + np.exp(-x + shift)),
            "d_opt": p_data / (p_data + p_g + 1e-12), "z_lines": np.stack([z, z + shift], 1), "js": 0.3}


def paint(widget, image: QImage) -> None:  # noqa: ANN001
    widget.render(image)


def time_frames(widget, frames: int, show) -> list[float]:  # noqa: ANN001
    """ms per frame: ``show(i)`` then a full render of the widget."""
    image = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for i in range(frames + 5):
        t0 = time.perf_counter()
        show(i)
        QApplication.processEvents()
        paint(widget, image)
        if i >= 5:  # the first frames build caches
            times.append((time.perf_counter() - t0) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"{name:<28} median {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms   ({len(times)} frames)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--size", default="420x460")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    app = QApplication.instance() or QApplication([])
    from ganstudio.gui.training.toy_view import ToyView
    from ganstudio.gui.training.toy_view_1d import ToyView1D

    rng = np.random.default_rng(0)
    views = [toy_view_dict(rng, 0.02 * i) for i in range(8)]
    view = ToyView()
    view.resize(w, h)
    view.show()
    view.build()
    report("2-D view, all layers", time_frames(view, args.frames, lambda i: view.set_view(views[i % 8])))
    for name in ("manifold", "gradients"):
        view.layer_checks[name].setChecked(False)
    report("2-D view, points and map", time_frames(view, args.frames, lambda i: view.set_view(views[i % 8])))
    for name in ("manifold", "gradients"):
        view.layer_checks[name].setChecked(True)

    def slow_frame(i: int) -> None:  # one moving frame of a slow-motion phase
        t = (i % 10) / 10
        heat = (1 - t) * views[0]["heat"] + t * views[1]["heat"]
        view.show_heat(heat, views[0]["extent"])
        view.colour_points_by(view.d_at(views[0]["real"]), view.d_at(views[0]["fake"]))

    report("2-D slow-motion frame", time_frames(view, args.frames, slow_frame))

    lines = [line_view_dict(rng, 0.05 * i) for i in range(8)]
    line = ToyView1D()
    line.resize(w, h)
    line.show()
    report("1-D view", time_frames(line, args.frames, lambda i: line.set_view(lines[i % 8])))
    app.processEvents()


if __name__ == "__main__":
    main()
