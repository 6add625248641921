"""File > Open URL…: a model downloaded from the test's own server on 127.0.0.1, with a
progress dialog and Cancel, opened in the explorer; Open Recent keeps the URL."""

from __future__ import annotations

import pytest
from model_server import model_site
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton

from ganstudio.core.io import url as urls
from ganstudio.gui import open_url
from ganstudio.gui.common import settings

TIMEOUT_MS = 60_000


@pytest.fixture
def site(tmp_path, monkeypatch):
    with model_site(tmp_path, monkeypatch) as server:
        yield server


def _errors() -> list[str]:
    return [w.text() for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


def _open_from_menu(qtbot, window, monkeypatch, url: str) -> None:
    # the explorer opens the shipped model by itself at start: let it, so nothing else changes it
    qtbot.waitUntil(lambda: window.explorer_tab.loaded is not None, timeout=TIMEOUT_MS)
    monkeypatch.setattr(open_url, "ask_url", lambda _parent: url)
    window.open_url_action.trigger()


def test_open_url_downloads_opens_in_the_explorer_and_recent_reopens_without_a_request(
        qtbot, main_window, site, monkeypatch):
    w = main_window
    url = site.url("digits.safetensors")
    explorer = w.explorer_tab
    qtbot.waitUntil(lambda: explorer.loaded is not None, timeout=TIMEOUT_MS)  # the shipped model
    with qtbot.waitSignal(explorer.generator_changed, timeout=TIMEOUT_MS):
        _open_from_menu(qtbot, w, monkeypatch, url)
    assert explorer.loaded.name == "digits.safetensors"
    assert w.tabs.currentWidget() is explorer
    assert settings.get("recent/paths")[0] == url
    assert w.findChild(QProgressDialog, "openUrlProgress") is None or not w.findChild(
        QProgressDialog, "openUrlProgress").isVisible()
    assert site.requests == ["/digits.safetensors"]

    w._on_recent_menu_about_to_show()
    item = next(a for a in w.recent_menu.actions() if a.text() == url)
    assert item.isEnabled()
    with qtbot.waitSignal(explorer.generator_changed, timeout=TIMEOUT_MS):
        item.trigger()
    assert explorer.loaded.name == "digits.safetensors"
    assert site.requests == ["/digits.safetensors"]  # the cache answered
    assert _errors() == []


@pytest.mark.parametrize("name, words", [("missing.safetensors", "404"),
                                         ("page.safetensors", "is not a model")])
def test_a_url_that_fails_is_one_line_and_opens_nothing(qtbot, main_window, site, monkeypatch,
                                                         name, words):
    w = main_window
    shown = []
    monkeypatch.setattr(open_url.jobs, "show_failure",
                        lambda _parent, title, exc, details="", **_kw: shown.append(str(exc)))
    url = site.url(name)
    _open_from_menu(qtbot, w, monkeypatch, url)
    before = w.explorer_tab.loaded
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT_MS)
    assert not w._url_opener.busy()
    assert len(shown) == 1 and words in shown[0] and url in shown[0] and "\n" not in shown[0]
    assert w.explorer_tab.loaded is before
    assert url not in settings.get("recent/paths")
    assert urls.cached_file(url) is None


def test_cancel_stops_the_download_and_keeps_nothing(qtbot, main_window, site, monkeypatch):
    w = main_window
    url = site.url("digits.safetensors")
    site.held.add("/digits.safetensors")
    _open_from_menu(qtbot, w, monkeypatch, url)
    before = w.explorer_tab.loaded
    dialog = w.findChild(QProgressDialog, "openUrlProgress")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.value() > 0, timeout=TIMEOUT_MS)  # half of it has arrived
    assert "Downloaded" in dialog.labelText()
    with qtbot.waitSignal(w._url_opener.ended, timeout=TIMEOUT_MS):
        dialog.findChild(QPushButton).click()  # Cancel
        site.release.set()
    # the job's thread ends just after its outcome is delivered
    qtbot.waitUntil(lambda: not w._url_opener.busy(), timeout=TIMEOUT_MS)
    assert w.explorer_tab.loaded is before
    assert urls.cached_file(url) is None
    assert not list(urls.entry_dir(url).glob("*.part"))
    assert _errors() == []
