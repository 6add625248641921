"""The explorer's directions in z: the layer they come from, their names and files,
strips and videos along one, and the sample grid moved by their offsets.

A mixin of :class:`ganstudio.gui.explorer.tab.ExplorerTab`: it uses the tab's state,
task runner, dialogs and export (``_export_latents``). The panel it drives
(:class:`~ganstudio.gui.explorer.direction_panel.DirectionSliderPanel`) knows nothing of z.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core import latent
from ganstudio.core.latent import directions as core_directions
from ganstudio.gui.common import dialogs
from ganstudio.gui.explorer.direction_panel import shape_text
from ganstudio.gui.explorer.features import _with_suffix
from ganstudio.gui.explorer.render_worker import (
    DIRECTION_COUNT,
    DIRECTION_SAMPLES,
    direction_layers_job,
    directions_cache_file,
    directions_job,
)

DIRECTION_FILTERS = "Directions (*.npz);;All files (*)"
VIDEO_FILTERS = "GIF animation (*.gif);;MP4 video (*.mp4)"
VIDEO_STEPS = 25  # images from -s to +s in a video; it then sweeps back


class ExplorerDirections:
    def _connect_directions(self) -> None:
        d = self.direction_panel
        d.find_requested.connect(self._on_find_directions_clicked)
        d.cancel_requested.connect(self._on_directions_cancel)
        d.layer_chosen.connect(self._on_direction_layer_chosen)
        d.renamed.connect(self.rename_direction)
        d.save_requested.connect(self._on_save_directions_clicked)
        d.load_requested.connect(self._on_load_directions_clicked)
        d.strip_requested.connect(self._on_strip_clicked)
        d.video_requested.connect(self._on_video_clicked)
        self.grid_panel.offsets_check.toggled.connect(lambda _on: self.grid_panel.request())
        self.state_changed.connect(self._on_state_shown_for_grid)

    # ================================================================ finding
    def _directions_for_new_generator(self) -> None:
        """A generator is shown: no directions until its cached ones are found; list its layers."""
        self._set_directions(None)
        self.direction_panel.set_layers([])
        self._start_directions_search(compute=False)
        generator = self._loaded.generator
        self._tasks.start(
            "direction-layers",
            direction_layers_job(generator),
            lambda result: self._on_direction_layers(result, generator),
            failed=lambda _msg: None,  # without a list the search still takes the default layer
        )

    def _on_direction_layers(self, result: Any, generator: Any) -> None:
        if self._loaded is None or generator is not self._loaded.generator:
            return
        layers, default = result
        items = []
        for layer in layers:
            if layer.kind == "latent":
                text = f"latent z  ·  {shape_text(layer.shape)}"
            else:
                title = layer.name or "output"
                text = f"{title}  ·  {layer.kind}  ·  {shape_text(layer.shape)}"
            if layer.name == default:
                text += "  (default)"
            items.append((layer.name, text))
        current = self._directions.layer if self._directions is not None else default
        self.direction_panel.set_layers(items, current)

    def _on_find_directions_clicked(self) -> None:
        self._start_directions_search(compute=True, layer=self.direction_panel.chosen_layer())

    def _on_direction_layer_chosen(self, layer: str) -> None:
        if self._directions is not None and self._directions.layer == layer:
            return
        self._start_directions_search(compute=True, layer=layer)

    def _start_directions_search(self, compute: bool, layer: str | None = None) -> None:
        if self._loaded is None:
            return
        self._tasks.cancel("directions")
        if compute:
            where = self.direction_panel.layer_text(layer) if layer is not None else "a layer"
            text = f"Sampling latents and the activations of {where}…"
            self.direction_panel.set_busy(True, text)
        generator = self._loaded.generator
        self._tasks.start(
            "directions",
            directions_job(generator, str(self._cache_dir), compute, layer=layer),
            lambda d: self._on_directions_found(d, generator),
            progress=self.direction_panel.set_progress,
            failed=self._on_directions_failed,
            cancelled=self._on_directions_cancelled,
        )

    def _on_directions_found(self, directions: Any, generator: Any) -> None:
        self.direction_panel.set_busy(False)
        if self._loaded is None or generator is not self._loaded.generator:
            return  # found for a generator no longer shown
        if directions is not None:
            self._set_directions(directions)

    def _on_directions_failed(self, message: str) -> None:
        self.direction_panel.set_busy(False, "The direction search failed.")
        self._reselect_layer()
        self._error("Find directions", message)

    def _on_directions_cancelled(self) -> None:
        self.direction_panel.set_busy(False, "Direction search cancelled.")
        self._reselect_layer()

    def _reselect_layer(self) -> None:
        """The combo goes back to the layer of the directions shown."""
        if self._directions is not None:
            self.direction_panel.select_layer(self._directions.layer)

    def _on_directions_cancel(self) -> None:
        self._tasks.cancel("directions")

    def _set_directions(self, directions: latent.Directions | None, note: str = "") -> None:
        self._directions = directions
        self._renderer.set_directions(None if directions is None else directions.vectors)
        if directions is None:
            self.direction_panel.set_directions(None)
        else:
            self.direction_panel.set_directions(
                directions.explained, directions.layer, directions.labels(), note
            )
        if self._state is not None and self._state.offsets:
            self._state = self._state.with_(offsets=())
            self._request_frame()
        if self.grid_panel.apply_offsets():
            self.grid_panel.request()

    # ================================================================ names and files
    def rename_direction(self, index: int, name: str) -> None:
        """Call direction ``index`` ``name`` (blank: its default name); the cache keeps it."""
        d = self._directions
        if d is None or not 0 <= index < len(d.vectors):
            return
        self._directions = d = d.renamed(index, name)
        self.direction_panel.set_name(index, d.name(index))
        if d.weights_hash:
            cache = directions_cache_file(
                str(self._cache_dir), d.weights_hash, d.layer, DIRECTION_SAMPLES, DIRECTION_COUNT
            )
            if cache.is_file():  # only a cached search: loaded files stay as they were
                self._tasks.start(
                    "directions-cache",
                    lambda _p, _s: d.save(cache),
                    lambda _r: None,
                    failed=lambda _msg: None,  # the names are only lost for the next session
                )

    def _on_save_directions_clicked(self) -> None:
        if self._directions is None:
            return
        path = self._ask_save("Save directions", "directions.npz", DIRECTION_FILTERS)
        if path:
            self.save_directions(path)

    def save_directions(self, path: str | Path) -> None:
        """Write the directions with their names, layer, shares and the weights' hash."""
        if self._directions is None or self._loaded is None:
            return
        d, generator = self._directions, self._loaded.generator
        target = _with_suffix(path, ".npz")

        def job(_progress: Any, _stop: Any) -> Path:
            from dataclasses import replace

            full = d if d.weights_hash else replace(d, weights_hash=latent.weights_hash(generator))
            full.save(target)
            return target

        self._tasks.start(
            "save-directions",
            job,
            lambda saved: self.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: self._error("Save directions", msg),
        )

    def _on_load_directions_clicked(self) -> None:
        path = self._ask_open("Load directions", DIRECTION_FILTERS)
        if path:
            self.load_directions(path)

    def load_directions(self, path: str | Path) -> bool:
        """Read directions (in a worker) and show them; a file for another latent size is
        refused, one for other weights of the same size shown with a warning."""
        if self._loaded is None:
            self._error("Load directions", "Open a generator first, then its directions.")
            return False
        generator, p = self._loaded.generator, Path(path)
        dim = int(generator.latent_dim)

        def job(_progress: Any, _stop: Any) -> Any:
            return core_directions.load_directions(p, dim, latent.weights_hash(generator))

        self._tasks.start(
            "load-directions",
            job,
            lambda result: self._on_directions_loaded(result, generator, p),
            failed=lambda msg: self._error("Load directions", msg),
        )
        return True

    def _on_directions_loaded(self, result: Any, generator: Any, path: Path) -> None:
        directions, warning = result
        if self._loaded is None or generator is not self._loaded.generator:
            return
        self._tasks.cancel("directions")  # a search still running would replace them
        self.direction_panel.set_busy(False)
        self._set_directions(directions, warning or f"Loaded from {path.name}.")
        self.status_label.setText(f"Loaded directions from {path.name}")
        if warning:
            self._warn("Load directions", warning)

    def _warn(self, title: str, text: str) -> None:
        dialogs.show_info(self, title, text)

    # ================================================================ strips and videos
    def _on_strip_clicked(self, index: int, sigma: float, steps: int) -> None:
        name = self._directions.name(index) if self._directions is not None else "direction"
        path = self._ask_save(
            "Export direction strip", f"{_file_stem(name)}-strip.png", "PNG image (*.png)"
        )
        if path:
            self.export_direction_strip(index, path, sigma, steps)

    def _on_video_clicked(self, index: int, sigma: float) -> None:
        name = self._directions.name(index) if self._directions is not None else "direction"
        path = self._ask_save("Export direction video", f"{_file_stem(name)}.gif", VIDEO_FILTERS)
        if path:
            self.export_direction_video(index, path, sigma)

    def export_direction_strip(
        self, index: int, path: str | Path, sigma: float = 3.0, steps: int = 7
    ) -> bool:
        """A PNG of the image shown moved along direction ``index`` from -sigma to +sigma,
        ``steps`` images side by side (GANSpace's figures). Runs in a worker."""
        frames = self._sweep(index, sigma, steps, loop=False)
        if frames is None:
            return False
        return self._export_latents(frames, _with_suffix(path, ".png"), self.interpolation.fps())

    def export_direction_video(self, index: int, path: str | Path, sigma: float = 3.0) -> bool:
        """A GIF or MP4 of the image shown sweeping -sigma → +sigma → -sigma along direction
        ``index``, repeating. Runs in a worker."""
        frames = self._sweep(index, sigma, VIDEO_STEPS, loop=True)
        if frames is None:
            return False
        target = Path(path)
        if target.suffix.lower() not in (".gif", ".mp4"):
            target = target.with_suffix(".gif")
        return self._export_latents(frames, target, self.interpolation.fps())

    def _sweep(self, index: int, sigma: float, steps: int, loop: bool) -> np.ndarray | None:
        d = self._directions
        if self._state is None or d is None or not 0 <= index < len(d.vectors):
            return None
        return core_directions.direction_sweep(
            self._effective_z(), d.vectors[index], sigma, steps, loop=loop
        )

    # ================================================================ the grid
    def _grid_offsets(self) -> tuple[tuple[float, ...], np.ndarray | None]:
        """The offsets the grid's cells are moved by, and along what (none when off)."""
        if not self.grid_panel.apply_offsets() or self._directions is None or self._state is None:
            return (), None
        return tuple(self._state.offsets), self._directions.vectors

    def _on_state_shown_for_grid(self) -> None:
        # After the frame is painted: the grid never delays the image being dragged.
        if self.grid_panel.apply_offsets() and self._grid_offsets()[0] != self._grid_moved_by:
            self.grid_panel.request()


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "direction"
