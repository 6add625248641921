"""The training form's table of config fields: each dotted field name (``train.lr_g``) is bound
to the widget that shows it, with how to read and write its value.

The form fills itself from a RunConfig and builds one back by walking the config's
dataclass fields (``dataclasses.fields``) through this table: a field without a binding keeps
the value of the config the form started from, so a field the form does not show (the MLP's
depth) survives a round trip, and a field the core adds appears in the form by adding one
binding. The widget a binding names is where a rejected value is marked.

Also here: the widget makers the form's groups share, and the wheel guard (a spin box or
combo box under the mouse ignores the wheel unless it has the focus, so scrolling the pane
never edits a value on the way).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

PARTS = ("data", "model", "train")  # the order fields are shown in: a model's choices depend on its data


@dataclass
class Binding:
    """One config field in the form: the widget it is marked at, and its value's way in and out."""

    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]


def bind(widget: QWidget) -> Binding:
    """The plain binding of a spin box, check box, line edit or combo box (by item data)."""
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return Binding(widget, widget.value, widget.setValue)
    if isinstance(widget, QCheckBox):
        return Binding(widget, widget.isChecked, widget.setChecked)
    if isinstance(widget, QLineEdit):
        return Binding(widget, lambda: widget.text().strip() or None, lambda v: widget.setText(v or ""))
    if isinstance(widget, QComboBox):
        return Binding(widget, widget.currentData, lambda v: select(widget, v))
    raise TypeError(f"no plain binding for {type(widget).__name__}")


def config_fields(config: Any) -> Iterator[tuple[str, str, Any]]:
    """(part, field, value) of every field of a RunConfig, data first."""
    for part in PARTS:
        values = getattr(config, part)
        for f in dataclasses.fields(values):
            yield part, f.name, getattr(values, f.name)


def show_config(bindings: dict[str, Binding], config: Any) -> None:
    for part, name, value in config_fields(config):
        binding = bindings.get(f"{part}.{name}")
        if binding is not None:
            binding.set(value)


def read_config(bindings: dict[str, Binding], base: Any) -> dict[str, Any]:
    """``base`` as a dict with every bound field replaced by its widget's value."""
    d = base.to_dict()
    for part, name, _value in config_fields(base):
        binding = bindings.get(f"{part}.{name}")
        if binding is not None:
            d[part][name] = binding.get()
    return d


def select(combo: QComboBox, value: object) -> int:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index


def change_signal(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QLineEdit):
        return widget.textChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    return None


def spin(lo: int, hi: int, name: str, step: int = 1) -> QSpinBox:
    w = QSpinBox()
    w.setObjectName(name)
    w.setRange(lo, hi)
    w.setSingleStep(step)
    w.setGroupSeparatorShown(True)
    w.setAccelerated(True)
    return w


def dspin(lo: float, hi: float, decimals: int, step: float, name: str) -> QDoubleSpinBox:
    w = QDoubleSpinBox()
    w.setObjectName(name)
    w.setDecimals(decimals)
    w.setRange(lo, hi)
    w.setSingleStep(step)
    return w


def combo(name: str) -> QComboBox:
    w = QComboBox()
    w.setObjectName(name)
    return w


class WheelGuard(QObject):
    """Spin boxes and combo boxes take the wheel only once clicked or tabbed into; until then
    the wheel goes on to the scrolling pane around them."""

    def guard(self, root: QWidget) -> None:
        for widget in (*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox)):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone gives no focus
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            area = obj.parentWidget()
            while area is not None and not isinstance(area, QAbstractScrollArea):
                area = area.parentWidget()
            if area is not None:  # the pane scrolls (a resent event would not travel up by itself)
                QApplication.sendEvent(area.viewport(), event)
            return True
        return False
