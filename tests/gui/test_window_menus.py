"""The Edit and View menus, the explorer image's Save and Copy, and the shortcuts dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMenu, QSpinBox

from ganstudio.gui import menus as window_menus

FRAME_TIMEOUT_MS = 60_000


def _menu(window, title: str) -> QMenu:  # noqa: ANN001
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            return action.menu()
    raise AssertionError(f"no {title} menu")


def _menu_actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found += _menu_actions(action.menu())
        elif not action.isSeparator():
            found.append(action)
    return found


@pytest.fixture
def explorer(qtbot, main_window):  # noqa: ANN001, ANN201
    """The Explorer tab, current, with the shipped generator's first frame on screen."""
    tab = main_window.explorer_tab
    main_window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.image.array() is not None and tab.image.painted_id >= tab.last_request_id > 0,
                    timeout=FRAME_TIMEOUT_MS)
    return tab


def _wait_frame(qtbot, tab) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: tab.image.painted_id >= tab.last_request_id, timeout=FRAME_TIMEOUT_MS)


def test_the_menus_are_file_edit_view_help(main_window) -> None:  # noqa: ANN001
    titles = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Help"]
    for menu in ("Edit", "View"):
        for action in _menu_actions(_menu(main_window, menu)):
            assert not action.shortcut().isEmpty(), f"{action.text()} has no shortcut"


