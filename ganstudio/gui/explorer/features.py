"""The controllers of the Grid, Interpolate and Project pages. Each owns its slice of the
explorer's state (the grid's seeds and latents, the keyframes' path and the export dialog,
the projection target) and asks the tab's mode for anything that depends on the space.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QObject

from ganstudio.core import export
from ganstudio.gui.explorer.export_progress import start_export

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab

ANIMATION_FILTERS = "GIF animation (*.gif);;MP4 video (*.mp4);;PNG strip (*.png)"
IMAGE_FILTERS = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
MIN_EXPORT_SIDE = 256  # small models' frames are enlarged to at least this many pixels
MIN_STRIP_SIDE = 64  # a PNG strip holds every frame side by side: keep it smaller
TARGET_KEEP_SIDE = 512  # larger pictures are shrunk once, in the worker


def with_suffix(path: str | Path, suffix: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_suffix(suffix)


def animation_target(path: str | Path) -> Path:
    """``path`` as an animation file: .gif, .mp4 or .png strip (anything else becomes .gif)."""
    target = Path(path)
    return target if target.suffix.lower() in (".gif", ".mp4", ".png") else target.with_suffix(".gif")


def export_scale(generator: Any, target: Path) -> int:
    """How many times an exported frame is enlarged: small models to MIN_EXPORT_SIDE pixels,
    a PNG strip's frames to MIN_STRIP_SIDE."""
    side = min(generator.sample_shape[1:])
    wanted = MIN_STRIP_SIDE if target.suffix.lower() == ".png" else MIN_EXPORT_SIDE
    return max(1, math.ceil(wanted / side))


class GridController(QObject):
    """The sample grid: cell i is seed + i, shown as the current state shows its own seed
    (moved by the direction offsets when "Apply direction offsets" is on)."""

    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.panel = panel = tab.grid_panel
        self.seeds: list[int] = []
        self.latents = np.zeros((0, 0), np.float32)  # each cell's latent, as a keyframe holds it
        self.classes: list[int] | None = None  # each cell's class in one row per class
        self._request: tuple[int, list[int], int, list[int] | None] = (0, [], 0, None)
        self._moved_by: tuple[float, ...] = ()  # the offsets the grid shown was moved by
        self._wanted: tuple[int, int] | None = None  # asked for while the page was hidden
        panel.installEventFilter(self)
        panel.regenerate_requested.connect(self._on_requested)
        panel.view.cell_clicked.connect(self.pick)
        panel.save_requested.connect(self._on_save_requested)
        panel.offsets_check.toggled.connect(lambda _on: panel.request())
        tab.renderer.grid_ready.connect(self._on_ready)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.panel and event.type() == QEvent.Type.Show and self._wanted:
            self._render(*self._wanted)
        return False

    def _on_requested(self, seed: int, n: int) -> None:
        # A hidden grid waits until it is shown: rendering it on every truncation step of a
        # drag would hold the render worker for a batch at a time on a large model.
        self._wanted = (seed, n)
        if self.panel.isVisible():
            self._render(seed, n)

    def _render(self, seed: int, n: int) -> None:
        self._wanted = None
        state = self.tab.state
        if state is None:
            return
        if not self.panel.apply_offsets() or self.tab.directions is None:
            state = state.with_(offsets=())
        rows = self.tab.classes.grid_classes()
        if rows is None:
            seeds, classes = [seed + i for i in range(n * n)], None
        else:  # one row per class: each column keeps its seed down the rows
            seeds = [seed + i for _k in rows for i in range(n)]
            classes = [k for k in rows for _i in range(n)]
        request_id = self.tab.mode.request_grid(seeds, state, self.tab.directions, classes)
        self._request = (request_id, seeds, n, classes)
        self._moved_by = tuple(state.offsets)

    def _on_ready(self, request_id: int, tiles: np.ndarray, latents: np.ndarray) -> None:
        wanted, seeds, n, classes = self._request
        if request_id != wanted:
            return
        # What the cells mean changes only when their pictures do.
        self.seeds, self.latents, self.classes = seeds, latents, classes
        self.panel.set_tiles(tiles, n)

    def pick(self, index: int, shift: bool) -> None:
        """A click shows the cell's seed; a shift-click adds the cell as a keyframe."""
        tab = self.tab
        if tab.state is None or index >= len(self.seeds):
            return
        if shift:
            cls = self.classes[index] if self.classes is not None else tab.classes.of(tab.state)
            tab.interpolation.add_keyframe(self.latents[index], self.panel.view.tiles()[index],
                                           cls)
            count = tab.interpolation.keyframes.count()
            tab.status_label.setText(f"Keyframe {count} added from the grid")
            return
        offsets = self._moved_by if self.panel.apply_offsets() else ()
        state = tab.mode.grid_pick(tab.state, int(self.seeds[index]), offsets)
        if self.classes is not None:
            state = state.with_(class_index=self.classes[index])
        tab.replace_state(state, "grid")

    def state_shown(self) -> None:
        # After the frame is painted: the grid never delays the image being dragged.
        state = self.tab.state
        if self.panel.apply_offsets() and state is not None and (
                tuple(state.offsets) != self._moved_by):
            self.panel.request()

    def _on_save_requested(self) -> None:
        path = self.tab.ask_save("Save sample grid", "samples.png", "PNG image (*.png)")
        if path:
            self.save(path)

    def save(self, path: str | Path) -> None:
        tiles = self.panel.view.tiles()
        if tiles is None:
            return
        grid = export.make_grid(tiles, nrow=self.panel.view.grid_size())
        target = with_suffix(path, ".png")
        tab = self.tab
        tab.tasks.start(
            "save-grid", lambda _p, _s: export.save_png(grid, target),
            lambda saved: tab.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: tab.show_error("Save sample grid", msg),
        )


