"""Checks on the tensors a model file gives, before they become a network's weights.

A file can describe a tensor as a view of a smaller storage: `torch.zeros(1).expand(shape)`
pickles as one value with stride 0, so a 4 KB file declares gigabytes of weights that pass
every shape check and are only allocated when the network is built (then again when it is
written). Here every weight must be bytes the file really holds: a view that does not
overlap itself, and no two weights sharing the same bytes. Then the network a file can make
is at most about as large as the file.

The values are checked too: a weight that is NaN or infinite draws black images, and integer
or boolean values where the network has floating-point weights would be converted silently.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

import torch

from ganstudio.core.errors import CheckpointError

# A compressed member of a zip (a PyTorch archive never compresses; a re-zipped one may) is
# inflated in memory to its declared size: larger ones are refused before anything is read.
MAX_INFLATED_BYTES = 16 * 2**20


def span_elements(t: torch.Tensor) -> int | None:
    """How many storage elements a view covers, or None when it covers some of them more
    than once (a stride of 0, or strides that overlap)."""
    dims = sorted((abs(st), sz) for st, sz in zip(t.stride(), t.shape) if sz > 1)
    if t.numel() == 0:
        return 0
    reach = 0  # the largest offset reached by the dimensions seen so far
    for stride, size in dims:
        if stride <= reach:
            return None
        reach += stride * (size - 1)
    return reach + 1


def check_physical(tensors: Iterable[tuple[str, torch.Tensor]], source: str) -> None:
    """Every tensor a dense view whose storage holds each of its values once, and no two
    tensors reading the same bytes; CheckpointError naming the first that is not."""
    ranges: dict[int, list[tuple[int, int, str]]] = {}
    for name, t in tensors:
        span = span_elements(t)
        if span is None:
            raise CheckpointError(f"{source}: the weight {name} repeats the same stored values "
                                  f"(a {_shape(t)} view of a smaller storage); a model file "
                                  "holds every value of its weights. The file is damaged or "
                                  "was crafted.")
        if span == 0:
            continue
        size = t.element_size()
        start = t.storage_offset() * size
        ranges.setdefault(t.untyped_storage().data_ptr(), []).append((start, start + span * size, name))
    for spans in ranges.values():
        spans.sort()
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            if start < end:
                raise CheckpointError(f"{source}: the weights {first} and {second} share the same "
                                      "stored values; a model file holds each weight's values "
                                      "once. The file is damaged or was crafted.")


def check_values(name: str, t: torch.Tensor, want: torch.Tensor | None, source: str) -> None:
    """A floating-point tensor where the network has one, and only finite values in it."""
    if want is not None and want.is_floating_point() and not t.is_floating_point():
        raise CheckpointError(f"{source}: the weight {name} holds {str(t.dtype).removeprefix('torch.')} "
                              "values where the network has floating-point weights; GAN Studio "
                              "does not convert them. The file is damaged or was edited.")
    if t.is_floating_point() and t.numel() and not bool(torch.isfinite(t).all()):
        raise CheckpointError(f"{source}: the weight {name} holds NaN or infinite values, which "
                              "would draw blank images. Use an earlier checkpoint (training may "
                              "have diverged) or download the file again.")


def check_zip_members(data: bytes | str, source: str) -> None:
    """Refuses a zip (a PyTorch archive, given as bytes or a path) whose members declare more
    bytes than the file holds, or a compressed member that would inflate beyond
    MAX_INFLATED_BYTES, by reading its central directory only."""
    try:
        f = io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115
    except OSError:
        return  # the reader that follows says why
    with f:
        length = f.seek(0, io.SEEK_END)
        try:
            with zipfile.ZipFile(f) as z:
                infos = z.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return  # not a zip: the reader that follows says what it is
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            if info.file_size > MAX_INFLATED_BYTES:
                raise CheckpointError(f"{source} holds a compressed part ({info.filename}) that would "
                                      f"inflate to {_mb(info.file_size)}; PyTorch stores weights "
                                      "uncompressed, so the file was altered or crafted.")
        elif info.file_size != info.compress_size or info.header_offset + info.file_size > length:
            raise CheckpointError(f"{source} declares a part ({info.filename}) of {_mb(info.file_size)}, "
                                  f"more than the file holds; the file is truncated or was crafted.")


def _shape(t: torch.Tensor) -> str:
    return "x".join(map(str, t.shape)) or "scalar"


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n} bytes"
