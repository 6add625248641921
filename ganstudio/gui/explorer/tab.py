"""The latent explorer: take a generator and play with its latent space.

The tab is composed of parts that each own their slice of it:

- the view (:class:`~ganstudio.gui.explorer.layout.ExplorerView`): every widget;
- the mode (:mod:`~ganstudio.gui.explorer.modes`): z space, or W for style generators,
  chosen when a generator opens; everything that depends on the space goes through it;
- the controllers of the pages: directions, grid, keyframes and path, projection, latent
  files (:mod:`~ganstudio.gui.explorer.directions`, :mod:`~ganstudio.gui.explorer.features`,
  :mod:`~ganstudio.gui.explorer.latent_files`);
- the :class:`RenderWorker`, which turns the newest state into an image off the GUI thread,
  and a :class:`TaskRunner` for loads, direction searches, projections and exports.

The tab itself holds the one state shown (an immutable LatentState or WState), its undo
stack and the frame ids. An edit submits its frame first, then pushes its undo step; the
caption and the undo buttons follow once the frame is painted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QUndoStack
from PySide6.QtWidgets import QApplication, QFileDialog, QVBoxLayout, QWidget

from ganstudio.core import export
from ganstudio.gui.common import dialogs, image_opening, settings
from ganstudio.gui.common.file_drops import FileDropTarget
from ganstudio.gui.common.keys import redo_shortcuts
from ganstudio.gui.explorer.classes import ClassController
from ganstudio.gui.explorer.directions import DirectionsController
from ganstudio.gui.explorer.features import GridController, PathController, ProjectionController
from ganstudio.gui.explorer.latent_files import LatentFiles
from ganstudio.gui.explorer.layers_page import LayersController
from ganstudio.gui.explorer.layout import ExplorerView
from ganstudio.gui.explorer.modes import Mode, ZMode, mode_for
from ganstudio.gui.explorer.render_worker import (
    GENERATOR_SUFFIXES,
    RenderWorker,
    default_job,
    load_job,
)
from ganstudio.gui.explorer.tasks import TaskRunner
from ganstudio.gui.explorer.undo import LatentEdit
from ganstudio.gui.explorer.wspace_mode import WMode

LATENT_SUFFIXES = (".npy", ".json")
UNDO_LIMIT = 200
GROUP_IDLE_MS = 800  # edits of one control closer than this are one undo step
STATUS_FALLBACK_MS = 100  # the caption follows an edit by at most this when no frame comes

# The view's widgets and page functions the tab offers under their own names (tests,
# scripts and the main window's menus reach them as tab.<name>).
VIEW_NAMES = (
    "stack", "empty_page", "loading_page", "explorer_page", "controls", "wspace_panel",
    "class_panel",
    "direction_panel", "grid_panel", "interpolation", "projection", "layer_view", "right_tabs",
    "splitter",
    "image", "caption", "source_label", "status_label", "open_button", "empty_open_button",
    "undo_button", "redo_button", "save_latent_action", "load_latent_action",
    "copy_latent_action", "paste_latent_action", "show_empty", "show_loading",
    "restore_page", "show_page", "show_explorer", "empty_text",
)


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """Every explorer error goes through here (tests replace it)."""
    dialogs.show_error(parent, title, text)


def ask_open_path(parent: QWidget, title: str, filters: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, "", filters)[0]


def ask_save_path(parent: QWidget, title: str, name: str, filters: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, name, filters)[0]


def default_cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base or Path.home() / ".cache" / "ganstudio") / "directions"


class ExplorerTab(FileDropTarget, QWidget):
    """The Explorer tab. The main window calls :meth:`open_path`, :meth:`set_generator`
    and :meth:`shutdown`."""

    generator_changed = Signal(str)  # a description of the generator now shown
    state_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, autoload: bool = True,
                 cache_dir: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explorerTab")
        self.setAcceptDrops(True)
        self.view = ExplorerView(self)
        for name in VIEW_NAMES:
            setattr(self, name, getattr(self.view, name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._loaded: Any = None
        self._state: Any = None
        self.undo_stack = QUndoStack(self)  # the main window's Edit menu follows it too
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._group: str | None = None
        self._group_timer = QTimer(self, singleShot=True, interval=GROUP_IDLE_MS)
        self._group_timer.timeout.connect(self.end_edit)
        # The caption and the undo actions follow an edit once its frame is on screen (or
        # after this timer, should no frame come): while the worker renders, this thread
        # runs no Python that would keep the GIL from it.
        self._status_stale = False
        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_FALLBACK_MS)
        self._status_timer.timeout.connect(self._refresh_status)
        self.renderer = RenderWorker(self)
        self.renderer.frame_ready.connect(self._on_frame_ready)
        self.renderer.failed.connect(self._on_render_failed)
        self.renderer.preview_planned.connect(lambda: self.mode.frame_shown())
        self._floor_id = 0
        self._shown_id = 0
        self._last_request = 0
        self.tasks = TaskRunner(self, lambda msg: self.show_error("Explorer", msg))
        self._load_token = ""
        self._origin = ""  # what the caption names first (a file the latent came from)
        self.directions_ctl = DirectionsController(self)
        self.grid = GridController(self)
        self.paths = PathController(self)
        self.projector = ProjectionController(self)
        self.files = LatentFiles(self)
        self.layers = LayersController(self)
        self.classes = ClassController(self)
        self.z_mode = ZMode(self)
        self.w_space = WMode(self)
        self.mode: Mode = self.z_mode
        self._connect()
        self._install_actions()
        self._restore_settings()
        self._shut_down = False
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if autoload:
            QTimer.singleShot(0, self, self.open_default)  # self as context: none once it is gone

    # ================================================================ public API
    @property
    def state(self) -> Any:
        return self._state

    @property
    def loaded(self) -> Any:
        return self._loaded

    @property
    def directions(self) -> Any:
        return self.directions_ctl.directions

    @property
    def last_request_id(self) -> int:
        """The id of the newest frame asked for; ``latentImage.painted_id`` reaches it."""
        return self._last_request

    @property
    def w_mode(self) -> bool:
        """True while a style generator is explored in W."""
        return self.mode.space == "w"

    def w_frame(self, state: Any = None) -> np.ndarray | None:
        """The ws the current (or given) state renders, (num_ws, w_dim); None outside W."""
        if not self.w_mode or self._state is None:
            return None
        return self.w_space.ws(self._state if state is None else state, self.directions)

    def w_preview_plan(self) -> Any:
        return self.renderer.w_preview_plan()

    def is_busy(self) -> bool:
        return self.tasks.busy()

    def open_path(self, path: str | Path) -> bool:
        """Open a checkpoint, generator export, run folder or .pth; an image becomes the
        projection target and a .npy/.json the current latent. Returns False (after a
        message) when ``path`` does not exist; a failed load shows its message later."""
        p = Path(path)
        if not p.exists():
            self.show_error("Open", f"{p} does not exist.")
            return False
        suffix = p.suffix.lower()
        if p.is_file() and suffix in export.IMAGE_SUFFIXES:
            if not image_opening.confirm_projection(self, p, self._loaded is not None):
                return False
            return self.projector.open_image(p)
        if p.is_file() and suffix in LATENT_SUFFIXES:
            return self.files.load(p)
        token = self._load_token = f"load:{p}"
        self.show_loading(f"Opening {p.name}…")
        self.tasks.start("load", load_job(str(p)),
                         lambda loaded: self._on_load_succeeded(loaded, token),
                         failed=lambda msg: self._on_load_failed(msg, token))
        return True

    def open_default(self) -> None:
        """The shipped generator, else the newest checkpoint known, else the empty state."""
        if self._loaded is not None or self.tasks.running("load"):
            return
        candidates = [settings.get("explorer/last_path"), *settings.get("recent/paths")]
        candidates += [str(settings.runs_root()), str(Path.cwd() / "runs")]
        token = self._load_token = "load:default"
        self.show_loading("Looking for a generator…")
        self.tasks.start("load", default_job([c for c in candidates if c]),
                         lambda loaded: self._on_load_succeeded(loaded, token),
                         failed=lambda msg: self._on_load_failed(msg, token, quiet=True))

    def set_generator(self, loaded: Any) -> None:
        """Explore ``loaded`` (a LoadedGenerator: generator, config, step, source)."""
        generator = loaded.generator
        if len(tuple(getattr(generator, "sample_shape", ()))) != 3:
            self.show_error(
                "Explorer",
                "This generator makes 2-D points, not images; the explorer shows image "
                "generators. Watch toy runs in the Training tab.",
            )
            return
        generator.eval()
        self._load_token = f"shown:{id(loaded)}"  # a load started earlier no longer wins
        self.controls.show_state(self.controls.seed(), self.controls.psi(), None)
        mode = mode_for(generator, self.z_mode, self.w_space)
        previous = self._state if mode is self.mode else None
        if mode is not self.mode:
            self.mode.leave()
            self.mode = mode
        self._loaded = loaded
        self._floor_id = self.renderer.set_generator(generator)
        state, kept = mode.enter(loaded, previous)
        self._state = None  # nothing of the last generator is drawn with this one
        self.directions_ctl.for_new_generator()
        if not kept:
            self.undo_stack.clear()
            self.paths.clear(mode.vector_size())
        desc = mode.describe(loaded)
        self.set_state(state, record=None)
        self._update_undo_actions()
        self.projector.fit_target()
        self.grid_panel.request()
        self.paths.update_path()
        self.source_label.setText(desc)
        self.show_explorer()
        source = getattr(loaded, "source", None)
        if source:
            settings.set_value("explorer/last_path", str(source))
        self.generator_changed.emit(desc)

    def shutdown(self) -> None:
        """Stop every thread and save settings; call before the window closes.

        Safe to call more than once; also runs when the application quits or the
        tab is closed as a window of its own.
        """
        if self._shut_down:
            return
        self._shut_down = True
        self.interpolation.stop()
        self._save_settings()
        self.tasks.shutdown()
        self.renderer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)

    # The pages' public operations, under the names scripts and tests use.
    def keyframes(self) -> np.ndarray:
        return self.paths.keyframes()

    def path(self) -> np.ndarray:
        """The interpolation frames (F, size) through the keyframes."""
        return self.paths.path

    def export_animation(self, path: str | Path) -> None:
        self.paths.export_animation(path)

    def save_grid(self, path: str | Path) -> None:
        self.grid.save(path)

    def save_latents(self, path: str | Path) -> None:
        self.files.save(path)

    def load_latents(self, path: str | Path) -> bool:
        return self.files.load(path)

    def copy_latent(self) -> None:
        self.files.copy()

    def paste_latent(self) -> None:
        self.files.paste()

    def save_directions(self, path: str | Path) -> None:
        self.directions_ctl.save(path)

    def load_directions(self, path: str | Path) -> bool:
        return self.directions_ctl.load(path)

    def rename_direction(self, index: int, name: str) -> None:
        self.directions_ctl.rename(index, name)

    def export_direction_strip(self, index: int, path: str | Path, sigma: float = 3.0,
                               steps: int = 7) -> bool:
        return self.directions_ctl.export_strip(index, path, sigma, steps)

    def export_direction_video(self, index: int, path: str | Path, sigma: float = 3.0) -> bool:
        return self.directions_ctl.export_video(index, path, sigma)

    def open_target_image(self, path: str | Path) -> bool:
        return self.projector.open_image(path)

    def project_target(self) -> None:
        self.projector.project()

    # ================================================================ state and rendering
    def edit(self, key: str, **changes: Any) -> None:
        """Change the state; edits with the same ``key`` in quick succession undo together."""
        if self._state is not None:
            self.set_state(self._state.with_(**changes), record=key)

    def set_state(self, state: Any, record: str | None, *, refresh_widgets: bool = True,
                  origin: str = "") -> None:
        """Show ``state``. ``record`` names the edit for undo (None: not undoable, e.g. undo
        itself); ``refresh_widgets`` False when the control that made the edit shows it;
        ``origin`` heads the caption until the next edit ("Loaded w.npy")."""
        before, self._state = self._state, state
        self._origin = origin
        requested = self._request_frame()
        if record is not None and before is not None:
            self._record(record, before)  # once the frame is asked for: the worker goes first
        if refresh_widgets:
            self.mode.show_state(state)
            self.directions_ctl.show_offsets(tuple(state.offsets))
        self._status_stale = True
        if requested:
            self._status_timer.start()
        else:
            self._refresh_status()

    def replace_state(self, state: Any, key: str, *, origin: str = "") -> None:
        """A new state from outside the controls (grid, keyframe, file): one undo step."""
        self.set_state(state, record=key, origin=origin)
        self._group = None

    def show_loaded(self, state: Any, name: str) -> None:
        """A latent read from the file ``name``: the caption names the file and the seed box
        no seed (the latent is the file's, whatever seed it may once have come from)."""
        self.replace_state(state, "load", origin=f"Loaded {name}")
        self.controls.show_no_seed()

    def end_edit(self) -> None:
        """The next edit is its own undo step (a drag ended, a choice was made)."""
        self._group = None

    def frame_requested(self, request_id: int) -> None:
        """A frame was asked of the render worker (by a mode or a page)."""
        self._last_request = request_id

    def _request_frame(self) -> bool:
        if self._state is None or self._loaded is None:
            return False
        self._last_request = self.mode.request_frame(self._state, self.directions)
        return True

    def _refresh_status(self) -> None:
        """Bring the caption and the undo actions up to the current state."""
        if not self._status_stale or self._state is None:
            return
        self._status_stale = False
        self._status_timer.stop()
        caption = self.classes.caption(self.mode.caption(self._state, self.directions),
                                       self._state)
        self.caption.setText(f"{self._origin}   ·   {caption}" if self._origin else caption)
        self._update_undo_actions()
        self.state_changed.emit()

    def _record(self, key: str, before: Any) -> None:
        # merges with the step before while the same control is still being edited
        edit = LatentEdit(key, before, self._state, self._show_recorded, merge=key == self._group)
        self.undo_stack.push(edit)
        self._group = key
        self._group_timer.start()

    def _show_recorded(self, state: Any) -> None:
        """Undo and redo land here (from the tool buttons, shortcuts or the Edit menu)."""
        self._group = None
        self.set_state(state, record=None)

    def _on_frame_ready(self, request_id: int, frame: np.ndarray, image: QImage) -> None:
        if request_id < self._floor_id or request_id <= self._shown_id:
            return  # a frame of an older generator, or older than the one shown
        self._shown_id = request_id
        self.image.set_frame(frame, request_id, image)
        self._refresh_status()
        self.mode.frame_shown()

    def _on_render_failed(self, message: str) -> None:
        self._refresh_status()  # now, so that it does not cover the message later
        self.caption.setText(message)

    def undo(self) -> None:
        self.undo_stack.undo()

    def redo(self) -> None:
        self.undo_stack.redo()

    def _update_undo_actions(self) -> None:
        # The tool buttons keep their short text (no layout pass per edit); the tooltip
        # names the step, as the Edit menu does.
        stack = self.undo_stack
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setToolTip(f"Undo {stack.undoText() or 'the last latent edit'} (Ctrl+Z)")
        self.redo_action.setToolTip(f"Redo {stack.redoText() or 'the edit undone last'} (Ctrl+Shift+Z)")

    # ================================================================ control slots
    def _on_seed_changed(self, seed: int) -> None:
        if self._state is not None:
            self.edit("seed", **self.mode.seed_changes(seed))

    def _on_psi_changed(self, psi: float) -> None:
        self.edit("psi", psi=psi)
        self.grid_panel.request()  # the grid shows samples at the same truncation

    def _on_latent_slider_changed(self, index: int, value: float) -> None:
        if self._state is None:
            return
        z = self._state.z.copy()
        z[index] = value
        # The moved slider already shows its value: no refresh of all the others.
        self.set_state(self._state.with_(z=z, seed=None), f"z{index}", refresh_widgets=False)

    def _on_latent_reset(self) -> None:
        if self._state is not None:
            self.edit("reset", z=np.zeros(self._state.dim, np.float32), seed=None)

    # ================================================================ loading
    def _on_load_succeeded(self, loaded: Any, token: str) -> None:
        if token != self._load_token:
            return
        if loaded is None:  # nothing to open by default
            self.show_empty()
            return
        self.set_generator(loaded)

    def _on_load_failed(self, message: str, token: str, quiet: bool = False) -> None:
        if token != self._load_token:
            return
        self.restore_page()
        if quiet:
            self.show_empty(f"The last generator could not be opened: {message}")
        else:
            self.show_error("Open generator", message)

    def open_dropped(self, path: str) -> None:
        self.open_path(path)

    # ================================================================ wiring
    def _connect(self) -> None:
        c = self.controls
        c.seed_changed.connect(self._on_seed_changed)
        c.psi_changed.connect(self._on_psi_changed)
        c.sliders.value_changed.connect(self._on_latent_slider_changed)
        c.sliders.reset_requested.connect(self._on_latent_reset)
        # A drag is one undo step; in W it also shows previews until it ends.
        for started, finished in (
            (c.psi_edit_started, c.psi_edit_finished),
            (c.sliders.edit_started, c.sliders.edit_finished),
            (self.direction_panel.edit_started, self.direction_panel.edit_finished),
            (self.wspace_panel.drag_started, self.wspace_panel.drag_finished),
        ):
            started.connect(lambda: self.mode.drag_started())
            finished.connect(self.end_edit)
            finished.connect(lambda: self.mode.drag_finished())
        self.state_changed.connect(self.grid.state_shown)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.empty_open_button.clicked.connect(self._on_open_clicked)

    def _install_actions(self) -> None:
        self.undo_action = QAction("Undo", self)
        self.undo_action.setObjectName("explorerUndoAction")
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action = QAction("Redo", self)
        self.redo_action.setObjectName("explorerRedoAction")
        self.redo_action.setShortcuts(redo_shortcuts())
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action.triggered.connect(self.redo)
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button.setDefaultAction(self.redo_action)
        self._update_undo_actions()

    def _on_open_clicked(self) -> None:
        filters = (
            f"Generators ({' '.join('*' + s for s in GENERATOR_SUFFIXES)});;"
            "Latent vectors (*.npy *.json);;All files (*)"
        )
        path = self.ask_open("Open generator", filters)
        if path:
            self.open_path(path)

    # ================================================================ dialogs (patchable)
    def show_error(self, title: str, text: str) -> None:
        show_error(self, title, text)

    def warn(self, title: str, text: str) -> None:
        dialogs.show_info(self, title, text)

    def ask_open(self, title: str, filters: str) -> str:
        return ask_open_path(self, title, filters)

    def ask_save(self, title: str, name: str, filters: str) -> str:
        return ask_save_path(self, title, name, filters)

    # ================================================================ settings
    def _restore_settings(self) -> None:
        self.controls.seed_spin.blockSignals(True)
        self.controls.seed_spin.setValue(max(0, settings.get("explorer/seed")))
        self.controls.seed_spin.blockSignals(False)
        self.controls.show_state(
            None, float(np.clip(settings.get("explorer/truncation"), 0, 1.5)), None
        )
        splitter = settings.get("explorer/splitter")
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def _save_settings(self) -> None:
        settings.set_value("explorer/seed", self.controls.seed_spin.value())
        settings.set_value("explorer/truncation", self.controls.psi())
        settings.set_value("explorer/splitter", self.splitter.saveState())
