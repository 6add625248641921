"""The Directions page's controller: it owns the directions shown (found, loaded or renamed),
their files, and the strips and videos along one.

What a direction moves (z, or W's styles on some layers) is the mode's business
(:mod:`ganstudio.gui.explorer.modes`); the panel it drives
(:class:`~ganstudio.gui.explorer.direction_panel.DirectionSliderPanel`) knows neither.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject

from ganstudio.gui.explorer.features import with_suffix

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab

DIRECTION_FILTERS = "Directions (*.npz);;All files (*)"
VIDEO_FILTERS = "GIF animation (*.gif);;MP4 video (*.mp4)"
VIDEO_STEPS = 25  # images from -s to +s in a video; it then sweeps back


class DirectionsController(QObject):
    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.panel = panel = tab.direction_panel
        self.directions: Any = None  # latent.Directions or wspace_directions.WDirections
        panel.value_changed.connect(self._on_value_changed)
        panel.reset_requested.connect(lambda: tab.edit("pc-reset", offsets=()))
        panel.find_requested.connect(
            lambda: self.start_search(compute=True, layer=panel.chosen_layer()))
        panel.cancel_requested.connect(lambda: tab.tasks.cancel("directions"))
        panel.layer_chosen.connect(self._on_layer_chosen)
        panel.renamed.connect(self.rename)
        panel.save_requested.connect(self._on_save_clicked)
        panel.load_requested.connect(self._on_load_clicked)
        panel.strip_requested.connect(self._on_strip_clicked)
        panel.video_requested.connect(self._on_video_clicked)

    # ------------------------------------------------------------ the sliders
    def _on_value_changed(self, index: int, value: float) -> None:
        state, d = self.tab.state, self.directions
        if state is None or d is None:
            return
        count = len(d.explained)
        offsets = (list(state.offsets) + [0.0] * count)[:count]
        offsets[index] = value
        self.tab.edit(f"pc{index}", offsets=tuple(offsets))

    def show_offsets(self, offsets: tuple[float, ...]) -> None:
        count = self.panel.count()
        self.panel.set_values(list(offsets) + [0.0] * max(0, count - len(offsets)))

    # ------------------------------------------------------------ finding
    def for_new_generator(self) -> None:
        """A generator is shown: no directions until its cached ones are found."""
        self.set_directions(None)
        self.tab.mode.show_direction_layers()
        self.start_search(compute=False)

    def _on_layer_chosen(self, layer: str) -> None:
        if not self.tab.mode.choosing_a_layer_searches():
            return
        if self.directions is not None and self.directions.layer == layer:
            return
        self.start_search(compute=True, layer=layer)

    def start_search(self, compute: bool, layer: str | None = None) -> None:
        """Find the cached directions (``compute``: search when there are none)."""
        tab = self.tab
        if tab.loaded is None:
            return
        tab.tasks.cancel("directions")
        job, text = tab.mode.directions_job(compute, layer)
        if compute:
            self.panel.set_busy(True, text)
        generator = tab.loaded.generator
        note = tab.classes.directions_note(tab.state)  # the class the search draws
        tab.tasks.start(
            "directions", job,
            lambda d: self._on_found(d, generator, note),
            progress=self.panel.set_progress,
            failed=self._on_failed,
            cancelled=self._on_cancelled,
        )

    def _shows(self, generator: Any) -> bool:
        return self.tab.loaded is not None and generator is self.tab.loaded.generator

    def _on_found(self, directions: Any, generator: Any, note: str = "") -> None:
        self.panel.set_busy(False)
        if self._shows(generator) and directions is not None:
            self.set_directions(directions, note)

    def _on_failed(self, message: str) -> None:
        self.panel.set_busy(False, "The direction search failed.")
        self._reselect_layer()
        self.tab.show_error("Find directions", message)

    def _on_cancelled(self) -> None:
        self.panel.set_busy(False, "Direction search cancelled.")
        self._reselect_layer()

    def _reselect_layer(self) -> None:
        """The combo goes back to the layer of the directions shown."""
        if self.directions is not None:
            self.panel.select_layer(self.directions.layer)

    def set_directions(self, directions: Any, note: str = "") -> None:
        tab = self.tab
        self.directions = directions
        tab.renderer.set_directions(None if directions is None else directions.vectors)
        if directions is None:
            self.panel.set_directions(None)
        else:
            self.panel.set_directions(directions.explained, directions.layer,
                                      directions.labels(), note)
        if tab.state is not None and tab.state.offsets:
            tab.set_state(tab.state.with_(offsets=()), record=None)
        if tab.grid_panel.apply_offsets():
            tab.grid_panel.request()

    # ------------------------------------------------------------ names and files
    def rename(self, index: int, name: str) -> None:
        """Call direction ``index`` ``name`` (blank: its default name); the cache keeps it."""
        d = self.directions
        if d is None or not 0 <= index < len(d.vectors):
            return
        self.directions = d = d.renamed(index, name)
        self.panel.set_name(index, d.name(index))
        cache = self.tab.mode.directions_cache(d) if d.weights_hash else None
        if cache is not None and cache.is_file():  # only a cached search: files stay as they were
            self.tab.tasks.start(
                "directions-cache", lambda _p, _s: d.save(cache), lambda _r: None,
                failed=lambda _msg: None,  # the names are only lost for the next session
            )

    def _on_save_clicked(self) -> None:
        if self.directions is None:
            return
        path = self.tab.ask_save("Save directions", "directions.npz", DIRECTION_FILTERS)
        if path:
            self.save(path)

    def save(self, path: str | Path) -> None:
        """Write the directions with their names, layer, shares and the weights' hash."""
        tab = self.tab
        if self.directions is None or tab.loaded is None:
            return
        d, generator = self.directions, tab.loaded.generator
        target = with_suffix(path, ".npz")

        def job(_progress: Any, _stop: Any) -> Path:
            from dataclasses import replace

            from ganstudio.core import latent

            full = d if d.weights_hash else replace(d, weights_hash=latent.weights_hash(generator))
            full.save(target)
            return target

        tab.tasks.start(
            "save-directions", job,
            lambda saved: tab.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: tab.show_error("Save directions", msg),
        )

    def _on_load_clicked(self) -> None:
        path = self.tab.ask_open("Load directions", DIRECTION_FILTERS)
        if path:
            self.load(path)

    def load(self, path: str | Path) -> bool:
        """Read directions (in a worker) and show them; a file for another latent size is
        refused, one for other weights of the same size shown with a warning."""
        tab = self.tab
        if tab.loaded is None:
            tab.show_error("Load directions", "Open a generator first, then its directions.")
            return False
        generator, p = tab.loaded.generator, Path(path)
        tab.tasks.start(
            "load-directions", tab.mode.load_directions_job(p),
            lambda result: self._on_loaded(result, generator, p),
            failed=lambda msg: tab.show_error("Load directions", msg),
        )
        return True

    def _on_loaded(self, result: Any, generator: Any, path: Path) -> None:
        directions, warning = result
        if not self._shows(generator):
            return
        self.tab.tasks.cancel("directions")  # a search still running would replace them
        self.panel.set_busy(False)
        self.set_directions(directions, warning or f"Loaded from {path.name}.")
        self.tab.status_label.setText(f"Loaded directions from {path.name}")
        if warning:
            self.tab.warn("Load directions", warning)

    # ------------------------------------------------------------ strips and videos
    def _file_name(self, index: int) -> str:
        name = self.directions.name(index) if self.directions is not None else "direction"
        return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "direction"

    def _on_strip_clicked(self, index: int, sigma: float, steps: int) -> None:
        path = self.tab.ask_save("Export direction strip", f"{self._file_name(index)}-strip.png",
                                 "PNG image (*.png)")
        if path:
            self.export_strip(index, path, sigma, steps)

    def _on_video_clicked(self, index: int, sigma: float) -> None:
        path = self.tab.ask_save("Export direction video", f"{self._file_name(index)}.gif",
                                 VIDEO_FILTERS)
        if path:
            self.export_video(index, path, sigma)

    def export_strip(self, index: int, path: str | Path, sigma: float = 3.0,
                     steps: int = 7) -> bool:
        """A PNG of the image shown moved along direction ``index`` from -sigma to +sigma,
        ``steps`` images side by side (GANSpace's figures). Runs in a worker."""
        frames = self._sweep(index, sigma, steps, loop=False)
        if frames is None:
            return False
        return self.tab.paths.export_latents(frames, with_suffix(path, ".png"))

    def export_video(self, index: int, path: str | Path, sigma: float = 3.0) -> bool:
        """A GIF or MP4 of the image shown sweeping -sigma → +sigma → -sigma along direction
        ``index``, repeating. Runs in a worker."""
        frames = self._sweep(index, sigma, VIDEO_STEPS, loop=True)
        if frames is None:
            return False
        target = Path(path)
        if target.suffix.lower() not in (".gif", ".mp4"):
            target = target.with_suffix(".gif")
        return self.tab.paths.export_latents(frames, target)

    def _sweep(self, index: int, sigma: float, steps: int, loop: bool) -> np.ndarray | None:
        d, state = self.directions, self.tab.state
        if state is None or d is None or not 0 <= index < len(d.vectors):
            return None
        return self.tab.mode.sweep(state, d, index, sigma, steps, loop)
