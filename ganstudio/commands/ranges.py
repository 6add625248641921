"""Lists of numbers as NVIDIA's scripts take them: ``0-7`` (both ends included), ``0,3,5-7``."""

from __future__ import annotations

import re

from ganstudio.core.errors import UserError

MAX_SEED = 2**32 - 1  # NVIDIA's seeds seed numpy's RandomState, which takes 32 bits
_RANGE = re.compile(r"^(\d+)-(\d+)$")


class RangeError(UserError, ValueError):
    """A list of numbers that cannot be read; the message names the option."""


def parse_range(text: str, option: str, *, limit: int, largest: int = MAX_SEED) -> list[int]:
    """The numbers ``text`` lists, in its order, repeats kept.

    Each comma-separated part is a number or ``a-b`` with a <= b. More than ``limit`` numbers,
    or a number above ``largest``, is refused before anything is expanded, so ``0-99999999999``
    costs nothing.
    """
    parts = str(text).replace(" ", "").split(",")
    spans: list[tuple[int, int]] = []
    count = 0
    for part in parts:
        m = _RANGE.match(part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
        elif part.isdigit():
            lo = hi = int(part)
        else:
            raise RangeError(f"{option} {text!r} is not a list of numbers: write them like 0-7 or "
                             "0,3,5-7 (whole numbers, ranges with both ends included)")
        if hi < lo:
            raise RangeError(f"{option} {text!r}: the range {part} runs backwards; write {hi}-{lo}")
        if hi > largest:
            raise RangeError(f"{option} {text!r}: {hi} is too large (at most {largest})")
        count += hi - lo + 1
        if count > limit:
            raise RangeError(f"{option} {text!r} names more than {limit} numbers; ask for at most "
                             f"{limit} at a time")
        spans.append((lo, hi))
    return [i for lo, hi in spans for i in range(lo, hi + 1)]


def parse_seeds(values: str | list[str], option: str, *, limit: int) -> list[int]:
    """Seeds from one or more arguments (``--seeds 1 2 3`` and ``--seeds 1-3`` alike)."""
    texts = [values] if isinstance(values, str) else list(values)
    seeds: list[int] = []
    for t in texts:
        seeds += parse_range(t, option, limit=max(1, limit - len(seeds)))
    return seeds