class PathController(QObject):
    """Keyframes, the interpolation path through them, and exports of latent sequences."""

    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.panel = panel = tab.interpolation
        self.path = np.zeros((0, 0), np.float32)
        self.labels: np.ndarray | None = None  # each path frame's class row (conditional)
        panel.add_requested.connect(self.add_keyframe)
        panel.path_changed.connect(self.update_path)
        panel.frame_requested.connect(self.show_frame)
        panel.export_requested.connect(self._on_export_requested)
        panel.keyframe_activated.connect(self._on_keyframe_activated)

    def keyframes(self) -> np.ndarray:
        return self.panel.keyframes.keyframes()

    def clear(self, size: int) -> None:
        self.panel.set_keyframes(np.zeros((0, size), np.float32), [])

    def add_keyframe(self) -> None:
        tab = self.tab
        if tab.state is not None:
            self.panel.add_keyframe(tab.mode.vector(tab.state, tab.directions), tab.image.array(),
                                    tab.classes.of(tab.state))

    def _on_keyframe_activated(self, row: int) -> None:
        keys, tab = self.keyframes(), self.tab
        if tab.state is not None and 0 <= row < len(keys):
            state = tab.mode.state_of_vector(keys[row], tab.state)
            cls = self.panel.keyframes.classes()[row]
            if cls is not None and tab.classes.count:
                state = state.with_(class_index=cls)
            tab.replace_state(state, "keyframe")

    def update_path(self) -> None:
        from ganstudio.core import latent

        keys, p = self.keyframes(), self.panel
        if len(keys) < 2:
            self.path = np.zeros((0, keys.shape[1] if keys.ndim == 2 else 0), np.float32)
        else:
            self.path = latent.interpolate_path(
                keys, p.frames_per_segment(), p.mode(), p.loop()).numpy()
        self.labels = self.tab.classes.path_labels(
            p.keyframes.classes(), p.frames_per_segment(), p.loop()) if len(self.path) else None
        p.set_frame_count(len(self.path))

    def show_frame(self, frame: int) -> None:
        tab = self.tab
        if tab.loaded is None or not 0 <= frame < len(self.path):
            return
        vector = self.path[frame]
        label = None if self.labels is None else self.labels[frame : frame + 1]
        tab.frame_requested(tab.mode.request_path_frame(vector, label))
        tab.caption.setText(tab.mode.path_caption(vector, frame, len(self.path)))

    # ------------------------------------------------------------ exports
    def _on_export_requested(self) -> None:
        if len(self.path) == 0:
            self.tab.show_error("Export", "Add at least two keyframes to make a path to export.")
            return
        path = self.tab.ask_save("Export interpolation", "interpolation.gif", ANIMATION_FILTERS)
        if path:
            self.export_animation(path)

    def export_animation(self, path: str | Path) -> None:
        """Render the path and write it as .gif, .mp4 or .png strip, with a progress dialog."""
        if len(self.path) == 0:
            return
        self.export_latents(self.path.copy(), animation_target(path), self.labels)

    def export_latents(self, frames: np.ndarray, target: Path, labels: Any = None) -> bool:
        """Render latents (F, size) and write them to ``target`` (.gif, .mp4 or .png strip) in
        a worker, with a progress dialog whose Cancel stops it; False when one is running.
        ``labels``: each frame's class row (None: the class shown)."""
        tab = self.tab
        if tab.loaded is None or len(frames) == 0 or tab.tasks.running("export"):
            return False
        scale = export_scale(tab.loaded.generator, target)
        job = tab.mode.export_job(frames, target, self.panel.fps(), scale, tab.state,
                                  labels=labels)
        start_export(tab, job, target, "exportProgress", "Export")
        return True