def test_edit_menu_undoes_the_explorers_named_steps(qtbot, main_window, explorer) -> None:  # noqa: ANN001
    menus = main_window.menus
    seed = explorer.findChild(QSpinBox, "seedSpin")
    before = seed.value()
    seed.setValue(before + 3)
    _wait_frame(qtbot, explorer)
    assert menus.undo_action.isEnabled()
    assert menus.undo_action.text().replace("&", "") == "Undo Change seed"
    menus.undo_action.trigger()
    _wait_frame(qtbot, explorer)
    assert seed.value() == before
    assert menus.redo_action.text().replace("&", "") == "Redo Change seed"
    # Ctrl+Z and Ctrl+Shift+Z reach the explorer's steps through the window's Edit menu
    main_window.activateWindow()
    explorer.image.setFocus()
    qtbot.keyClick(explorer.image, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _wait_frame(qtbot, explorer)
    assert seed.value() == before + 3
    qtbot.keyClick(explorer.image, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _wait_frame(qtbot, explorer)
    assert seed.value() == before
    # the training tab has no undo steps of its own (yet): nothing to undo there
    main_window.tabs.setCurrentWidget(main_window.training_tab)
    assert not menus.undo_action.isEnabled() and not menus.redo_action.isEnabled()
    assert not menus.copy_image_action.isEnabled()


def test_copy_image_puts_the_full_resolution_frame_on_the_clipboard(main_window, explorer) -> None:  # noqa: ANN001
    frame = explorer.image.array()
    main_window.menus.copy_image_action.trigger()
    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == (frame.shape[1], frame.shape[0])
    grey = image.convertToFormat(image.Format.Format_Grayscale8)
    row = np.frombuffer(bytes(grey.constScanLine(frame.shape[0] // 2))[: frame.shape[1]], np.uint8)
    np.testing.assert_array_equal(row, frame[frame.shape[0] // 2, :, 0])


def test_save_image_writes_the_frame_as_png(qtbot, main_window, explorer, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    target = tmp_path / "digit"
    monkeypatch.setattr(window_menus, "ask_image_path", lambda _parent, name: str(target))
    frame = explorer.image.array().copy()
    action = main_window.menus.save_image_action
    assert action.shortcut() == QKeySequence("Ctrl+Shift+S")
    action.trigger()
    saved = tmp_path / "digit.png"
    qtbot.waitUntil(saved.exists, timeout=20_000)
    qtbot.waitUntil(lambda: "Saved the image" in main_window.statusBar().currentMessage(), timeout=20_000)
    pixels = np.asarray(Image.open(saved))
    np.testing.assert_array_equal(pixels.reshape(frame.shape), frame)
    assert not list(tmp_path.glob("*.tmp"))


def test_saving_the_image_on_a_full_disk_is_one_line_naming_the_file(qtbot, main_window, explorer, tmp_path,
                                                                     monkeypatch) -> None:  # noqa: ANN001
    import errno
    import os

    from PySide6.QtWidgets import QMessageBox

    from ganstudio.core import export

    target = tmp_path / "digit.png"
    monkeypatch.setattr(window_menus, "ask_image_path", lambda _parent, name: str(target))

    def full_disk(_array, path):  # noqa: ANN001, ANN202  (the atomic writer's temporary file)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / ".digit.x1.png.part"))

    monkeypatch.setattr(export, "save_png", full_disk)
    main_window.menus.save_image_action.trigger()

    def boxes() -> list[QMessageBox]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()]

    qtbot.waitUntil(lambda: bool(boxes()), timeout=20_000)
    (box,) = boxes()
    assert box.windowTitle() == "Save image"
    assert box.text().startswith(f"The disk is full: {target} could not be written")
    box.close()
    assert not target.exists()


def test_view_menu_switches_tabs_hides_panels_and_zooms(qtbot, main_window, explorer) -> None:  # noqa: ANN001
    from ganstudio.gui.common import settings

    menus, w = main_window.menus, main_window
    menus.training_tab_action.trigger()
    assert w.tabs.currentWidget() is w.training_tab
    menus.explorer_tab_action.trigger()
    assert w.tabs.currentWidget() is explorer
    controls = menus.panel_actions["explorer-controls"]
    controls.trigger()
    assert explorer.right_tabs.isHidden() and not controls.isChecked()
    assert settings.get("view/hidden_panels") == ["explorer-controls"]
    controls.trigger()
    assert explorer.right_tabs.isVisible()
    menus.panel_actions["quality"].trigger()
    assert w.training_tab.metrics_panel.isHidden()
    menus.actual_size_action.trigger()
    assert explorer.image.zoom() == 1.0
    menus.zoom_in_action.trigger()
    assert explorer.image.zoom() == 2.0
    menus.fit_action.trigger()
    assert explorer.image.zoom() == explorer.image._fit_scale() >= 1


def test_hidden_panels_stay_hidden_in_the_next_session(qtbot, main_window) -> None:  # noqa: ANN001
    from ganstudio.gui.app import create_main_window

    main_window.menus.panel_actions["training-settings"].trigger()
    assert main_window.training_tab.form_scroll.isHidden()
    again = create_main_window()
    try:
        assert again.training_tab.form_scroll.isHidden()
        assert not again.menus.panel_actions["training-settings"].isChecked()
    finally:
        again.close()
        again.training_tab.shutdown()
        again.deleteLater()


def _all_shortcut_owners(window) -> list:  # noqa: ANN001
    actions = [a for a in window.findChildren(QAction) if a.shortcuts()]
    return actions + [s for s in window.findChildren(QShortcut) if not s.key().isEmpty()]


def test_the_shortcuts_dialog_lists_every_shortcut(qtbot, main_window, explorer) -> None:  # noqa: ANN001
    main_window._on_shortcuts_triggered()
    dialog = main_window.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.text.toPlainText()
    menu_actions = [a for top in main_window.menuBar().actions() if top.menu() is not None
                    for a in _menu_actions(top.menu()) if a.shortcuts()]
    assert len(menu_actions) >= 15
    for action in menu_actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert keys in text, keys
        assert action.text().replace("&", "") in text
    for owner in _all_shortcut_owners(main_window):  # the tabs' own keys too (Space pauses)
        keys = owner.key() if isinstance(owner, QShortcut) else owner.shortcut()
        assert keys.toString(QKeySequence.SequenceFormat.NativeText) in text
    assert "Pause or resume training" in text
    dialog.close()


def test_no_two_shortcuts_share_a_key(main_window, explorer) -> None:  # noqa: ANN001
    seen: dict[str, str] = {}
    for owner in _all_shortcut_owners(main_window):
        keys = [owner.key()] if isinstance(owner, QShortcut) else owner.shortcuts()
        for key in keys:
            name = key.toString()
            what = owner.whatsThis() if isinstance(owner, QShortcut) else owner.text()
            assert name not in seen, f"{name} is both {seen[name]!r} and {what!r}"
            seen[name] = what
    QApplication.processEvents()
