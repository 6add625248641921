"""Images, animations and latent vectors to and from files.

Every write goes through :func:`atomic_write`: the data lands in a temporary
file next to the target, is fsynced, then replaces the target in one step, so
a crash never leaves a half-written file where a good one was.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganstudio.core.errors import Cancelled, UserError
from ganstudio.core.fsutil import atomic_path
from ganstudio.core.generate import to_uint8  # noqa: F401  (the one conversion; export's callers use it)

ProgressFn = Callable[[int, int], None]
StopFn = Callable[[], bool]

LATENT_FORMAT = "ganstudio.latents"
LATENT_VERSION = 1
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
# The most pixels an image read here or by core.data may have, judged by its header before
# anything is decoded: a 12000x12000 PNG is 1.8 MB on disk and 430 MB decoded.
MAX_IMAGE_PIXELS = 50_000_000


class FileFormatError(UserError, ValueError):
    """A file a person chose is not what was expected; the message says why."""


class ExportCancelled(Cancelled, RuntimeError):
    """An export was stopped on request; nothing was written."""


def atomic_write(path: str | os.PathLike[str]) -> contextlib.AbstractContextManager[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    The temporary name keeps the suffix so that writers choosing a format by
    extension (Pillow, ffmpeg) see the right one.
    """
    return atomic_path(path, suffix=f".tmp{Path(path).suffix}")


