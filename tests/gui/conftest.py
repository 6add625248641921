"""Shared fixtures for the GUI tests: offscreen Qt, isolated settings, a loaded main window."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from ganstudio.gui.common import settings  # noqa: E402

CORE_LOAD_TIMEOUT_MS = 120_000
RUN_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session", autouse=True)
def _settings_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests' QSettings away from the person's own."""
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def _garbage_on_the_gui_thread(qapp) -> Iterator[None]:  # noqa: ANN001
    """As in the app: cyclic garbage is collected on the GUI thread only (a collection in a
    worker thread that frees Qt wrappers can deadlock with the GUI thread); after each test the
    windows it left behind are collected here, not in the next test's worker threads."""
    from ganstudio.gui.app import collect_garbage_on_gui_thread

    collect_garbage_on_gui_thread()
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path: Path) -> Iterator[Path]:
    settings.clear()
    runs = tmp_path / "runs"
    settings.set_value("training/runs_root", str(runs))
    yield runs
    settings.clear()


@pytest.fixture
def runs_root(_fresh_settings: Path) -> Path:
    return _fresh_settings


@pytest.fixture
def no_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer every yes/no question with yes, and record the questions asked."""
    from ganstudio.gui.common import dialogs

    asked: list[str] = []

    def ask(_parent, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:
        asked.append(f"{title}: {message}")
        return True

    monkeypatch.setattr(dialogs, "ask", ask)
    return asked


@pytest.fixture
def main_window(qtbot, no_questions):  # noqa: ANN001, ANN201
    """A shown main window with the core loaded; torn down with its threads joined."""
    import shiboken6

    from ganstudio.gui.app import create_main_window

    window = create_main_window()
    window.show()
    qtbot.waitUntil(lambda: window.is_core_loaded, timeout=CORE_LOAD_TIMEOUT_MS)
    yield window
    if not shiboken6.isValid(window):
        return
    tab = window.training_tab
    if tab.is_training:
        with qtbot.waitSignal(tab.training_finished, timeout=RUN_TIMEOUT_MS):
            tab.stop()
    window.close()
    tab.shutdown()
    window.deleteLater()
    qtbot.wait(1)


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (title, text) of each error box the Explorer tab would show, instead of showing it."""
    from ganstudio.gui.explorer import tab as explorer_tab

    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(
        explorer_tab, "show_error", lambda _p, title, text: seen.append((title, text))
    )
    return seen


@pytest.fixture
def form(qtbot):  # noqa: ANN001, ANN201
    """The training form on its own, set to the MNIST DCGAN preset and shown."""
    from ganstudio.core.config import preset
    from ganstudio.gui.training.form import ConfigForm

    form = ConfigForm()
    qtbot.addWidget(form)
    form.populate([("auto", "auto"), ("cpu", "cpu")])
    form.set_config(preset("mnist-dcgan"))
    form.show()
    return form


@pytest.fixture
def training_tab(main_window):  # noqa: ANN001, ANN201
    main_window.tabs.setCurrentWidget(main_window.training_tab)  # a first launch shows the Explorer
    return main_window.training_tab


@pytest.fixture
def tiny_run(tiny_config):  # noqa: ANN001, ANN201
    """Set the form to a tiny run, then the fields a person would touch, by object name."""
    from PySide6.QtWidgets import QComboBox, QSpinBox

    def setup(tab, data: str = "toy-ring", steps: int = 12, batch: int = 8, arch: str = "mlp") -> None:  # noqa: ANN001
        tabs = getattr(tab.window(), "tabs", None)
        if tabs is not None:  # a person fills the form on the Training tab
            tabs.setCurrentWidget(tab)
        tab.form.set_config(tiny_config(arch, data))
        tab.findChild(QSpinBox, "stepsSpin").setValue(steps)
        tab.findChild(QSpinBox, "batchSizeSpin").setValue(batch)
        combo = tab.findChild(QComboBox, "deviceCombo")
        combo.setCurrentIndex(combo.findData("cpu"))

    return setup
