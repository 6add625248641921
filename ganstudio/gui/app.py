"""QApplication set-up, theme, icon and the entry point the CLI calls."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from ganstudio.gui.common import jobs, settings
from ganstudio.gui.version import app_version

DESKTOP_FILE_NAME = "ganstudio"  # packaging/ganstudio.desktop


def icons_dir() -> Path:
    try:
        from ganstudio.resources import resource_path

        return Path(resource_path("icons"))
    except Exception:  # the resources helper is optional; fall back to a checkout's layout
        return Path(__file__).resolve().parents[2] / "resources" / "icons"


def app_icon() -> QIcon:
    icon = QIcon()
    folder = icons_dir()
    for name in ("ganstudio.svg", "ganstudio.png", "ganstudio-64.png", "ganstudio-32.png"):
        if (folder / name).is_file():
            icon.addFile(str(folder / name))
    return icon


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(0x2B, 0x2D, 0x31), QColor(0x1F, 0x21, 0x24), QColor(0xE6, 0xE6, 0xE6)
    disabled = QColor(0x7F, 0x7F, 0x7F)
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, window)
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, disabled)
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.BrightText, QColor(0xFF, 0x55, 0x55))
    p.setColor(QPalette.ColorRole.Link, QColor(0x5A, 0xA9, 0xFF))
    p.setColor(QPalette.ColorRole.Highlight, QColor(0x3D, 0x7E, 0xD8))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(0xFF, 0xFF, 0xFF))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


_gc_timer: QTimer | None = None


def collect_garbage_on_gui_thread() -> None:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate when a
    threshold is crossed. When it frees Python wrappers of Qt objects in a worker thread (a
    training or render thread) while the GUI thread deletes Qt objects, Qt's object mutex and
    Python's GIL can deadlock the two threads and the window freezes for good. So automatic
    collection is turned off and a GUI-thread timer collects instead: the scheme of pyqtgraph's
    GarbageCollector, written out here because importing pyqtgraph before the window is shown
    would slow the start."""
    global _gc_timer
    if _gc_timer is not None:
        return
    thresholds = gc.get_threshold()

    def collect() -> None:
        counts = gc.get_count()
        # The oldest generation whose count passed its threshold, as the automatic collector does.
        generation = -1
        for g in range(3):
            if counts[g] > thresholds[g]:
                generation = g
            else:
                break
        if generation >= 0:
            gc.collect(generation)

    gc.disable()
    _gc_timer = QTimer()
    _gc_timer.setInterval(500)
    _gc_timer.timeout.connect(collect)
    _gc_timer.start()


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication) -> None:
    """Fusion with the system's light or dark scheme; called again when the system switches."""
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if is_dark() else app.style().standardPalette())


def ensure_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QCoreApplication.setOrganizationName(settings.ORGANIZATION)
        QCoreApplication.setApplicationName(settings.APPLICATION)
        # Qt 6's default, stated: 125 % stays 1.25 (not rounded to 1 or 2); the image views
        # then draw in device pixels so enlarged pixels stay square (gui/common/pixels.py).
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv else "ganstudio", *(argv or [])][:1])
    if not app.property("ganstudio_configured"):
        if not QCoreApplication.organizationName():
            QCoreApplication.setOrganizationName(settings.ORGANIZATION)
        if QCoreApplication.applicationName() in ("", "python", "python3"):
            QCoreApplication.setApplicationName(settings.APPLICATION)
        app.setApplicationDisplayName(settings.APPLICATION)
        QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)  # Wayland finds the icon through it
        app.setApplicationVersion(app_version())
        app.setWindowIcon(app_icon())
        apply_theme(app)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
        collect_garbage_on_gui_thread()
        jobs.install(app)  # the one rule for background threads: stopped and joined at quit
        app.setProperty("ganstudio_configured", True)
    return app


def create_main_window(argv: list[str] | None = None):  # -> MainWindow
    """The main window, not shown, with the core scheduled to load once the loop runs.

    ``argv`` may hold one path (a checkpoint or a run folder) to open once the core is loaded.
    """
    ensure_app()
    from ganstudio.gui.main_window import MainWindow

    window = MainWindow()
    paths = [a for a in (argv or []) if not a.startswith("-")]
    if paths:
        window.open_when_loaded(paths[0])
    QTimer.singleShot(0, window, window.load_core)  # window as context: no call once it is gone
    return window


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app; ``argv`` may hold one checkpoint or run folder to open.

    ``ganstudio --self-test`` never comes here: the command line runs
    :mod:`ganstudio.gui.self_test` itself."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from ganstudio.gui.xcb_libraries import missing_message

    if QApplication.instance() is None and (missing := missing_message()):
        print(missing, file=sys.stderr)  # Qt would abort with a message naming its plugin
        return 2
    app = ensure_app()
    window = create_main_window(argv)
    from ganstudio.gui import startup_trace

    startup_trace.install(window)  # only when GANSTUDIO_STARTUP_TRACE is set
    window.show()
    app.processEvents()  # paint the window before torch is imported
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
