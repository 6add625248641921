"""Application set-up: the desktop file name, and where the settings are kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from ganstudio.gui.common import settings


def test_the_app_names_its_desktop_file(qapp) -> None:  # noqa: ANN001
    from ganstudio.gui.app import ensure_app

    ensure_app()
    assert QGuiApplication.desktopFileName() == "ganstudio"  # packaging/ganstudio.desktop


@pytest.fixture
def ini_default(tmp_path: Path) -> Iterator[Path]:
    before = QSettings.defaultFormat()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    yield tmp_path
    QSettings.setDefaultFormat(before)


def test_settings_follow_the_default_format(ini_default: Path) -> None:
    # As the self-test redirects them: on Windows and macOS the native format is not a file
    settings.set_value("explorer/seed", 42)
    store = settings._settings()
    assert store.format() == QSettings.Format.IniFormat
    assert Path(store.fileName()).is_relative_to(ini_default)
    assert settings.get("explorer/seed") == 42 and settings.is_set("explorer/seed")
    settings.clear()
    assert not settings.is_set("explorer/seed")
