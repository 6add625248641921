"""A tab that opens the first local file or folder dropped on it (both tabs take drops)."""

from __future__ import annotations

from PySide6.QtGui import QDragEnterEvent, QDropEvent


class FileDropTarget:
    """Mixin for a QWidget (list it before the widget class): accepts drags that carry
    local files and hands the first dropped path to :meth:`open_dropped`.

    The widget still calls ``setAcceptDrops(True)``; remote URLs are not taken, since
    nothing here can read them.
    """

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_dropped(paths[0])

    def open_dropped(self, path: str) -> None:
        raise NotImplementedError
