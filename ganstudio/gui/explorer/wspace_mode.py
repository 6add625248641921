"""Exploring a style generator (StyleGAN2, StyleGAN3) in W: the explorer's :class:`WMode`.

The state is a :class:`~ganstudio.core.latent.wspace.WState`. The seed box and the
truncation slider work in W (w = mapping(z(seed)), truncation around w_avg); the W panel
adds style mixing, the layers the direction sliders move, the noise and raw w sliders; the
Directions page holds GANSpace directions in W. Keyframes, the path, exports and latent
files hold the styles ws flattened to one vector (num_ws * w_dim), the path is linear
(lerp), and the sample grid shows seeds as the current state shows its own.

While a slider is held, or edits come faster than ``SETTLE_MS`` apart, frames are drag
previews (a smaller block's image, core.wspace.PreviewPlan); the full frame follows when the
slider is released or the edits pause for ``SETTLE_MS``, and replaces the preview.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSpinBox

from ganstudio.core.latent.wspace import (
    WRenderer,
    WState,
    has_input_transform,
    style_resolutions,
)
from ganstudio.core.latent.wspace_directions import W_LAYER, WDirections, as_w_directions
from ganstudio.gui.explorer.modes import describe
from ganstudio.gui.explorer.wspace_render import (
    W_DIRECTION_COUNT,
    W_DIRECTION_SAMPLES,
    WFrameRequest,
    WGridRequest,
    projection_resolution,
    w_directions_cache_name,
    w_directions_job,
    w_export_job,
    w_load_job,
    w_project_job,
)

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab

Job = Any

SETTLE_MS = 150  # no edit for this long ends a drag: the full frame is rendered
W_LATENT_FILTERS = "NumPy array (*.npy);;NumPy archive, NVlabs projector (*.npz);;JSON (*.json)"
W_PROJECTION_INTRO = (
    "Find the w whose image is closest to a picture of yours, starting from the average w: "
    "Adam on pixel MSE, an L1 image pyramid and features of a fixed random convolutional "
    "network (no pretrained network is needed), then optionally one w per layer (W+)."
)


def _layers_text(layers: list[int]) -> str:
    """"2–5" for a range, "1, 4, 7" for any other set."""
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"{layers[0]}–{layers[-1]}"
    return ", ".join(str(i) for i in layers)


class WMode(QObject):
    """The explorer's W space. Built once by the tab; :meth:`enter` makes it the shown one."""

    space = "w"

    def __init__(self, tab: ExplorerTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.renderer: WRenderer | None = None
        self._dragging = False
        self._last_edit = 0.0
        self._last_preview: tuple[WState, Any] | None = None  # settled into a full frame
        self._plan_shown: Any = None
        self._search_class: int | None = None  # the class directions were last sought for
        self.settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.settle_timer.timeout.connect(self._settle)
        # a StyleGAN3's image moves under the mouse (enter() enables it for those only)
        tab.image.content_dragged.connect(self._on_image_dragged)
        tab.image.content_drag_started.connect(self.drag_started)
        tab.image.content_drag_finished.connect(self.drag_finished)
        tab.image.content_drag_finished.connect(tab.end_edit)
        panel = tab.wspace_panel
        panel.changed.connect(self._on_panel_changed)
        panel.w_changed.connect(self._on_w_slider_changed)
        panel.w_reset_requested.connect(self._on_w_reset)
        # unfolded (after the panel builds its rows): the rows show the w of the state shown
        panel.raw_toggle.toggled.connect(lambda on: on and tab.state is not None
                                         and self.show_state(tab.state))
        self.w_plus_spin = QSpinBox()
        self.w_plus_spin.setObjectName("projectionWPlusSpin")
        self.w_plus_spin.setRange(0, 5000)
        self.w_plus_spin.setSingleStep(50)
        self.w_plus_spin.setToolTip(
            "Steps that then give each layer its own w (W+): closer images, less editable"
        )
        self.w_plus_spin.setPrefix("then W+ steps: ")
        self.w_plus_spin.setVisible(False)
        tab.projection.layout().insertWidget(3, self.w_plus_spin)
        self._z_intro_text = tab.projection.intro.text()

    @property
    def G(self) -> Any:  # noqa: N802 (the generator, as the papers write it)
        return self.renderer.G

    def ws(self, state: WState, directions: Any) -> np.ndarray:
        """The styles (num_ws, w_dim) ``state`` renders."""
        return self.renderer.ws(state, as_w_directions(directions))[0].numpy()

    # ------------------------------------------------------------ entering and leaving
    def enter(self, loaded: Any, previous: Any) -> tuple[WState, bool]:
        generator = loaded.generator
        shape = (int(generator.num_ws), int(generator.w_dim))
        same = previous is not None and self.renderer is not None and shape == (
            int(self.G.num_ws), int(self.G.w_dim))
        self.renderer = WRenderer(generator)
        self._show_panels(True)
        movable = has_input_transform(generator)
        self.tab.wspace_panel.set_generator(shape[0], shape[1], int(generator.img_resolution),
                                            movable, style_resolutions(generator))
        self.tab.image.set_content_draggable(movable)
        if same:
            from ganstudio.gui.explorer.classes import kept_class

            kept = kept_class(generator, previous.class_index)
            return previous.with_(offsets=(), class_index=kept), True
        controls = self.tab.controls
        return WState(seed=controls.seed_spin.value(), psi=controls.psi()), False

    def leave(self) -> None:
        self.renderer = None
        self._show_panels(False)
        self.tab.image.set_content_draggable(False)

    def _show_panels(self, on: bool) -> None:
        tab = self.tab
        tab.wspace_panel.setVisible(on)
        tab.controls.sliders.setVisible(not on)
        self.w_plus_spin.setVisible(on)
        tab.projection.intro.setText(W_PROJECTION_INTRO if on else self._z_intro_text)
        combo = tab.interpolation.mode_combo
        slerp = combo.findData("slerp")
        if on:
            combo.setCurrentIndex(combo.findData("lerp"))  # W has no sphere to follow
        combo.model().item(slerp).setEnabled(not on)
        combo.setToolTip("In W the path is linear: w is not a Gaussian on a sphere" if on else "")
        tab.projection.lr_spin.setValue(0.1 if on else 0.05)

    def describe(self, loaded: Any) -> str:
        return describe(loaded) + f"   ·   W {int(self.G.w_dim)} × {int(self.G.num_ws)} styles"

    def vector_size(self) -> int:
        return int(self.G.num_ws) * int(self.G.w_dim)

    # ------------------------------------------------------------ the state and its frame
    def seed_changes(self, seed: int) -> dict[str, Any]:
        return {"seed": int(seed), "w": None}

    def show_state(self, state: WState) -> None:
        # an edited w is no seed's: the seed box keeps what it shows
        self.tab.controls.show_state(state.seed if state.w is None else None, state.psi, None)
        panel = self.tab.wspace_panel
        base = state.w if state.w is not None else (
            self.renderer.seed_w(state.seed, state.class_index)
            if panel.raw_rows.isVisible() else None)
        panel.show_state(state, base)

    def caption(self, state: WState, directions: Any) -> str:
        ws = self.ws(state, directions)
        num_ws = ws.shape[0]
        psi = f"ψ {state.psi:.2f}"
        if state.trunc_cutoff is not None and state.trunc_cutoff < num_ws:
            psi += f" on layers 0–{state.trunc_cutoff - 1}"
        parts = [f"Seed {state.seed}" if state.w is None else "Edited w", psi]
        if state.mix_seed is not None:
            layers = state.mixed_layers(num_ws)
            parts.append(f"layers {_layers_text(layers)} from seed {state.mix_seed}" if layers
                         else "no mixing")
        if any(state.offsets):
            lo, hi = state.dir_range(num_ws)
            parts.append(f"directions on layers {lo}–{hi}")
        if state.noise_mode == "random":
            parts.append(f"noise seed {state.noise_seed}")
        elif state.noise_mode == "none":
            parts.append("no noise")
        if any(state.transform):
            tx, ty, angle = state.transform
            parts.append(f"moved {tx:+.2f}, {ty:+.2f}, turned {angle:+.0f}°")
        # the w of layer 0 as synthesis takes it: truncated, mixed and moved
        parts.append(f"‖w‖ {np.linalg.norm(ws[0]):.1f} after truncation")
        return "   ·   ".join(parts)

    def request_frame(self, state: WState, directions: Any) -> int:
        return self._request(state, as_w_directions(directions))

    def _request(self, state: WState, directions: Any) -> int:
        """Ask for ``state``'s frame: a preview while a slider is held or edits come fast
        (the full frame then follows from :meth:`_settle`), else the full frame."""
        now = time.perf_counter()
        rapid = now - self._last_edit < SETTLE_MS / 1000.0
        self._last_edit = now
        preview = self._dragging or rapid
        self._last_preview = (state, directions) if preview else None
        if preview:
            self.settle_timer.start()
        return self.tab.renderer.request_w(WFrameRequest(state, directions, preview))

    def drag_started(self) -> None:
        self._dragging = True

    def drag_finished(self) -> None:
        self._dragging = False
        self._settle()

    def _settle(self) -> None:
        """The drag is over: the full frame of the state previewed last replaces the preview."""
        self.settle_timer.stop()
        if self._dragging or self._last_preview is None or self.renderer is None:
            return
        state, directions = self._last_preview
        self._last_preview = None
        self._last_edit = 0.0
        self.tab.frame_requested(self.tab.renderer.request_w(
            WFrameRequest(state, directions, False)))

    def frame_shown(self) -> None:
        """After a frame is painted: say what a drag shows, once the plan is known."""
        plan = self.tab.renderer.w_preview_plan()
        if plan is None or plan is self._plan_shown:
            return
        self._plan_shown = plan
        ms = plan.ms_by_res.get(plan.resolution)
        timing = f" (about {ms:.0f} ms a frame here)" if ms is not None else ""
        if plan.needed:
            text = (f"While a slider is dragged, the {plan.resolution} px image is shown{timing}; "
                    f"the full {plan.full_resolution} px frame follows when it stops.")
        elif ms is None or ms <= plan.budget_ms:
            text = (f"Every frame is the full {plan.full_resolution} px image{timing}: it fits "
                    f"the {plan.budget_ms:.0f} ms a drag frame may take.")
        else:  # StyleGAN3, or StyleGAN2's "orig" architecture: no smaller image to show
            text = (f"Every frame is the full {plan.full_resolution} px image{timing}: this "
                    "model has no smaller image to show while a slider is dragged, so a drag "
                    "shows the newest finished frame.")
        self.tab.wspace_panel.set_preview_text(text)

    # ------------------------------------------------------------ the W panel's edits
    def _on_panel_changed(self, key: str, changes: dict) -> None:
        if self.tab.state is not None:
            self.tab.edit(key, **changes)
            if key != "mixing-seed":
                self.tab.end_edit()  # each choice is its own undo step (a seed's steps merge)

    def _on_w_slider_changed(self, index: int, value: float) -> None:
        s = self.tab.state
        if s is None:
            return
        w = np.array(s.w if s.w is not None else self.renderer.seed_w(s.seed, s.class_index),
                     np.float32)
        if w.ndim == 2:  # per-layer w: every layer moves by the same amount
            w[:, index] += value - w[0, index]
        else:
            w[index] = value
        self.tab.set_state(s.with_(w=w), f"w{index}", refresh_widgets=False)

    def _on_image_dragged(self, dx: float, dy: float) -> None:
        state = self.tab.state
        if state is not None:
            tx, ty, angle = state.transform
            self.tab.edit("transform", transform=(tx + dx, ty + dy, angle))

    def _on_w_reset(self) -> None:
        if self.tab.state is not None and self.tab.state.w is not None:
            self.tab.edit("back-to-seed", w=None)

    # ------------------------------------------------------------ latents as vectors
    def vector(self, state: WState, directions: Any) -> np.ndarray:
        return self.ws(state, directions).reshape(-1)

    def state_of_vector(self, vector: np.ndarray, state: WState) -> WState:
        """A state showing ws as they are (no truncation, mixing or offsets on top), keeping
        the seed box's seed and the noise settings."""
        ws = np.asarray(vector, np.float32).reshape(int(self.G.num_ws), int(self.G.w_dim))
        return WState(seed=state.seed, w=ws, psi=1.0, noise_mode=state.noise_mode,
                      noise_seed=state.noise_seed, dir_from=state.dir_from, dir_to=state.dir_to,
                      class_index=state.class_index)

    def request_path_frame(self, vector: np.ndarray, label: Any = None) -> int:
        # ws carry their class already (the mapping took it): ``label`` changes nothing
        # Playback and a fast scrub show previews; the frame stopped on settles in full.
        return self._request(self.state_of_vector(vector, self.tab.state), None)

    def path_caption(self, vector: np.ndarray, frame: int, count: int) -> str:
        return f"Interpolation frame {frame + 1} of {count} (lerp in W)"

    def request_grid(self, seeds: list[int], state: WState, directions: Any,
                     classes: list[int] | None = None) -> int:
        return self.tab.renderer.request_grid_w(
            WGridRequest(seeds, state, as_w_directions(directions), classes))

    def grid_pick(self, state: WState, seed: int, offsets: tuple[float, ...]) -> WState:
        return state.with_(seed=int(seed), w=None, offsets=offsets)

    def export_job(self, frames: np.ndarray, target: Path, fps: float, scale: int,
                   state: WState, labels: Any = None) -> Job:
        return w_export_job(self.G, np.asarray(frames, np.float32), str(target), fps, scale,
                            state.noise_mode, state.noise_seed)

    def sweep(self, state: WState, directions: Any, index: int, sigma: float, steps: int,
              loop: bool) -> np.ndarray | None:
        values = np.linspace(-sigma, sigma, max(2, int(steps)))
        if loop:
            values = np.concatenate([values, values[-2:0:-1]])
        base = list(state.offsets) + [0.0] * max(0, index + 1 - len(state.offsets))
        frames = []
        for v in values:
            offsets = list(base)
            offsets[index] = base[index] + float(v)
            frames.append(self.vector(state.with_(offsets=tuple(offsets)), directions))
        return np.stack(frames)

    # ------------------------------------------------------------ latent files
    def save_dialog(self) -> tuple[str, str, str]:
        return "Save W latent and keyframes", "latent-w.npy", W_LATENT_FILTERS

    def load_dialog(self) -> tuple[str, str]:
        return "Load W latent", "W latents (*.npy *.npz *.json);;All files (*)"

    def save_latents_job(self, target: Path, state: WState, directions: Any,
                         keys: np.ndarray) -> tuple[Path, Job]:
        from ganstudio.core.latent.wspace_files import W_SUFFIXES, save_w_latents

        if target.suffix.lower() not in W_SUFFIXES:
            target = target.with_suffix(".npy")
        ws, info = self.ws(state, directions), state.describe()
        frames = keys.reshape(len(keys), *ws.shape) if len(keys) else None
        classes = self.tab.classes.file_classes(state, len(keys))
        return target, lambda _p, _s: save_w_latents(target, ws, frames, info, classes)

    def load_latents_job(self, path: Path) -> Job:
        load = w_load_job(str(path), self.G)

        def job(progress: Any, stop: Any) -> Any:
            ws, keys, thumbs, classes = load(progress, stop)
            return ws.reshape(-1), keys, thumbs, classes

        return job

    def clipboard_text(self, state: WState, directions: Any) -> str:
        return json.dumps(np.round(self.ws(state, directions), 6).tolist())

    def parse_clipboard(self, text: str) -> np.ndarray:
        shape = (int(self.G.num_ws), int(self.G.w_dim))
        try:
            arr = np.asarray(json.loads(text), np.float32)
        except (ValueError, TypeError):
            arr = np.zeros(0, np.float32)
        if arr.shape == (shape[1],):
            arr = np.repeat(arr[None], shape[0], 0)
        if arr.shape != shape or not np.all(np.isfinite(arr)):
            raise ValueError(f"The clipboard does not hold W styles: expected a list of "
                             f"{shape[0]} lists of {shape[1]} numbers, or one list of "
                             f"{shape[1]}.")
        return arr.reshape(-1)

    # ------------------------------------------------------------ directions
    def show_direction_layers(self) -> None:
        self.tab.direction_panel.set_layers(
            [(W_LAYER, f"w  ·  the mapping network's output  ·  {int(self.G.w_dim)}")], W_LAYER)

    def choosing_a_layer_searches(self) -> bool:
        return False  # W has one place to take directions from

    def directions_job(self, compute: bool, layer: str | None) -> tuple[Job, str]:
        text = f"Mapping {W_DIRECTION_SAMPLES:,} random z to W and taking their PCA…"
        # a conditional generator's z are mapped with the class shown
        self._search_class = self.tab.classes.of(self.tab.state)
        return w_directions_job(self.G, str(self.tab.cache_dir), compute,
                                class_index=self._search_class), text

    def load_directions_job(self, path: Path) -> Job:
        generator, w_dim = self.G, int(self.G.w_dim)

        def job(_progress: Any, _stop: Any) -> Any:
            from ganstudio.core import export, latent

            d = WDirections.load(path)
            if d.vectors.shape[1] != w_dim:
                raise export.FileFormatError(
                    f"{path.name} holds directions in a {d.vectors.shape[1]}-dimensional W; "
                    f"this generator's w has {w_dim}."
                )
            digest = latent.weights_hash(generator)
            warning = "" if not d.weights_hash or d.weights_hash == digest else (
                f"{path.name} was found for other weights; its directions may not mean the "
                "same here.")
            return d, warning

        return job

    def directions_cache(self, directions: Any) -> Path | None:
        if not isinstance(directions, WDirections):
            return None
        return Path(self.tab.cache_dir) / w_directions_cache_name(
            directions.weights_hash, W_DIRECTION_SAMPLES, W_DIRECTION_COUNT,
            self._search_class)

    # ------------------------------------------------------------ projection
    def project_job(self, target: Any, steps: int, lr: float) -> Job:
        return w_project_job(self.G, target, steps, self.w_plus_spin.value(),
                             projection_resolution(self.G))

    def projection_state(self, result: Any, state: WState) -> tuple[WState, Any] | None:
        if result.ws.shape != (int(self.G.num_ws), int(self.G.w_dim)):
            return None  # found for a generator no longer shown
        w = result.ws if result.w_plus else result.w
        return WState(seed=state.seed, w=w, psi=1.0, noise_mode="const",
                      dir_from=state.dir_from, dir_to=state.dir_to,
                      class_index=state.class_index), result.image
