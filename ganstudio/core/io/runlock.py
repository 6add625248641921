"""One writer per run folder: an OS file lock on ``<run>/.lock``, held for the run's life.

Two writers on one folder would interleave their metric rows and overwrite each other's
checkpoints, so a writer takes an exclusive lock first (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows) and keeps it until it closes the run. The operating system
drops the lock when the process dies, also on kill -9 or a power cut; a ``.lock`` file that
still names an owner but is no longer locked is such a stopped writer, and the next writer
takes over. The file holds the owner's pid, host and start time as JSON for the messages.

Readers (the app following a run) never take the lock for longer than a probe.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from ganstudio.core.errors import UserError

LOCK_NAME = ".lock"
# A reader's probe holds the lock for microseconds; a writer that finds it taken retries for
# this long before it concludes that another writer owns the folder.
_CONTENDED_S = 0.25
# Windows locks byte ranges and a locked range cannot be read by others, so the lock sits on
# one byte far past the JSON, which stays readable.
_WIN_LOCK_OFFSET = 1 << 30


@dataclass(frozen=True)
class LockOwner:
    pid: int | None = None
    host: str = ""
    started: float | None = None  # seconds since the epoch

    def describe(self, since: str = "since") -> str:
        """'pid 4242 on host, since 15:02' (what is known of it)."""
        parts = []
        if self.pid is not None:
            parts.append(f"pid {self.pid}" + (f" on {self.host}" if self.host else ""))
        if self.started is not None:
            t = time.localtime(self.started)
            same_day = time.strftime("%Y-%m-%d", t) == time.strftime("%Y-%m-%d")
            parts.append(f"{since} {time.strftime('%H:%M' if same_day else '%Y-%m-%d %H:%M', t)}")
        return ", ".join(parts)

    @classmethod
    def from_json(cls, text: str) -> LockOwner | None:
        try:
            d = json.loads(text)
            pid = d.get("pid")
            started = d.get("started")
            return cls(pid=int(pid) if pid is not None else None, host=str(d.get("host", "")),
                       started=float(started) if started is not None else None)
        except (ValueError, TypeError, AttributeError):
            return None


class RunLocked(UserError, RuntimeError):
    """Another process is writing this run folder."""

    ADVICE = "Choose another run folder, or wait for that run to finish."

    def __init__(self, run_dir: str | Path, owner: LockOwner | None, advice: str | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.owner = owner
        self.advice = advice or self.ADVICE
        who = owner.describe() if owner else ""
        super().__init__(f"{self.run_dir} is being written by another GAN Studio process"
                         f"{f' ({who})' if who else ''}. {self.advice}")

    def with_advice(self, advice: str) -> RunLocked:
        return RunLocked(self.run_dir, self.owner, advice)


def takeover_note(previous: LockOwner) -> str:
    who = previous.describe(since="started")
    return (f"the previous writer{f' ({who})' if who else ''} stopped without closing the run; "
            "taking over.")


# --- the OS locks ------------------------------------------------------------------------

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int, shared: bool = False) -> bool:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        os.lseek(fd, 0, os.SEEK_SET)

    _OPEN_FLAGS = os.O_BINARY | os.O_NOINHERIT
else:
    import fcntl

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as e:
            # A file system without locks (some network and FUSE mounts): writing the run is
            # better than refusing it forever; such a folder simply has no single-writer check.
            if e.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                return True
            raise

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _OPEN_FLAGS = os.O_CLOEXEC


def _same_file(fd: int, path: Path) -> bool:
    # POSIX writers replace .lock (to write its JSON atomically) and unlink it on close; a lock
    # taken on a file that is no longer at `path` locks nothing anyone else will look at.
    # Windows does neither while the file is open elsewhere.
    if os.name == "nt":  # pragma: no cover
        return path.exists()
    try:
        a, b = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_all(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _read_owner(path: Path) -> LockOwner | None:
    try:
        return LockOwner.from_json(path.read_text("utf-8"))
    except OSError:
        return None


def _open_locked(path: Path, deadline: float) -> int | None:
    """An fd of `path` holding its lock, or None when another process keeps it past deadline."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o644)
        try:
            locked = _try_lock(fd)
        except BaseException:
            os.close(fd)
            raise
        if locked and _same_file(fd, path):
            return fd
        os.close(fd)  # taken, or replaced or removed under us: look again
        if time.monotonic() >= deadline:
            return None
        if not locked:
            time.sleep(0.01)


