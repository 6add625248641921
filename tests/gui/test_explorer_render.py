"""The render worker: the newest request wins, nothing queues, frames come back tagged."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading

import numpy as np
import torch
from torch import nn

from ganstudio.core.latent import LatentState
from ganstudio.gui.explorer.render_worker import RenderWorker


class SlowGenerator(nn.Module):
    """Each forward pass waits until released, so requests pile up behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_dim = 4
        self.sample_shape = (1, 2, 2)
        self.calls: list[float] = []
        self.gate = threading.Event()
        self.entered = threading.Event()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.entered.set()
        self.gate.wait(5)
        self.calls.append(float(z[0, 0]))
        return torch.tanh(z[:, :4].reshape(-1, 1, 2, 2))


def test_newest_request_wins_and_requests_never_queue(qtbot):
    gen = SlowGenerator()
    worker = RenderWorker()
    worker.set_generator(gen)
    frames: list[tuple[int, np.ndarray]] = []
    worker.frame_ready.connect(lambda rid, frame, _image: frames.append((rid, frame)))
    try:
        first = worker.request(LatentState(np.full(4, 0.1, np.float32)))
        assert gen.entered.wait(10)  # the worker is inside the first forward, held by the gate
        values = np.linspace(0.2, 0.9, 8)
        ids = [worker.request(LatentState(np.full(4, v, np.float32))) for v in values]
        gen.gate.set()
        qtbot.waitUntil(lambda: bool(frames) and frames[-1][0] == ids[-1], timeout=10000)
    finally:
        gen.gate.set()
        worker.stop()
    assert ids == sorted(ids) and first < ids[0]
    # Only the first and the newest latent were rendered; the seven in between never ran.
    assert len(gen.calls) == 2 and gen.calls[-1] == np.float32(0.9)
    assert [rid for rid, _ in frames][-1] == ids[-1]
    assert frames[-1][1].shape == (2, 2, 1) and frames[-1][1].dtype == np.uint8


def test_grid_requests_render_a_batch(qtbot):
    gen = SlowGenerator()
    gen.gate.set()
    worker = RenderWorker()
    worker.set_generator(gen)
    try:
        with qtbot.waitSignal(worker.grid_ready, timeout=10000) as blocker:
            request_id = worker.request_grid(np.zeros((5, 4), np.float32))
    finally:
        worker.stop()
    rid, tiles, z = blocker.args
    assert rid == request_id and tiles.shape == (5, 2, 2, 1) and z.shape == (5, 4)
    assert np.all(tiles == 128)  # tanh(0) = 0 is mid grey


def test_tasks_deliver_a_result_a_sentence_or_a_cancellation_and_are_forgotten(qtbot):
    from PySide6.QtCore import QObject

    from ganstudio.core.export import FileFormatError
    from ganstudio.core.latent import Cancelled
    from ganstudio.gui.explorer.tasks import TaskRunner

    owner = QObject()
    runner = TaskRunner(owner, on_error=lambda message: None)
    seen: list[object] = []

    def unreadable(_progress, _stop):
        raise FileFormatError("w.npy holds no latent.")

    def stopped(_progress, _stop):
        raise Cancelled("stopped")

    runner.start("load", lambda progress, _stop: progress(1, 1) or 7, seen.append)
    runner.start("read", unreadable, seen.append, failed=seen.append)
    runner.start("search", stopped, seen.append, cancelled=lambda: seen.append("cancelled"))
    qtbot.waitUntil(lambda: not runner.busy(), timeout=10_000)
    assert sorted(map(str, seen)) == ["7", "cancelled", "w.npy holds no latent."]
    assert not any(runner.running(name) for name in ("load", "read", "search"))


def test_an_explorer_deleted_before_its_first_load_is_left_alone(qtbot, tmp_path):
    import shiboken6

    from ganstudio.gui.explorer.tab import ExplorerTab

    tab = ExplorerTab(autoload=True, cache_dir=tmp_path / "cache")
    tab.shutdown()
    shiboken6.delete(tab)  # before its queued look for a generator runs
    qtbot.wait(50)  # an error in that call would fail the test here


def test_frames_of_a_convolutional_generator_match_the_generator_itself(qtbot, tiny_config):
    from ganstudio.core.generate import to_uint8
    from ganstudio.core.models.build import build_generator

    torch.manual_seed(0)
    gen = build_generator(tiny_config()).eval().requires_grad_(False)
    worker = RenderWorker()
    worker.set_generator(gen)
    z = np.random.default_rng(3).standard_normal(gen.latent_dim).astype(np.float32)
    try:
        with qtbot.waitSignal(worker.frame_ready, timeout=10000) as blocker:
            worker.request_z(z)
    finally:
        worker.stop()
    _rid, frame, image = blocker.args
    with torch.inference_mode():
        expected = to_uint8(gen(torch.from_numpy(z)[None]))[0]
    plan = worker.render_plan()
    assert plan is not None and plan.source is gen  # made once, for this generator
    # The same picture (a channels-last copy may round a pixel by one level).
    assert frame.shape == expected.shape
    assert np.abs(frame.astype(int) - expected.astype(int)).max() <= 1
    assert image.width() == expected.shape[1] and image.height() == expected.shape[0]
