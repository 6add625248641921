"""Labels that keep their text readable in small windows: wrapped with the height it needs,
or elided with the whole text in the tooltip."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class WrapLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its width.

    Splitters and scroll areas do not ask their panes for height-for-width, so a wrapped
    label in them gets the height of one line and loses the rest; this one raises its
    minimum height to what its width needs whenever the width or the text changes.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        height = self.heightForWidth(max(1, self.width())) if self.text() else 0
        if height != self.minimumHeight():
            self.setMinimumHeight(max(0, height))


class ElidedLabel(QLabel):
    """One line that shortens itself with "…" in the middle to the width it gets (a file
    name and its details); ``text()`` and the tooltip keep the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def text(self) -> str:  # the whole text, not the shortened one on screen
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._full = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(min(60, super().minimumSizeHint().width()), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                              max(0, self.width() - 4))
        super().setText(shown)

    def shown_text(self) -> str:
        return super().text()


class PathLinkLabel(QLabel):
    """"Writing: /path/to/run (a note)" with the path a link that opens the folder; the
    path shortens with "…" in the middle to fit the width. ``text()`` is the whole line."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._run: tuple[str, str, str] | None = None
        self._full = text

    def text(self) -> str:  # the whole line (rich text), not the shortened one on screen
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._run = None
        self._full = text
        self.setToolTip("")
        super().setText(text)

    def set_path(self, verb: str, path: str, note: str = "") -> None:
        self._run = (verb, path, note)
        self._full = self._html(path)
        self.setToolTip(path)
        self._elide()

    def _html(self, shown: str) -> str:
        verb, path, note = self._run
        url = QUrl.fromLocalFile(path).toString()
        return f'{html.escape(verb)}: <a href="{url}">{html.escape(shown)}</a>{html.escape(note)}'

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(min(120, hint.width()), hint.height()) if self._run else hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        if self._run is None:
            return
        verb, path, note = self._run
        metrics = self.fontMetrics()
        room = self.width() - metrics.horizontalAdvance(f"{verb}: {note}") - 8
        super().setText(self._html(metrics.elidedText(path, Qt.TextElideMode.ElideMiddle, max(room, 60))))
