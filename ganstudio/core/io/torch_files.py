"""Reading a PyTorch state dict (`torch.save(netG.state_dict(), "G.pth")`) a user chose.

`torch.load(weights_only=True)` refuses code, but not size: a zip member may be deflated
(inflated in memory to whatever it declares) and a tensor may be a stride-0 view of one
value. So the file is stat-ed first (a FIFO or a device is never opened), the zip's central
directory is read before torch sees the file, zip archives are memory-mapped rather than
read, and every tensor must hold its own values (`tensor_checks.check_physical`).
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch

from ganstudio.core.errors import CheckpointError
from ganstudio.core.fsutil import openable_name, require_regular_file
from ganstudio.core.io.tensor_checks import check_physical, check_zip_members


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a PyTorch weights file, by name (a `module.` prefix removed);
    CheckpointError for anything else."""
    require_regular_file(path, CheckpointError, "PyTorch weights file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path.name} is empty (0 bytes); it was probably cut off while "
                              "being written or copied.")
    check_zip_members(str(path), path.name)
    try:
        # Zip archives (PyTorch 1.6 and later) are mapped, not read: their tensors cost memory
        # only as far as they are used, and the checks below run before anything is copied.
        with openable_name(path) as name:
            obj = torch.load(name, map_location="cpu", weights_only=True,
                             mmap=zipfile.is_zipfile(path))
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f"Refused to load {path.name}: it holds Python objects, not only tensors, and loading "
            f"it would run code from the file ({' '.join(str(e).split())[:120]}). Save the "
            "generator's state_dict() instead of the whole model.") from None
    except MemoryError:
        raise CheckpointError(f"{path.name} needs more memory to read than is available; it is "
                              "not a PyTorch weights file GAN Studio can open.") from None
    except Exception as e:  # torch raises several types for damaged files
        raise CheckpointError(f"{path.name} is not a readable PyTorch weights file "
                              f"({' '.join(str(e).split())[:160]}).") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                            for k, v in obj.items()):
        raise CheckpointError(f"{path.name} is not a state dict (a mapping of names to tensors).")
    check_physical(obj.items(), path.name)
    return {k.removeprefix("module."): v for k, v in obj.items()}
