"""The latent explorer: take a generator and play with its latent space.

Every control edits one :class:`~ganstudio.core.latent.LatentState`; the
:class:`RenderWorker` turns the newest state into an image off the GUI
thread, and the GUI thread only paints. Loads, direction searches,
projections and exports run in :class:`TaskWorker` threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QImage,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressDialog, QWidget

from ganstudio.core import export, latent
from ganstudio.core.latent import LatentState
from ganstudio.gui.common import dialogs, settings
from ganstudio.gui.common.file_drops import FileDropTarget
from ganstudio.gui.common.keys import redo_shortcuts
from ganstudio.gui.explorer.directions import ExplorerDirections
from ganstudio.gui.explorer.features import ExplorerFeatures
from ganstudio.gui.explorer.layout import ExplorerLayout
from ganstudio.gui.explorer.render_worker import (
    GENERATOR_SUFFIXES,
    RenderWorker,
    TaskRunner,
    default_job,
    load_job,
)
from ganstudio.gui.explorer.undo import LatentEdit
from ganstudio.gui.explorer.wspace_mode import ExplorerWSpace

LATENT_SUFFIXES = (".npy", ".json")
UNDO_LIMIT = 200
GROUP_IDLE_MS = 800  # edits of one control closer than this are one undo step
STATUS_FALLBACK_MS = 100  # the caption follows an edit by at most this when no frame comes


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


class ExplorerTab(
    FileDropTarget, ExplorerWSpace, ExplorerDirections, ExplorerFeatures, ExplorerLayout
):
    """The Explorer tab. The main window calls :meth:`open_path`, :meth:`set_generator`
    and :meth:`shutdown`."""

    generator_changed = Signal(str)  # a description of the generator now shown
    state_changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        autoload: bool = True,
        cache_dir: str | Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("explorerTab")
        self.setAcceptDrops(True)
        self._cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._loaded: Any = None
        self._state: LatentState | None = None
        self._directions: latent.Directions | None = None
        self.undo_stack = QUndoStack(self)  # the main window's Edit menu follows it too
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._group: str | None = None
        self._group_timer = QTimer(self, singleShot=True, interval=GROUP_IDLE_MS)
        self._group_timer.timeout.connect(self._on_edit_group_timeout)
        # The caption and the undo actions follow an edit once its frame is on screen (or
        # after this timer, should no frame come): while the worker renders, this thread
        # runs no Python that would keep the GIL from it.
        self._status_stale = False
        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_FALLBACK_MS)
        self._status_timer.timeout.connect(self._refresh_status)
        self._renderer = RenderWorker(self)
        self._renderer.frame_ready.connect(self._on_frame_ready)
        self._renderer.grid_ready.connect(self._on_grid_ready)
        self._renderer.failed.connect(self._on_render_failed)
        self._floor_id = 0
        self._shown_id = 0
        self._last_request = 0
        self._grid_request: tuple[int, list[int], int] = (0, [], 0)
        self._path = np.zeros((0, 0), np.float32)
        self._tasks = TaskRunner(self, lambda msg: show_error(self, "Explorer", msg))
        self._target_rgb: np.ndarray | None = None
        self._target: Any = None
        self._export_dialog: QProgressDialog | None = None
        self._load_token = ""
        self._grid_seeds: list[int] = []
        self._grid_n = 0
        self._grid_z = np.zeros((0, 0), np.float32)
        self._connect()
        self._init_wspace()
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
    def state(self) -> LatentState | None:
        return self._state

    @property
    def loaded(self) -> Any:
        return self._loaded

    @property
    def directions(self) -> latent.Directions | None:
        return self._directions

    @property
    def last_request_id(self) -> int:
        """The id of the newest frame asked for; ``latentImage.painted_id`` reaches it."""
        return self._last_request

    def is_busy(self) -> bool:
        return self._tasks.busy()

    def open_path(self, path: str | Path) -> bool:
        """Open a checkpoint, generator export, run folder or .pth; an image becomes the
        projection target and a .npy/.json the current latent. Returns False (after a
        message) when ``path`` does not exist; a failed load shows its message later."""
        p = Path(path)
        if not p.exists():
            show_error(self, "Open", f"{p} does not exist.")
            return False
        suffix = p.suffix.lower()
        if p.is_file() and suffix in export.IMAGE_SUFFIXES:
            return self.open_target_image(p)
        if p.is_file() and suffix in LATENT_SUFFIXES:
            return self.load_latents(p)
        token = f"load:{p}"
        self.show_loading(f"Opening {p.name}…")
        self._tasks.start(
            "load",
            load_job(str(p)),
            lambda loaded: self._on_load_succeeded(loaded, token),
            failed=lambda msg: self._on_load_failed(msg, token),
        )
        self._load_token = token
        return True

    def open_default(self) -> None:
        """The shipped generator, else the newest checkpoint known, else the empty state."""
        if self._loaded is not None or self._tasks.running("load"):
            return
        candidates = [settings.get("explorer/last_path"), *settings.get("recent/paths")]
        candidates.append(str(settings.runs_root()))
        candidates.append(str(Path.cwd() / "runs"))
        token = "load:default"
        self._load_token = token
        self.show_loading("Looking for a generator…")
        self._tasks.start(
            "load",
            default_job([c for c in candidates if c]),
            lambda loaded: self._on_load_succeeded(loaded, token),
            failed=lambda msg: self._on_load_failed(msg, token, quiet=True),
        )

    def set_generator(self, loaded: Any) -> None:
        """Explore ``loaded`` (a LoadedGenerator: generator, config, step, source)."""
        generator = loaded.generator
        shape = tuple(getattr(generator, "sample_shape", ()))
        if len(shape) != 3:
            show_error(
                self,
                "Explorer",
                "This generator makes 2-D points, not images; the explorer shows image "
                "generators. Watch toy runs in the Training tab.",
            )
            return
        if self._w_set_generator(loaded):  # a StyleGAN2: explored in W (wspace_mode.py)
            return
        generator.eval()
        self._load_token = f"shown:{id(loaded)}"  # a load started earlier no longer wins
        old_dim = self._state.dim if self._state is not None else None
        dim = int(generator.latent_dim)
        self._loaded = loaded
        self._floor_id = self._renderer.set_generator(generator)
        self._directions_for_new_generator()
        self.controls.sliders.set_dim(dim)
        if old_dim != dim:
            self.undo_stack.clear()
            self.interpolation.set_keyframes(np.zeros((0, dim), np.float32), [])
            state = LatentState.from_seed(self.controls.seed_spin.value(), dim, self.controls.psi())
        else:
            state = self._state.with_(offsets=())
        self._show_first_state(loaded, state, self._describe(loaded))

    def _show_first_state(self, loaded: Any, state: Any, desc: str) -> None:
        """Show the first state of the generator just set, in z or in W (wspace_mode.py);
        ``desc`` describes the generator, and its file is the one opened next time."""
        self._set_state(state, record=None)
        self._update_undo_actions()
        self._prepare_target()
        self.grid_panel.request()
        self._update_path()
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
        self._tasks.shutdown()
        self._renderer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)

    # ================================================================ state and rendering
    def edit(self, key: str, **changes: Any) -> None:
        """Change the state; edits with the same ``key`` in quick succession undo together."""
        if self._state is None:
            return
        self._set_state(self._state.with_(**changes), record=key)

    def _set_state(
        self, state: LatentState, record: str | None, *, refresh_widgets: bool = True
    ) -> None:
        """Show ``state``. ``record`` names the edit for undo (None: not undoable, e.g. undo
        itself); ``refresh_widgets`` False when the control that made the edit shows it."""
        before, self._state = self._state, state
        requested = self._request_frame()
        if record is not None and before is not None:
            self._record(record, before)  # once the frame is asked for: the worker goes first
        if refresh_widgets:
            self.controls.show_state(state.seed, state.psi, getattr(state, "z", None))
            self._w_show_state(state)
            count = self.direction_panel.count()
            self.direction_panel.set_values(
                list(state.offsets) + [0.0] * max(0, count - len(state.offsets))
            )
        self._status_stale = True
        if requested:
            self._status_timer.start()
        else:
            self._refresh_status()

    def _refresh_status(self) -> None:
        """Bring the caption and the undo actions up to the current state."""
        if not self._status_stale or self._state is None:
            return
        self._status_stale = False
        self._status_timer.stop()
        self._update_caption()
        self._update_undo_actions()
        self.state_changed.emit()

    def replace_state(self, state: LatentState, key: str) -> None:
        """A new state from outside the controls (grid, keyframe, file): one undo step."""
        self._set_state(state, record=key)
        self._group = None

    def _record(self, key: str, before: LatentState) -> None:
        # merges with the step before while the same control is still being edited
        edit = LatentEdit(key, before, self._state, self._show_recorded, merge=key == self._group)
        self.undo_stack.push(edit)
        self._group = key
        self._group_timer.start()

    def _show_recorded(self, state: LatentState) -> None:
        """Undo and redo land here (from the tool buttons, shortcuts or the Edit menu)."""
        self._group = None
        self._set_state(state, record=None)

    def _update_caption(self) -> None:
        if self.w_mode:
            return self._w_update_caption()
        s = self._state
        z = self._effective_z()
        seed = f"Seed {s.seed}" if s.seed is not None else "Edited latent"
        self.caption.setText(
            f"{seed}   ·   ‖z‖ {np.linalg.norm(z):.2f}   ·   ψ {s.psi:.2f}   ·   "
            f"{z.shape[0]} dimensions"
        )

    def _effective_z(self) -> np.ndarray:
        if self.w_mode:  # the styles ws, flattened
            return self._w_flat()
        vectors = self._directions.vectors if self._directions is not None else None
        return self._state.effective_z(vectors)

    def _request_frame(self) -> bool:
        if self.w_mode:
            return self._w_request_frame()
        if self._state is None or self._loaded is None:
            return False
        self._last_request = self._renderer.request(self._state)
        return True

    def _on_frame_ready(self, request_id: int, frame: np.ndarray, image: QImage) -> None:
        if request_id < self._floor_id or request_id <= self._shown_id:
            return  # a frame of an older generator, or older than the one shown
        self._shown_id = request_id
        self.image.set_frame(frame, request_id, image)
        self._refresh_status()

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

    def _on_edit_group_timeout(self) -> None:
        self._group = None

    # ================================================================ control slots
    def _on_seed_changed(self, seed: int) -> None:
        if self.w_mode:
            return self._w_on_seed_changed(seed)
        if self._state is not None:
            z = latent.sample_z(seed, 1, self._state.dim)[0].numpy()
            self.edit("seed", z=z, seed=seed)

    def _on_psi_changed(self, psi: float) -> None:
        self.edit("psi", psi=psi)
        self.grid_panel.request()  # the grid shows samples at the same truncation

    def _on_latent_slider_changed(self, index: int, value: float) -> None:
        if self._state is None:
            return
        z = self._state.z.copy()
        z[index] = value
        # The moved slider already shows its value: no refresh of all the others.
        self._set_state(self._state.with_(z=z, seed=None), f"z{index}", refresh_widgets=False)

    def _on_latent_reset(self) -> None:
        if self._state is not None:
            self.edit("reset", z=np.zeros(self._state.dim, np.float32), seed=None)

    def _on_direction_changed(self, index: int, value: float) -> None:
        if self._state is None or self._directions is None:
            return
        offsets = list(self._state.offsets) + [0.0] * len(self._directions.explained)
        offsets = offsets[: len(self._directions.explained)]
        offsets[index] = value
        self.edit(f"pc{index}", offsets=tuple(offsets))

    def _on_direction_reset(self) -> None:
        self.edit("pc-reset", offsets=())

    def _on_edit_finished(self) -> None:
        self._group = None  # the next drag is its own undo step

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
            show_error(self, "Open generator", message)

    # ================================================================ drag and drop
    def open_dropped(self, path: str) -> None:
        self.open_path(path)

    # ================================================================ wiring
    def _connect(self) -> None:
        c = self.controls
        c.seed_changed.connect(self._on_seed_changed)
        c.psi_changed.connect(self._on_psi_changed)
        c.psi_edit_finished.connect(self._on_edit_finished)
        c.sliders.value_changed.connect(self._on_latent_slider_changed)
        c.sliders.edit_finished.connect(self._on_edit_finished)
        c.sliders.reset_requested.connect(self._on_latent_reset)
        d = self.direction_panel
        d.value_changed.connect(self._on_direction_changed)
        d.edit_finished.connect(self._on_edit_finished)
        d.reset_requested.connect(self._on_direction_reset)
        self._connect_directions()
        self.open_button.clicked.connect(self._on_open_clicked)
        self.empty_open_button.clicked.connect(self._on_open_clicked)
        self.grid_panel.regenerate_requested.connect(self._on_grid_requested)
        self.grid_panel.view.cell_clicked.connect(self._on_grid_cell_clicked)
        self.grid_panel.save_requested.connect(self._on_grid_save_requested)
        i = self.interpolation
        i.add_requested.connect(self._on_add_keyframe)
        i.path_changed.connect(self._update_path)
        i.frame_requested.connect(self._on_path_frame_requested)
        i.export_requested.connect(self._on_export_requested)
        i.keyframe_activated.connect(self._on_keyframe_activated)
        p = self.projection
        p.open_requested.connect(self._on_projection_open_clicked)
        p.run_requested.connect(self._on_projection_run)
        p.cancel_requested.connect(lambda: self._tasks.cancel("project"))
        self.save_latent_action.triggered.connect(self._on_save_latent_triggered)
        self.load_latent_action.triggered.connect(self._on_load_latent_triggered)
        self.copy_latent_action.triggered.connect(self.copy_latent)
        self.paste_latent_action.triggered.connect(self.paste_latent)

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
        path = ask_open_path(self, "Open generator", filters)
        if path:
            self.open_path(path)

    @staticmethod
    def _describe(loaded: Any) -> str:
        gen = loaded.generator
        c, h, w = gen.sample_shape
        name = getattr(loaded, "name", None) or (
            Path(loaded.source).name if getattr(loaded, "source", None) else "in-memory generator"
        )
        arch = getattr(getattr(getattr(loaded, "config", None), "model", None), "arch", "")
        step = int(getattr(loaded, "step", 0) or 0)
        parts = [name]
        if step:
            parts.append(f"step {step:,}")
        parts.append(f"{arch.upper() + ' ' if arch else ''}{w}×{h}×{c}, z {gen.latent_dim}")
        return "   ·   ".join(parts)

    # ================================================================ dialogs (patchable)
    def _error(self, title: str, text: str) -> None:
        show_error(self, title, text)

    def _ask_open(self, title: str, filters: str) -> str:
        return ask_open_path(self, title, filters)

    def _ask_save(self, title: str, name: str, filters: str) -> str:
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
