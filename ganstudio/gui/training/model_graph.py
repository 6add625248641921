"""A small picture of the run's model: z -> G -> G(z) -> D <- x, and the loss, in boxes with
the layer sizes and the newest values (D(x), D(G(z)), both losses), as GAN Lab's model
overview. Clicking a box asks the view to highlight what it is (``box_clicked``): the fakes
for G, D's map for D, the real points for x; clicking it again clears that.

A painted widget: one paintEvent, no scene, so it costs nothing between redraws.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.gui.training.toy_view import FAKE_COLOR, REAL_COLOR

BOXES = ("latent", "generator", "fake", "real", "discriminator", "loss")
TITLES = {"latent": "z", "generator": "G", "fake": "G(z)", "real": "x (real)", "discriminator": "D",
          "loss": "loss"}
TIPS = {
    "latent": "The noise z the generator starts from",
    "generator": "The generator G: its layer sizes, input to output. Click: highlight its samples",
    "fake": "Generated samples and D's mean verdict on them, D(G(z)). Click: highlight them",
    "real": "Training samples and D's mean verdict on them, D(x). Click: highlight them",
    "discriminator": "The discriminator D: its layer sizes. Click: highlight its map of the data space",
    "loss": "The newest losses of D and G",
}
# x0, x1 as shares of the width, and the row (0 top, 1 bottom): G's line on top, the data
# below, D on the right where both meet, its loss under it
PLACES = {"latent": (0.0, 0.12, 0), "generator": (0.16, 0.42, 0), "fake": (0.46, 0.60, 0),
          "real": (0.26, 0.60, 1), "discriminator": (0.66, 1.0, 0), "loss": (0.66, 1.0, 1)}
ROW_H = 34
GAP = 8


@dataclass
class Box:
    name: str
    rect: QRectF
    detail: str


def network_text(widths: Iterable[int]) -> str:
    """Layer widths as "2→200×4→2": runs of equal hidden widths merged."""
    ws = [int(w) for w in widths]
    if not ws:
        return ""
    parts: list[str] = [str(ws[0])]
    hidden = ws[1:-1]
    i = 0
    while i < len(hidden):
        j = i
        while j + 1 < len(hidden) and hidden[j + 1] == hidden[i]:
            j += 1
        count = j - i + 1
        parts.append(f"{hidden[i]}×{count}" if count > 1 else str(hidden[i]))
        i = j + 1
    if len(ws) > 1:
        parts.append(str(ws[-1]))
    return "→".join(parts)


class ModelGraph(QWidget):
    """z → G → G(z) → D ← x, with the loss; objectName ``modelGraph``."""

    box_clicked = Signal(str)  # a box name of BOXES, or "" when the highlight is cleared

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelGraph")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.details: dict[str, str] = {name: "" for name in BOXES}
        self.highlighted = ""
        self._hover = ""
        self._tips = dict(TIPS)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self._small = font

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(300, 2 * ROW_H + GAP + 6)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(220, 2 * ROW_H + GAP + 6)

    # ----------------------------------------------------------------- what it shows
    def set_config(self, config: Any) -> None:
        """The latent and data of a run (or of the form before any run)."""
        m = config.model
        dist = getattr(m, "latent_dist", "normal")
        self.details["latent"] = str(m.latent_dim)
        self._tips["latent"] = f"{TIPS['latent']}: {m.latent_dim} numbers drawn from a {dist} distribution"
        self.details["real"] = config.data.name
        self.details["loss"] = config.train.loss
        self.update()

    def set_networks(self, widths: Mapping[str, Iterable[int]]) -> None:
        """Layer widths of G and D (input to output), as the worker read them off the networks."""
        self.details["generator"] = network_text(widths.get("G", ()))
        self.details["discriminator"] = network_text(widths.get("D", ()))
        self.update()

    def set_values(self, row: Mapping[str, Any]) -> None:
        """The newest figures of a training row (D_real, D_fake, loss_D, loss_G)."""
        def num(key: str) -> str:
            value = row.get(key)
            return "–" if value is None else f"{float(value):.2f}"

        if "D_real" in row:
            self.details["real"] = f"D(x) {num('D_real')}"
        if "D_fake" in row:
            self.details["fake"] = f"D {num('D_fake')}"
        if "loss_D" in row or "loss_G" in row:
            self.details["loss"] = f"D {num('loss_D')} G {num('loss_G')}"
        self.update()

    def clear_values(self) -> None:
        for name in ("fake", "loss"):
            self.details[name] = ""
        self.update()

    def set_highlight(self, name: str) -> None:
        self.highlighted = name
        self.update()

    # ----------------------------------------------------------------- geometry
    def boxes(self) -> list[Box]:
        w = max(1.0, self.width() - 2.0)
        out = []
        for name in BOXES:
            x0, x1, row = PLACES[name]
            y = 3 + row * (ROW_H + GAP)
            out.append(Box(name, QRectF(1 + x0 * w, y, (x1 - x0) * w, ROW_H), self.details.get(name, "")))
        return out

    def box_at(self, pos: QPointF) -> str:
        for box in self.boxes():
            if box.rect.contains(pos):
                return box.name
        return ""

    # ----------------------------------------------------------------- events
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        name = self.box_at(event.position())
        if not name:
            return super().mousePressEvent(event)
        self.highlighted = "" if name == self.highlighted else name
        self.update()
        self.box_clicked.emit(self.highlighted)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        name = self.box_at(event.position())
        if name != self._hover:
            self._hover = name
            self.setToolTip(self._tips.get(name, ""))
            self.setCursor(Qt.CursorShape.PointingHandCursor if name else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self._hover = ""
        self.update()
        super().leaveEvent(event)

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        boxes = {b.name: b for b in self.boxes()}
        arrow = QPen(pal.color(QPalette.ColorRole.PlaceholderText), 1.3)
        painter.setPen(arrow)
        r = {k: b.rect for k, b in boxes.items()}
        d = r["discriminator"]
        for a, b in (("latent", "generator"), ("generator", "fake")):
            _arrow(painter, QPointF(r[a].right(), r[a].center().y()), QPointF(r[b].left(), r[b].center().y()))
        _arrow(painter, QPointF(r["fake"].right(), r["fake"].center().y()), QPointF(d.left(), d.center().y()))
        _arrow(painter, QPointF(r["real"].right(), r["real"].center().y()),
               QPointF(d.left() + 10, d.bottom()))
        _arrow(painter, QPointF(d.center().x() + 10, d.bottom()), QPointF(r["loss"].center().x() + 10,
                                                                      r["loss"].top()))
        accents = {"fake": QColor(*FAKE_COLOR), "generator": QColor(*FAKE_COLOR), "real": QColor(*REAL_COLOR),
                   "discriminator": QColor(70, 70, 70)}
        bold = QFont(self._small)
        bold.setBold(True)
        for name, box in boxes.items():
            accent = accents.get(name, pal.color(QPalette.ColorRole.Mid))
            fill = QColor(base)
            if name == self.highlighted:
                fill = QColor(accent)
                fill.setAlpha(60)
            elif name == self._hover:
                fill = pal.color(QPalette.ColorRole.AlternateBase)
            painter.setPen(QPen(accent, 2.0 if name == self.highlighted else 1.2))
            painter.setBrush(fill)
            painter.drawRoundedRect(box.rect, 4, 4)
            painter.setPen(text)
            inner = box.rect.adjusted(3, 1, -3, -1)
            painter.setFont(bold)
            top = QRectF(inner.left(), inner.top(), inner.width(), inner.height() / 2)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, TITLES[name])
            painter.setFont(self._small)
            detail = QFontMetrics(self._small).elidedText(box.detail, Qt.TextElideMode.ElideRight,
                                                          int(inner.width()))
            bottom = QRectF(inner.left(), inner.center().y(), inner.width(), inner.height() / 2)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, detail)
        painter.end()


def _arrow(painter: QPainter, a: QPointF, b: QPointF) -> None:
    painter.drawLine(a, b)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
    ux, uy = dx / length, dy / length
    head = QPainterPath()
    head.moveTo(b)
    head.lineTo(b.x() - 5 * ux + 3 * uy, b.y() - 5 * uy - 3 * ux)
    head.lineTo(b.x() - 5 * ux - 3 * uy, b.y() - 5 * uy + 3 * ux)
    head.closeSubpath()
    painter.save()
    painter.setBrush(painter.pen().color())
    painter.drawPath(head)
    painter.restore()
