"""The on-disk cache of direction searches, shared by the z and W jobs: a damaged entry
is searched again, and a cache that cannot be written only costs a search next time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def load_cached(cache: Path | None, load: Callable[[Path], T]) -> T | None:
    """``load(cache)``, or None when there is no cache entry or it cannot be read."""
    if cache is None or not cache.is_file():
        return None
    try:
        return load(cache)
    except Exception:  # a damaged cache entry is recomputed
        return None


def save_cached(found: Any, cache: Path | None) -> None:
    """``found.save(cache)`` when there is a cache; a read-only one is left as it is."""
    if cache is not None:
        with contextlib.suppress(OSError):
            found.save(cache)
