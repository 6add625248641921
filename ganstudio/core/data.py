"""Datasets: the embedded MNIST, torchvision downloads, a folder of images, 2-D toys.

Image data is held in memory as one uint8 tensor (N, C, H, W) at the model's resolution;
the trainer turns batches into floats in [-1, 1] on its device. Every dataset we offer is
small enough for that (CIFAR-10 is 150 MB as uint8), and it keeps a training step free of
data-loader overhead.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio.core import toys
from ganstudio.core.config import IMPORTED, POINTS, DataConfig, ModelConfig, RunConfig
from ganstudio.core.errors import UserError
from ganstudio.core.export import MAX_IMAGE_PIXELS

# An image above MAX_IMAGE_PIXELS (after a JPEG's reduced decode) is skipped, judged by its
# header before anything is decoded; the same limit as a projection target's (core.export).

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
DECODE_THREADS = 8  # image-folder decoding; measured in bench/folder_decode.py
# Pixels decoded at once by the thread pool, so that a few large images do not decode side by side.
DECODING_PIXELS = 64_000_000
MAX_FOLDER_DEPTH = 32  # sub-folder levels an image folder is searched
ORIENTATION_TAG = 0x0112  # EXIF: how a camera image is rotated or mirrored
Progress = Callable[[int, int], None]  # (done, total)


class DataError(UserError, RuntimeError):
    """A dataset that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    kind: str  # "image" or "toy"
    channels: int  # natural channel count (0 for toys, for folders it is the model's)
    needs_download: bool = False
    size: int = 0  # number of training samples, when known
    classes: tuple[str, ...] = ()  # the class names, in label order, of a labelled dataset


DIGITS = tuple(str(i) for i in range(10))
FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")
CIFAR10 = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in (
        DatasetInfo("mnist-embedded", "MNIST (embedded, 10,000 digits)", "image", 1, False, 10_000, DIGITS),
        DatasetInfo("mnist", "MNIST (torchvision, 60,000 digits)", "image", 1, True, 60_000, DIGITS),
        DatasetInfo("fashion-mnist", "Fashion-MNIST (torchvision)", "image", 1, True, 60_000, FASHION),
        DatasetInfo("cifar10", "CIFAR-10 (torchvision)", "image", 3, True, 50_000, CIFAR10),
        DatasetInfo("folder", "A folder of my images", "image", 0, False),
        DatasetInfo("toy-ring", "2-D: 8 Gaussians on a ring", "toy", 0),
        DatasetInfo("toy-grid", "2-D: 25 Gaussians on a grid", "toy", 0),
        DatasetInfo("toy-spiral", "2-D: spiral", "toy", 0),
        DatasetInfo("toy-1d", "1-D: two Gaussians on a line", "toy", 0),
        DatasetInfo(POINTS, "Points from a file (.csv or .npy)", "toy", 0),
    )
}


def default_data_root() -> Path:
    """Where downloaded datasets go: $GANSTUDIO_DATA, else the platform's user data folder."""
    env = os.environ.get("GANSTUDIO_DATA")
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "GANStudio"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support" / "GANStudio"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "ganstudio"
    return base / "datasets"


# --- embedded MNIST --------------------------------------------------------------------

def _read_idx(path: Path, magic: int) -> np.ndarray:
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as e:
        raise DataError(f"The embedded dataset file {path.name} cannot be read ({e}); "
                        "reinstall GAN Studio.") from None
    got, count = struct.unpack(">II", raw[:8])
    if got != magic:
        raise DataError(f"{path.name} is not an IDX file (magic {got:#x}); reinstall GAN Studio.")
    shape = (count, *struct.unpack(">II", raw[8:16])) if magic == 0x803 else (count,)
    offset = 16 if magic == 0x803 else 8
    if len(raw) - offset < int(np.prod(shape)):
        raise DataError(f"{path.name} is truncated; reinstall GAN Studio.")
    return np.frombuffer(raw, np.uint8, int(np.prod(shape)), offset).reshape(shape)


