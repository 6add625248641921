"""The explorer's sample grid, interpolation, export, projection and latent files.

A mixin of :class:`ganstudio.gui.explorer.tab.ExplorerTab`: it uses the tab's
state, render worker, task runner and dialogs (``_error``, ``_ask_open``,
``_ask_save``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from ganstudio.core import export, latent
from ganstudio.core.latent import LatentState
from ganstudio.core.latent.directions import seeds_latents
from ganstudio.gui.explorer.render_worker import export_job, project_job, render_job

ANIMATION_FILTERS = "GIF animation (*.gif);;MP4 video (*.mp4);;PNG strip (*.png)"
LATENT_FILTERS = "NumPy array (*.npy);;JSON (*.json)"
IMAGE_FILTERS = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
MIN_EXPORT_SIDE = 256  # small models' frames are enlarged to at least this many pixels
MIN_STRIP_SIDE = 64  # a PNG strip holds every frame side by side: keep it smaller


class ExplorerFeatures:
    _grid_moved_by: tuple[float, ...] = ()  # the offsets the grid shown was moved by

    # ================================================================ sample grid
    def _on_grid_requested(self, seed: int, n: int) -> None:
        if self._state is None:
            return
        dim = self._state.dim
        # Cell i is seed + i: clicking a cell shows that seed in the seed box.
        seeds = [seed + i for i in range(n * n)]
        # With "Apply direction offsets" each cell is its seed moved as the image shown is.
        offsets, vectors = self._grid_offsets()
        z = seeds_latents(seeds, dim, self._state.psi, offsets, vectors)
        request_id = self._renderer.request_grid(z)
        self._grid_request = (request_id, seeds, n)
        self._grid_moved_by = offsets

    def _on_grid_ready(self, request_id: int, tiles: np.ndarray, z: np.ndarray) -> None:
        wanted, seeds, n = self._grid_request
        if request_id != wanted:
            return
        # What the cells mean changes only when their pictures do.
        self._grid_seeds, self._grid_n, self._grid_z = seeds, n, z
        self.grid_panel.set_tiles(tiles, n)

    def _on_grid_cell_clicked(self, index: int, shift: bool) -> None:
        if self._state is None or index >= len(self._grid_seeds):
            return
        if shift:
            self.interpolation.add_keyframe(
                self._grid_z[index], self.grid_panel.view.tiles()[index]
            )
            count = self.interpolation.keyframes.count()
            self.status_label.setText(f"Keyframe {count} added from the grid")
            return
        seed = self._grid_seeds[index]
        z = latent.sample_z(seed, 1, self._state.dim)[0].numpy()
        self.replace_state(self._state.with_(z=z, seed=seed), "grid")

    def _on_grid_save_requested(self) -> None:
        path = self._ask_save("Save sample grid", "samples.png", "PNG image (*.png)")
        if path:
            self.save_grid(path)

    def save_grid(self, path: str | Path) -> None:
        tiles = self.grid_panel.view.tiles()
        if tiles is None:
            return
        grid = export.make_grid(tiles, nrow=self.grid_panel.view.grid_size())
        target = _with_suffix(path, ".png")
        self._tasks.start(
            "save-grid",
            lambda _p, _s: export.save_png(grid, target),
            lambda saved: self.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: self._error("Save sample grid", msg),
        )

    # ================================================================ interpolation
    def _current_thumbnail(self) -> np.ndarray | None:
        return self.image.array()

    def _on_add_keyframe(self) -> None:
        if self._state is None:
            return
        self.interpolation.add_keyframe(self._effective_z(), self._current_thumbnail())

    def _on_keyframe_activated(self, row: int) -> None:
        keys = self.interpolation.keyframes.keyframes()
        if self._state is None or not 0 <= row < len(keys):
            return
        self.replace_state(LatentState(keys[row].copy(), seed=None, psi=1.0), "keyframe")

    def keyframes(self) -> np.ndarray:
        return self.interpolation.keyframes.keyframes()

    def path(self) -> np.ndarray:
        """The interpolation frames (F, dim) through the keyframes."""
        return self._path

    def _update_path(self) -> None:
        keys = self.interpolation.keyframes.keyframes()
        if len(keys) < 2:
            self._path = np.zeros((0, keys.shape[1] if keys.ndim == 2 else 0), np.float32)
        else:
            self._path = latent.interpolate_path(
                keys,
                self.interpolation.frames_per_segment(),
                self.interpolation.mode(),
                self.interpolation.loop(),
            ).numpy()
        self.interpolation.set_frame_count(len(self._path))

    def _on_path_frame_requested(self, frame: int) -> None:
        if self._loaded is None or not 0 <= frame < len(self._path):
            return
        self._last_request = self._renderer.request_z(self._path[frame])
        z = self._path[frame]
        self.caption.setText(
            f"Interpolation frame {frame + 1} of {len(self._path)}   ·   ‖z‖ {np.linalg.norm(z):.2f}"
        )

    def _on_export_requested(self) -> None:
        if len(self._path) == 0:
            self._error("Export", "Add at least two keyframes to make a path to export.")
            return
        path = self._ask_save("Export interpolation", "interpolation.gif", ANIMATION_FILTERS)
        if path:
            self.export_animation(path)

    def export_animation(self, path: str | Path) -> None:
        """Render the path and write it as .gif, .mp4 or .png strip, with a progress dialog."""
        if len(self._path) == 0:
            return
        target = Path(path)
        if target.suffix.lower() not in (".gif", ".mp4", ".png"):
            target = target.with_suffix(".gif")
        self._export_latents(self._path.copy(), target, self.interpolation.fps())

    def _export_latents(self, frames_z: np.ndarray, target: Path, fps: float) -> bool:
        """Render latents (F, dim) and write them to ``target`` (.gif, .mp4 or .png strip) in a
        worker, with a progress dialog; False when an export is already running."""
        if self._loaded is None or len(frames_z) == 0 or self._tasks.running("export"):
            return False
        side = min(self._loaded.generator.sample_shape[1:])
        wanted = MIN_STRIP_SIDE if target.suffix.lower() == ".png" else MIN_EXPORT_SIDE
        scale = max(1, math.ceil(wanted / side))
        self._start_export(
            target,
            export_job(
                self._loaded.generator,
                frames_z,
                str(target),
                fps,
                scale,
                True,  # GIFs repeat forever; the path's own loop is in its frames
            ),
        )
        return True

    def _start_export(self, target: Path, job: Any) -> None:
        """Run an export job (z or W) with a progress dialog whose Cancel stops it."""
        dialog = QProgressDialog(f"Exporting {target.name}…", "Cancel", 0, 100, self)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle("Export")
        # Not modal: exploring goes on while the export (of a copy of the path) runs,
        # and setValue() never re-enters the event loop.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self._export_dialog = dialog
        worker = self._tasks.start(
            "export",
            job,
            self._on_export_succeeded,
            progress=self._on_export_progress,
            failed=self._on_export_failed,
            cancelled=self._on_export_cancelled,
        )
        dialog.canceled.connect(worker.cancel)

    def _on_export_progress(self, done: int, total: int) -> None:
        if self._export_dialog is not None:
            self._export_dialog.setMaximum(max(1, total))
            self._export_dialog.setValue(done)

    def _close_export_dialog(self) -> None:
        if self._export_dialog is not None:
            self._export_dialog.close()
            self._export_dialog.deleteLater()
            self._export_dialog = None

    def _on_export_succeeded(self, path: Any) -> None:
        self._close_export_dialog()
        self.status_label.setText(f"Exported {Path(path).name}")

    def _on_export_failed(self, message: str) -> None:
        self._close_export_dialog()
        self._error("Export", message)

    def _on_export_cancelled(self) -> None:
        self._close_export_dialog()
        self.status_label.setText("Export cancelled; nothing was written.")

    # ================================================================ projection
    def _on_projection_open_clicked(self) -> None:
        path = self._ask_open("Open image to project", IMAGE_FILTERS)
        if path:
            self.open_target_image(path)

    def open_target_image(self, path: str | Path) -> bool:
        """Read an image (in a worker) and make it the projection target."""
        if self._loaded is None:
            self._error("Project image", "Open a generator first, then the image to project.")
            return False
        p = Path(path)
        self._tasks.start(
            "read-image",
            lambda _p, _s: _read_target(p),
            self._on_target_read,
            failed=lambda msg: self._error("Project image", msg),
        )
        return True

    def _on_target_read(self, rgb: np.ndarray) -> None:
        self._target_rgb = rgb
        self._prepare_target()
        self.show_page(self.projection)

    def _prepare_target(self) -> None:
        if self._target_rgb is None or self._loaded is None:
            return
        c, h, _w = self._loaded.generator.sample_shape
        self._target = export.image_to_tensor(self._target_rgb, c, h)
        self.projection.set_target(export.to_uint8(self._target)[0])

    def project_target(self) -> None:
        if self._target is None or self._loaded is None or self._tasks.running("project"):
            return
        p = self.projection
        p.set_busy(True)
        self._tasks.start(
            "project",
            project_job(
                self._loaded.generator, self._target, p.steps_spin.value(), p.lr_spin.value(), 0
            ),
            self._on_projection_done,
            progress=p.set_progress,
            failed=self._on_projection_failed,
            cancelled=self._on_projection_cancelled,
        )

    def _on_projection_run(self) -> None:
        self.project_target()

    def _on_projection_done(self, result: latent.Projection) -> None:
        self.projection.set_busy(False)
        if self._state is None or result.z.shape[0] != self._state.dim:
            return
        self.projection.set_result(export.to_uint8(result.image)[0], result.error)
        self.replace_state(LatentState(result.z.numpy(), seed=None, psi=1.0), "projection")

    def _on_projection_failed(self, message: str) -> None:
        self.projection.set_busy(False)
        self.projection.error_label.setText("")
        self._error("Project image", message)

    def _on_projection_cancelled(self) -> None:
        self.projection.set_busy(False)
        self.projection.error_label.setText("Cancelled.")

    # ================================================================ latent files
    def _on_save_latent_triggered(self) -> None:
        path = self._ask_save("Save latent and keyframes", "latent.npy", LATENT_FILTERS)
        if path:
            self.save_latents(path)

    def save_latents(self, path: str | Path) -> None:
        """Write the current latent (as shown) and the keyframes as .npy or .json."""
        if self._state is None:
            return
        target = Path(path)
        if target.suffix.lower() not in (".npy", ".json"):
            target = target.with_suffix(".npy")
        z, keys = self._effective_z(), self.keyframes()
        self._tasks.start(
            "save-latents",
            lambda _p, _s: export.save_latents(target, z, keys if keys.size else None),
            lambda saved: self.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: self._error("Save latent", msg),
        )

    def _on_load_latent_triggered(self) -> None:
        path = self._ask_open("Load latent", "Latent vectors (*.npy *.json);;All files (*)")
        if path:
            self.load_latents(path)

    def load_latents(self, path: str | Path) -> bool:
        """Read a latent file (in a worker); its z becomes current, its keyframes the list."""
        if self._loaded is None:
            self._error("Load latent", "Open a generator first, then its latent vectors.")
            return False
        generator, dim = self._loaded.generator, int(self._loaded.generator.latent_dim)
        p = Path(path)

        def job(progress: Any, stop: Any) -> Any:
            data = export.load_latents(p)
            if data["z"].shape[0] != dim:
                raise export.FileFormatError(
                    f"{p.name} holds {data['z'].shape[0]}-dimensional latents; "
                    f"this generator takes {dim}."
                )
            keys = data["keyframes"]
            thumbs = render_job(generator, keys)(progress, stop) if len(keys) else []
            return data["z"], keys, thumbs

        self._tasks.start(
            "load-latents",
            job,
            self._on_latents_loaded,
            failed=lambda msg: self._error("Load latent", msg),
        )
        return True

    def _on_latents_loaded(self, result: tuple[np.ndarray, np.ndarray, Any]) -> None:
        z, keys, thumbs = result
        if self._state is None or z.shape[0] != self._state.dim:
            return
        if len(keys):
            self.interpolation.set_keyframes(keys, list(thumbs))
        self.replace_state(LatentState(z.copy(), seed=None, psi=1.0), "load")

    # ================================================================ clipboard
    def copy_latent(self) -> None:
        if self._state is None:
            return
        values = [np.format_float_positional(v, unique=True, trim="-") for v in self._effective_z()]
        QApplication.clipboard().setText("[" + ", ".join(values) + "]")

    def paste_latent(self) -> None:
        if self._state is None:
            return
        text = QApplication.clipboard().text().strip()
        try:
            z = parse_latent_text(text, self._state.dim)
        except ValueError as exc:
            self._error("Paste latent", str(exc))
            return
        self.replace_state(LatentState(z, seed=None, psi=1.0), "paste")


def parse_latent_text(text: str, dim: int) -> np.ndarray:
    """A latent from text: a JSON list, or numbers separated by commas or spaces."""
    expected = f"The clipboard does not hold a latent vector: expected {dim} numbers"
    try:
        values = json.loads(text) if text.startswith("[") else text.replace(",", " ").split()
        z = np.asarray(values, dtype=np.float32)
    except (ValueError, TypeError):
        raise ValueError(expected + ", as a list like [0.1, -1.2, …].") from None
    if z.ndim != 1 or z.shape[0] != dim:
        raise ValueError(expected + f"; it holds {z.size}.")
    if not np.all(np.isfinite(z)):
        raise ValueError(expected + "; some are not finite.")
    return z


TARGET_KEEP_SIDE = 512  # larger pictures are shrunk once, in the worker


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


def _with_suffix(path: str | Path, suffix: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_suffix(suffix)
