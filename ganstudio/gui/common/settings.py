"""Every persisted GUI preference, in one table.

A key is read and written only through :func:`get` / :func:`set_value`, which know
its type and default, so a missing or corrupted value never reaches a widget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ORGANIZATION = "GANStudio"
APPLICATION = "GAN Studio"
MAX_RECENT = 10


@dataclass(frozen=True)
class Key:
    name: str
    type: type
    default: Any
    doc: str


_KEYS: tuple[Key, ...] = (
    Key("window/geometry", QByteArray, QByteArray(), "main window geometry"),
    Key("window/state", QByteArray, QByteArray(), "main window toolbars and docks"),
    Key("window/current_tab", int, 0, "index of the tab shown last"),
    Key("recent/paths", list, [], "recently opened checkpoints and run folders, newest first"),
    Key("training/splitter", QByteArray, QByteArray(), "form | live view splitter sizes"),
    Key("training/last_config", str, "", "the training form's last RunConfig as JSON"),
    Key("training/sample_every", int, 100, "steps between fixed-noise sample grids"),
    Key("training/runs_root", str, "", "folder new runs are written to (empty: default)"),
    Key("training/last_run_dir", str, "", "the run folder opened last"),
    Key("explorer/splitter", QByteArray, QByteArray(), "explorer splitter sizes"),
    Key("explorer/seed", int, 0, "explorer seed"),
    Key("explorer/truncation", float, 1.0, "explorer truncation psi"),
    Key("explorer/last_path", str, "", "the checkpoint the explorer showed last"),
    Key("view/hidden_panels", list, [], "panels hidden from the View menu, by name"),
)

KEYS: dict[str, Key] = {k.name: k for k in _KEYS}


def _settings() -> QSettings:
    # QSettings(organization, application) always uses the native format; this form follows
    # QSettings.setDefaultFormat, so redirecting settings to an INI file works on every system.
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def location() -> str:
    """Where the settings are kept: a file, or on Windows a registry key (Help > About says)."""
    return _settings().fileName()


def is_set(name: str) -> bool:
    """Whether ``name`` has a stored value (a default is not one)."""
    return _settings().contains(KEYS[name].name)


def clear() -> None:
    """Forget every stored preference."""
    _settings().clear()


def get(name: str) -> Any:
    """The stored value of ``name`` converted to its type, or its default."""
    key = KEYS[name]
    raw = _settings().value(name, None)
    if raw is None:
        return _copy(key.default)
    try:
        if key.type is QByteArray:
            return raw if isinstance(raw, QByteArray) else QByteArray(raw)
        if key.type is list:
            if isinstance(raw, str):
                raw = json.loads(raw)
            return [str(x) for x in raw] if isinstance(raw, list) else _copy(key.default)
        if key.type is bool:
            return raw in (True, "true", "1", 1)
        return key.type(raw)
    except (TypeError, ValueError):
        return _copy(key.default)


def set_value(name: str, value: Any) -> None:
    key = KEYS[name]
    if key.type is list:
        value = json.dumps([str(x) for x in value])
    _settings().setValue(name, value)


def remove(name: str) -> None:
    _settings().remove(KEYS[name].name)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, QByteArray):
        return QByteArray(value)
    return value


def add_recent(path: str | Path) -> list[str]:
    """Put ``path`` first in the recent list and return the new list (a URL stays as given)."""
    from ganstudio.core.io.url import is_url

    path = path.strip() if isinstance(path, str) and is_url(path) else str(Path(path).resolve())
    recent = [p for p in get("recent/paths") if p != path]
    recent.insert(0, path)
    del recent[MAX_RECENT:]
    set_value("recent/paths", recent)
    return recent


def default_runs_root() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".ganstudio") / "runs"


def runs_root() -> Path:
    chosen = get("training/runs_root")
    return Path(chosen) if chosen else default_runs_root()
