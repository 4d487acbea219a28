"""A loopback HTTP server for importer tests: it serves a directory of fixture files laid
out like the upstream (`<root>/<upstream host>/<upstream path>`), with HTTP Range support
and injectable faults, and `TRANSLATIONS_DATA_MIRROR` pointed at it so the importers'
real upstream URLs are answered from the fixtures.

    def test_opus(data_server):
        data_server.put("object.pouta.csc.fi/OPUS-X/v1/moses/de-en.txt.zip", zip_bytes)
        ...import the dataset as usual...
        assert data_server.requests == [...]
"""

import contextlib
import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Faults:
    errors: dict[str, list[int]] = field(default_factory=dict)  # path -> status codes to answer first
    cut: dict[str, int] = field(default_factory=dict)  # path -> bytes after which the next answer stops
    no_range: set[str] = field(default_factory=set)  # paths answered in full even to a Range request
    etags: dict[str, str] = field(default_factory=dict)  # path -> the ETag header to send


class _Handler(http.server.SimpleHTTPRequestHandler):
    faults: Faults
    log: list[str]

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        path = self.path.split("?")[0]
        self.log.append(f"{self.command} {self.path}" + (f" {self.headers['Range']}" if self.headers["Range"] else ""))
        if self.faults.errors.get(path):
            self.send_error(self.faults.errors[path].pop(0))
            return
        file = Path(self.translate_path(path))
        if not file.is_file():
            self.send_error(404, "File not found")
            return
        data = file.read_bytes()
        start = self._range_start(path, len(data))
        if start is None:
            self.send_response(200)
        elif start >= len(data):
            self.send_error(416)
            return
        else:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - (start or 0)))
        self.send_header("Accept-Ranges", "bytes")
        if path in self.faults.etags:
            self.send_header("ETag", self.faults.etags[path])
        self.end_headers()
        if not body:
            return
        payload = data[start or 0:]
        if path in self.faults.cut:
            payload = payload[: self.faults.cut.pop(path)]
            self.wfile.write(payload)
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def _range_start(self, path: str, size: int) -> int | None:
        header = self.headers["Range"]
        if not header or path in self.faults.no_range or not header.startswith("bytes=") or not header.endswith("-"):
            return None
        return int(header[len("bytes="):-1])

    def log_message(self, *args):
        pass


class DataServer:
    def __init__(self, root: Path):
        self.root = root
        self.faults = Faults()
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"faults": self.faults, "log": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *args: handler(*args, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def put(self, path: str, data: bytes | str) -> Path:
        """Serve `data` at `/<path>` (e.g. `data.statmt.org/news-crawl/de/news.2020.de.shuffled.deduped.gz`)."""
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return file

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler]):
    """A loopback server answering with `handler`; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def data_server(tmp_path, monkeypatch):
    """A loopback server that answers every upstream URL: the mirror setting points at it."""
    server = DataServer(tmp_path / "mirror")
    server.root.mkdir()
    monkeypatch.setenv("TRANSLATIONS_DATA_MIRROR", server.url)
    monkeypatch.delenv("TRANSLATIONS_DATA_CACHE", raising=False)
    yield server
    server.close()
