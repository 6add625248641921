"""W latents to and from files: the styles ws (num_ws, w_dim) a StyleGAN2 frame is made of,
and optional keyframes (K, num_ws, w_dim).

- ``.npy``: one float32 array, (num_ws, w_dim) without keyframes, else (1 + K, num_ws, w_dim)
  with the current ws first. A single w (w_dim,) also loads (repeated on every layer).
- ``.npz``: NVlabs' projector format (`projected_w.npz`: ``w`` shaped (1, num_ws, w_dim)),
  plus ``keyframes`` when there are some; their files load as they are.
- ``.json``: ``{"format", "version", "space": "w", "num_ws", "w_dim", "ws", "keyframes",
  "state"}``; ``state`` records the explorer settings that made ``ws`` (seed, truncation,
  mixing...), for people reading the file; loading uses ``ws`` alone.

A conditional generator's ws already carry their class (the mapping took it); the class of
the latent and of each keyframe is still recorded, so that the explorer shows it again: as
"class" and "keyframe_classes" in the JSON form, in a sidecar beside .npy and .npz files
(:func:`ganstudio.core.export.classes_sidecar`). Files without them load as before.

z latent files (:func:`ganstudio.core.export.save_latents`) are unchanged; their JSON has no
``space`` (read as "z"), and each loader names the other space when handed the wrong file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.export import (
    LATENT_FORMAT,
    LATENT_VERSION,
    FileFormatError,
    atomic_write,
    class_list,
    read_classes,
    read_classes_sidecar,
    reading_as_format_errors,
    write_classes_sidecar,
)

W_SUFFIXES = (".npy", ".npz", ".json")


def _ws_array(ws: Any, num_ws: int | None = None) -> np.ndarray:
    arr = np.asarray(ws.detach().cpu().numpy() if hasattr(ws, "detach") else ws, np.float32)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 1 and num_ws is not None:
        arr = np.repeat(arr[None], num_ws, axis=0)
    if arr.ndim != 2:
        raise ValueError(f"ws must be shaped (num_ws, w_dim), not {arr.shape}")
    return arr


def save_w_latents(
    path: str | os.PathLike[str],
    ws: Any,
    keyframes: Any | None = None,
    state: dict[str, Any] | None = None,
    classes: Any | None = None,
) -> Path:
    """Write ws (num_ws, w_dim) and optional keyframes (K, num_ws, w_dim) atomically;
    ``classes``: a conditional model's class of the latent, then of each keyframe."""
    target = Path(path)
    cur = _ws_array(ws)
    num_ws, w_dim = cur.shape
    kf = np.zeros((0, num_ws, w_dim), np.float32)
    if keyframes is not None and len(keyframes):
        kf = np.asarray(keyframes, np.float32).reshape(-1, num_ws, w_dim)
    cls = class_list(classes, 1 + len(kf))
    suffix = target.suffix.lower()
    with atomic_write(target) as tmp:
        if suffix == ".npy":
            arr = cur if not len(kf) else np.concatenate([cur[None], kf])
            with open(tmp, "wb") as fh:
                np.save(fh, arr, allow_pickle=False)
        elif suffix == ".npz":
            extra = {"keyframes": kf} if len(kf) else {}
            with open(tmp, "wb") as fh:
                np.savez(fh, w=cur[None], **extra)
        elif suffix == ".json":
            doc = {
                "format": LATENT_FORMAT,
                "version": LATENT_VERSION,
                "space": "w",
                "num_ws": int(num_ws),
                "w_dim": int(w_dim),
                "ws": cur.tolist(),
                "keyframes": kf.tolist(),
                "state": state or {},
            }
            if cls is not None:
                doc["class"], doc["keyframe_classes"] = cls[0], cls[1:]
            tmp.write_text(json.dumps(doc), encoding="utf-8")
        else:
            raise ValueError(f"cannot save W latents as '{suffix}'; use .npy, .npz or .json")
    if suffix != ".json":
        write_classes_sidecar(target, cls)
    return target


def load_w_latents(path: str | os.PathLike[str], num_ws: int, w_dim: int) -> dict[str, Any]:
    """Read W latents for a generator of ``num_ws`` styles of ``w_dim``:
    ``{"ws": (num_ws, w_dim), "keyframes": (K, num_ws, w_dim), "state": dict,
    "classes": (1 + K,) int or None}``.

    Anything else raises :class:`~ganstudio.core.export.FileFormatError` with a sentence.
    """
    p = Path(path)
    shape = f"({num_ws}, {w_dim})"
    expected = (
        f"{p.name} is not a W latent file for this model: expected ws shaped {shape}, "
        f"a single w ({w_dim},), or a JSON file saved by GAN Studio"
    )
    state: dict[str, Any] = {}
    doc: Any = None
    with reading_as_format_errors(p, expected):
        suffix = p.suffix.lower()
        if suffix == ".npy":
            arr = _numeric(np.load(p, allow_pickle=False), expected)
        elif suffix == ".npz":
            with np.load(p, allow_pickle=False) as data:
                if "w" not in data.files:
                    raise FileFormatError(expected + "; it has no 'w' array.")
                arr = _numeric(data["w"], expected)
                if arr.ndim == 3 and "keyframes" in data.files:
                    arr = np.concatenate([arr[:1], _numeric(data["keyframes"], expected)])
        elif suffix == ".json":
            doc = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(doc, dict):
                raise FileFormatError(expected + ".")
            if doc.get("space", "z") != "w":
                raise FileFormatError(
                    f"{p.name} holds a z latent, not W styles; open it with a model explored in z."
                )
            arr = _numeric(np.asarray(doc.get("ws"), np.float32), expected)
            keys = np.asarray(doc.get("keyframes") or [], np.float32)
            if keys.size:
                arr = np.concatenate([arr[None], keys.reshape(-1, *arr.shape)])
            state = doc.get("state") if isinstance(doc.get("state"), dict) else {}
        else:
            raise FileFormatError(expected + ".")
    rows = _as_rows(arr, num_ws, w_dim)
    if rows is None:
        raise FileFormatError(expected + f"; it holds an array of shape {arr.shape}.")
    if not np.all(np.isfinite(rows)):
        raise FileFormatError(f"{p.name} holds values that are not finite numbers.")
    classes = read_classes(doc, len(rows), p.name) if doc is not None else (
        read_classes_sidecar(p, len(rows)))
    return {"ws": rows[0], "keyframes": rows[1:], "state": state, "classes": classes}


def _numeric(arr: Any, expected: str) -> np.ndarray:
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fiu":
        raise FileFormatError(expected + ".")
    return arr.astype(np.float32)


def _as_rows(arr: np.ndarray, num_ws: int, w_dim: int) -> np.ndarray | None:
    """(1 + K, num_ws, w_dim) from the shapes a W file may hold, else None."""
    if arr.shape == (w_dim,):
        return np.repeat(arr[None, None], num_ws, axis=1)
    if arr.shape == (num_ws, w_dim):
        return arr[None]
    if arr.ndim == 3 and arr.shape[1:] == (num_ws, w_dim) and arr.shape[0] >= 1:
        return arr
    return None
