"""The class a conditional generator draws, in the explorer: :class:`ClassController`.

It owns what is about classes: the names shown (the model config's ``class_names``, else
the numbers), the picker on the Latent page, the morph between two classes at the same
latent, and the sample grid's "one row per class". The class itself lives in the tab's one
state (``class_index`` of a LatentState or WState), so undo steps, keyframes and latent
files keep it like any other part of the latent.

A morph frame blends the two classes' one-hot rows (a soft label): a z generator takes the
row as its label, a style generator maps the seed's z with it (the mapping embeds c
linearly, so the row blends the classes' embeddings). Morph frames are shown without
changing the state: any edit shows the state's own class again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox

from ganstudio.gui.explorer.export_progress import start_export
from ganstudio.gui.explorer.features import ANIMATION_FILTERS, animation_target, export_scale
from ganstudio.gui.explorer.render_worker import export_job

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab

MORPH_FRAMES = 32  # frames from the first class to the second (the export goes back too)
MAX_CLASS_ROWS = 32  # a grid with more classes shows the first ones
EDITED_W_NOTE = ("This w was edited or loaded: its class is part of it. Pick a seed to draw "
                 "another class.")


def class_names(loaded: Any) -> list[str]:
    """What the picker lists: the config's class names, else the numbers 0..c-1; empty for
    an unconditional generator."""
    from ganstudio.core.generate import num_classes

    count = num_classes(loaded.generator)
    model = getattr(getattr(loaded, "config", None), "model", None)
    names = [str(n) for n in (getattr(model, "class_names", None) or [])]
    return names if len(names) == count else [str(i) for i in range(count)]


def kept_class(generator: Any, class_index: Any) -> int:
    """The class a state kept from the generator shown before draws with ``generator``: the
    same one where it has it, else its first (0)."""
    from ganstudio.core.generate import num_classes

    if isinstance(class_index, int) and 0 <= class_index < num_classes(generator):
        return class_index
    return 0


class ClassController(QObject):
    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.panel = panel = tab.class_panel
        self.names: list[str] = []
        self._morph_state: Any = None  # the state the morph shown blends the class of
        self.rows_check = QCheckBox("One row per class")
        self.rows_check.setObjectName("gridClassRowsCheck")
        self.rows_check.setToolTip("Each row draws one class; each column keeps its seed")
        self.rows_check.setVisible(False)
        grid = tab.grid_panel
        grid.layout().insertWidget(2, self.rows_check)  # below "Apply direction offsets"
        self.rows_check.toggled.connect(lambda _on: grid.request())
        panel.setVisible(False)
        panel.class_chosen.connect(self._on_class_chosen)
        panel.morph_moved.connect(self._on_morph_moved)
        panel.morph_export_requested.connect(self._on_export_requested)
        tab.generator_changed.connect(self._on_generator_changed)
        tab.state_changed.connect(self._on_state_shown)

    # ------------------------------------------------------------ queries
    @property
    def count(self) -> int:
        return len(self.names)

    def name(self, index: int) -> str:
        return self.names[index] if 0 <= index < self.count else str(index)

    def grid_classes(self) -> list[int] | None:
        """The classes of the grid's rows when it shows one row per class, else None."""
        if not self.count or not self.rows_check.isChecked():
            return None
        return list(range(min(self.count, MAX_CLASS_ROWS)))

    def of(self, state: Any) -> int | None:
        """The class a keyframe made from ``state`` keeps (None: an unconditional model)."""
        if not self.count or state is None or not isinstance(state.class_index, int):
            return None
        return int(state.class_index)

    def path_labels(self, classes: list[int | None], frames_per_segment: int,
                    loop: bool) -> np.ndarray | None:
        """Each path frame's class row (F, c) for keyframes of their own classes: the path
        blends one keyframe's class into the next's as it goes (lerp of one-hot rows, frame
        for frame with the latent path). None when a keyframe has no class."""
        if not self.count or len(classes) < 2 or any(k is None for k in classes):
            return None
        from ganstudio.core import latent

        rows = np.eye(self.count, dtype=np.float32)[[int(k) for k in classes]]
        return latent.interpolate_path(rows, frames_per_segment, "lerp", loop).numpy()

    def file_classes(self, state: Any, keyframes: int) -> list[int] | None:
        """What a latent file records: the class shown, then each keyframe's (one without a
        class is drawn in the class shown); None for an unconditional model."""
        shown = self.of(state)
        if shown is None:
            return None
        keys = self.tab.interpolation.keyframes.classes()[:keyframes]
        return [shown, *[shown if k is None else int(k) for k in keys]]

    def loaded_classes(self, classes: Any, keyframes: int) -> list[int | None]:
        """A file's classes (latent first) as this generator can draw them; None where the
        file records none or a class this generator lacks."""
        values = [None] * (1 + keyframes) if classes is None else [int(k) for k in classes]
        return [k if k is not None and 0 <= k < self.count else None for k in values]

    def directions_note(self, state: Any) -> str:
        """What the Directions page says of directions sought while ``state`` is shown: a
        conditional generator's are found with its class fixed (the activations, or w, of
        that class's samples), and may move other classes differently."""
        shown = self.of(state)
        if shown is None:
            return ""
        return f"Found for class {self.name(shown)} (with the class fixed)."

    def caption(self, text: str, state: Any) -> str:
        """The mode's caption with the class drawn, for a conditional generator."""
        if not self.count or state is None or not isinstance(state.class_index, int):
            return text
        return f"{text}   ·   class {self.name(state.class_index)}"

    # ------------------------------------------------------------ a generator, a state
    def _on_generator_changed(self, _description: str) -> None:
        tab = self.tab
        self.names = class_names(tab.loaded) if tab.loaded is not None else []
        self.panel.set_classes(self.names)
        self.rows_check.setVisible(bool(self.names))
        if self.names and self.rows_check.isChecked():
            tab.grid_panel.request()
        self._on_state_shown()

    def _on_state_shown(self) -> None:
        state = self.tab.state
        if not self.count or state is None:
            return
        if isinstance(state.class_index, int):
            self.panel.show_class(state.class_index)
        if state is self._morph_state and self.panel.morph_t() > 0:
            # the frame of an edit made just before the morph moved: the morph stays shown
            self._show_morph_caption(self.panel.morph_t())
        else:
            self._morph_state = None
            self.panel.reset_morph()
        edited_w = getattr(state, "w", None) is not None
        self.panel.set_note(EDITED_W_NOTE if edited_w else "")

    # ------------------------------------------------------------ the picker
    def _on_class_chosen(self, index: int) -> None:
        tab = self.tab
        if tab.state is None or not 0 <= index < self.count:
            return
        tab.edit("class", class_index=int(index))
        tab.end_edit()  # each choice is its own undo step
        tab.grid_panel.request()  # the grid draws the class shown

    # ------------------------------------------------------------ the morph
    def morph_row(self, t: float) -> tuple[float, ...]:
        from ganstudio.core.latent import blend_classes

        return blend_classes(self.panel.current_class(), self.panel.to_class(), t, self.count)

    def _on_morph_moved(self, t: float) -> None:
        tab = self.tab
        state = tab.state
        if state is None or tab.loaded is None or not self.count:
            return
        shown = state if t <= 0 else state.with_(class_index=self.morph_row(t))
        self._morph_state = state
        tab.frame_requested(tab.mode.request_frame(shown, tab.directions))
        self._show_morph_caption(t)

    def _show_morph_caption(self, t: float) -> None:
        a, b = self.panel.current_class(), self.panel.to_class()
        self.tab.caption.setText(f"Class morph: {self.name(a)} → {self.name(b)}   ·   "
                                 f"{round(100 * t)} % {self.name(b)}")

    def morph_rows(self, frames: int = MORPH_FRAMES) -> np.ndarray:
        """The soft labels (2F - 2, c) of a morph there and back (a GIF loops smoothly)."""
        ts = np.linspace(0.0, 1.0, max(2, int(frames)))
        ts = np.concatenate([ts, ts[-2:0:-1]])
        return np.asarray([self.morph_row(float(t)) for t in ts], np.float32)

    def _on_export_requested(self) -> None:
        if self.tab.state is None or not self.count:
            return
        path = self.tab.ask_save("Export class morph", "class-morph.gif", ANIMATION_FILTERS)
        if path:
            self.export_morph(path)

    def export_morph(self, path: str | Path) -> bool:
        """Render the morph there and back in a worker and write it as .gif, .mp4 or .png
        strip, with a progress dialog whose Cancel stops it; False when one is running."""
        tab = self.tab
        if tab.state is None or tab.loaded is None or not self.count or (
                tab.tasks.running("export")):
            return False
        target = animation_target(path)
        generator = tab.loaded.generator
        job = morph_export_job(generator, tab.mode.space, tab.state, tab.directions,
                               self.morph_rows(), str(target), tab.interpolation.fps(),
                               export_scale(generator, target))
        start_export(tab, job, target, "classMorphExportProgress", "Export class morph")
        return True