def embedded_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test set that ships with the app: images (10000, 28, 28) uint8, labels (10000,)."""
    from ..resources import resource_path

    folder = resource_path("datasets", "mnist")
    images = _read_idx(folder / "t10k-images-idx3-ubyte.gz", 0x803)
    labels = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 0x801)
    return images, labels


# --- shaping images --------------------------------------------------------------------

def fit_images(images: np.ndarray | torch.Tensor, resolution: int, channels: int) -> torch.Tensor:
    """uint8 (N, H, W) or (N, H, W, C) -> uint8 (N, channels, resolution, resolution)."""
    x = torch.as_tensor(np.array(images, dtype=np.uint8, copy=True))
    if x.dim() == 3:
        x = x.unsqueeze(-1)
    x = x.permute(0, 3, 1, 2).float()  # (N, C, H, W)
    if x.shape[1] == 3 and channels == 1:  # ITU-R 601 luma, as PIL's "L" mode
        x = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    elif x.shape[1] == 1 and channels == 3:
        x = x.expand(-1, 3, -1, -1)
    h, w = x.shape[2:]
    if (h, w) != (resolution, resolution):
        side = min(h, w)  # centre crop to a square, then resize
        top, left = (h - side) // 2, (w - side) // 2
        x = x[:, :, top:top + side, left:left + side]
        x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", antialias=True,
                          align_corners=False)
    return x.round().clamp(0, 255).to(torch.uint8).contiguous()


def load_image_file(path: str | Path, resolution: int, channels: int) -> np.ndarray:
    """One image file -> uint8 (resolution, resolution, channels), centre-cropped. Raises
    DataError (ImageTooLarge, found from the header alone, for one above MAX_IMAGE_PIXELS)."""
    from PIL import Image

    mode = "L" if channels == 1 else "RGB"
    try:
        with Image.open(path) as im:  # reads the header only
            # JPEG only: let libjpeg decode at 1/2, 1/4 or 1/8 size when that still leaves
            # twice the target resolution, so a folder of photos is not decoded at full size.
            im.draft(im.mode, (2 * resolution, 2 * resolution))
            width, height = im.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageTooLarge(f"{Path(path).name} is {width}x{height} pixels, more than the "
                                    f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels GAN Studio decodes.")
            with _DECODING.share(width * height):
                arr = _decoded(im, mode, resolution)
    except Image.DecompressionBombError:  # Pillow's own limit, above ours, met while opening
        raise ImageTooLarge(f"{Path(path).name} is larger than the {MAX_IMAGE_PIXELS / 1e6:.0f} "
                            "megapixels GAN Studio decodes.") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise DataError(f"{Path(path).name} is not an image GAN Studio can read ({e}).") from None
    return arr.reshape(resolution, resolution, channels)


def _decoded(im, mode: str, resolution: int) -> np.ndarray:  # im: PIL.Image.Image
    from PIL import Image, ImageOps

    # Each step only where it changes something: the copies they make otherwise cost more
    # than the decode of a small image.
    if im.getexif().get(ORIENTATION_TAG, 1) != 1:
        im = ImageOps.exif_transpose(im)
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit grey: Pillow's convert("L") clips at 255, which turns nearly every pixel
        # white; 65535 / 257 = 255.
        grey = np.asarray(im, dtype=np.float32) / 257
        im = Image.fromarray(grey.round().clip(0, 255).astype(np.uint8), "L")
    if im.mode != mode:
        im = im.convert(mode)
    if im.size != (resolution, resolution):
        im = ImageOps.fit(im, (resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.uint8)


class ImageTooLarge(DataError):
    """An image whose header declares more than MAX_IMAGE_PIXELS; nothing was decoded."""


class _PixelBudget:
    """Lets decoding threads hold at most `limit` pixels at once (one image alone may be
    larger): a pool of eight threads meeting eight large images would otherwise hold them all."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0
        self.free = threading.Condition()

    @contextlib.contextmanager
    def share(self, pixels: int) -> Iterator[None]:
        with self.free:
            self.free.wait_for(lambda: self.used == 0 or self.used + pixels <= self.limit)
            self.used += pixels
        try:
            yield
        finally:
            with self.free:
                self.used -= pixels
                self.free.notify_all()


