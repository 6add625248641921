"""TensorBoard event files from a run folder, so `tensorboard --logdir runs` shows GAN Studio runs.

Every numeric key of metrics.jsonl becomes a scalar (tag = key, x = step) and every sample grid
in samples/ an image (tag "samples"). Written with tensorboardX (numpy and protobuf only; the
`tensorboard` package itself, which torch.utils.tensorboard needs, is far larger): install it
with `pip install "ganstudio[tensorboard]"` or `pip install tensorboardX`.

The files we write end in SUFFIX; a new conversion replaces the earlier ones (and any written
live by `ganstudio train --tensorboard`), so TensorBoard never shows a step twice.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.errors import UserError
from ganstudio.core.io.runs import CHECKPOINTS, METRICS, SAMPLES, RunReader, is_run_dir

SUFFIX = ".ganstudio"
FOLDER = "tensorboard"
SAMPLES_TAG = "samples"
INSTALL_HINT = 'pip install "ganstudio[tensorboard]" (or pip install tensorboardX)'


class TensorBoardError(UserError, RuntimeError):
    """Event files that cannot be written; the message says why and what to do."""


@dataclass
class Converted:
    folder: Path
    event_file: Path
    scalars: int  # scalar points written
    images: int  # sample grids written
    tags: list[str]


def _summary_writer(logdir: Path) -> Any:
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise TensorBoardError(f"Writing TensorBoard files needs the tensorboardX package: "
                               f"{INSTALL_HINT}.") from None
    return SummaryWriter(str(logdir), filename_suffix=SUFFIX, flush_secs=10)


def numeric_items(row: dict[str, Any]) -> list[tuple[str, float]]:
    """The (key, value) pairs of a metrics row that plot as scalars: finite numbers other than
    the step (bools such as `collapsed` and nulls for diverged losses are left out)."""
    return [(k, float(v)) for k, v in row.items()
            if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)
            and np.isfinite(v)]


def grid_array(path: Path) -> np.ndarray:
    """A sample PNG as uint8 (H, W, C)."""
    from PIL import Image

    with Image.open(path) as im:
        arr = np.asarray(im.convert("L" if im.mode in ("L", "I", "I;16") else "RGB"))
    return arr[..., None] if arr.ndim == 2 else arr


class EventWriter:
    """Writes scalars and sample grids as they come (`ganstudio train --tensorboard`)."""

    def __init__(self, logdir: str | Path) -> None:
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._w = _summary_writer(self.logdir)
        self.scalars = 0
        self.images = 0
        self.tags: set[str] = set()

    def log(self, row: dict[str, Any], walltime: float | None = None) -> None:
        step = int(row.get("step", 0))
        for key, value in numeric_items(row):
            self._w.add_scalar(key, value, step, walltime=walltime)
            self.scalars += 1
            self.tags.add(key)

    def samples(self, step: int, grid: np.ndarray, walltime: float | None = None) -> None:
        grid = np.asarray(grid, dtype=np.uint8)
        self._w.add_image(SAMPLES_TAG, grid, int(step), walltime=walltime, dataformats="HWC")
        self.images += 1
        self.tags.add(SAMPLES_TAG)

    def close(self) -> None:
        self._w.close()


def _wall_times(run: Path, steps: list[int]) -> list[float]:
    """When each step happened, read off the files written at known steps (sample grids and
    checkpoints) and interpolated between them; metrics.jsonl holds no times of its own."""
    anchors = sorted((s, p.stat().st_mtime) for s, p in
                     RunReader(run).samples() + RunReader(run).checkpoints())
    if not anchors:
        t = (run / METRICS).stat().st_mtime if (run / METRICS).exists() else 0.0
        return [t] * len(steps)
    xs, ts = zip(*anchors)
    return [float(v) for v in np.interp(steps, xs, ts)]


def convert_run(run_dir: str | Path, out: str | Path | None = None) -> Converted:
    """Writes the run's metrics and sample grids as one event file under out (default
    RUN/tensorboard), replacing the event files GAN Studio wrote there before."""
    run = Path(run_dir)
    if not is_run_dir(run):
        raise TensorBoardError(f"{run} is not a run folder (it has no config.json or "
                               f"{CHECKPOINTS}/); give the folder `ganstudio train` or the app wrote.")
    reader = RunReader(run)
    rows = [r for r in reader.metrics() if "step" in r]
    samples = reader.samples()
    if not rows and not samples:
        raise TensorBoardError(f"{run} holds no metrics ({METRICS}) and no sample grids "
                               f"({SAMPLES}/) yet; convert it once training has logged some.")
    folder = Path(out) if out is not None else run / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    times = _wall_times(run, [int(r["step"]) for r in rows] + [s for s, _ in samples])
    # Written in a scratch folder beside the target and moved in whole: TensorBoard, which may be
    # watching, never reads a half-written file, and the old files go only once the new one is in.
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder))
    try:
        writer = EventWriter(scratch)
        try:
            for row, t in zip(rows, times):
                writer.log(row, walltime=t)
            for (step, path), t in zip(samples, times[len(rows):]):
                writer.samples(step, grid_array(path), walltime=t)
        finally:
            writer.close()
        (made,) = scratch.glob(f"events.out.tfevents.*{SUFFIX}")
        target = folder / made.name
        made.replace(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for old in folder.glob(f"events.out.tfevents.*{SUFFIX}"):
        if old != target:
            old.unlink(missing_ok=True)
    return Converted(folder, target, writer.scalars, writer.images, sorted(writer.tags))
