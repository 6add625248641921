"""Atomic file writes: a temporary file in the same folder, flushed, fsynced, then renamed
over the target, so a crash or a full disk never leaves a half-written file behind.

Only a regular file (or a new name) is ever replaced: renaming over a device node, a FIFO or
a folder would destroy it (as root, `-o /dev/null` would put a PNG where the device was).
A symbolic link is followed, so the file it points to is replaced and the link stays.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from ganstudio.core.errors import UserError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


class OutputError(UserError, OSError):
    """A file cannot be written where it was asked to go; the message says why."""


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":  # a directory cannot be opened for fsync on Windows
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def kind_of(mode: int) -> str | None:
    """'a device', 'a folder', ... for a stat mode that is not a regular file; None for one."""
    return next((name for test, name in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a file")


def writable_target(path: str | Path) -> Path:
    """The path a write replaces: `path`, or the file a symbolic link names. OutputError when
    something other than a regular file is there."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}.") from None
    kind = kind_of(mode)
    if kind is not None:
        raise OutputError(f"{path} is {kind}, not a regular file; GAN Studio writes only to files "
                          "and never replaces anything else: choose another name.")
    return path


def _temp_suffix(path: Path, suffix: str | None) -> str:
    # A short temporary name (".<8 random characters><suffix>") fits wherever the target's
    # name fits; the suffix is kept when it is short, for writers that pick a format by it.
    suffix = suffix if suffix is not None else path.suffix + ".part"
    return suffix if len(os.fsencode(suffix)) <= 24 else ".part"


def _temp_name(path: Path, suffix: str | None) -> Path:
    return path.parent / f".{secrets.token_hex(4)}{_temp_suffix(path, suffix)}"


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yields a temporary path next to `path`; on success it replaces `path` atomically.
    Writers that need a file name (imageio, PIL) write there; the suffix is kept so that
    format detection by extension still works. OutputError, before anything is written,
    when `path` is a folder, a device, a FIFO or a socket."""
    path = writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The name is chosen before the file exists and the file is made inside the `try`, so a
    # Ctrl-C (KeyboardInterrupt) at any moment leaves no temporary file behind (with
    # tempfile.mkstemp it could land after the file was made and before its name was known).
    tmp_path = _temp_name(path, suffix)
    try:
        while True:
            try:  # 0666 less the umask, as any saved file
                os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                break
            except FileExistsError:
                tmp_path = _temp_name(path, suffix)
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        writable_target(path)  # again: something may have been put there meanwhile
        os.replace(tmp_path, path)
        _fsync_dir(path.parent)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def require_regular_file(path: str | Path, error: type[Exception] = OutputError,
                         what: str = "file") -> Path:
    """`path` when it is a regular file (or a link to one); `error` otherwise, found with stat
    alone, so a FIFO or a device is refused without being opened (opening a FIFO blocks,
    reading /dev/urandom never ends)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(f"{path} does not exist.") from None
    except OSError as e:
        raise error(f"Cannot open {path}: {e.strerror or e}.") from None
    kind = kind_of(mode)
    if kind is not None:
        raise error(f"{path} is {kind}, not a {what}.")
    return path


@contextlib.contextmanager
def openable_name(path: str | Path) -> Iterator[str]:
    """A name of `path` that libraries taking UTF-8 strings (safetensors, torch's zip reader)
    accept: the path itself, or for a name that is not valid UTF-8 (possible on Linux), the
    /dev/fd name of a descriptor open on it for as long as the context lasts."""
    name = os.fspath(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        fd = os.open(name, os.O_RDONLY)
        try:
            yield f"/dev/fd/{fd}"
        finally:
            os.close(fd)
        return
    yield name