_DECODING = _PixelBudget(DECODING_PIXELS)


def _image_files(folder: Path) -> list[Path]:
    """The image files under folder, sorted; searched without recursion (a folder nested 1500
    deep would overflow Python's stack) and at most MAX_FOLDER_DEPTH levels down. Linked
    folders are followed once each."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    stack = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            st = here.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(here))
        except OSError:
            continue  # unreadable: as rglob did, it holds no images we can use
        for entry in entries:
            try:
                if entry.is_dir():
                    if depth + 1 > MAX_FOLDER_DEPTH:
                        raise DataError(f"The image folder {folder} has sub-folders nested more than "
                                        f"{MAX_FOLDER_DEPTH} levels deep; GAN Studio searches "
                                        f"{MAX_FOLDER_DEPTH} levels: move the images up.")
                    stack.append((Path(entry.path), depth + 1))
                elif Path(entry.name).suffix.lower() in IMAGE_SUFFIXES and entry.is_file():
                    found.append(Path(entry.path))
            except OSError:
                continue
    return sorted(found)


def _decode_files(files: list[Path], resolution: int, channels: int,
                  progress: Progress | None) -> tuple[list[np.ndarray | DataError], int]:
    """Decodes files in a thread pool (PIL releases the GIL while it decodes and resizes);
    results in file order, the DataError of an unreadable file; progress is called from this
    thread."""
    from concurrent.futures import ThreadPoolExecutor

    def one(f: Path) -> np.ndarray | DataError:
        try:
            return load_image_file(f, resolution, channels)
        except DataError as e:
            return e

    workers = max(1, min(DECODE_THREADS, os.cpu_count() or 1, len(files)))
    out: list[np.ndarray | DataError] = []
    with ThreadPoolExecutor(workers, thread_name_prefix="ganstudio-decode") as pool:
        for i, arr in enumerate(pool.map(one, files, chunksize=16)):
            out.append(arr)
            if progress:
                progress(i + 1, len(files))
    return out, workers


def load_image_folder(folder: str | Path, resolution: int, channels: int,
                      progress: Progress | None = None,
                      cache: bool = True) -> tuple[torch.Tensor, list[Path]]:
    """All readable images under folder (recursive) and the list of files that were skipped.

    Decoded in parallel, and cached in the user cache folder keyed by the folder's contents
    (core.folder_cache): the second run on an unchanged folder reads one file instead.
    """
    from ganstudio.core import folder_cache

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"The image folder {folder} does not exist or is not a folder.")
    files = _image_files(folder)
    if not files:
        raise DataError(f"The folder {folder} holds no images (looked for "
                        f"{', '.join(IMAGE_SUFFIXES)} in it and its subfolders).")
    key = folder_cache.folder_key(folder, files, resolution, channels) if cache else None
    hit = folder_cache.load(key) if key else None
    if hit is not None:
        images, skipped_rel = hit
        if images.shape[1:] == (channels, resolution, resolution):
            if progress:
                progress(len(files), len(files))
            return images, [folder / s for s in skipped_rel]
    decoded, _ = _decode_files(files, resolution, channels, progress)
    arrays = [a for a in decoded if isinstance(a, np.ndarray)]
    errors = [a for a in decoded if not isinstance(a, np.ndarray)]
    skipped = [f for f, a in zip(files, decoded) if not isinstance(a, np.ndarray)]
    if not arrays:
        large = sum(isinstance(a, ImageTooLarge) for a in errors)
        why = (f"{large} of them {'is' if large == 1 else 'are'} larger than the "
               f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels GAN Studio decodes" if large else
               "they may be corrupt or in an unsupported format")
        raise DataError(f"None of the {len(files)} image files in {folder} could be read; {why}.")
    # Each array is already (resolution, resolution, channels): only the axes move.
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    if key:
        folder_cache.save(key, images, [f.relative_to(folder).as_posix() for f in skipped])
    return images, skipped


# --- torchvision -----------------------------------------------------------------------

_TV_CLASSES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def _tv_dataset(name: str, root: Path, download: bool):
    import torchvision.datasets as tvd

    klass = getattr(tvd, _TV_CLASSES[name])
    return klass(str(root), train=True, download=download)


def is_available(name: str, root: str | Path | None = None) -> bool:
    """Whether the dataset can be used now, without a download."""
    info = DATASETS.get(name)
    if info is None:
        return False
    if not info.needs_download:
        return True
    try:
        _tv_dataset(name, Path(root) if root else default_data_root(), download=False)
        return True
    except (RuntimeError, OSError):
        return False


# Compressed download sizes, for a progress figure while torchvision fetches the files.
_DOWNLOAD_BYTES = {"mnist": 11_594_722, "fashion-mnist": 30_878_645, "cifar10": 170_498_071}


def _folder_bytes(folder: Path) -> int:
    total = 0
    for p in folder.rglob("*"):
        try:
            total += p.stat().st_size if p.is_file() else 0
        except OSError:
            pass
    return total


def download(name: str, root: str | Path | None = None, progress: Progress | None = None) -> Path:
    """Downloads a torchvision dataset into root; raises DataError when that fails (offline).

    torchvision reports no progress of its own, so `progress(done_bytes, total_bytes)` is fed
    from the growth of the download folder, twice a second, from a helper thread.
    """
    import threading

    if name not in _TV_CLASSES:
        raise DataError(f"{name} is not a downloadable dataset.")
    root = Path(root) if root else default_data_root()
    done = threading.Event()

    root.mkdir(parents=True, exist_ok=True)
    start = _folder_bytes(root)

    def watch() -> None:
        while not done.wait(0.5):
            got = max(0, _folder_bytes(root) - start)
            progress(min(got, _DOWNLOAD_BYTES[name]), _DOWNLOAD_BYTES[name])

    watcher = threading.Thread(target=watch, daemon=True) if progress else None
    try:
        root.mkdir(parents=True, exist_ok=True)
        if watcher:
            watcher.start()
        _tv_dataset(name, root, download=True)
    except Exception as e:  # urllib, socket, checksum and disk errors all end here
        reason = " ".join(str(e).split())[-200:]
        raise DataError(
            f"Could not download {DATASETS[name].title} into {root} ({reason}). Check the internet "
            "connection and free disk space, then try again; the embedded MNIST works offline."
        ) from None
    finally:
        done.set()
        if watcher:
            watcher.join()
    if progress:
        progress(_DOWNLOAD_BYTES[name], _DOWNLOAD_BYTES[name])
    return root


def _torchvision_images(name: str, root: Path) -> np.ndarray:
    try:
        ds = _tv_dataset(name, root, download=False)
    except (RuntimeError, OSError):
        raise DataError(f"{DATASETS[name].title} is not downloaded yet (looked in {root}). "
                        "Download it first: in the app choose it and accept the download, or "
                        f"run `ganstudio download {name}`.") from None
    data = ds.data
    return data.numpy() if isinstance(data, torch.Tensor) else np.asarray(data)


def _torchvision_labels(name: str, root: Path) -> np.ndarray:
    return np.asarray(_tv_dataset(name, root, download=False).targets, dtype=np.int64)


def folder_classes(folder: str | Path, skipped: list[Path] = ()) -> tuple[np.ndarray, list[str]]:
    """Labels of an image folder whose sub-folders are the classes (`cats/`, `dogs/`, ...):
    one label per image that was read (the files in `load_image_folder`'s order, without the
    skipped ones), and the class names in label order. DataError when images lie outside a
    class folder or there is only one class."""
    folder = Path(folder)
    gone = {Path(p) for p in skipped}
    files = [f for f in _image_files(folder) if f not in gone]
    parts = [f.relative_to(folder).parts for f in files]
    loose = [f for f, pt in zip(files, parts) if len(pt) < 2]
    if loose:
        raise DataError(f"{folder} cannot train a conditional model: {len(loose)} image(s), such as "
                        f"{loose[0].name}, lie outside a class folder. Put each class's images in "
                        "a sub-folder named after the class.")
    names = sorted({pt[0] for pt in parts})
    if len(names) < 2:
        raise DataError(f"{folder} has {len(names)} class folder; a conditional model needs at "
                        "least two (one sub-folder per class).")
    index = {n: i for i, n in enumerate(names)}
    return np.array([index[pt[0]] for pt in parts], dtype=np.int64), names


# --- datasets --------------------------------------------------------------------------

@dataclass
class ImageData:
    """In-memory images: uint8 (N, C, H, W), and their class labels (N,) int64 when known."""

    images: torch.Tensor
    skipped: list[Path] = field(default_factory=list)
    labels: torch.Tensor | None = None
    class_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i].float() / 127.5 - 1.0


@dataclass
class ToyData:
    """A 2-D (or 1-D) distribution sampled on the fly: a named toy, or the points of a file
    (drawn with replacement, as GAN Lab draws from the points a person placed)."""

    name: str
    points: np.ndarray | None = None  # float32 (N, dims) for "points"

    def sample(self, n: int, rng: np.random.Generator) -> torch.Tensor:
        if self.points is not None:
            return torch.from_numpy(self.points[rng.integers(0, len(self.points), size=n)])
        return torch.from_numpy(toys.sample_toy(self.name, n, rng))

    @property
    def dims(self) -> int:
        return self.points.shape[1] if self.points is not None else toys.toy_dims(self.name)


MAX_POINTS = 1_000_000


def load_points(path: str | Path) -> np.ndarray:
    """float32 (N, 1) or (N, 2) from a .csv (one or two numeric columns, an optional header
    row) or a .npy array; DataError, in one sentence, for anything else."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"The point file {p} does not exist.")
    try:
        if p.suffix.lower() == ".npy":
            arr = np.load(p, mmap_mode="r", allow_pickle=False)
            if arr.ndim == 2 and arr.shape[0] > MAX_POINTS:
                raise DataError(f"{p.name} holds {arr.shape[0]:,} points; at most {MAX_POINTS:,} are used.")
            arr = np.asarray(arr)
        elif p.suffix.lower() == ".csv":
            arr = _read_point_csv(p)
        else:
            raise DataError(f"{p.name} is not a point file: use a .csv with two numeric columns "
                            "or a .npy array of shape (N, 2).")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise DataError(f"{p.name} could not be read as points ({' '.join(str(e).split())[:120]}).") from None
    if arr.ndim != 2 or arr.shape[1] not in (1, 2) or not np.issubdtype(arr.dtype, np.number):
        raise DataError(f"{p.name} must hold numbers shaped (N, 2), or (N, 1) for points on a "
                        f"line; it holds {arr.dtype} shaped {tuple(arr.shape)}.")
    # (more than MAX_POINTS was refused above: a .npy before it is read, a .csv while it is)
    if len(arr) < 2:
        raise DataError(f"{p.name} holds {len(arr)} point{'s' if len(arr) != 1 else ''}; a "
                        "distribution needs at least 2.")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        row = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise DataError(f"{p.name} holds a value that is not a finite number (NaN or infinity) "
                        f"in point {row + 1}.")
    return np.ascontiguousarray(arr)


