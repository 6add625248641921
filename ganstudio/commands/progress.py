"""A progress bar on stderr, redrawn in place and at most a few times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class Bar:
    """``bar(done, total)`` draws ``label [#####-----] done/total``; ``bytes=True`` shows sizes.
    A total of 0 (unknown) shows the count alone. ``close()`` ends the line."""

    def __init__(self, label: str, *, bytes: bool = False, stream: TextIO | None = None,
                 quiet: bool = False, width: int = 24) -> None:
        self.label, self.bytes, self.quiet, self.width = label, bytes, quiet, width
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.quiet or (now - self._last < 0.2 and done != total):
            return
        self._last = now
        shown = (lambda n: _size(n)) if self.bytes else str
        if total > 0:
            filled = int(self.width * min(done, total) / total)
            text = f"[{'#' * filled}{'-' * (self.width - filled)}] {shown(done)}/{shown(total)}"
        else:
            text = shown(done)
        self.stream.write(f"\r{self.label} {text} ")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
