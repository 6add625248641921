"""A cache of decoded image folders, so that a folder is decoded once, not on every run.

An entry is one .safetensors file under the user cache folder: the uint8 images (N, C, H, W)
and, in its metadata, the files that could not be read. Its name is a sha256 of what the
decode depends on: every file's relative path, size and modification time, the target
resolution and channels, and the decoder's version. Any change to the folder (a file added,
removed, replaced or touched) therefore makes a new key, and the old entry is never read again.
Entries are written atomically; one that cannot be read is ignored (and rewritten by the next
decode). The cache keeps the MAX_ENTRIES most recently used folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from ganstudio.core.fsutil import atomic_path

# Bump when the decoded pixels of the same files would change (resampling, colour conversion).
DECODER_VERSION = 2
FORMAT = "ganstudio.folder-cache"
MAX_ENTRIES = 16


def default_cache_root() -> Path:
    """$GANSTUDIO_CACHE, else the platform's user cache folder for GAN Studio."""
    env = os.environ.get("GANSTUDIO_CACHE")
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "GANStudio" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "GANStudio"
    return Path(os.environ.get("XDG_CACHE_HOME", home / ".cache")) / "ganstudio"


def folder_cache_dir() -> Path:
    return default_cache_root() / "folders"


def folder_key(folder: Path, files: list[Path], resolution: int, channels: int) -> str | None:
    """The cache key of decoding `files` (under folder) at this size; None when a file cannot
    be stat-ed (it vanished while we looked): then nothing is cached."""
    h = hashlib.sha256(f"{FORMAT} {DECODER_VERSION} {resolution} {channels}\n".encode())
    try:
        for f in files:
            st = f.stat()
            h.update(f"{f.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError:
        return None
    return h.hexdigest()


def _entry(key: str) -> Path:
    return folder_cache_dir() / f"{key}.safetensors"


def load(key: str) -> tuple[torch.Tensor, list[str]] | None:
    """The cached images and skipped relative paths for key, or None (missing or unreadable)."""
    from safetensors import safe_open

    path = _entry(key)
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            images = f.get_tensor("images")
        skipped = json.loads(meta["skipped"])
        ok = (meta.get("format") == FORMAT and meta.get("key") == key and images.dtype == torch.uint8
              and images.dim() == 4 and isinstance(skipped, list))
    except Exception:  # a damaged entry (safetensors raises several types): decode again
        return None
    if not ok:
        return None
    try:
        os.utime(path)  # most recently used: kept longest by prune()
    except OSError:
        pass
    return images, [str(s) for s in skipped]


def save(key: str, images: torch.Tensor, skipped: list[str]) -> Path | None:
    """Writes an entry atomically; a cache that cannot be written (read-only home, full disk)
    only costs the next run a decode, so errors are swallowed and None is returned."""
    from safetensors.torch import save_file

    path = _entry(key)
    meta = {"format": FORMAT, "key": key, "skipped": json.dumps(skipped)}
    try:
        with atomic_path(path) as tmp:
            save_file({"images": images.contiguous()}, str(tmp), metadata=meta)
        prune()
    except OSError:
        return None
    return path


def prune(keep: int | None = None) -> None:
    """Removes all but the `keep` (MAX_ENTRIES) most recently used entries."""
    keep = MAX_ENTRIES if keep is None else keep
    entries = []
    for p in folder_cache_dir().glob("*.safetensors"):
        try:
            entries.append((p.stat().st_mtime, p))
        except OSError:
            continue
    for _, p in sorted(entries, reverse=True)[keep:]:
        try:
            p.unlink()
        except OSError:
            pass
