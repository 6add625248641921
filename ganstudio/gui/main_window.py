"""The main window: tabs, menus, shortcuts, status bar, settings restore and save."""

from __future__ import annotations

import platform
import sys
import traceback
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from ganstudio.gui import given_path, locations, shipped_model, status_tips, window_size
from ganstudio.gui.common import dialogs, jobs, settings
from ganstudio.gui.menus import WindowMenus
from ganstudio.gui.training.tab import TrainingTab


class MainWindow(QMainWindow):
    core_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(settings.APPLICATION)
        self._core_ready = False
        self._core_loading = False
        self._closed = False
        self._pending_path: str | None = None
        self._url_opener: Any = None  # gui.open_url.UrlOpener, made on the first URL
        self._closing = False

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.training_tab = TrainingTab(self)
        self.explorer_tab: QWidget = self._placeholder("Loading the explorer…")
        self.tabs.addTab(self.training_tab, "Training")
        self.tabs.addTab(self.explorer_tab, "Explorer")
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self.menus = WindowMenus(self)
        self._build_menus()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._connect_training_tab()
        self._restore_settings()
        app = QApplication.instance()
        if app is not None:
            jobs.install(app)  # done by app.ensure_app already; a window made on its own needs it too
            app.aboutToQuit.connect(self._on_about_to_quit)

    # ----------------------------------------------------------------- building
    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text)
        label.setObjectName("explorerTab")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setEnabled(False)
        return label

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_label = QLabel("Device: –")
        self.step_label = QLabel("Step: –")
        self.speed_label = QLabel("– images/s")
        for label in (self.device_label, self.step_label, self.speed_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_run_action = self._action("&New run", self._on_new_run_triggered, QKeySequence.StandardKey.New)
        self.open_checkpoint_action = self._action(
            "&Open checkpoint…", self._on_open_checkpoint_triggered, "Ctrl+O")
        self.open_run_action = self._action(
            "Open &run folder…", self._on_open_run_triggered, "Ctrl+Shift+O")
        self.open_url_action = self._action("Open &URL…", self._on_open_url_triggered)
        self.open_url_action.setObjectName("openUrlAction")
        self.open_url_action.setStatusTip("Download a model file from an http(s) address and explore it")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        self.save_action = self._action("&Save checkpoint", self._on_save_checkpoint_triggered, "Ctrl+S")
        self.save_action.setEnabled(False)
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.insertAction(self.recent_menu.menuAction(), self.new_run_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_checkpoint_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_run_action)
        file_menu.insertAction(self.open_run_action, shipped_model.build_action(self))
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_url_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.menus.build_save_image())
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.menus.build_edit_menu(self.menuBar().addMenu("&Edit"))
        self.menus.build_view_menu(self.menuBar().addMenu("&View"))

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard Shortcuts", self._on_shortcuts_triggered,
                                         QKeySequence.StandardKey.HelpContents))
        about = self._action("&About GAN Studio", self._on_about_triggered)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(about)
        status_tips.apply(self.menuBar())

        self.pause_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self.pause_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.pause_shortcut.setWhatsThis("Pause or resume training (while a run is going)")
        self.pause_shortcut.setProperty("section", "Training")  # for the shortcuts dialog
        self.pause_shortcut.activated.connect(self._on_space_pressed)

    def _connect_training_tab(self) -> None:
        tab = self.training_tab
        tab.status_message.connect(self._on_status_message)
        tab.training_state_changed.connect(self._on_training_state_changed)
        tab.stats_changed.connect(self._on_stats_changed)
        tab.generator_ready.connect(self._on_generator_ready)
        tab.checkpoint_ready.connect(self._on_checkpoint_ready)
        tab.training_finished.connect(self._on_training_finished)
        tab.open_requested.connect(self.open_path)

    # ----------------------------------------------------------------- core loading
    def load_core(self) -> None:
        """Import torch and the core, then fill the tabs; the window is painted first."""
        if self._core_ready or self._core_loading or self._closed:
            return  # the events processed below may hold a second call; or closed already
        self._core_loading = True
        self.statusBar().showMessage("Loading the model core (PyTorch)…")
        if self.isVisible():
            self.repaint()
        QApplication.processEvents()
        try:
            import ganstudio.core  # noqa: F401  (torch and the core: the slow part)

            self.training_tab.on_core_loaded()
        except Exception as exc:  # a broken install: say so and keep the window usable
            self.statusBar().showMessage("The model core failed to load.")
            dialogs.show_error(self, "GAN Studio", f"The model core could not be loaded: {exc}",
                               traceback.format_exc())
            return
        self._install_explorer()
        self._core_ready = True
        self.device_label.setText(f"Device: {self.training_tab.device_name()}")
        self.statusBar().showMessage("Ready.", 3000)
        self.core_loaded.emit()
        if self._pending_path:
            path, self._pending_path = self._pending_path, None
            given_path.open_given_path(self, path)

    def _install_explorer(self) -> None:
        try:
            from ganstudio.gui.explorer.tab import ExplorerTab

            explorer: QWidget = ExplorerTab()
        except Exception as exc:  # not written yet or failed to build: keep a placeholder
            explorer = self._placeholder(f"The explorer is not available: {exc}")
        index = self.tabs.indexOf(self.explorer_tab)
        current = self.tabs.currentIndex()
        self.tabs.removeTab(index)
        self.explorer_tab.deleteLater()
        self.explorer_tab = explorer
        self.tabs.insertTab(index, explorer, "Explorer")
        self.tabs.setCurrentIndex(current)
        self.menus.attach_explorer(explorer)

    @property
    def is_core_loaded(self) -> bool:
        return self._core_ready

    def open_when_loaded(self, path: str) -> None:
        if self._core_ready:
            self.open_path(path)
        else:
            self._pending_path = path

    # ----------------------------------------------------------------- opening files
    def open_path(self, path: str | Path) -> bool:
        """Open a run folder in the training tab, anything else (a checkpoint) in the explorer;
        an http(s) URL is downloaded first (File > Open URL…)."""
        from ganstudio.core.io.url import is_url

        if isinstance(path, str) and is_url(path):
            return self.open_url(path)
        path = Path(path)
        if not path.exists():
            dialogs.show_error(self, "Open", f"{path} does not exist.")
            return False
        if path.is_dir() and self._is_run_dir(path):
            ok = self.training_tab.open_run(path)
            if ok:
                self.tabs.setCurrentWidget(self.training_tab)
        else:
            ok = self.open_checkpoint(path)
        if ok:
            settings.add_recent(path)
        return ok

    def _is_run_dir(self, path: Path) -> bool:
        try:
            from ganstudio.core.io.runs import is_run_dir

            return bool(is_run_dir(path))
        except ImportError:
            return (path / "config.json").is_file()

    def open_checkpoint(self, path: str | Path) -> bool:
        open_path = getattr(self.explorer_tab, "open_path", None)
        if open_path is None:
            dialogs.show_error(self, "Open checkpoint", "The explorer is not available in this build.")
            return False
        ok = bool(open_path(str(path)))
        if ok:
            self.tabs.setCurrentWidget(self.explorer_tab)
        return ok

    # ----------------------------------------------------------------- menu slots
    def _on_new_run_triggered(self) -> None:
        if self.training_tab.is_training:
            dialogs.show_info(self, "New run", "Stop the run in progress before starting a new one.")
            return
        self.training_tab.new_run()
        self.tabs.setCurrentWidget(self.training_tab)

    def _on_open_checkpoint_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open checkpoint", str(settings.runs_root()),
            "Generators (*.safetensors *.pt *.pth *.onnx *.pkl);;All files (*)")
        if path:
            self.open_path(path)

    def _on_open_url_triggered(self) -> None:
        from ganstudio.gui.open_url import ask_url

        url = ask_url(self)
        if url:
            self.open_path(url)

    def open_url(self, url: str) -> bool:
        """Download (once) and open the model at ``url`` in the background; True when started."""
        if self._url_opener is None:
            from ganstudio.gui.open_url import UrlOpener

            self._url_opener = UrlOpener(self)
            self._url_opener.opened.connect(self._on_url_opened)
        self._url_opener.open(url)
        return True

    def _on_url_opened(self, loaded: object, url: str) -> None:
        if self._explore(loaded, "Open URL"):
            settings.add_recent(url)

    def _explore(self, loaded: object, title: str) -> bool:
        """Show ``loaded`` (a LoadedGenerator) in the explorer tab; False where it is missing."""
        set_generator = getattr(self.explorer_tab, "set_generator", None)
        if set_generator is None:
            dialogs.show_error(self, title, "The explorer is not available in this build.")
            return False
        set_generator(loaded)
        self.tabs.setCurrentWidget(self.explorer_tab)
        return True

    def _on_open_run_triggered(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open run folder", str(settings.runs_root()))
        if not path:
            return
        if not self._is_run_dir(Path(path)):
            dialogs.show_error(self, "Open run folder",
                               f"{path} is not a run folder: it has no config.json. Choose the folder "
                               "that `ganstudio train` or the Training tab created.")
            return
        self.open_path(path)

    def _on_recent_menu_about_to_show(self) -> None:
        from ganstudio.core.io.url import is_url

        self.recent_menu.clear()
        recent = settings.get("recent/paths")
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.setEnabled(is_url(path) or Path(path).exists())
            action.setStatusTip(f"Open {path}")
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", lambda: settings.set_value("recent/paths", []))
        status_tips.apply_to(self.recent_menu)

    def _on_save_checkpoint_triggered(self) -> None:
        self.training_tab.save_checkpoint()

    def _on_space_pressed(self) -> None:
        if self.training_tab.is_training and self.tabs.currentWidget() is self.training_tab:
            self.training_tab.toggle_pause()

    def _on_shortcuts_triggered(self) -> None:
        from ganstudio.gui.shortcuts import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self)  # built now: lists what exists now
        self.shortcuts_dialog.show()

    def _on_tab_changed(self, _index: int) -> None:
        self.menus.on_tab_changed()

    def _on_about_triggered(self) -> None:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from ganstudio.gui.version import app_version

        torch_version = sys.modules["torch"].__version__ if "torch" in sys.modules else "not loaded yet"
        text = (
            f"<h3>GAN Studio {app_version()}</h3>"
            "<p>Train generative adversarial networks and explore their latent space.</p>"
            f"<p>PyTorch {torch_version}<br>Qt {qVersion()} (PySide6 {pyside_version})<br>"
            f"Python {platform.python_version()}<br>Device: {self.training_tab.device_name()}</p>"
            f"{locations.locations_html(self.explorer_tab)}"
        )
        QMessageBox.about(self, "About GAN Studio", text)

    # ----------------------------------------------------------------- training tab signals
    def _on_status_message(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _on_training_state_changed(self, training: bool) -> None:
        self.save_action.setEnabled(training)
        self.new_run_action.setEnabled(not training)

    def _on_stats_changed(self, device: str, step: int, images_per_s: float) -> None:
        self.device_label.setText(f"Device: {device}")
        self.step_label.setText(f"Step: {step:,}")
        self.speed_label.setText(f"{images_per_s:,.0f} images/s")

    def _on_generator_ready(self, loaded: object) -> None:
        self._explore(loaded, "Open in Explorer")

    def _on_checkpoint_ready(self, path: str) -> None:
        if self.open_checkpoint(path):
            settings.add_recent(path)

    def _on_training_finished(self, _reason: str) -> None:
        if self._closing:
            QTimer.singleShot(0, self, self.close)

    # ----------------------------------------------------------------- settings and closing
    def _restore_settings(self) -> None:
        window_size.place(self, settings.get("window/geometry"))
        state = settings.get("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        self.tabs.setCurrentIndex(self._first_tab())

    def _first_tab(self) -> int:
        """The tab shown last; on a first launch the Explorer when a generator ships with the
        app, so that the first thing a person sees is sliders over a real model."""
        if settings.is_set("window/current_tab"):
            return max(0, min(settings.get("window/current_tab"), self.tabs.count() - 1))
        from ganstudio.resources import default_generator_path

        first = self.explorer_tab if default_generator_path() is not None else self.training_tab
        return self.tabs.indexOf(first)

    def _save_settings(self) -> None:
        settings.set_value("window/geometry", self.saveGeometry())
        settings.set_value("window/state", self.saveState())
        settings.set_value("window/current_tab", self.tabs.currentIndex())
        self.training_tab.save_settings()

    def _on_about_to_quit(self) -> None:
        # The event loop is ending without a close (e.g. QApplication.quit). Every thread
        # (training, jobs, the explorer's renderer) is stopped and joined by jobs.shutdown_all
        # (jobs.install); what is left here is the tabs' own tidying.
        self.training_tab.follower.close()
        shutdown = getattr(self.explorer_tab, "shutdown", None)
        if callable(shutdown):
            shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.training_tab.is_training:
            if not self._closing:
                if not dialogs.ask(self, "Quit GAN Studio",
                                   "A run is training. Stop it and quit? A checkpoint is saved first, "
                                   "so it can be resumed later.", yes="Stop and quit", no="Keep training"):
                    event.ignore()
                    return
                self._closing = True
                self.statusBar().showMessage("Saving a checkpoint and stopping…")
                self.training_tab.stop()
            event.ignore()  # closes again on training_finished
            return
        self._closed = True
        self._save_settings()
        self.training_tab.shutdown()
        self.menus.shutdown()
        if self._url_opener is not None:
            self._url_opener.shutdown()
        shutdown = getattr(self.explorer_tab, "shutdown", None)
        if callable(shutdown):
            shutdown()
        else:
            self.explorer_tab.close()  # lets the explorer's closeEvent join its render thread
        super().closeEvent(event)
