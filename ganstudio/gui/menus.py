"""The Edit and View menus, and the explorer image's Save and Copy.

Undo and Redo act on the current tab's QUndoStack through one QUndoGroup (the explorer
has one; a tab without one leaves them disabled). The image and zoom actions act on the
explorer's image and are enabled while the Explorer tab is current.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ganstudio.gui.common import jobs, settings
from ganstudio.gui.common.image_view import array_to_qimage
from ganstudio.gui.common.keys import redo_shortcuts

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow

# name -> (menu text, shortcut, which widget: the training tab's or the explorer's attribute)
PANELS: dict[str, tuple[str, str, str, str]] = {
    "training-settings": ("Training &Settings", "Ctrl+Shift+T", "training", "form_scroll"),
    "quality": ("&Quality Figures", "Ctrl+Shift+M", "training", "metrics_panel"),
    "explorer-controls": ("&Explorer Controls", "Ctrl+Shift+E", "explorer", "right_tabs"),
}


def ask_image_path(parent: QWidget, name: str) -> str:
    """The Save Image dialog (tests replace it)."""
    return QFileDialog.getSaveFileName(parent, "Save image", name, "PNG image (*.png)")[0]


def _standard(key: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    return list(QKeySequence.keyBindings(key)) or [QKeySequence(fallback)]


class WindowMenus(QObject):
    """Builds the Edit and View menus (and File > Save Image…) of ``window``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.undo_group = QUndoGroup(self)
        self.jobs = jobs.JobRunner(self)
        self.panel_actions: dict[str, QAction] = {}

    def _action(self, text: str, slot: Any, keys: list[QKeySequence] | str, name: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(keys)] if isinstance(keys, str) else keys)
        action.triggered.connect(slot)
        return action

    # ----------------------------------------------------------------- building
    def build_save_image(self) -> QAction:
        """File > Save Image… (Ctrl+S saves a checkpoint: this takes Save As's keys)."""
        self.save_image_action = self._action(
            "Save &Image…", self.save_image, _standard(QKeySequence.StandardKey.SaveAs, "Ctrl+Shift+S"),
            "saveImageAction")
        self.save_image_action.setStatusTip("Save the explorer's image at full resolution as PNG")
        return self.save_image_action

    def build_edit_menu(self, menu: QMenu) -> None:
        w = self.window
        self.undo_action = self.undo_group.createUndoAction(w, "&Undo")
        self.undo_action.setObjectName("undoAction")
        self.undo_action.setShortcuts(_standard(QKeySequence.StandardKey.Undo, "Ctrl+Z"))
        self.redo_action = self.undo_group.createRedoAction(w, "&Redo")
        self.redo_action.setObjectName("redoAction")
        self.redo_action.setShortcuts(redo_shortcuts())
        self.copy_image_action = self._action(
            "&Copy Image", self.copy_image, _standard(QKeySequence.StandardKey.Copy, "Ctrl+C"),
            "copyImageAction")
        self.copy_image_action.setStatusTip("Copy the explorer's image at full resolution")
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.addSeparator()
        menu.addAction(self.copy_image_action)

    def build_view_menu(self, menu: QMenu) -> None:
        w = self.window
        self.training_tab_action = self._action(
            "&Training", lambda: w.tabs.setCurrentWidget(w.training_tab), "Ctrl+1", "showTrainingAction")
        self.explorer_tab_action = self._action(
            "E&xplorer", lambda: w.tabs.setCurrentWidget(w.explorer_tab), "Ctrl+2", "showExplorerAction")
        for action in (self.training_tab_action, self.explorer_tab_action):
            menu.addAction(action)
        menu.addSeparator()
        hidden = set(settings.get("view/hidden_panels"))
        for name, (text, keys, _tab, _attr) in PANELS.items():
            action = self._action(text, lambda on, n=name: self.show_panel(n, on), keys,
                                  f"panel_{name}")
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            self.panel_actions[name] = action
            menu.addAction(action)
        menu.addSeparator()
        self.zoom_in_action = self._action(
            "Zoom &In", lambda: self._zoom("zoom_in"),
            _standard(QKeySequence.StandardKey.ZoomIn, "Ctrl++"), "zoomInAction")
        self.zoom_out_action = self._action(
            "Zoom &Out", lambda: self._zoom("zoom_out"),
            _standard(QKeySequence.StandardKey.ZoomOut, "Ctrl+-"), "zoomOutAction")
        # Ctrl+0 and Ctrl+9, as in macOS Preview's Actual Size and Zoom to Fit
        self.actual_size_action = self._action(
            "&Actual Size", lambda: self._zoom("actual_size"), "Ctrl+0", "actualSizeAction")
        self.fit_action = self._action(
            "&Fit to Window", lambda: self._zoom("fit"), "Ctrl+9", "fitToWindowAction")
        for action in (self.zoom_in_action, self.zoom_out_action, self.actual_size_action,
                       self.fit_action):
            menu.addAction(action)
        menu.addSeparator()
        self.full_screen_action = self._action(
            "&Full Screen", self.set_full_screen, _standard(QKeySequence.StandardKey.FullScreen, "F11"),
            "fullScreenAction")
        self.full_screen_action.setCheckable(True)
        menu.addAction(self.full_screen_action)
        menu.aboutToShow.connect(self._on_view_menu_about_to_show)
        self.apply_panels()

    # ----------------------------------------------------------------- following the tabs
    def attach_explorer(self, explorer: QWidget) -> None:
        """The explorer is built (after the core loads): share its undo stack and panels."""
        stack = getattr(explorer, "undo_stack", None)
        if stack is not None:
            self.undo_group.addStack(stack)
            # The Edit menu's actions answer Ctrl+Z and Ctrl+Shift+Z in the whole window;
            # the explorer's own would make the keys ambiguous (neither would fire).
            for name in ("undo_action", "redo_action"):
                action = getattr(explorer, name, None)
                if action is not None:
                    action.setShortcuts([])
        self.apply_panels()
        self.on_tab_changed()

    def on_tab_changed(self) -> None:
        w = self.window
        explorer = w.explorer_tab if w.tabs.currentWidget() is w.explorer_tab else None
        self.undo_group.setActiveStack(getattr(explorer, "undo_stack", None))
        has_image = explorer is not None and hasattr(explorer, "image")
        for action in (self.copy_image_action, self.save_image_action, self.zoom_in_action,
                       self.zoom_out_action, self.actual_size_action, self.fit_action):
            action.setEnabled(has_image)

    def _on_view_menu_about_to_show(self) -> None:
        self.full_screen_action.setChecked(self.window.isFullScreen())
        for name, action in self.panel_actions.items():
            widget = self._panel(name)
            action.setEnabled(widget is not None)

    # ----------------------------------------------------------------- panels and full screen
    def _panel(self, name: str) -> QWidget | None:
        _text, _keys, tab, attr = PANELS[name]
        owner = self.window.training_tab if tab == "training" else self.window.explorer_tab
        widget = getattr(owner, attr, None)
        return widget if isinstance(widget, QWidget) else None

    def show_panel(self, name: str, shown: bool) -> None:
        widget = self._panel(name)
        if widget is not None:
            widget.setVisible(shown)
        hidden = [n for n in settings.get("view/hidden_panels") if n != name]
        settings.set_value("view/hidden_panels", hidden if shown else [*hidden, name])

    def apply_panels(self) -> None:
        for name, action in self.panel_actions.items():
            widget = self._panel(name)
            action.setEnabled(widget is not None)
            if widget is not None:
                widget.setVisible(action.isChecked())

    def set_full_screen(self, on: bool) -> None:
        w = self.window
        state = w.windowState()
        w.setWindowState(state | Qt.WindowState.WindowFullScreen if on
                         else state & ~Qt.WindowState.WindowFullScreen)

    # ----------------------------------------------------------------- the explorer's image
    def _image_view(self) -> Any:
        return getattr(self.window.explorer_tab, "image", None)

    def _zoom(self, how: str) -> None:
        view = self._image_view()
        if view is not None:
            getattr(view, how)()

    def _frame(self) -> Any:
        view = self._image_view()
        array = view.array() if view is not None else None
        if array is None:
            self.window.statusBar().showMessage("The explorer shows no image yet.", 4000)
        return array

    def copy_image(self) -> None:
        array = self._frame()
        if array is not None:
            QGuiApplication.clipboard().setImage(array_to_qimage(array))
            h, w = array.shape[:2]
            self.window.statusBar().showMessage(f"Copied the image ({w}×{h} pixels).", 4000)

    def save_image(self) -> None:
        array = self._frame()
        if array is None:
            return
        state = getattr(self.window.explorer_tab, "state", None)
        seed = getattr(state, "seed", None)
        name = f"seed_{seed}.png" if seed is not None else "latent.png"
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        path = ask_image_path(self.window, str(Path(pictures) / name) if pictures else name)
        if not path:
            return
        if Path(path).suffix.lower() != ".png":
            path += ".png"
        self.save_image_to(array, path)

    def save_image_to(self, array: Any, path: str) -> None:
        """Write ``array`` as PNG in a thread (atomically: no half-written file on a crash)."""
        from ganstudio.core.export import save_png

        frame = array.copy()  # the view may show another frame before the thread reads it
        self.jobs.start("save-image", lambda _state: save_png(frame, path),
                        done=lambda _result: self._on_image_saved(path),
                        failed=lambda exc, details: self._on_image_save_failed(path, exc, details))

    def _on_image_saved(self, path: str) -> None:
        self.window.statusBar().showMessage(f"Saved the image to {path}", 5000)

    def _on_image_save_failed(self, path: str, exc: BaseException, details: str) -> None:
        jobs.show_failure(self.window, "Save image", exc, details, path=path)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self.jobs.shutdown(timeout_ms / 1000)