@contextlib.contextmanager
def reading_as_format_errors(path: Path, expected: str) -> Iterator[None]:
    """Turn what goes wrong while reading ``path`` into one :class:`FileFormatError`.

    ``expected`` is the sentence (without its full stop) that says what the file
    should have been; a missing file gets its own sentence. A FileFormatError
    raised inside passes through unchanged.
    """
    try:
        yield
    except FileFormatError:
        raise
    except FileNotFoundError as exc:
        raise FileFormatError(f"{path.name} does not exist.") from exc
    except (OSError, ValueError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: JSON nested thousands deep
        raise FileFormatError(expected + ".") from exc


# ---------------------------------------------------------------- images


def make_grid(
    images: torch.Tensor | np.ndarray, nrow: int, padding: int = 2, pad_value: int = 0
) -> np.ndarray:
    """Tile images into one uint8 (H, W, C) picture, ``nrow`` images a row.

    Accepts float (N, C, H, W) in [-1, 1] or uint8 (N, H, W, C).
    """
    arr = np.asarray(images) if not isinstance(images, torch.Tensor) else images
    if isinstance(arr, np.ndarray) and arr.dtype == np.uint8:
        tiles = arr if arr.ndim == 4 else arr[None]
    else:
        tiles = to_uint8(arr)
    n, h, w, c = tiles.shape
    ncol = max(1, int(nrow))
    nrows = max(1, -(-n // ncol))
    out = np.full(
        (nrows * (h + padding) + padding, ncol * (w + padding) + padding, c), pad_value, np.uint8
    )
    for i in range(n):
        r, col = divmod(i, ncol)
        y = padding + r * (h + padding)
        x = padding + col * (w + padding)
        out[y : y + h, x : x + w] = tiles[i]
    return out


def upscale(frame: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement of a uint8 (H, W, C) image."""
    if factor <= 1:
        return frame
    return np.repeat(np.repeat(frame, factor, axis=0), factor, axis=1)


def _as_pil(array: np.ndarray):  # -> PIL.Image.Image
    from PIL import Image

    arr = np.asarray(array)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return Image.fromarray(arr, mode="L")
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        return Image.fromarray(arr, mode="RGB" if arr.shape[2] == 3 else "RGBA")
    raise ValueError(f"cannot write an image shaped {arr.shape}")


def save_png(array: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write a uint8 (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) image as PNG."""
    image = _as_pil(array)
    with atomic_write(path) as tmp:
        image.save(tmp, format="PNG")
    return Path(path)


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read any image Pillow knows as uint8 (H, W, 3) RGB (first frame of animations)."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    limit = f"the {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels GAN Studio decodes; choose a smaller image."
    try:
        with Image.open(p) as im:  # reads the header only
            width, height = im.size
            if width * height > MAX_IMAGE_PIXELS:
                raise FileFormatError(f"{p.name} is {width}x{height} pixels, more than {limit}")
            im.seek(0)
            rgb = im.convert("RGBA") if im.mode in ("P", "LA", "PA") else im
            return np.asarray(rgb.convert("RGB"), dtype=np.uint8).copy()
    except FileFormatError:
        raise
    except FileNotFoundError as exc:
        raise FileFormatError(f"{p.name} does not exist.") from exc
    except Image.DecompressionBombError:  # Pillow's own limit, above ours, met while opening
        raise FileFormatError(f"{p.name} is larger than {limit}") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise FileFormatError(
            f"{p.name} is not an image this app can read; expected a PNG, JPEG, BMP, "
            "GIF, WebP or TIFF file."
        ) from exc


def image_to_tensor(rgb: np.ndarray, channels: int, resolution: int) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (C, R, R) in [-1, 1]: centre crop, resize, colour mode."""
    from PIL import Image

    image = Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    image = image.crop((left, top, left + side, top + side))
    image = image.convert("L" if channels == 1 else "RGB")
    image = image.resize((resolution, resolution), Image.Resampling.LANCZOS)
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if channels not in (1, 3):
        raise ValueError(f"cannot convert an image to {channels} channels")
    tensor = torch.from_numpy(arr.transpose(2, 0, 1).copy())
    return tensor / 127.5 - 1.0


# ---------------------------------------------------------------- animations


def _stack_frames(frames: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    out = [np.asarray(f) for f in frames]
    if not out:
        raise ValueError("there are no frames to write")
    for f in out:
        if f.dtype != np.uint8 or f.ndim != 3 or f.shape != out[0].shape:
            raise ValueError("frames must be uint8 (H, W, C) images of one size")
    return out


def save_animation(
    frames: Sequence[np.ndarray] | np.ndarray,
    path: str | os.PathLike[str],
    fps: float,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    scale: int = 1,
    loop: bool = True,
) -> Path:
    """Write uint8 (H, W, C) frames as .gif, .mp4 or a .png strip (one row), atomically.

    ``scale`` enlarges each frame with nearest neighbour (small models give
    28-pixel frames); ``loop`` makes a GIF repeat forever. Raises :class:`ExportCancelled` if ``should_stop`` says so;
    the target is then left as it was.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".gif", ".mp4", ".png"):
        raise ValueError(f"cannot export an animation as '{suffix}'; use .gif, .mp4 or .png")
    if fps <= 0:
        raise ValueError("fps must be > 0")
    items = _stack_frames(frames)
    total = len(items)

    def tick(i: int) -> None:
        if should_stop is not None and should_stop():
            raise ExportCancelled("export cancelled")
        if progress is not None:
            progress(i, total)

    with atomic_write(target) as tmp:
        if suffix == ".png":
            strip = np.concatenate([upscale(f, scale) for f in items], axis=1)
            tick(total)
            _as_pil(strip).save(tmp, format="PNG")
        elif suffix == ".gif":
            images = []
            for i, f in enumerate(items):
                tick(i)
                images.append(_as_pil(upscale(f, scale)))
            # Pillow folds a frame identical to the one before into it.
            # loop=0 repeats forever; without the key the GIF plays once.
            repeat = {"loop": 0} if loop else {}
            images[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=max(1, round(1000.0 / fps)),
                optimize=False,
                **repeat,
            )
            tick(total)
        else:
            _write_mp4(items, tmp, fps, scale, tick)
    return target


def _write_mp4(
    items: list[np.ndarray], tmp: Path, fps: float, scale: int, tick: Callable[[int], None]
) -> None:
    import imageio_ffmpeg

    first = upscale(items[0], scale)
    h, w = first.shape[:2]
    # yuv420p needs even sides.
    ph, pw = h + (h % 2), w + (w % 2)
    writer = imageio_ffmpeg.write_frames(
        str(tmp),
        (pw, ph),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        quality=8,
        output_params=["-f", "mp4"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    try:
        for i, f in enumerate(items):
            tick(i)
            big = upscale(f, scale)
            if big.shape[2] == 1:
                big = np.repeat(big, 3, axis=2)
            elif big.shape[2] == 4:
                big = big[:, :, :3]
            if (ph, pw) != (h, w):
                big = np.pad(big, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
            writer.send(np.ascontiguousarray(big))
        tick(len(items))
    finally:
        writer.close()


# ---------------------------------------------------------------- latent vectors


def _vector(z: Any, name: str) -> np.ndarray:
    if isinstance(z, torch.Tensor):
        z = z.detach().cpu().numpy()
    arr = np.asarray(z, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[0] == 1 and name == "z":
        arr = arr[0]
    return arr


def classes_sidecar(path: str | os.PathLike[str]) -> Path:
    """Where the classes of a conditional model's latents saved as an array file are kept:
    ``latent.npy`` -> ``latent.classes.json`` (an array has no room for them)."""
    return Path(path).with_suffix(".classes.json")


def class_list(classes: Any, rows: int) -> list[int] | None:
    if classes is None:
        return None
    values = [int(c) for c in np.asarray(classes).reshape(-1)]
    if len(values) != rows:
        raise ValueError(f"expected {rows} classes (the latent and each keyframe), got {len(values)}")
    return values


def write_classes_sidecar(path: str | os.PathLike[str], classes: list[int] | None) -> None:
    """Write (or, with no classes, remove a stale) sidecar beside an array file."""
    side = classes_sidecar(path)
    if classes is None:
        if side.is_file():
            side.unlink()
        return
    doc = {"format": LATENT_FORMAT, "version": LATENT_VERSION, "class": classes[0],
           "keyframe_classes": classes[1:]}
    with atomic_write(side) as tmp:
        tmp.write_text(json.dumps(doc), encoding="utf-8")


def read_classes(doc: Any, rows: int, name: str) -> np.ndarray | None:
    """The classes (rows,) a latent file's JSON records ("class", "keyframe_classes"); None
    when it records none (an unconditional model's file, or one written before classes)."""
    if not isinstance(doc, dict) or doc.get("class") is None:
        return None
    keys = doc.get("keyframe_classes") or []
    try:
        values = np.asarray([doc["class"], *keys], dtype=np.float64)
    except (TypeError, ValueError):
        values = np.zeros(0)
    if values.shape != (rows,) or not np.all(values == np.round(values)) or np.any(values < 0):
        raise FileFormatError(f"{name} records classes that do not match its latents: expected "
                              f"{rows} class numbers, one for the latent and each keyframe.")
    return values.astype(np.int64)


def read_classes_sidecar(path: str | os.PathLike[str], rows: int) -> np.ndarray | None:
    side = classes_sidecar(path)
    if not side.is_file():
        return None
    with reading_as_format_errors(side, f"{side.name} is not a classes file saved by GAN Studio"):
        doc = json.loads(side.read_text(encoding="utf-8"))
    return read_classes(doc, rows, side.name)


def save_latents(path: str | os.PathLike[str], z: Any, keyframes: Any | None = None,
                 classes: Any | None = None) -> Path:
    """Write the current latent (dim,) and optional keyframes (K, dim) as .npy or .json.

    A .npy file holds one float32 array: row 0 is ``z``, rows 1.. the keyframes.
    A .json file holds ``{"format", "version", "z", "keyframes"}``.
    ``classes`` (a conditional model's): one class per row, the latent's first; the JSON
    form records them as "class" and "keyframe_classes", a .npy in a sidecar
    (:func:`classes_sidecar`).
    """
    target = Path(path)
    zv = _vector(z, "z")
    if zv.ndim != 1:
        raise ValueError(f"z must be one vector, got shape {zv.shape}")
    kf = None if keyframes is None else _vector(keyframes, "keyframes").reshape(-1, zv.shape[0])
    cls = class_list(classes, 1 + (0 if kf is None else len(kf)))
    suffix = target.suffix.lower()
    with atomic_write(target) as tmp:
        if suffix == ".npy":
            rows = zv[None] if kf is None or len(kf) == 0 else np.concatenate([zv[None], kf])
            with open(tmp, "wb") as fh:
                np.save(fh, rows.astype(np.float32), allow_pickle=False)
        elif suffix == ".json":
            doc = {
                "format": LATENT_FORMAT,
                "version": LATENT_VERSION,
                "dim": int(zv.shape[0]),
                "z": [float(v) for v in zv],
                "keyframes": [] if kf is None else [[float(v) for v in row] for row in kf],
            }
            if cls is not None:
                doc["class"], doc["keyframe_classes"] = cls[0], cls[1:]
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        else:
            raise ValueError(f"cannot save latents as '{suffix}'; use .npy or .json")
    if suffix == ".npy":
        write_classes_sidecar(target, cls)
    return target


def load_latents(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a file from :func:`save_latents`: ``{"z": (dim,), "keyframes": (K, dim),
    "classes": (1 + K,) int or None}`` (None: the file records no classes).

    A .npy holding a single vector or a (K, dim) array also loads (row 0 is z).
    Anything else raises :class:`FileFormatError` with a sentence for a person.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    expected = (
        f"{p.name} is not a latent vector file: expected a .npy array of shape (dim,) "
        "or (K, dim), or a .json file saved by GAN Studio"
    )
    with reading_as_format_errors(p, expected):
        if suffix == ".npy":
            rows = np.load(p, allow_pickle=False)
            if not isinstance(rows, np.ndarray) or rows.dtype.kind not in "fiu":
                raise FileFormatError(expected + ".")
            rows = rows.astype(np.float32)
            if rows.ndim == 1:
                rows = rows[None]
            if rows.ndim != 2 or rows.shape[0] < 1 or rows.shape[1] < 1:
                raise FileFormatError(expected + f"; it holds an array of shape {rows.shape}.")
            z, keyframes = rows[0], rows[1:]
            doc = None
        elif suffix == ".json":
            doc = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("space") == "w":
                raise FileFormatError(
                    f"{p.name} holds W styles of a StyleGAN2 model; open it while one is shown."
                )
            if not isinstance(doc, dict) or "z" not in doc:
                raise FileFormatError(expected + "; it has no 'z' entry.")
            z = np.asarray(doc["z"], dtype=np.float32)
            if z.ndim != 1 or z.size < 1:
                raise FileFormatError(expected + "; its 'z' is not a list of numbers.")
            keyframes = np.asarray(doc.get("keyframes") or [], dtype=np.float32)
            keyframes = (
                keyframes.reshape(-1, z.shape[0])
                if keyframes.size
                else np.zeros((0, z.shape[0]), np.float32)
            )
        else:
            raise FileFormatError(expected + ".")
    if not np.all(np.isfinite(z)) or not np.all(np.isfinite(keyframes)):
        raise FileFormatError(f"{p.name} holds values that are not finite numbers.")
    rows = 1 + len(keyframes)
    classes = read_classes(doc, rows, p.name) if doc is not None else (
        read_classes_sidecar(p, rows))
    return {"z": z, "keyframes": keyframes, "classes": classes}
