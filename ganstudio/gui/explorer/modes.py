"""How the explorer explores one kind of generator: the :class:`Mode` interface and z space.

The tab holds one mode object at a time, chosen when a generator opens
(:func:`mode_for`): :class:`ZMode` for generators that map z to images, and
:class:`~ganstudio.gui.explorer.wspace_mode.WMode` for style generators explored in W.
The tab and its panels never ask which one they hold: everything that differs between
the two (the state a seed makes, frames, grids, keyframes, sweeps, latent files,
directions, projection, the caption) is a method here.

Latents leave a mode as one flat vector (``vector``): z itself, or W's styles flattened
(num_ws * w_dim). Keyframes, paths, exports, files and the clipboard hold those.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ganstudio.gui.explorer.direction_panel import shape_text
from ganstudio.gui.explorer.render_worker import (
    DIRECTION_COUNT,
    DIRECTION_SAMPLES,
    direction_layers_job,
    directions_cache_file,
    directions_job,
    export_job,
    project_job,
    render_job,
)

if TYPE_CHECKING:
    from ganstudio.gui.explorer.tab import ExplorerTab

Job = Any  # callable(progress, should_stop) run by the task runner

LATENT_FILTERS = "NumPy array (*.npy);;JSON (*.json)"


class Mode(Protocol):
    """What the tab asks of the space it explores. States are immutable (LatentState or
    WState); ``directions`` is the Directions object shown, or None."""

    space: str  # "z" or "w"

    # entering and leaving
    def enter(self, loaded: Any, previous: Any) -> tuple[Any, bool]: ...
    def leave(self) -> None: ...
    def describe(self, loaded: Any) -> str: ...
    def vector_size(self) -> int: ...

    # the state and its frame
    def seed_changes(self, seed: int) -> dict[str, Any]: ...
    def show_state(self, state: Any) -> None: ...
    def caption(self, state: Any, directions: Any) -> str: ...
    def request_frame(self, state: Any, directions: Any) -> int: ...
    def drag_started(self) -> None: ...
    def drag_finished(self) -> None: ...
    def frame_shown(self) -> None: ...

    # latents as flat vectors: keyframes, paths, grids, files, the clipboard
    def vector(self, state: Any, directions: Any) -> np.ndarray: ...
    def state_of_vector(self, vector: np.ndarray, state: Any) -> Any: ...
    def request_path_frame(self, vector: np.ndarray, label: Any = None) -> int: ...
    def path_caption(self, vector: np.ndarray, frame: int, count: int) -> str: ...
    def request_grid(self, seeds: list[int], state: Any, directions: Any,
                     classes: list[int] | None = None) -> int: ...
    def grid_pick(self, state: Any, seed: int, offsets: tuple[float, ...]) -> Any: ...
    def export_job(self, frames: np.ndarray, target: Path, fps: float, scale: int,
                   state: Any, labels: Any = None) -> Job: ...
    def sweep(self, state: Any, directions: Any, index: int, sigma: float, steps: int,
              loop: bool) -> np.ndarray | None: ...

    # latent files and the clipboard
    def save_dialog(self) -> tuple[str, str, str]: ...
    def load_dialog(self) -> tuple[str, str]: ...
    def save_latents_job(self, target: Path, state: Any, directions: Any,
                         keys: np.ndarray) -> tuple[Path, Job]: ...
    def load_latents_job(self, path: Path) -> Job: ...
    def clipboard_text(self, state: Any, directions: Any) -> str: ...
    def parse_clipboard(self, text: str) -> np.ndarray: ...

    # directions
    def show_direction_layers(self) -> None: ...
    def choosing_a_layer_searches(self) -> bool: ...
    def directions_job(self, compute: bool, layer: str | None) -> tuple[Job, str]: ...
    def load_directions_job(self, path: Path) -> Job: ...
    def directions_cache(self, directions: Any) -> Path | None: ...

    # projection
    def project_job(self, target: Any, steps: int, lr: float) -> Job: ...
    def projection_state(self, result: Any, state: Any) -> tuple[Any, Any] | None: ...


def mode_for(generator: Any, z_mode: Mode, w_mode: Mode) -> Mode:
    """The mode a generator is explored in: W for a generator with a mapping network."""
    from ganstudio.core.generate import is_stylegan

    return w_mode if is_stylegan(generator) else z_mode


def describe(loaded: Any) -> str:
    """The header line: name, step, family, size and latent size."""
    gen = loaded.generator
    c, h, w = gen.sample_shape
    name = getattr(loaded, "name", None) or (
        Path(loaded.source).name if getattr(loaded, "source", None) else "in-memory generator"
    )
    arch = getattr(getattr(getattr(loaded, "config", None), "model", None), "arch", "")
    step = int(getattr(loaded, "step", 0) or 0)
    parts = [name]
    if step:
        parts.append(f"step {step:,}")
    parts.append(f"{arch.upper() + ' ' if arch else ''}{w}×{h}×{c}, z {gen.latent_dim}")
    return "   ·   ".join(parts)


class ZMode:
    """Exploring z: the state is a LatentState, frames render its effective z."""

    space = "z"

    def __init__(self, tab: ExplorerTab) -> None:
        self.tab = tab
        self._generator: Any = None
        self._search_class: int | None = None  # the class directions were last sought for
        self._projection_class: int | None = None  # the class the last projection drew

    # ------------------------------------------------------------ entering and leaving
    def enter(self, loaded: Any, previous: Any) -> tuple[Any, bool]:
        """The first state for ``loaded``, and whether it continues ``previous``."""
        from ganstudio.core.latent import LatentState

        self._generator = loaded.generator
        dim = int(self._generator.latent_dim)
        self.tab.controls.sliders.set_dim(dim)
        if previous is not None and previous.dim == dim:
            from ganstudio.gui.explorer.classes import kept_class

            kept = kept_class(self._generator, previous.class_index)
            return previous.with_(offsets=(), class_index=kept), True
        controls = self.tab.controls
        return LatentState.from_seed(controls.seed_spin.value(), dim, controls.psi()), False

    def leave(self) -> None:
        self._generator = None

    def describe(self, loaded: Any) -> str:
        return describe(loaded)

    def vector_size(self) -> int:
        return int(self._generator.latent_dim)

    # ------------------------------------------------------------ the state and its frame
    def seed_changes(self, seed: int) -> dict[str, Any]:
        from ganstudio.core import latent

        return {"z": latent.sample_z(seed, 1, self.vector_size())[0].numpy(), "seed": seed}

    def show_state(self, state: Any) -> None:
        self.tab.controls.show_state(state.seed, state.psi, state.z)

    def caption(self, state: Any, directions: Any) -> str:
        z = self.vector(state, directions)
        seed = f"Seed {state.seed}" if state.seed is not None else "Edited latent"
        # the z the generator takes: truncated and moved along the directions
        return (f"{seed}   ·   ‖z‖ {np.linalg.norm(z):.2f} after truncation   ·   "
                f"ψ {state.psi:.2f}   ·   {z.shape[0]} dimensions")

    def request_frame(self, state: Any, directions: Any) -> int:
        return self.tab.renderer.request(state)

    def drag_started(self) -> None:
        pass  # z frames are fast enough to be whole while dragging

    def drag_finished(self) -> None:
        pass

    def frame_shown(self) -> None:
        pass

    # ------------------------------------------------------------ latents as vectors
    def vector(self, state: Any, directions: Any) -> np.ndarray:
        return state.effective_z(None if directions is None else directions.vectors)

    def state_of_vector(self, vector: np.ndarray, state: Any) -> Any:
        from ganstudio.core.latent import LatentState

        return LatentState(np.array(vector, np.float32), seed=None, psi=1.0,
                           class_index=state.class_index)

    def request_path_frame(self, vector: np.ndarray, label: Any = None) -> int:
        """``label``: the frame's class row on a path between keyframes of their own classes
        (None: the class shown)."""
        state = self.tab.state
        if label is None and state is not None:
            label = state.label
        return self.tab.renderer.request_z(vector, label)

    def path_caption(self, vector: np.ndarray, frame: int, count: int) -> str:
        return f"Interpolation frame {frame + 1} of {count}   ·   ‖z‖ {np.linalg.norm(vector):.2f}"

    def request_grid(self, seeds: list[int], state: Any, directions: Any,
                     classes: list[int] | None = None) -> int:
        """``classes``: each cell's class (None: every cell draws the state's class)."""
        from ganstudio.core.generate import num_classes
        from ganstudio.core.latent.directions import seeds_latents

        vectors = None if directions is None else directions.vectors
        offsets = tuple(state.offsets) if vectors is not None else ()
        z = seeds_latents(seeds, state.dim, state.psi, offsets, vectors)
        labels = None
        if num_classes(self._generator):
            labels = classes if classes is not None else [state.class_index] * len(seeds)
        return self.tab.renderer.request_grid(z, labels)

    def grid_pick(self, state: Any, seed: int, offsets: tuple[float, ...]) -> Any:
        return state.with_(**self.seed_changes(seed))

    def export_job(self, frames: np.ndarray, target: Path, fps: float, scale: int,
                   state: Any, labels: Any = None) -> Job:
        from ganstudio.core.generate import num_classes

        if labels is None and num_classes(self._generator):
            labels = [state.class_index] * len(frames)  # the class shown
        # GIFs repeat forever; the path's own loop is in its frames
        return export_job(self._generator, frames, str(target), fps, scale, True, labels)

    def sweep(self, state: Any, directions: Any, index: int, sigma: float, steps: int,
              loop: bool) -> np.ndarray | None:
        from ganstudio.core.latent.directions import direction_sweep

        return direction_sweep(self.vector(state, directions), directions.vectors[index], sigma,
                               steps, loop=loop)

    # ------------------------------------------------------------ latent files
    def save_dialog(self) -> tuple[str, str, str]:
        return "Save latent and keyframes", "latent.npy", LATENT_FILTERS

    def load_dialog(self) -> tuple[str, str]:
        return "Load latent", "Latent vectors (*.npy *.json);;All files (*)"

    def save_latents_job(self, target: Path, state: Any, directions: Any,
                         keys: np.ndarray) -> tuple[Path, Job]:
        from ganstudio.core import export

        if target.suffix.lower() not in (".npy", ".json"):
            target = target.with_suffix(".npy")
        z = self.vector(state, directions)
        classes = self.tab.classes.file_classes(state, len(keys))
        return target, lambda _p, _s: export.save_latents(target, z, keys if keys.size else None,
                                                          classes)

    def load_latents_job(self, path: Path) -> Job:
        generator, dim = self._generator, self.vector_size()

        def job(progress: Any, stop: Any) -> Any:
            from ganstudio.core import export
            from ganstudio.core.generate import num_classes

            data = export.load_latents(path)
            if data["z"].shape[0] != dim:
                raise export.FileFormatError(
                    f"{path.name} holds {data['z'].shape[0]}-dimensional latents; "
                    f"this generator takes {dim}."
                )
            keys, classes = data["keyframes"], data["classes"]
            labels = None if classes is None or not num_classes(generator) else classes[1:]
            thumbs = render_job(generator, keys, labels)(progress, stop) if len(keys) else []
            return data["z"], keys, thumbs, classes

        return job

    def clipboard_text(self, state: Any, directions: Any) -> str:
        values = [np.format_float_positional(v, unique=True, trim="-")
                  for v in self.vector(state, directions)]
        return "[" + ", ".join(values) + "]"

    def parse_clipboard(self, text: str) -> np.ndarray:
        return parse_latent_text(text.strip(), self.vector_size())

    # ------------------------------------------------------------ directions
    def show_direction_layers(self) -> None:
        """List the layers directions can come from (found in a worker)."""
        tab, generator = self.tab, self._generator
        tab.direction_panel.set_layers([])
        tab.tasks.start(
            "direction-layers",
            direction_layers_job(generator),
            lambda result: self._on_direction_layers(result, generator),
            failed=lambda _msg: None,  # without a list the search still takes the default layer
        )

    def _on_direction_layers(self, result: Any, generator: Any) -> None:
        if generator is not self._generator:
            return
        layers, default = result
        items = []
        for layer in layers:
            if layer.kind == "latent":
                text = f"latent z  ·  {shape_text(layer.shape)}"
            else:
                text = f"{layer.name or 'output'}  ·  {layer.kind}  ·  {shape_text(layer.shape)}"
            if layer.name == default:
                text += "  (default)"
            items.append((layer.name, text))
        shown = self.tab.directions
        self.tab.direction_panel.set_layers(items, shown.layer if shown is not None else default)

    def choosing_a_layer_searches(self) -> bool:
        return True

    def directions_job(self, compute: bool, layer: str | None) -> tuple[Job, str]:
        panel = self.tab.direction_panel
        where = panel.layer_text(layer) if layer is not None else "a layer"
        text = f"Sampling latents and the activations of {where}…"
        cache = str(self.tab.cache_dir)
        # a conditional generator's directions are found for the class shown
        self._search_class = self.tab.classes.of(self.tab.state)
        return directions_job(self._generator, cache, compute, layer=layer,
                              class_index=self._search_class), text

    def load_directions_job(self, path: Path) -> Job:
        generator, dim = self._generator, self.vector_size()

        def job(_progress: Any, _stop: Any) -> Any:
            from ganstudio.core import latent
            from ganstudio.core.latent import directions as core_directions

            return core_directions.load_directions(path, dim, latent.weights_hash(generator))

        return job

    def directions_cache(self, directions: Any) -> Path | None:
        return directions_cache_file(str(self.tab.cache_dir), directions.weights_hash,
                                     directions.layer, DIRECTION_SAMPLES, DIRECTION_COUNT,
                                     self._search_class)

    # ------------------------------------------------------------ projection
    def project_job(self, target: Any, steps: int, lr: float) -> Job:
        # a conditional generator's z is sought in the class shown, and shown in it
        self._projection_class = self.tab.classes.of(self.tab.state)
        return project_job(self._generator, target, steps, lr, 0, self._projection_class)

    def projection_state(self, result: Any, state: Any) -> tuple[Any, Any] | None:
        from ganstudio.core.latent import LatentState

        if result.z.shape[0] != state.dim:
            return None  # found for a generator no longer shown
        return (LatentState(result.z.numpy(), seed=None, psi=1.0,
                            class_index=self._projection_class or 0), result.image)


def parse_latent_text(text: str, dim: int) -> np.ndarray:
    """A latent from text: a JSON list, or numbers separated by commas or spaces."""
    import json

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
