"""The training form's "Conditional" switch: train a model that draws the class asked for.

It is offered where the data has labels and the model family can take them (its row's
``conditional``): MNIST, Fashion-MNIST and CIFAR-10 name their classes, an image folder
whose sub-folders are the classes names them by those folders (listed off the GUI thread,
``core.data.folder_classes``). Switched on, the config gets ``model.c_dim`` = the number of
classes and ``model.class_names``; the trainer's sample grid then shows one row per class.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QWidget

from ganstudio.gui.common.jobs import JobRunner
from ganstudio.gui.training.form_fields import Binding

SHOWN_NAMES = 4  # class names the switch's text lists before "…"


class ConditionalSwitch(QObject):
    """Owns the check box, the classes the chosen data offers and their two config fields.

    ``form`` is the ConfigForm: the switch follows its dataset, folder and model choices.
    ``changed`` says the classes on offer changed (a folder's were listed), so the config the
    form builds changed too.
    """

    changed = Signal()

    def __init__(self, form: Any) -> None:
        super().__init__(form)
        self.form = form
        self.check = QCheckBox("Conditional")
        self.check.setObjectName("conditionalCheck")
        self.names: list[str] = []
        # the config's own values, kept for a family that does not learn classes here
        self._given_c_dim, self._given_names = 0, []
        self._folder: str | None = None  # the folder whose classes are listed (or being)
        self._jobs = JobRunner(self, on_error=lambda _exc, _tb: None)
        form.dataset_changed.connect(lambda _name: self.refresh())
        form.model_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    def bindings(self) -> dict[str, Binding]:
        return {
            "model.c_dim": Binding(self.check, self._c_dim, self._set_c_dim),
            "model.class_names": Binding(self.check, self._class_names, self._set_class_names),
        }

    # ------------------------------------------------------------ the fields
    def applies(self) -> bool:
        """The data has classes and the model family can learn them."""
        return bool(self.names) and self._family_conditional()

    def _c_dim(self) -> int:
        if not self._family_conditional():
            return self._given_c_dim  # the family's own check says why, if it is set
        return len(self.names) if self.applies() and self.check.isChecked() else 0

    def _class_names(self) -> list[str]:
        if not self._family_conditional():
            return list(self._given_names)
        return list(self.names) if self._c_dim() else []

    def _set_c_dim(self, value: Any) -> None:
        self._given_c_dim = int(value or 0)
        self.check.setChecked(bool(value))

    def _set_class_names(self, names: Any) -> None:
        self._given_names = list(names or [])

    def _family_conditional(self) -> bool:
        from ganstudio.core.models import registry

        arch = self.form.model_combo.currentData()
        return bool(arch) and bool(getattr(registry.family(arch), "conditional", False))

    # ------------------------------------------------------------ the data's classes
    def refresh(self) -> None:
        """Find the classes of the data chosen (a folder's in a job) and show the switch
        where they apply."""
        from ganstudio.core.data import DATASETS

        name = self.form.dataset_combo.currentData() or ""
        if name == "folder":
            folder = self.form.folder_edit.text().strip()
            if folder != self._folder:
                self._folder, self.names = folder, []
                if folder:
                    self._list_folder(folder)
        else:
            self._folder = None
            info = DATASETS.get(name)
            self.names = list(info.classes) if info is not None else []
        self.show_offer()

    def _list_folder(self, folder: str) -> None:
        def work(_state: Any) -> list[str]:
            from ganstudio.core.data import folder_classes

            return folder_classes(folder)[1]

        # a folder without class sub-folders trains unconditionally: no switch, no message
        self._jobs.start("folder-classes", work, newest_wins=True,
                         done=lambda names: self._on_listed(folder, names),
                         failed=lambda _exc, _tb: self._on_listed(folder, []))

    def _on_listed(self, folder: str, names: list[str]) -> None:
        if folder != self._folder:
            return  # another folder was chosen meanwhile
        self.names = list(names)
        self.show_offer()
        self.changed.emit()

    def show_offer(self) -> None:
        """Show the switch where it applies (hidden until the data's classes are known)."""
        on = self.applies()
        if on:
            shown = ", ".join(self.names[:SHOWN_NAMES]) + (
                ", …" if len(self.names) > SHOWN_NAMES else "")
            self.check.setText(f"Conditional: {len(self.names)} classes ({shown})")
            self.check.setToolTip(
                "Learn to draw the class asked for: the generator and the discriminator see "
                "each image's label, and the live samples show one row per class")
        row = self._row_layout()
        if row is not None:
            row.setRowVisible(self.check, on)
        else:
            self.check.setVisible(on)

    def _row_layout(self) -> QFormLayout | None:
        parent: QWidget | None = self.check.parentWidget()
        layout = parent.layout() if parent is not None else None
        return layout if isinstance(layout, QFormLayout) and layout.indexOf(self.check) >= 0 else None

    def shutdown(self) -> None:
        self._jobs.shutdown()
