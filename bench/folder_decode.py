"""Image-folder loading: the old single-threaded decode, the parallel decode, and the cache.

    python bench/folder_decode.py [--files 2000] [--size 64] [--resolution 64] [--repeat 3]

Writes --files JPEGs (--size px, smooth colour fields with noise, so the decoder has real
work) into a temporary folder and times, in the same run, the median of --repeat rounds of:
  reference  the decode loop GAN Studio used before (one file after another), kept here
  one thread core.data.load_image_folder(cache=False) with DECODE_THREADS = 1
  parallel   the same with its thread pool
  first      load_image_folder with the cache: parallel decode plus writing the cache entry
  cached     load_image_folder again on the unchanged folder: one file read
The cache goes to a temporary folder too ($GANSTUDIO_CACHE), never the user's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_folder(folder: Path, n: int, size: int) -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        a, b, c = rng.uniform(0.5, 4, 3)
        base = np.stack([np.sin(a * xx + b * yy + c * k) for k in range(3)], axis=-1)
        pixels = (base * 90 + 128 + rng.normal(0, 12, base.shape)).clip(0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"img_{i:05d}.jpg", quality=90)


def reference_load(folder: Path, resolution: int, channels: int):
    """The decode as it was: every file in turn, on the calling thread."""
    from ganstudio.core.data import DataError, _image_files, fit_images

    def load_one(path: Path) -> np.ndarray:
        from PIL import ImageOps

        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            im = im.convert("L" if channels == 1 else "RGB")
            im = ImageOps.fit(im, (resolution, resolution), Image.Resampling.LANCZOS)
            return np.asarray(im, dtype=np.uint8).reshape(resolution, resolution, channels)

    arrays, skipped = [], []
    for f in _image_files(folder):
        try:
            arrays.append(load_one(f))
        except (OSError, DataError):
            skipped.append(f)
    return fit_images(np.stack(arrays), resolution, channels), skipped


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--size", type=int, default=64, help="side of the generated JPEGs")
    ap.add_argument("--resolution", type=int, default=64, help="model resolution to decode to")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ganstudio-bench-") as tmp:
        folder, cache = Path(tmp) / "images", Path(tmp) / "cache"
        folder.mkdir()
        os.environ["GANSTUDIO_CACHE"] = str(cache)
        import torch

        from ganstudio.core import data, folder_cache

        torch.set_num_threads(1)
        make_folder(folder, args.files, args.size)
        res = args.resolution
        times: dict[str, list[float]] = {"reference": [], "one thread": [], "parallel": [],
                                         "first": [], "cached": []}
        threads = data.DECODE_THREADS
        for _ in range(args.repeat):
            t, (ref, _) = timed(lambda: reference_load(folder, res, 3))
            times["reference"].append(t)
            data.DECODE_THREADS = 1
            t, _ = timed(lambda: data.load_image_folder(folder, res, 3, cache=False))
            times["one thread"].append(t)
            data.DECODE_THREADS = threads
            t, (par, _) = timed(lambda: data.load_image_folder(folder, res, 3, cache=False))
            times["parallel"].append(t)
            for p in folder_cache.folder_cache_dir().glob("*.safetensors"):
                p.unlink()
            t, _ = timed(lambda: data.load_image_folder(folder, res, 3))
            times["first"].append(t)
            t, (hit, _) = timed(lambda: data.load_image_folder(folder, res, 3))
            times["cached"].append(t)
        assert torch.equal(ref, par) and torch.equal(par, hit), "the three loads disagree"
        threads = max(1, min(threads, os.cpu_count() or 1))
        print(f"{args.files} JPEGs of {args.size}x{args.size} -> {tuple(par.shape)} uint8, "
              f"{os.cpu_count()} CPUs ({threads} decode threads), load average "
              f"{os.getloadavg()[0]:.1f}, median of {args.repeat}")
        base = statistics.median(times["reference"])
        labels = {"reference": "single-threaded (before)", "one thread": "new decode, one thread",
                  "parallel": "new decode, thread pool",
                  "first": "thread pool + cache write", "cached": "cached load"}
        for key, label in labels.items():
            t = statistics.median(times[key])
            print(f"  {label:26s} {t:7.3f} s   {base / t:6.1f}x")


if __name__ == "__main__":
    main()