def morph_export_job(generator: Any, space: str, state: Any, directions: Any, rows: np.ndarray,
                     target: str, fps: float, scale: int) -> Any:
    """A job (progress, should_stop) that renders ``state`` with each soft label of ``rows``
    (F, c) and writes the animation; progress covers both halves."""
    rows = np.asarray(rows, np.float32)
    if space != "w":  # the path export's job, with the latent shown in every frame
        z = state.effective_z(None if directions is None else directions.vectors)
        return export_job(generator, np.repeat(z[None], len(rows), 0), target, fps, scale,
                          True, rows)

    def job(progress: Any, stop: Any) -> Any:
        from ganstudio.core import export
        from ganstudio.core.latent import Cancelled
        from ganstudio.core.latent.wspace import WRenderer
        from ganstudio.core.latent.wspace_directions import as_w_directions

        n = len(rows)
        renderer, dirs = WRenderer(generator), as_w_directions(directions)
        frames = []
        for i, row in enumerate(rows):
            if stop():
                raise Cancelled("export cancelled")
            frames.append(renderer.frame(state.with_(class_index=tuple(map(float, row))), dirs))
            progress(i + 1, 2 * n)
        return export.save_animation(np.stack(frames), target, fps,
                                     progress=lambda i, _t: progress(n + i, 2 * n),
                                     should_stop=stop, scale=scale, loop=True)

    return job