def _read_point_csv(path: Path) -> np.ndarray:
    rows: list[list[float]] = []
    width = 0
    with open(path, encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, 1):
            cells = [c.strip() for c in line.replace(";", ",").split(",")]
            if cells == [""]:
                continue
            try:
                values = [float(c) for c in cells]
            except ValueError:
                if not rows and line_no == 1:
                    continue  # a header row
                raise DataError(f"{path.name}, line {line_no}: {line.strip()[:40]!r} is not a row "
                                "of numbers.") from None
            if len(values) not in (1, 2) or (width and len(values) != width):
                raise DataError(f"{path.name}, line {line_no} has {len(values)} columns; a point "
                                "file has two (x, y), or one for points on a line, on every line.")
            width = len(values)
            rows.append(values)
            if len(rows) > MAX_POINTS:
                raise DataError(f"{path.name} holds more than {MAX_POINTS:,} points; at most "
                                f"{MAX_POINTS:,} are used.")
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), width or 2)


def build_dataset(cfg: RunConfig, progress: Progress | None = None) -> ImageData | ToyData:
    d, m = cfg.data, cfg.model
    if cfg.is_toy:
        return ToyData(d.name, load_points(d.path or "") if d.name == POINTS else None)
    if d.name == "mnist-embedded":
        images, labels = embedded_mnist()
        data = ImageData(fit_images(images, m.resolution, m.channels), labels=_long(labels),
                         class_names=list(DATASETS[d.name].classes))
    elif d.name == "folder":
        tensor, skipped = load_image_folder(d.path or "", m.resolution, m.channels, progress)
        data = ImageData(tensor, skipped)
        if m.c_dim:
            labels, names = folder_classes(d.path or "", skipped)
            data.labels, data.class_names = _long(labels), names
    elif d.name in _TV_CLASSES:
        root = Path(d.root) if d.root else default_data_root()
        data = ImageData(fit_images(_torchvision_images(d.name, root), m.resolution, m.channels),
                         labels=_long(_torchvision_labels(d.name, root)),
                         class_names=list(DATASETS[d.name].classes))
    else:
        data = None
    if data is not None:
        if m.c_dim and len(data.class_names) != m.c_dim:
            raise DataError(f"The model is conditional on {m.c_dim} classes (model.c_dim) but "
                            f"{DATASETS[d.name].title} has {len(data.class_names)}; set model.c_dim "
                            f"to {len(data.class_names)}.")
        return data
    if d.name == IMPORTED:
        raise DataError(f"This generator was imported from {d.path or 'another program'}; its "
                        "training data are unknown, so there is nothing to train it on. Choose a "
                        "dataset (or an image folder) to train a model of its size.")
    raise DataError(f"Unknown dataset {d.name!r}; choose one of {', '.join(DATASETS)}.")


