"""Desktop application: the only package that imports PySide6 or pyqtgraph.

Importing this package is cheap; torch is imported only once the window is up.
"""

from __future__ import annotations

__all__ = ["create_main_window", "main"]


def create_main_window(argv: list[str] | None = None):  # noqa: ANN201 - avoid importing Qt here
    from ganstudio.gui.app import create_main_window as _create

    return _create(argv)


def main(argv: list[str] | None = None) -> int:
    from ganstudio.gui.app import main as _main

    return _main(argv)
