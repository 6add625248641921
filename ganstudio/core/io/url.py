"""Models named by an http(s) address: downloaded once into the user cache, then opened as files.

A download lands in ``default_cache_root()/downloads/<sha256 of the URL>/<file name>``: the
bytes go to a ``.part`` file in that folder, which is renamed to its final name only once
complete (so an interrupted or cancelled download never looks like a cached model), and a
download larger than ``MAX_DOWNLOAD_BYTES`` is refused. A URL whose folder already holds its
file makes no request at all. What the file is, is decided afterwards by the same safe loaders
that open local files (``io.loader``): nothing downloaded is unpickled or run.

Needs no internet unless a URL is opened; offline, a wrong address or a server error is one
sentence naming the URL.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ganstudio.core.errors import Cancelled, UserError
from ganstudio.core.fsutil import atomic_path

MAX_DOWNLOAD_BYTES = 4 << 30  # the largest NVIDIA StyleGAN pickles are about 0.4 GB
CHUNK = 1 << 20
TIMEOUT_S = 30.0
SCHEMES = ("http", "https")

ProgressFn = Callable[[int, int], None]  # (bytes done, bytes in all; 0 when the server does not say)
StopFn = Callable[[], bool]


class DownloadError(UserError, RuntimeError):
    """A model URL that could not be fetched; the message names the URL and what to do."""


class DownloadCancelled(Cancelled):
    """The person stopped the download; nothing was kept."""


def is_url(text: str | Path) -> bool:
    """True for text that names an http(s) address rather than a file."""
    return isinstance(text, str) and re.match(r"^https?://", text.strip(), re.IGNORECASE) is not None


def downloads_dir(cache_root: Path | None = None) -> Path:
    # imported here: folder_cache brings torch, and the command line asks is_url before the app starts
    from ganstudio.core.folder_cache import default_cache_root

    return (cache_root or default_cache_root()) / "downloads"


def entry_dir(url: str, cache_root: Path | None = None) -> Path:
    """The folder that holds ``url``'s file once downloaded."""
    return downloads_dir(cache_root) / hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:32]


def cached_file(url: str, cache_root: Path | None = None) -> Path | None:
    """The complete download of ``url`` if there is one (``.part`` files are not)."""
    folder = entry_dir(url, cache_root)
    if not folder.is_dir():
        return None
    done = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return done[0] if done else None


def forget(url: str, cache_root: Path | None = None) -> None:
    """Drop ``url``'s cached file (it turned out not to be a model)."""
    shutil.rmtree(entry_dir(url, cache_root), ignore_errors=True)


def _checked(url: str) -> str:
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise DownloadError(f"{url} is not a web address GAN Studio can download from: give an "
                            "http:// or https:// URL with a host name.")
    return url


def _safe_name(name: str) -> str:
    """A file name that cannot leave its folder or hide itself."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(urllib.parse.unquote(name)).name).lstrip("._")
    return name[:120] or "model"


def _file_name(url: str, headers: http.client.HTTPMessage) -> str:
    # The loaders choose a format by suffix, so the URL's own name, else the server's.
    from_url = _safe_name(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if "." in from_url:
        return from_url
    disposition = headers.get_filename()
    return _safe_name(disposition) if disposition else from_url


def _reason(url: str, exc: BaseException) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if isinstance(exc, urllib.error.HTTPError):
        return (f"The server answered {exc.code} {exc.reason} for {url}; check the address "
                "(or try again later if the server is busy).")
    inner = getattr(exc, "reason", exc)
    if isinstance(inner, socket.gaierror):
        return (f"Cannot look up {host} to download {url}: check the address and your internet "
                "connection.")
    if isinstance(inner, (TimeoutError, socket.timeout)):
        return f"{host} did not answer within {TIMEOUT_S:.0f} s while downloading {url}; try again later."
    text = getattr(inner, "strerror", None) or str(inner) or type(inner).__name__
    return f"Cannot download {url} ({text}): check the address and your internet connection."


def download(
    url: str,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    cache_root: Path | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
) -> Path:
    """The cached file of ``url``, downloaded first unless already there.

    ``progress(done, total)`` follows the bytes; ``should_stop()`` is asked between chunks
    and stops with :class:`DownloadCancelled`. Raises :class:`DownloadError` for a bad address,
    a server error, a network failure or a file over ``max_bytes``.
    """
    url = _checked(url)
    hit = cached_file(url, cache_root)
    if hit is not None:
        return hit
    request = urllib.request.Request(url, headers={"User-Agent": "GAN Studio"})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 (scheme checked)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
        raise DownloadError(_reason(url, e)) from None
    with response:
        total = int(response.headers.get("Content-Length") or 0)
        limit = f"{max_bytes / 2**30:.1f} GB" if max_bytes >= 2**30 else f"{max_bytes / 2**20:.1f} MB"
        if total > max_bytes:
            raise DownloadError(f"{url} is {total / 2**20:.0f} MB, more than the {limit} GAN Studio "
                                "downloads; download it yourself and open the file.")
        target = entry_dir(url, cache_root) / _file_name(url, response.headers)
        done = 0
        try:
            with atomic_path(target) as tmp, open(tmp, "wb") as out:
                if progress is not None:
                    progress(0, total)
                while True:
                    if should_stop is not None and should_stop():
                        raise DownloadCancelled(f"download of {url} cancelled")
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    done += len(chunk)
                    if done > max_bytes:
                        raise DownloadError(f"{url} is more than the {limit} GAN Studio downloads; "
                                            "download it yourself and open the file.")
                    out.write(chunk)
                    if progress is not None:
                        progress(done, total)
                out.flush()
                if total and done < total:
                    raise DownloadError(f"The download of {url} stopped after {done} of {total} "
                                        "bytes; try again.")
        except (OSError, http.client.HTTPException) as e:
            raise DownloadError(_reason(url, e)) from None
    return target
