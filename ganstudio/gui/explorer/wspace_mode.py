"""The explorer in W space, for StyleGAN2 generators.

A mixin of :class:`ganstudio.gui.explorer.tab.ExplorerTab`, first among its bases: while a
StyleGAN2 is shown (``w_mode``) the tab's state is a :class:`~ganstudio.core.latent.wspace.WState`
and the methods here stand in for the z ones of the features and directions mixins; for
any other generator they hand over to those unchanged.

The seed box and the truncation slider work in W (w = mapping(z(seed)), truncation around
w_avg); the W panel adds style mixing, the layers the direction sliders move, the noise and
raw w sliders; the Directions page holds GANSpace directions in W. Keyframes, the path,
exports and latent files hold the styles ws flattened to one vector (num_ws * w_dim), the
path is linear (lerp), and the sample grid shows seeds as the current state shows its own.

While a slider is held, or edits come faster than ``SETTLE_MS`` apart, frames are drag
previews (a smaller block's image, core.wspace.PreviewPlan); the full frame follows when the
slider is released or the edits pause for ``SETTLE_MS``, and replaces the preview.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSpinBox

from ganstudio.core import export
from ganstudio.core.latent.wspace import WRenderer, WState, is_stylegan
from ganstudio.core.latent.wspace_directions import W_LAYER, WDirections, as_w_directions
from ganstudio.gui.explorer.wspace_render import (
    W_DIRECTION_COUNT,
    W_DIRECTION_SAMPLES,
    WFrameRequest,
    WGridRequest,
    projection_resolution,
    w_directions_job,
    w_export_job,
    w_load_job,
    w_project_job,
)

SETTLE_MS = 150  # no edit for this long ends a drag: the full frame is rendered
W_LATENT_FILTERS = "NumPy array (*.npy);;NumPy archive, NVlabs projector (*.npz);;JSON (*.json)"
W_PROJECTION_INTRO = (
    "Find the w whose image is closest to a picture of yours, starting from the average w: "
    "Adam on pixel MSE, an L1 image pyramid and features of a fixed random convolutional "
    "network (no pretrained network is needed), then optionally one w per layer (W+)."
)


class ExplorerWSpace:
    _w_mode = False

    # ================================================================ setup
    def _init_wspace(self) -> None:
        """Called once by the tab, after its widgets exist."""
        self._w_renderer: WRenderer | None = None
        self._w_dragging = False
        self._w_last_edit = 0.0
        self._w_last_preview: tuple[WState, Any] | None = None  # settled into a full frame
        self._w_plan_shown: Any = None
        self._w_settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._w_settle_timer.timeout.connect(self._w_settle)
        self._renderer.frame_ready.connect(self._w_on_frame_shown)  # after the tab's own slot
        panel = self.wspace_panel
        panel.changed.connect(self._on_w_panel_changed)
        panel.w_changed.connect(self._on_w_slider_changed)
        panel.w_reset_requested.connect(self._on_w_reset)
        # unfolded (after the panel builds its rows): the rows show the w of the state shown
        panel.raw_toggle.toggled.connect(lambda on: on and self._w_show_state(self._state))
        panel.drag_started.connect(self._w_drag_started)
        panel.drag_finished.connect(self._w_drag_finished)
        panel.drag_finished.connect(self._on_edit_finished)
        self.controls.psi_edit_started.connect(self._w_drag_started)
        self.controls.psi_edit_finished.connect(self._w_drag_finished)
        self.direction_panel.edit_started.connect(self._w_drag_started)
        self.direction_panel.edit_finished.connect(self._w_drag_finished)
        self._w_plus_spin = QSpinBox()
        self._w_plus_spin.setObjectName("projectionWPlusSpin")
        self._w_plus_spin.setRange(0, 5000)
        self._w_plus_spin.setSingleStep(50)
        self._w_plus_spin.setToolTip(
            "Steps that then give each layer its own w (W+): closer images, less editable"
        )
        self._w_plus_spin.setPrefix("then W+ steps: ")
        self._w_plus_spin.setVisible(False)
        self.projection.layout().insertWidget(3, self._w_plus_spin)
        self._z_intro_text = self.projection.intro.text()

    @property
    def w_mode(self) -> bool:
        """True while a StyleGAN2 is explored in W."""
        return self._w_mode

    def w_frame(self, state: WState | None = None) -> np.ndarray | None:
        """The ws the current (or given) state renders, (num_ws, w_dim); None outside W."""
        if not self._w_mode or self._w_renderer is None:
            return None
        s = self._state if state is None else state
        return self._w_renderer.ws(s, as_w_directions(self._directions))[0].numpy()

    # ================================================================ entering and leaving
    def _w_set_generator(self, loaded: Any) -> bool:
        """Explore ``loaded`` in W if it is a StyleGAN2 (True); else leave W mode (False)."""
        generator = loaded.generator
        if not is_stylegan(generator):
            self._w_leave()
            return False
        generator.eval()
        self._load_token = f"shown:{id(loaded)}"
        old = self._state if self._w_mode else None
        shape = (int(generator.num_ws), int(generator.w_dim))
        same_shape = old is not None and self._w_renderer is not None and shape == (
            int(self._w_renderer.G.num_ws), int(self._w_renderer.G.w_dim))
        self._w_mode = True
        self._loaded = loaded
        self._w_renderer = WRenderer(generator)
        self._floor_id = self._renderer.set_generator(generator)
        self._directions_for_new_generator()
        self._w_show_panels(True)
        self.wspace_panel.set_generator(shape[0], shape[1], int(generator.img_resolution))
        if same_shape:
            state = old.with_(offsets=())
        else:
            self.undo_stack.clear()
            self.interpolation.set_keyframes(np.zeros((0, shape[0] * shape[1]), np.float32), [])
            state = WState(seed=self.controls.seed_spin.value(), psi=self.controls.psi())
        desc = self._describe(loaded) + f"   ·   W {shape[1]} × {shape[0]} styles"
        self._show_first_state(loaded, state, desc)
        return True

    def _w_leave(self) -> None:
        if not self._w_mode:
            return
        self._w_mode = False
        self._w_renderer = None
        self._state = None  # the z explorer starts afresh: keyframes and undo were in W
        self._w_show_panels(False)

    def _w_show_panels(self, on: bool) -> None:
        self.wspace_panel.setVisible(on)
        self.controls.sliders.setVisible(not on)
        self._w_plus_spin.setVisible(on)
        self.projection.intro.setText(W_PROJECTION_INTRO if on else self._z_intro_text)
        combo = self.interpolation.mode_combo
        slerp = combo.findData("slerp")
        if on:
            combo.setCurrentIndex(combo.findData("lerp"))  # W has no sphere to follow
        combo.model().item(slerp).setEnabled(not on)
        combo.setToolTip("In W the path is linear: w is not a Gaussian on a sphere" if on else "")
        self.projection.lr_spin.setValue(0.1 if on else 0.05)

    # ================================================================ frames and drags
    def _w_request_frame(self) -> bool:
        if self._state is None or self._loaded is None:
            return False
        self._w_request(self._state, as_w_directions(self._directions))
        return True

    def _w_request(self, state: WState, directions: Any) -> None:
        """Ask for ``state``'s frame: a preview while a slider is held or edits come fast
        (the full frame then follows from :meth:`_w_settle`), else the full frame."""
        now = time.perf_counter()
        rapid = now - self._w_last_edit < SETTLE_MS / 1000.0
        self._w_last_edit = now
        preview = self._w_dragging or rapid
        self._w_last_preview = (state, directions) if preview else None
        if preview:
            self._w_settle_timer.start()
        self._last_request = self._renderer.request_w(WFrameRequest(state, directions, preview))

    def _w_drag_started(self) -> None:
        if self._w_mode:
            self._w_dragging = True

    def _w_drag_finished(self) -> None:
        if self._w_mode:
            self._w_dragging = False
            self._w_settle()

    def _w_settle(self) -> None:
        """The drag is over: the full frame of the state previewed last replaces the preview."""
        self._w_settle_timer.stop()
        if not self._w_mode or self._w_dragging or self._w_last_preview is None:
            return
        state, directions = self._w_last_preview
        self._w_last_preview = None
        self._w_last_edit = 0.0
        self._last_request = self._renderer.request_w(WFrameRequest(state, directions, False))

    def w_preview_plan(self) -> Any:
        return self._renderer.w_preview_plan()

    # ================================================================ edits
    def _w_show_state(self, state: Any) -> None:
        if self._w_mode and state is not None:
            base = state.w if state.w is not None else (
                self._w_renderer.seed_w(state.seed, state.class_index)
                if self.wspace_panel.raw_rows.isVisible() else None)
            self.wspace_panel.show_state(state, base)

    def _on_w_panel_changed(self, key: str, changes: dict) -> None:
        if self._w_mode and self._state is not None:
            self.edit(key, **changes)
            if key != "mixing-seed":
                self._group = None  # each choice is its own undo step (a seed's steps merge)

    def _on_w_slider_changed(self, index: int, value: float) -> None:
        if not self._w_mode or self._state is None:
            return
        s = self._state
        w = np.array(s.w if s.w is not None else self._w_renderer.seed_w(s.seed, s.class_index),
                     np.float32)
        if w.ndim == 2:  # per-layer w: every layer moves by the same amount
            w[:, index] += value - w[0, index]
        else:
            w[index] = value
        self._set_state(s.with_(w=w), f"w{index}", refresh_widgets=False)

    def _on_w_reset(self) -> None:
        if self._w_mode and self._state is not None and self._state.w is not None:
            self.edit("back-to-seed", w=None)

    def _w_on_seed_changed(self, seed: int) -> None:
        self.edit("seed", seed=int(seed), w=None)

    def _w_update_caption(self) -> None:
        s = self._state
        ws = self.w_frame()
        parts = [f"Seed {s.seed}" if s.w is None else "Edited w", f"ψ {s.psi:.2f}"]
        if s.mix_seed is not None:
            lo, hi = s.mix_range(ws.shape[0])
            parts.append(f"layers {lo}–{hi} from seed {s.mix_seed}" if lo <= hi else "no mixing")
        if any(s.offsets):
            lo, hi = s.dir_range(ws.shape[0])
            parts.append(f"directions on layers {lo}–{hi}")
        if s.noise_mode == "random":
            parts.append(f"noise seed {s.noise_seed}")
        parts.append(f"‖w‖ {np.linalg.norm(ws[0]):.1f}")
        self.caption.setText("   ·   ".join(parts))

    def _w_on_frame_shown(self, *_args: Any) -> None:
        """After a frame is painted: say what a drag shows, once the plan is known."""
        if not self._w_mode:
            return
        plan = self._renderer.w_preview_plan()
        if plan is not None and plan is not self._w_plan_shown:
            self._w_plan_shown = plan
            ms = plan.ms_by_res.get(plan.resolution)
            timing = f" (about {ms:.0f} ms a frame here)" if ms is not None else ""
            self.wspace_panel.set_preview_text(
                f"While a slider is dragged, the {plan.resolution} px image is shown{timing}; "
                f"the full {plan.full_resolution} px frame follows when it stops."
                if plan.needed else
                f"Every frame is the full {plan.full_resolution} px image: it fits the "
                f"{plan.budget_ms:.0f} ms a drag frame may take."
            )

    def _w_flat(self) -> np.ndarray:
        return self.w_frame().reshape(-1)

    def _w_state_of_flat(self, flat: np.ndarray) -> WState:
        """A state showing ws as they are (no truncation, mixing or offsets on top), keeping
        the seed box's seed and the noise settings."""
        G = self._w_renderer.G
        ws = np.asarray(flat, np.float32).reshape(int(G.num_ws), int(G.w_dim))
        s = self._state
        return WState(seed=s.seed, w=ws, psi=1.0, noise_mode=s.noise_mode,
                      noise_seed=s.noise_seed, dir_from=s.dir_from, dir_to=s.dir_to)

    # ================================================================ grid
    def _on_grid_requested(self, seed: int, n: int) -> None:
        if not self._w_mode:
            return super()._on_grid_requested(seed, n)
        if self._state is None:
            return None
        seeds = [seed + i for i in range(n * n)]
        apply = self.grid_panel.apply_offsets()
        state = self._state if apply else self._state.with_(offsets=())
        request_id = self._renderer.request_grid_w(
            WGridRequest(seeds, state, as_w_directions(self._directions))
        )
        self._grid_request = (request_id, seeds, n)
        self._grid_moved_by = tuple(state.offsets)
        return None

    def _on_grid_cell_clicked(self, index: int, shift: bool) -> None:
        if not self._w_mode or shift:
            return super()._on_grid_cell_clicked(index, shift)  # shift adds the tile's ws
        if self._state is None or index >= len(self._grid_seeds):
            return None
        offsets = self._grid_moved_by if self.grid_panel.apply_offsets() else ()
        state = self._state.with_(seed=int(self._grid_seeds[index]), w=None, offsets=offsets)
        self.replace_state(state, "grid")
        return None

    def _on_state_shown_for_grid(self) -> None:
        if not self._w_mode:
            return super()._on_state_shown_for_grid()
        if self.grid_panel.apply_offsets() and tuple(self._state.offsets) != self._grid_moved_by:
            self.grid_panel.request()
        return None

    # ================================================================ keyframes and the path
    def _on_add_keyframe(self) -> None:
        if not self._w_mode:
            return super()._on_add_keyframe()
        if self._state is not None:
            self.interpolation.add_keyframe(self._w_flat(), self._current_thumbnail())
        return None

    def _on_keyframe_activated(self, row: int) -> None:
        if not self._w_mode:
            return super()._on_keyframe_activated(row)
        keys = self.interpolation.keyframes.keyframes()
        if self._state is not None and 0 <= row < len(keys):
            self.replace_state(self._w_state_of_flat(keys[row]), "keyframe")
        return None

    def _on_path_frame_requested(self, frame: int) -> None:
        if not self._w_mode:
            return super()._on_path_frame_requested(frame)
        if self._loaded is None or not 0 <= frame < len(self._path):
            return None
        # Playback and a fast scrub show previews; the frame stopped on settles in full.
        self._w_request(self._w_state_of_flat(self._path[frame]), None)
        self.caption.setText(f"Interpolation frame {frame + 1} of {len(self._path)} (lerp in W)")
        return None

    def _export_latents(self, frames_z: np.ndarray, target: Path, fps: float) -> bool:
        if not self._w_mode:
            return super()._export_latents(frames_z, target, fps)
        if self._loaded is None or len(frames_z) == 0 or self._tasks.running("export"):
            return False
        from ganstudio.gui.explorer.features import MIN_EXPORT_SIDE, MIN_STRIP_SIDE

        side = int(self._loaded.generator.img_resolution)
        wanted = MIN_STRIP_SIDE if target.suffix.lower() == ".png" else MIN_EXPORT_SIDE
        scale = max(1, math.ceil(wanted / side))
        s = self._state
        self._start_export(
            target,
            w_export_job(self._loaded.generator, np.asarray(frames_z, np.float32), str(target),
                         fps, scale, s.noise_mode, s.noise_seed),
        )
        return True

    # ================================================================ directions in W
    def _directions_for_new_generator(self) -> None:
        if not self._w_mode:
            return super()._directions_for_new_generator()
        self._set_directions(None)
        w_dim = int(self._loaded.generator.w_dim)
        self.direction_panel.set_layers(
            [(W_LAYER, f"w  ·  the mapping network's output  ·  {w_dim}")], W_LAYER
        )
        self._start_directions_search(compute=False)
        return None

    def _on_direction_layer_chosen(self, layer: str) -> None:
        if not self._w_mode:
            return super()._on_direction_layer_chosen(layer)
        return None  # W has one place to take directions from

    def _start_directions_search(self, compute: bool, layer: str | None = None) -> None:
        if not self._w_mode:
            return super()._start_directions_search(compute, layer)
        if self._loaded is None:
            return None
        self._tasks.cancel("directions")
        if compute:
            self.direction_panel.set_busy(
                True, f"Mapping {W_DIRECTION_SAMPLES:,} random z to W and taking their PCA…"
            )
        generator = self._loaded.generator
        self._tasks.start(
            "directions",
            w_directions_job(generator, str(self._cache_dir), compute),
            lambda d: self._on_directions_found(d, generator),
            progress=self.direction_panel.set_progress,
            failed=self._on_directions_failed,
            cancelled=self._on_directions_cancelled,
        )
        return None

    def rename_direction(self, index: int, name: str) -> None:
        super().rename_direction(index, name)
        d = self._directions
        if not self._w_mode or not isinstance(d, WDirections) or not d.weights_hash:
            return
        cache = Path(self._cache_dir) / f"{d.weights_hash}-w-{W_DIRECTION_SAMPLES}-" \
                                         f"{W_DIRECTION_COUNT}.npz"
        if cache.is_file():
            self._tasks.start("directions-cache", lambda _p, _s: d.save(cache), lambda _r: None,
                              failed=lambda _msg: None)

    def load_directions(self, path: str | Path) -> bool:
        if not self._w_mode:
            return super().load_directions(path)
        if self._loaded is None:
            return False
        generator, p = self._loaded.generator, Path(path)
        w_dim = int(generator.w_dim)

        def job(_progress: Any, _stop: Any) -> Any:
            from ganstudio.core import latent

            d = WDirections.load(p)
            if d.vectors.shape[1] != w_dim:
                raise export.FileFormatError(
                    f"{p.name} holds directions in a {d.vectors.shape[1]}-dimensional W; this "
                    f"generator's w has {w_dim}."
                )
            digest = latent.weights_hash(generator)
            warning = "" if not d.weights_hash or d.weights_hash == digest else (
                f"{p.name} was found for other weights; its directions may not mean the "
                "same here.")
            return d, warning

        self._tasks.start(
            "load-directions", job,
            lambda result: self._on_directions_loaded(result, generator, p),
            failed=lambda msg: self._error("Load directions", msg),
        )
        return True

    def _sweep(self, index: int, sigma: float, steps: int, loop: bool) -> np.ndarray | None:
        if not self._w_mode:
            return super()._sweep(index, sigma, steps, loop)
        d = as_w_directions(self._directions)
        if self._state is None or d is None or not 0 <= index < len(d.vectors):
            return None
        values = np.linspace(-sigma, sigma, max(2, int(steps)))
        if loop:
            values = np.concatenate([values, values[-2:0:-1]])
        base = list(self._state.offsets) + [0.0] * max(0, index + 1 - len(self._state.offsets))
        frames = []
        for v in values:
            offsets = list(base)
            offsets[index] = base[index] + float(v)
            frames.append(self.w_frame(self._state.with_(offsets=tuple(offsets))).reshape(-1))
        return np.stack(frames)

    # ================================================================ projection
    def project_target(self) -> None:
        if not self._w_mode:
            return super().project_target()
        if self._target is None or self._loaded is None or self._tasks.running("project"):
            return None
        p = self.projection
        p.set_busy(True)
        generator = self._loaded.generator
        self._tasks.start(
            "project",
            w_project_job(generator, self._target, p.steps_spin.value(),
                          self._w_plus_spin.value(), projection_resolution(generator)),
            self._on_w_projection_done,
            progress=p.set_progress,
            failed=self._on_projection_failed,
            cancelled=self._on_projection_cancelled,
        )
        return None

    def _on_w_projection_done(self, result: Any) -> None:
        self.projection.set_busy(False)
        if not self._w_mode or self._state is None:
            return
        if result.ws.shape != (int(self._w_renderer.G.num_ws), int(self._w_renderer.G.w_dim)):
            return  # found for a generator no longer shown
        self.projection.set_result(export.to_uint8(result.image)[0], result.error)
        w = result.ws if result.w_plus else result.w
        s = self._state
        self.replace_state(WState(seed=s.seed, w=w, psi=1.0, noise_mode="const",
                                  dir_from=s.dir_from, dir_to=s.dir_to), "projection")

    # ================================================================ latent files
    def _on_save_latent_triggered(self) -> None:
        if not self._w_mode:
            return super()._on_save_latent_triggered()
        path = self._ask_save("Save W latent and keyframes", "latent-w.npy", W_LATENT_FILTERS)
        if path:
            self.save_latents(path)
        return None

    def save_latents(self, path: str | Path) -> None:
        if not self._w_mode:
            return super().save_latents(path)
        if self._state is None:
            return None
        from ganstudio.core.latent.wspace_files import W_SUFFIXES, save_w_latents

        target = Path(path)
        if target.suffix.lower() not in W_SUFFIXES:
            target = target.with_suffix(".npy")
        ws, info = self.w_frame(), self._state.describe()
        keys = self.keyframes()
        keys = keys.reshape(len(keys), *ws.shape) if len(keys) else None
        self._tasks.start(
            "save-latents",
            lambda _p, _s: save_w_latents(target, ws, keys, info),
            lambda saved: self.status_label.setText(f"Saved {Path(saved).name}"),
            failed=lambda msg: self._error("Save latent", msg),
        )
        return None

    def _on_load_latent_triggered(self) -> None:
        if not self._w_mode:
            return super()._on_load_latent_triggered()
        path = self._ask_open("Load W latent", "W latents (*.npy *.npz *.json);;All files (*)")
        if path:
            self.load_latents(path)
        return None

    def load_latents(self, path: str | Path) -> bool:
        if not self._w_mode:
            return super().load_latents(path)
        if self._loaded is None:
            return False
        generator = self._loaded.generator
        self._tasks.start(
            "load-latents",
            w_load_job(str(path), generator),
            lambda result: self._on_w_latents_loaded(result, generator),
            failed=lambda msg: self._error("Load latent", msg),
        )
        return True

    def _on_w_latents_loaded(self, result: tuple, generator: Any) -> None:
        ws, keys, thumbs = result
        if not self._w_mode or self._loaded is None or self._loaded.generator is not generator:
            return
        if len(keys):
            self.interpolation.set_keyframes(keys, list(thumbs))
        self.replace_state(self._w_state_of_flat(ws.reshape(-1)), "load")

    def copy_latent(self) -> None:
        if not self._w_mode:
            return super().copy_latent()
        if self._state is not None:
            QApplication.clipboard().setText(json.dumps(np.round(self.w_frame(), 6).tolist()))
        return None

    def paste_latent(self) -> None:
        if not self._w_mode:
            return super().paste_latent()
        if self._state is None:
            return None
        G = self._w_renderer.G
        try:
            arr = np.asarray(json.loads(QApplication.clipboard().text()), np.float32)
        except (ValueError, TypeError):
            arr = np.zeros(0, np.float32)
        shape = (int(G.num_ws), int(G.w_dim))
        if arr.shape == (shape[1],):
            arr = np.repeat(arr[None], shape[0], 0)
        if arr.shape != shape or not np.all(np.isfinite(arr)):
            self._error("Paste latent", f"The clipboard does not hold W styles: expected a "
                        f"list of {shape[0]} lists of {shape[1]} numbers, or one list of "
                        f"{shape[1]}.")
            return None
        self.replace_state(self._w_state_of_flat(arr.reshape(-1)), "paste")
        return None
