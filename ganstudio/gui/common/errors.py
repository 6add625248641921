"""What a person reads when something failed: one line, and details on demand.

Errors are classified by type, never by class name: a ``UserError`` is a sentence written
for the person; a full disk, a refused permission or a missing file is a sentence naming
the path; running out of memory is advice; a cancellation is no error at all. Anything
else is a bug, shown as "Unexpected error" with its traceback under Show Details.
"""

from __future__ import annotations

import errno
import sys
import traceback
from typing import TYPE_CHECKING

from ganstudio.core.errors import Cancelled, UserError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget

MEMORY_ADVICE = ("Out of memory: lower the batch size or the image size, choose another device, "
                 "or close other programs, then try again.")


def is_cancellation(exc: BaseException) -> bool:
    """True for work that stopped because it was asked to (the core's ``Cancelled`` kinds)."""
    return isinstance(exc, Cancelled)


def traceback_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def describe(exc: BaseException, details: str = "", *, path: object = None) -> tuple[str, str]:
    """``(one_line, details)`` for ``exc``; ``details`` is its traceback text when known.

    A ``UserError`` needs no traceback: it is a fact to act on, not a bug to report.
    ``path``: the file the work was writing, named instead of the one in an OSError (atomic
    writes fail on a temporary file beside it, and some writers name no file at all).
    """
    if is_cancellation(exc):
        return "Cancelled.", ""
    if isinstance(exc, UserError):
        return str(exc) or f"{type(exc).__name__} (no explanation was given).", ""
    details = details or (traceback_text(exc) if exc.__traceback__ is not None else "")
    if _is_out_of_memory(exc):
        return MEMORY_ADVICE, f"{exc}\n\n{details}".strip()
    if isinstance(exc, OSError) and exc.errno is not None:
        return _describe_os_error(exc, path), details
    if isinstance(exc, OSError) and str(exc):  # raised with a sentence and no errno
        return str(exc), details
    text = str(exc) or "no message"
    return f"Unexpected error ({type(exc).__name__}): {text}", details


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")  # a torch error exists only once torch is imported
    oom = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    if oom is not None and isinstance(exc, oom):
        return True
    # Allocators that raise a plain RuntimeError (MPS, older CUDA builds) say so in the text.
    return type(exc) is RuntimeError and "out of memory" in str(exc).lower()


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM}


def _describe_os_error(exc: OSError, path: object = None) -> str:
    if path is None:
        path = exc.filename if exc.filename is not None else exc.filename2
    reason = exc.strerror or str(exc)
    if path is None:
        return f"A file operation failed: {reason}."
    if exc.errno in _DISK_FULL:
        return f"The disk is full: {path} could not be written ({reason}). Free some space and try again."
    if exc.errno in _NOT_ALLOWED:
        return (f"Permission denied: {path} ({reason}). Choose another place, or change its "
                "permissions.")
    if exc.errno == errno.EROFS:
        return f"{path} is on a read-only disk ({reason}). Choose another place."
    if exc.errno == errno.ENOENT:
        return f"{path} does not exist ({reason})."
    return f"{path}: {reason}."


def show_failure(parent: QWidget | None, title: str, exc: BaseException, details: str = "", *,
                 path: object = None) -> QMessageBox | None:
    """The error dialog for ``exc`` (nothing for a cancellation); ``path`` as in describe."""
    if is_cancellation(exc):
        return None
    from ganstudio.gui.common import dialogs

    line, more = describe(exc, details, path=path)
    return dialogs.show_error(parent, title, line, more)
