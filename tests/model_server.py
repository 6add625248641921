"""A web server for tests: serves one folder on 127.0.0.1 and counts the requests it answers."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass  # the test's output stays clean


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early (a cancelled download) is part of the tests


class ModelServer:
    def __init__(self, folder: Path) -> None:
        self.requests: list[str] = []
        self.held: set[str] = set()  # paths whose second half waits for `release`
        self.release = threading.Event()
        server = self

        class Handler(_Handler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                if self.path not in server.held:
                    super().do_GET()
                    return
                data = (folder / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                server.release.wait(60)
                self.wfile.write(data[len(data) // 2 :])

        self.httpd = _Server(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/{name}"


@contextmanager
def serving(folder: Path) -> Iterator[ModelServer]:
    """A ModelServer for ``folder`` while the block runs."""
    server = ModelServer(folder)
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join()


@contextmanager
def model_site(tmp_path: Path, monkeypatch: object) -> Iterator[ModelServer]:
    """A served folder holding the shipped model as ``digits.safetensors`` and a web page
    named ``page.safetensors`` (not a model), with the download cache in ``tmp_path``."""
    import shutil

    from ganstudio.core.names import shipped_generator_file

    monkeypatch.setenv("GANSTUDIO_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(shipped_generator_file(), folder / "digits.safetensors")
    (folder / "page.safetensors").write_text("<html>not a model</html>")
    with serving(folder) as server:
        yield server
