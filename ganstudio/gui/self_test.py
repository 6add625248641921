"""``ganstudio --self-test``: the app's smoke test, from a checkout or from the frozen bundle.

It opens the main window (offscreen where there is no display), loads the shipped generator,
renders an explorer frame and a sample grid, trains 20 steps of a tiny model through the
Training tab's worker and closes the window, saying what it does at each step. Exit status 0
when everything worked; otherwise one line says what failed, and the status is 1.
Settings and files go to a temporary folder, never to the person's own.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TRAIN_STEPS = 20
CORE_TIMEOUT_S = 300.0
RENDER_TIMEOUT_S = 120.0
TRAIN_TIMEOUT_S = 600.0


class SelfTestFailure(Exception):
    """One sentence saying what did not work."""


def _say(text: str) -> None:
    stream = sys.stdout or sys.stderr
    if stream is None:
        return
    try:
        print(text, file=stream, flush=True)
    except UnicodeEncodeError:  # a console that cannot show "×"
        print(text.encode("ascii", "replace").decode("ascii"), file=stream, flush=True)


def _quiet_known_qt_noise() -> None:
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: object, _context: object, message: str) -> None:
        # The offscreen platform says so for every window; it changes nothing.
        if "does not support propagateSizeHints" not in message:
            print(f"Qt: {message}", file=sys.stderr, flush=True)

    qInstallMessageHandler(handler)


def _choose_platform() -> None:
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _isolate_settings(folder: Path) -> None:
    from PySide6.QtCore import QSettings

    folder.mkdir(parents=True, exist_ok=True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))


def run() -> int:
    _choose_platform()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ganstudio-self-test-", ignore_cleanup_errors=True) as tmp:
        try:
            _isolate_settings(Path(tmp) / "settings")
            _quiet_known_qt_noise()
            from ganstudio.gui import startup_trace

            if startup_trace.enabled():  # the app as `ganstudio` starts it, traced
                from ganstudio.gui.app import main

                path = startup_trace.checkpoint()
                return main([path] if path else [])
            SelfTest(Path(tmp)).run()
        except SelfTestFailure as exc:
            _say(f"SELF-TEST FAILED: {exc}")
            return 1
        except Exception as exc:  # a bug or a broken bundle: name it in one line
            _say(f"SELF-TEST FAILED: unexpected {type(exc).__name__}: {exc}")
            return 1
    _say(f"Self-test passed in {time.perf_counter() - start:.1f} s.")
    return 0


class SelfTest:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.errors: list[str] = []
        self.app: Any = None
        self.window: Any = None
        self.t0 = time.perf_counter()
        self.n = 0

    def step(self, text: str) -> None:
        self.n += 1
        _say(f"[{time.perf_counter() - self.t0:6.1f} s] {self.n}. {text}")

    def detail(self, text: str) -> None:
        _say(f"           {text}")

    def run(self) -> None:
        shipped = self.check_resources()
        try:
            self.open_window()
            explorer = self.load_generator(shipped)
            self.render_frame(explorer)
            self.render_grid(explorer)
            self.train()
        except BaseException:
            self.close_window(quiet=True)
            raise
        self.close_window()

    # ------------------------------------------------------------------ helpers
    def wait(self, what: str, done: Any, timeout_s: float) -> None:
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout_s
        while not done():
            if self.errors:
                raise SelfTestFailure(f"while waiting for {what}, the app showed an error: "
                                      f"{self.errors[0]}")
            if time.monotonic() > deadline:
                raise SelfTestFailure(f"{what} did not happen within {timeout_s:.0f} s")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    def record_dialogs(self) -> None:
        """Dialogs would wait for a person: note their text instead (every one is a failure)."""
        from ganstudio.gui.common import dialogs

        def show_error(_parent: Any, title: str, message: str, details: str = "") -> None:
            self.errors.append(f"{title}: {message}")

        def show_info(_parent: Any, title: str, message: str) -> None:
            self.detail(f"(the app said: {title}: {message})")

        def ask(_parent: Any, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:
            self.errors.append(f"unexpected question {title}: {message}")
            return False

        dialogs.show_error, dialogs.show_info, dialogs.ask = show_error, show_info, ask

    # ------------------------------------------------------------------ the steps
    def check_resources(self) -> Path | None:
        from ganstudio.resources import default_generator_path, resource_path, resource_root

        frozen = bool(getattr(sys, "frozen", False))
        self.step(f"Resources in {resource_root()} ({'frozen bundle' if frozen else 'from source'})")
        mnist = resource_path("datasets", "mnist", "t10k-images-idx3-ubyte.gz")
        if not mnist.is_file():
            raise SelfTestFailure(f"the embedded MNIST is missing: {mnist} does not exist")
        self.detail(f"embedded MNIST: {mnist.name} ({mnist.stat().st_size / 1e6:.1f} MB)")
        shipped = default_generator_path()
        expected = resource_path("models", "default_generator.safetensors")
        if shipped is None and frozen:
            raise SelfTestFailure(f"the shipped generator is missing from this bundle: {expected} "
                                  "does not exist; put it in resources/models/ and rebuild")
        if shipped is None:
            self.detail(f"no shipped generator at {expected}: an untrained DCGAN stands in for it")
        else:
            self.detail(f"shipped generator: {shipped.name} ({shipped.stat().st_size / 1e6:.1f} MB)")
        return shipped

    def open_window(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from ganstudio.gui.app import create_main_window, ensure_app

        self.app = ensure_app()
        self.step(f"Opening the main window (Qt platform: {QGuiApplication.platformName()})")
        self.record_dialogs()
        self.window = create_main_window([])
        self.window.show()
        self.wait("the main window to show", self.window.isVisible, 30)
        self.step("Loading the model core (PyTorch)")
        self.wait("the model core to load", lambda: self.window.is_core_loaded, CORE_TIMEOUT_S)
        import torch

        self.detail(f"PyTorch {torch.__version__}, {self.window.device_label.text()}")

    def load_generator(self, shipped: Path | None) -> Any:
        explorer = self.window.explorer_tab
        if not hasattr(explorer, "set_generator"):
            raise SelfTestFailure(f"the explorer is not available: {explorer.text()}")
        self.step("Loading the generator into the explorer")
        path = shipped or self.untrained_generator()
        if shipped is None:
            explorer.open_path(path)  # supersedes the explorer's own search for a generator
        first_text = explorer.empty_text.text()

        def opened() -> bool:
            if explorer.empty_text.text() != first_text:  # the explorer said why it could not
                raise SelfTestFailure(f"the explorer did not open {path}: {explorer.empty_text.text()}")
            source = getattr(explorer.loaded, "source", None)
            return source is not None and Path(source).resolve() == path.resolve()

        self.wait(f"the explorer to open {path.name}", opened, RENDER_TIMEOUT_S)
        self.detail(explorer.source_label.text().replace("   ·   ", ", "))
        return explorer

    def untrained_generator(self) -> Path:
        from ganstudio.core.config import preset
        from ganstudio.core.io.checkpoint import export_generator
        from ganstudio.core.models.build import build_generator

        config = preset("mnist-dcgan")
        path = self.folder / "untrained_dcgan.safetensors"
        export_generator(build_generator(config.model), config, path)
        return path

    def render_frame(self, explorer: Any) -> None:
        self.window.tabs.setCurrentWidget(explorer)
        image = explorer.image
        frames = []
        for seed in (explorer.controls.seed_spin.value(), explorer.controls.seed_spin.value() + 1):
            explorer.controls.seed_spin.setValue(seed)
            self.step(f"Rendering the latent of seed {seed} in the explorer")
            self.wait(f"the frame of seed {seed}",
                      lambda: explorer.last_request_id > 0 and image.painted_id >= explorer.last_request_id,
                      RENDER_TIMEOUT_S)
            frame = image.array()
            c, h, w = explorer.loaded.generator.sample_shape
            if frame is None or frame.shape != (h, w, c) or frame.dtype.name != "uint8":
                raise SelfTestFailure(f"the explorer painted {None if frame is None else frame.shape}, "
                                      f"not a {h}x{w}x{c} uint8 image")
            if frame.std() == 0:
                raise SelfTestFailure("the explorer painted a blank frame")
            self.detail(f"painted frame {image.painted_id}: {w}x{h}x{c}, mean {frame.mean():.0f}/255")
            frames.append(frame)
        if (frames[0] == frames[1]).all():
            raise SelfTestFailure("two seeds gave the same picture: the explorer does not follow the seed")

    def render_grid(self, explorer: Any) -> None:
        panel = explorer.grid_panel
        n = 4 if panel.size_spin.value() != 4 else 5
        self.step(f"Rendering a {n}x{n} sample grid")
        explorer.show_page(panel)  # a grid renders while its page is shown
        panel.size_spin.setValue(n)
        self.wait("the sample grid",
                  lambda: panel.view.grid_size() == n and len(panel.view.tiles()) == n * n,
                  RENDER_TIMEOUT_S)
        path = self.folder / "grid.png"
        explorer.save_grid(path)
        self.wait("the grid PNG to be written", lambda: path.is_file() and not explorer.is_busy(),
                  RENDER_TIMEOUT_S)
        if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            raise SelfTestFailure(f"the saved grid {path.name} is not a PNG file")
        self.detail(f"{n * n} samples, saved as a {path.stat().st_size / 1e3:.1f} kB PNG")

    def train(self) -> None:
        from ganstudio.core.config import preset
        from ganstudio.core.io.runs import RunReader

        tab = self.window.training_tab
        config = preset("mnist-dcgan")
        config.model.g_width = config.model.d_width = 8
        config.model.latent_dim = 16
        t = config.train
        t.steps, t.batch_size, t.device, t.seed = TRAIN_STEPS, 16, "cpu", 0
        t.sample_every, t.checkpoint_every, t.log_every = 10, TRAIN_STEPS, 1
        config.validate()
        run_dir = self.folder / "run"
        finished: list[str] = []
        tab.training_finished.connect(finished.append)
        tab.sample_every_spin.setValue(10)
        self.window.tabs.setCurrentWidget(tab)
        self.step(f"Training a tiny DCGAN for {TRAIN_STEPS} steps on the embedded MNIST (CPU)")
        if not tab.start(config, run_dir=run_dir):
            raise SelfTestFailure("the Training tab did not start the run")
        if tab.worker is None:
            raise SelfTestFailure("the Training tab started no training worker")
        self.detail(f"worker: {type(tab.worker).__name__} in its own thread")
        self.wait(f"{TRAIN_STEPS} training steps", lambda: bool(finished), TRAIN_TIMEOUT_S)
        if finished[0] != "completed":
            raise SelfTestFailure(f"training ended as {finished[0]!r}, not 'completed'")
        rows = [r for r in RunReader(run_dir).metrics() if "loss_D" in r]  # not quality rows
        if len(rows) != TRAIN_STEPS or tab.progress_bar.value() != TRAIN_STEPS:
            raise SelfTestFailure(f"the run logged {len(rows)} steps and shows "
                                  f"{tab.progress_bar.value()}, not {TRAIN_STEPS}")
        for row in (rows[0], rows[-1]):
            self.detail(f"step {row['step']:>3}: loss D {row['loss_D']:.3f}, loss G {row['loss_G']:.3f}, "
                        f"{row['images_per_s']:.0f} images/s")
        if not (run_dir / "checkpoints" / "latest.safetensors").is_file():
            raise SelfTestFailure("training finished without writing checkpoints/latest.safetensors")
        if len(tab.samples) == 0:
            raise SelfTestFailure("the Training tab showed no sample grid")
        self.detail(f"checkpoint written; {len(tab.samples)} sample grids shown")

    def close_window(self, quiet: bool = False) -> None:
        if self.window is None:
            return
        if not quiet:
            self.step("Closing the window")
        window, self.window = self.window, None
        window.close()
        window.training_tab.shutdown()
        still_open = window.isVisible()
        window.deleteLater()
        self.app.processEvents()
        if still_open and not quiet:
            raise SelfTestFailure("the main window did not close")
