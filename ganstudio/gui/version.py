"""The app's version, in a module of its own so that the window and the app both read it."""

from __future__ import annotations

APP_VERSION_FALLBACK = "0.1.0"


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("ganstudio")
    except Exception:  # not installed (a plain checkout) or frozen without metadata
        return APP_VERSION_FALLBACK