def _long(labels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(labels, dtype=np.int64).copy())


def preview(data: DataConfig, model: ModelConfig, n: int = 8, seed: int = 0) -> np.ndarray:
    """A few real samples to show: uint8 (n, H, W, C) for images, float32 (n, 2) for toys
    ((n, 1) on a line)."""
    rng = np.random.default_rng(seed)
    if data.name == POINTS:
        return ToyData(data.name, load_points(data.path or "")).sample(n, rng).numpy()
    if data.name in toys.TOY_NAMES or data.name.startswith("toy-"):
        return toys.sample_toy(data.name, n, rng)
    cfg = RunConfig(model=model, data=data)
    if data.name == "folder":
        folder = Path(data.path or "")
        files = _image_files(folder) if folder.is_dir() else []
        if not files:
            raise DataError(f"The folder {folder} holds no images.")
        picks = rng.choice(len(files), size=min(n, len(files)), replace=False)
        arrays = []
        for i in picks:
            try:
                arrays.append(load_image_file(files[i], model.resolution, model.channels))
            except DataError:
                continue
        if not arrays:
            raise DataError(f"None of the sampled files in {folder} could be read.")
        return np.stack(arrays)
    ds = build_dataset(cfg)
    assert isinstance(ds, ImageData)
    idx = rng.choice(len(ds), size=min(n, len(ds)), replace=False)
    return ds.images[torch.as_tensor(idx)].permute(0, 2, 3, 1).numpy()
