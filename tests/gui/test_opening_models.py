"""File > Open Shipped Model, and a picture opened where a model is expected (File > Open, a
drop on the explorer, `ganstudio picture.png`): the person is asked before it becomes the
projection target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from explorer_helpers import make_tab, tiny_loaded
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent, QKeySequence

from ganstudio.core.io.checkpoint import export_generator
from ganstudio.core.names import shipped_generator_file
from ganstudio.gui.common import dialogs, settings

LOAD_TIMEOUT_MS = 60_000
QUESTION = "picture.png is an image, not a model. Project it into the current model's latent space?"


def _file_menu_action(window, name: str) -> QAction:  # noqa: ANN001
    file_menu = window.menuBar().actions()[0].menu()
    found = [a for a in file_menu.actions() if a.objectName() == name]
    assert len(found) == 1, f"File menu has no {name}"
    return found[0]


def _shows(explorer, path: Path) -> bool:  # noqa: ANN001
    loaded = explorer.loaded
    return loaded is not None and loaded.source is not None and Path(loaded.source).resolve() == path.resolve()


def _picture(tmp_path: Path) -> Path:
    path = tmp_path / "picture.png"
    Image.fromarray(np.full((28, 28), 200, np.uint8)).save(path)
    return path


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Answers the questions with what a test puts in answers["next"] (True: the yes button)
    and records them; info lines are recorded too."""
    seen: dict[str, list] = {"asked": [], "told": [], "next": [True]}

    def ask(_parent, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:  # noqa: ANN001
        seen["asked"].append(message)
        return seen["next"][0]

    monkeypatch.setattr(dialogs, "ask", ask)
    monkeypatch.setattr(dialogs, "show_info", lambda _p, _t, message: seen["told"].append(message))
    return seen


@pytest.fixture
def shipped_shown(qtbot, main_window):  # noqa: ANN001, ANN201
    """The main window once its explorer shows the shipped model, as on a first launch."""
    qtbot.waitUntil(lambda: _shows(main_window.explorer_tab, shipped_generator_file()), timeout=LOAD_TIMEOUT_MS)
    return main_window


# ------------------------------------------------------------------ Open Shipped Model


def test_open_shipped_model_brings_the_shipped_generator_back(qtbot, shipped_shown, tmp_path) -> None:  # noqa: ANN001
    window, explorer = shipped_shown, shipped_shown.explorer_tab
    loaded = tiny_loaded(latent_dim=5)
    other = export_generator(loaded.generator, loaded.config, tmp_path / "other.safetensors")
    assert window.open_path(other)
    qtbot.waitUntil(lambda: _shows(explorer, Path(other)), timeout=LOAD_TIMEOUT_MS)
    window.tabs.setCurrentWidget(window.training_tab)

    action = _file_menu_action(window, "openShippedModelAction")
    assert action.text().replace("&", "") == "Open Shipped Model"
    assert action.shortcut() == QKeySequence("Ctrl+Shift+D")
    action.trigger()
    qtbot.waitUntil(lambda: _shows(explorer, shipped_generator_file()), timeout=LOAD_TIMEOUT_MS)
    assert window.tabs.currentWidget() is explorer
    assert shipped_generator_file().name in explorer.source_label.text()


def test_open_shipped_model_says_so_when_the_installation_lacks_it(main_window, tmp_path,
                                                                   monkeypatch) -> None:  # noqa: ANN001
    from ganstudio.core import names

    missing = tmp_path / "models" / "default_generator.safetensors"
    monkeypatch.setattr(names, "shipped_generator_file", lambda *_name: missing)
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _p, _t, message, _details="": shown.append(message))
    _file_menu_action(main_window, "openShippedModelAction").trigger()
    assert len(shown) == 1 and "\n" not in shown[0]
    assert "no shipped model" in shown[0] and str(missing) in shown[0]


# ------------------------------------------------------------------ a picture opened as a model


def _drop(widget, path: Path) -> None:  # noqa: ANN001
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    widget.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


@pytest.mark.parametrize("how", ["File > Open", "drop"])
def test_yes_makes_the_picture_the_projection_target(qtbot, shipped_shown, tmp_path, answers, how: str) -> None:  # noqa: ANN001
    window, explorer = shipped_shown, shipped_shown.explorer_tab
    picture = _picture(tmp_path)
    answers["next"] = [True]
    if how == "drop":
        _drop(explorer, picture)
    else:
        assert window.open_path(picture) is True
    assert answers["asked"] == [QUESTION]
    qtbot.waitUntil(lambda: explorer.projection.target_view.array() is not None, timeout=LOAD_TIMEOUT_MS)
    assert explorer.right_tabs.currentWidget() is explorer.projection.parentWidget()
    assert _shows(explorer, shipped_generator_file())  # the model stays


@pytest.mark.parametrize("how", ["File > Open", "drop"])
def test_no_leaves_everything_as_it_was(qtbot, shipped_shown, tmp_path, answers, how: str) -> None:  # noqa: ANN001
    window, explorer = shipped_shown, shipped_shown.explorer_tab
    picture = _picture(tmp_path)
    page = explorer.right_tabs.currentWidget()
    answers["next"] = [False]
    if how == "drop":
        _drop(explorer, picture)
    else:
        window.tabs.setCurrentWidget(window.training_tab)
        assert window.open_path(picture) is False
        assert window.tabs.currentWidget() is window.training_tab
    assert answers["asked"] == [QUESTION]
    qtbot.wait(50)  # a read of the picture, had one started, would report through the event loop
    assert not explorer.is_busy()
    assert explorer.projection.target_view.array() is None
    assert explorer.right_tabs.currentWidget() is page
    assert str(picture) not in settings.get("recent/paths")


def test_without_a_model_one_line_says_the_picture_is_not_one(qtbot, tmp_path, answers) -> None:  # noqa: ANN001
    tab = make_tab(qtbot, tmp_path)  # nothing open
    assert tab.open_path(_picture(tmp_path)) is False
    assert answers["asked"] == []
    assert len(answers["told"]) == 1 and answers["told"][0].startswith("picture.png is an image, not a model.")
    assert tab.projection.target_view.array() is None
    tab.shutdown()


def test_a_picture_on_the_command_line_is_asked_about_once_the_shipped_model_shows(qtbot, tmp_path, answers) -> None:  # noqa: ANN001
    from ganstudio.gui.app import create_main_window

    picture = _picture(tmp_path)
    window = create_main_window([str(picture)])
    window.show()
    try:
        qtbot.waitUntil(lambda: window.is_core_loaded, timeout=LOAD_TIMEOUT_MS)
        explorer = window.explorer_tab
        qtbot.waitUntil(lambda: answers["asked"] == [QUESTION], timeout=LOAD_TIMEOUT_MS)
        assert _shows(explorer, shipped_generator_file())
        qtbot.waitUntil(lambda: explorer.projection.target_view.array() is not None, timeout=LOAD_TIMEOUT_MS)
        assert answers["told"] == []
    finally:
        qtbot.wait(50)
        window.close()
        window.training_tab.shutdown()
        qtbot.wait(1)
