"""The Latent menu: the latent shown and the keyframes to and from files and the clipboard.
What a file holds (z, or W's styles) is the mode's business."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab


class LatentFiles(QObject):
    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        tab.save_latent_action.triggered.connect(self._on_save_triggered)
        tab.load_latent_action.triggered.connect(self._on_load_triggered)
        tab.copy_latent_action.triggered.connect(self.copy)
        tab.paste_latent_action.triggered.connect(self.paste)

    def _on_save_triggered(self) -> None:
        if self.tab.loaded is None:
            return
        path = self.tab.ask_save(*self.tab.mode.save_dialog())
        if path:
            self.save(path)

    def save(self, path: str | Path) -> None:
        """Write the current latent (as shown) and the keyframes."""
        tab = self.tab
        if tab.state is None:
            return
        target, job = tab.mode.save_latents_job(Path(path), tab.state, tab.directions,
                                                tab.keyframes())
        tab.tasks.start(
            "save-latents", job,
            lambda saved: tab.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: tab.show_error("Save latent", msg),
        )

    def _on_load_triggered(self) -> None:
        if self.tab.loaded is None:
            return
        path = self.tab.ask_open(*self.tab.mode.load_dialog())
        if path:
            self.load(path)

    def load(self, path: str | Path) -> bool:
        """Read a latent file (in a worker); its latent becomes current, its keyframes the
        list."""
        tab = self.tab
        if tab.loaded is None:
            tab.show_error("Load latent", "Open a generator first, then its latent vectors.")
            return False
        generator = tab.loaded.generator
        tab.tasks.start(
            "load-latents", tab.mode.load_latents_job(Path(path)),
            lambda result: self._on_loaded(result, generator, Path(path).name),
            failed=lambda msg: tab.show_error("Load latent", msg),
        )
        return True

    def _on_loaded(self, result: tuple[Any, ...], generator: Any, name: str) -> None:
        # (vector, keyframes, thumbnails, classes the file records or None)
        vector, keys, thumbs, classes = result
        tab = self.tab
        if tab.state is None or tab.loaded is None or tab.loaded.generator is not generator:
            return
        classes = tab.classes.loaded_classes(classes, len(keys))
        if len(keys):
            tab.interpolation.set_keyframes(keys, list(thumbs), classes[1:])
        state = tab.mode.state_of_vector(vector, tab.state)
        if classes[0] is not None:
            state = state.with_(class_index=classes[0])
        tab.show_loaded(state, name)

    def copy(self) -> None:
        tab = self.tab
        if tab.state is not None:
            QApplication.clipboard().setText(tab.mode.clipboard_text(tab.state, tab.directions))

    def paste(self) -> None:
        tab = self.tab
        if tab.state is None:
            return
        try:
            vector = tab.mode.parse_clipboard(QApplication.clipboard().text())
        except ValueError as exc:
            tab.show_error("Paste latent", str(exc))
            return
        tab.replace_state(tab.mode.state_of_vector(vector, tab.state), "paste")
