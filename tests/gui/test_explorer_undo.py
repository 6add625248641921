"""The explorer's undo steps: named, a drag is one step, a limit, shared with the Edit menu."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from explorer_helpers import make_tab, tiny_loaded, wait_frame
from PySide6.QtWidgets import QSlider, QSpinBox

from ganstudio.gui.explorer import tab as explorer_tab
from ganstudio.gui.explorer.tab import UNDO_LIMIT
from ganstudio.gui.explorer.undo import edit_name


@pytest.fixture
def tab(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(explorer_tab, "show_error", lambda *_a: None)
    widget = make_tab(qtbot, tmp_path / "cache", tiny_loaded())
    yield widget
    widget.shutdown()


def test_edits_are_named_steps(qtbot, tab):
    stack = tab.undo_stack
    tab.findChild(QSpinBox, "seedSpin").setValue(4)
    wait_frame(qtbot, tab)
    assert stack.undoText() == "Change seed"
    tab.end_edit()
    tab.findChild(QSlider, "latentSlider_3").setValue(120)
    wait_frame(qtbot, tab)
    assert stack.undoText() == "Move slider z3"
    assert "Move slider z3" in tab.undo_action.toolTip()
    tab.undo()
    wait_frame(qtbot, tab)
    assert stack.undoText() == "Change seed" and stack.redoText() == "Move slider z3"
    assert tab.redo_action.isEnabled()


def test_a_drag_is_one_step_and_the_next_drag_another(qtbot, tab):
    stack = tab.undo_stack
    start = tab.state.z.copy()
    slider = tab.findChild(QSlider, "latentSlider_2")
    for value in (30, 60, 90, 120):  # one drag: the values pass quickly
        slider.setValue(value)
    wait_frame(qtbot, tab)
    assert stack.count() == 1
    tab.end_edit()  # the mouse is released
    slider.setValue(-150)
    wait_frame(qtbot, tab)
    assert stack.count() == 2
    tab.undo()
    wait_frame(qtbot, tab)
    assert tab.state.z[2] == pytest.approx(1.2)
    tab.undo()
    wait_frame(qtbot, tab)
    np.testing.assert_array_equal(tab.state.z, start)
    assert slider.value() == round(start[2] * 100)


def test_a_drag_back_to_where_it_began_leaves_no_step(qtbot, tab):
    slider = tab.findChild(QSlider, "latentSlider_1")
    slider.setValue(40)
    tab.end_edit()
    slider.setValue(90)
    slider.setValue(40)
    wait_frame(qtbot, tab)
    assert tab.undo_stack.count() == 1
    assert tab.undo_stack.undoText() == "Move slider z1"
    tab.undo()
    wait_frame(qtbot, tab)
    assert not tab.undo_action.isEnabled()


def test_the_oldest_steps_fall_off_at_the_limit(qtbot, tab):
    seed = tab.findChild(QSpinBox, "seedSpin")
    for value in range(1, UNDO_LIMIT + 6):
        seed.setValue(value)
        tab.end_edit()  # each its own step
    wait_frame(qtbot, tab)
    assert tab.undo_stack.count() == UNDO_LIMIT
    while tab.undo_stack.canUndo():
        tab.undo()
    wait_frame(qtbot, tab)
    assert seed.value() == 5  # the first five changes fell off


def test_edit_names():
    assert edit_name("pc0") == "Move direction PC1"
    assert edit_name("grid") == "Pick grid sample"
    assert edit_name("w-mix") == "Edit w mix"
