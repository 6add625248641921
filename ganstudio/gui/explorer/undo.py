"""The explorer's undo steps: one QUndoCommand per latent edit, named for the Edit menu.

Edits of one control in quick succession (a slider drag, a held arrow key on the seed)
merge into one step through ``id``/``mergeWith``; the tab decides whether an edit may
merge (same control, no pause longer than its idle time, no finished drag in between).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QUndoCommand

from ganstudio.core.latent import LatentState

MERGE_ID = 0x6C61  # any id but -1: every latent edit may merge with the one before it

_NAMES = {
    "seed": "Change seed",
    "psi": "Change truncation",
    "reset": "Reset latent",
    "pc-reset": "Reset directions",
    "grid": "Pick grid sample",
    "keyframe": "Go to keyframe",
    "projection": "Use projection",
    "load": "Load latent",
    "paste": "Paste latent",
    "class": "Change class",
}


def edit_name(key: str) -> str:
    """What the Edit menu calls an edit: "Undo Change seed", "Redo Move slider z3"."""
    if key in _NAMES:
        return _NAMES[key]
    if match := re.fullmatch(r"z(\d+)", key):
        return f"Move slider z{match.group(1)}"
    if match := re.fullmatch(r"pc(\d+)", key):
        return f"Move direction PC{int(match.group(1)) + 1}"
    return "Edit " + key.replace("-", " ").replace("_", " ")


def same_state(a: LatentState, b: LatentState) -> bool:
    if not isinstance(a, LatentState):  # a W-space state (core.wspace.WState) compares itself
        return a.same_as(b)
    return (a.seed == b.seed and a.psi == b.psi and tuple(a.offsets) == tuple(b.offsets)
            and a.class_index == b.class_index and np.array_equal(a.z, b.z))


class LatentEdit(QUndoCommand):
    """From ``before`` to ``after``; ``show(state)`` puts a state on screen (not recorded).

    The edit is already on screen when it is pushed, so the first ``redo`` (QUndoStack.push
    calls it) does nothing.
    """

    def __init__(self, key: str, before: LatentState, after: LatentState,
                 show: Callable[[LatentState], None], merge: bool) -> None:
        super().__init__(edit_name(key))
        self.key = key
        self.before = before
        self.after = after
        self._show = show
        self._merge = merge
        self._pushed = False

    def id(self) -> int:  # noqa: A003 (Qt override)
        return MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(other, LatentEdit) or not other._merge or other.key != self.key:
            return False
        self.after = other.after
        # a drag that ends where it began leaves no step behind
        self.setObsolete(same_state(self.before, self.after))
        return True

    def redo(self) -> None:
        if self._pushed:
            self._show(self.after)
        self._pushed = True

    def undo(self) -> None:
        self._show(self.before)
