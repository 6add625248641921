"""The run folder: config.json, metrics.jsonl, samples/step_XXXXXXX.png, checkpoints/.

The writer appends whole lines to metrics.jsonl and writes everything else atomically, so a
reader in another process (the app following a terminal run, or a folder synced from a
server) only ever sees complete files and complete lines. One writer at a time: it holds the
folder's lock (runlock.py) from before its first write until close().
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.config import ConfigError, RunConfig
from ganstudio.core.fsutil import atomic_path, atomic_write_text
from ganstudio.core.io.runlock import LOCK_NAME, LockOwner, RunLock, lock_owner

CONFIG = "config.json"
METRICS = "metrics.jsonl"
SAMPLES = "samples"
CHECKPOINTS = "checkpoints"
LATEST = "latest.safetensors"
_STEP_RE = re.compile(r"step_(\d+)\.(png|safetensors)$")


def step_name(step: int, suffix: str) -> str:
    return f"step_{step:07d}{suffix}"


def is_run_dir(path: str | Path) -> bool:
    path = Path(path)
    return path.is_dir() and ((path / CONFIG).is_file() or (path / CHECKPOINTS).is_dir())


def _stepped(folder: Path, suffix: str) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _STEP_RE.match(p.name)
        if m and p.suffix == suffix:
            found.append((int(m.group(1)), p))
    return sorted(found)


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    folder = Path(run_dir) / CHECKPOINTS
    latest = folder / LATEST
    if latest.is_file():
        return latest
    stepped = _stepped(folder, ".safetensors")
    return stepped[-1][1] if stepped else None


def _is_stale_temporary(path: Path) -> bool:
    # fsutil.atomic_path writes ".<random><suffix>" (".part" unless a suffix is given: a sample
    # grid's is ".png"); exports and the lock's owner file use ".tmp". Nothing else in a run
    # folder is hidden except the lock itself.
    name = path.name
    if not name.startswith(".") or name == LOCK_NAME:
        return False
    return name.endswith((".part", ".tmp")) or (path.parent.name == SAMPLES and name.endswith(".png"))


def remove_stale_temporaries(run_dir: str | Path) -> list[Path]:
    """Deletes the temporary files that writers killed mid-write (kill -9, a power cut) left in
    a run folder; only its writer, holding the lock, calls this, so none is being written."""
    removed = []
    root = Path(run_dir)
    for folder in (root, root / SAMPLES, root / CHECKPOINTS):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if _is_stale_temporary(p) and p.is_file() and not p.is_symlink():
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


def _clean(value: Any) -> Any:
    # JSON has no NaN/Inf; a diverged loss is written as null rather than breaking the file.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class RunWriter:
    """Writes a run folder. Takes the folder's lock first (or is handed one already held) and
    raises runlock.RunLocked when another process is writing it; close() releases it."""

    def __init__(self, run_dir: str | Path, config: RunConfig, lock: RunLock | None = None) -> None:
        self.dir = Path(run_dir)
        self.lock = lock if lock is not None else RunLock(self.dir).acquire()
        try:
            remove_stale_temporaries(self.dir)
            (self.dir / SAMPLES).mkdir(exist_ok=True)
            (self.dir / CHECKPOINTS).mkdir(exist_ok=True)
            self.write_config(config)
            self._metrics = open(self.dir / METRICS, "a", encoding="utf-8")  # noqa: SIM115
        except BaseException:
            self.lock.release()
            raise

    def write_config(self, config: RunConfig) -> None:
        """config.json: the settings the run trains with (again when they change while it runs)."""
        atomic_write_text(self.dir / CONFIG, config.to_json() + "\n")

    @property
    def took_over_from(self) -> LockOwner | None:
        """The earlier writer that stopped without closing this run, if there was one."""
        return self.lock.previous

    @property
    def checkpoint_dir(self) -> Path:
        return self.dir / CHECKPOINTS

    def log(self, row: dict[str, Any]) -> None:
        self._metrics.write(json.dumps({k: _clean(v) for k, v in row.items()}) + "\n")
        self._metrics.flush()

    def truncate_after(self, step: int) -> None:
        """Drops metric rows past `step` (after a resume from an earlier checkpoint)."""
        self._metrics.close()
        rows = RunReader(self.dir).metrics()
        keep = "".join(json.dumps(r) + "\n" for r in rows if r.get("step", 0) <= step)
        atomic_write_text(self.dir / METRICS, keep)
        self._metrics = open(self.dir / METRICS, "a", encoding="utf-8")  # noqa: SIM115

    def save_samples(self, step: int, grid: np.ndarray) -> Path:
        from PIL import Image

        path = self.dir / SAMPLES / step_name(step, ".png")
        img = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
        with atomic_path(path, suffix=".png") as tmp:
            img.save(tmp, format="PNG")
        return path

    def close(self) -> None:
        if not self._metrics.closed:
            self._metrics.close()
        self.lock.release()


class RunReader:
    """Reads a run folder, also one that another process is still writing."""

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        if not self.dir.is_dir():
            raise FileNotFoundError(f"{self.dir} is not a folder")
        self._offset = 0
        self._config: RunConfig | None = None

    @property
    def config(self) -> RunConfig | None:
        if self._config is None and (self.dir / CONFIG).is_file():
            try:
                self._config = RunConfig.from_json((self.dir / CONFIG).read_text("utf-8"))
            except (ConfigError, OSError, UnicodeDecodeError):
                return None
        return self._config

    def poll(self) -> list[dict[str, Any]]:
        """Metric rows appended since the last call; a half-written last line waits for later."""
        path = self.dir / METRICS
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self._offset:  # the file was rewritten (a resume truncated it): start over
            self._offset = 0
        if size == self._offset:
            return []
        with open(path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read(size - self._offset)
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self._offset += end + 1
        rows = []
        for line in chunk[: end + 1].splitlines():
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a damaged line costs that line, not the run
            if isinstance(row, dict):
                rows.append(row)
        return rows

    def metrics(self) -> list[dict[str, Any]]:
        return RunReader(self.dir).poll()

    def lock_owner(self) -> LockOwner | None:
        """The process writing this run now, or None; a reader only probes, never holds, the lock."""
        return lock_owner(self.dir)

    def is_locked(self) -> bool:
        return self.lock_owner() is not None

    def samples(self) -> list[tuple[int, Path]]:
        return _stepped(self.dir / SAMPLES, ".png")

    def checkpoints(self) -> list[tuple[int, Path]]:
        return _stepped(self.dir / CHECKPOINTS, ".safetensors")

    def latest_checkpoint(self) -> Path | None:
        return latest_checkpoint(self.dir)
