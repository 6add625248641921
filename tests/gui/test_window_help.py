"""Every menu item says what it does in the status bar; Help > About names the version and
where the settings and caches are kept."""

from __future__ import annotations

import html
import os

from PySide6.QtWidgets import QMessageBox

from ganstudio.gui import status_tips
from ganstudio.gui.common import settings
from ganstudio.gui.version import app_version


def _all_items(window) -> list:  # noqa: ANN001
    return [a for top in window.menuBar().actions() if top.menu() is not None
            for a in status_tips.menu_actions(top.menu())]


def test_every_menu_item_has_a_status_tip(main_window) -> None:  # noqa: ANN001
    items = _all_items(main_window)
    assert len(items) >= 20
    missing = [a.text().replace("&", "") for a in items if not a.statusTip()]
    assert not missing, f"no status tip: {missing}"


def test_the_status_bar_shows_an_items_tip(main_window) -> None:  # noqa: ANN001
    action = main_window.menus.fit_action
    action.showStatusText(main_window)  # what a QMenu does while the pointer is on the item
    assert main_window.statusBar().currentMessage() == status_tips.TIPS["fitToWindowAction"]


def test_recent_files_say_what_they_open(main_window, tmp_path) -> None:  # noqa: ANN001
    menu = main_window.recent_menu
    menu.aboutToShow.emit()
    assert all(a.statusTip() for a in status_tips.menu_actions(menu))  # "No recent files"
    opened = tmp_path / "g.safetensors"
    opened.write_bytes(b"")
    settings.add_recent(opened)
    menu.aboutToShow.emit()
    items = status_tips.menu_actions(menu)
    assert [a.statusTip() for a in items if a.text() == str(opened)] == [f"Open {opened}"]
    assert all(a.statusTip() for a in items)  # "Clear list" too


def test_about_names_the_version_and_where_settings_and_caches_are(main_window, monkeypatch) -> None:  # noqa: ANN001
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _p, _t, text: shown.append(text)))
    main_window._on_about_triggered()
    text = shown[0]
    assert f"GAN Studio {app_version()}" in text
    assert html.escape(f"Settings: {settings.location()}") in text
    assert settings.location().endswith((".conf", ".ini", ".plist")) or "\\" in settings.location()
    assert html.escape(f"Cache: {os.environ['GANSTUDIO_CACHE']}") in text  # the tests' own cache
    assert html.escape(f"Directions cache: {main_window.explorer_tab.cache_dir}") in text