class ProjectionController(QObject):
    """The Project page: a picture of the person's, and the latent whose image is closest."""

    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.panel = panel = tab.projection
        self.target_rgb: np.ndarray | None = None
        self.target: Any = None  # the picture fitted to the generator, (C, H, W) in [-1, 1]
        panel.open_requested.connect(self._on_open_clicked)
        panel.run_requested.connect(self.project)
        panel.cancel_requested.connect(lambda: tab.tasks.cancel("project"))

    def _on_open_clicked(self) -> None:
        path = self.tab.ask_open("Open image to project", IMAGE_FILTERS)
        if path:
            self.open_image(path)

    def open_image(self, path: str | Path) -> bool:
        """Read an image (in a worker) and make it the projection target."""
        tab = self.tab
        if tab.loaded is None:
            tab.show_error("Project image", "Open a generator first, then the image to project.")
            return False
        p = Path(path)
        tab.tasks.start("read-image", lambda _p, _s: _read_target(p), self.set_target_rgb,
                        failed=lambda msg: tab.show_error("Project image", msg))
        return True

    def set_target_rgb(self, rgb: np.ndarray) -> None:
        self.target_rgb = rgb
        self.fit_target()
        self.tab.show_page(self.panel)

    def fit_target(self) -> None:
        """The target at the size of the generator shown."""
        if self.target_rgb is None or self.tab.loaded is None:
            return
        c, h, _w = self.tab.loaded.generator.sample_shape
        self.target = export.image_to_tensor(self.target_rgb, c, h)
        self.panel.set_target(export.to_uint8(self.target)[0])

    def project(self) -> None:
        tab, p = self.tab, self.panel
        if self.target is None or tab.loaded is None or tab.tasks.running("project"):
            return
        p.set_busy(True)
        tab.tasks.start(
            "project", tab.mode.project_job(self.target, p.steps_spin.value(), p.lr_spin.value()),
            self._on_done, progress=p.set_progress, failed=self._on_failed,
            cancelled=self._on_cancelled,
        )

    def _on_done(self, result: Any) -> None:
        self.panel.set_busy(False)
        tab = self.tab
        found = tab.mode.projection_state(result, tab.state) if tab.state is not None else None
        if found is None:
            return
        state, image = found
        self.panel.set_result(export.to_uint8(image)[0], result.error)
        tab.replace_state(state, "projection")

    def _on_failed(self, message: str) -> None:
        self.panel.set_busy(False)
        self.panel.error_label.setText("")
        self.tab.show_error("Project image", message)

    def _on_cancelled(self) -> None:
        self.panel.set_busy(False)
        self.panel.error_label.setText("Cancelled.")


def _read_target(path: Path) -> np.ndarray:
    """The picture as uint8 RGB, shrunk so that fitting it to a model later is instant."""
    from PIL import Image

    rgb = export.load_image(path)
    h, w = rgb.shape[:2]
    if min(h, w) > TARGET_KEEP_SIDE:
        scale = TARGET_KEEP_SIDE / min(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))
    return rgb