class RunLock:
    """The exclusive right to write one run folder. ``acquire()`` raises RunLocked when another
    process holds it; ``previous`` is the owner that stopped without closing, if any."""

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        self.path = self.dir / LOCK_NAME
        self.previous: LockOwner | None = None
        self.created_dir = False
        self._fd: int | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        if self._fd is not None:
            return self
        self.created_dir = not self.dir.exists()
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = _open_locked(self.path, time.monotonic() + _CONTENDED_S)
        if fd is None:
            raise RunLocked(self.dir, _read_owner(self.path) or LockOwner())
        try:
            # An owner still named in the file never closed the run (a clean close removes it).
            self.previous = LockOwner.from_json(_read_all(fd))
            me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": time.time()})
            fd = self._write_owner(fd, me.encode("utf-8"))
        except BaseException:
            _unlock(fd)
            os.close(fd)
            raise
        self._fd = fd
        # A writer dropped without close() (an exception, a test) frees the folder when it is
        # collected, as the OS would at exit.
        self._finalizer = weakref.finalize(self, os.close, fd)
        return self

    def _write_owner(self, fd: int, data: bytes) -> int:
        if os.name == "nt":  # pragma: no cover - an open file cannot be replaced on Windows
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
            return fd
        # The new content goes into a locked temporary file that then replaces .lock, so a
        # reader sees the old owner or the new one, never half a line. Contenders holding the
        # old file find it gone (_same_file) and look again.
        tmp = self.dir / f"{LOCK_NAME}.{os.getpid()}.tmp"
        new = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC | _OPEN_FLAGS, 0o644)
        try:
            if not _try_lock(new):
                raise OSError(f"could not lock {tmp}")
            os.write(new, data)
            os.fsync(new)
            os.replace(tmp, self.path)
        except BaseException:
            os.close(new)
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        os.close(fd)
        return new

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._finalizer is not None:
            self._finalizer.detach()
        try:
            if os.name == "nt":  # pragma: no cover
                os.ftruncate(fd, 0)  # an empty file names no owner (others may hold it open)
            elif _same_file(fd, self.path):
                self.path.unlink()  # removed while still locked: no one mistakes it for stale
        except OSError:
            pass
        finally:
            _unlock(fd)
            os.close(fd)
        if os.name == "nt":  # pragma: no cover
            with contextlib.suppress(OSError):
                self.path.unlink()

    def discard(self) -> None:
        """Releases the lock and removes the folder again if acquire() created it and nothing
        else was written (a run that failed to start leaves nothing behind)."""
        self.release()
        if self.created_dir:
            with contextlib.suppress(OSError):
                self.dir.rmdir()

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_owner(run_dir: str | Path) -> LockOwner | None:
    """Who is writing `run_dir` now (None when no one is). Takes the lock for a moment only;
    a reader never keeps it."""
    path = Path(run_dir) / LOCK_NAME
    for _ in range(3):
        try:
            # Read-only and a shared lock: works in a folder another user is writing.
            fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
        except OSError:
            return None  # no .lock: no writer
        try:
            if not _try_lock(fd, shared=True):
                return _read_owner(path) or LockOwner()
            same = _same_file(fd, path)
            _unlock(fd)
        finally:
            os.close(fd)
        if same:
            return None  # free: an owner it may name stopped without closing
    return None
