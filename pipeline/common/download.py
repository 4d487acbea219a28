"""HTTP(S) downloads that survive flaky networks, and the dataset mirror and cache.

`download` streams a URL into a file: connection errors, 5xx answers and short bodies
are retried with backoff, and a retry resumes where the body stopped with an HTTP Range
request (re-reading and skipping what it has if the server ignores Range). The body's
size is checked against Content-Length, and its sha256 against the one given. Other
HTTP errors (a 404) are one-line UserErrors naming what was fetched and the URL. Nothing
is left at `dest` unless the download completes.

`fetch` is `download` for dataset files, with two settings an organization uses to
pre-stage data:

- `TRANSLATIONS_DATA_MIRROR=https://mirror.example.org/data`: every upstream URL
  `https://host/path` is fetched as `https://mirror.example.org/data/host/path`.
- `TRANSLATIONS_DATA_CACHE=/shared/datasets`: a file is read from `<cache>/host/path`
  when it is there, and stored there after a download.

`open_stream` reads a dataset file as it downloads, for importers that only need the
start of a large file (a sample of a news-crawl year, an HPLT shard): a dropped
connection resumes with a Range request where it stopped.
"""

import http.client
import io
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from pipeline.common.contract import CACHE_ENV, MIRROR_ENV, file_sha256
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

RETRIES = 3  # extra attempts after a connection error, a 5xx answer or a short body
BACKOFF_S = 1.0  # doubled after each failed attempt
TIMEOUT_S = 60


class _Retry(Exception):
    """A failed attempt worth repeating."""


class _HttpRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only (urllib's own also follows ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl!r} refused: not http(s)", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
    urllib.request.HTTPDefaultErrorHandler(), _HttpRedirects(), urllib.request.HTTPErrorProcessor(),
    urllib.request.UnknownHandler(),
):
    _OPENER.add_handler(_handler)


def http_open(request: urllib.request.Request, timeout: float):
    """urlopen that only ever speaks HTTP(S): no file:, ftp: or data: URL, not even by a redirect."""
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise UserError(f"{request.full_url!r}: only http:// and https:// URLs are fetched")
    return _OPENER.open(request, timeout=timeout)


def download(url: str, dest: Path, what: str, sha256: str | None = None) -> int:
    """Stream `url` into `dest` (resuming as `open_stream` does); returns its size. Errors
    are one-line UserErrors starting with `what` (e.g. "dataset url_https://...")."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        with _ResumingStream(url, what) as stream, open(part, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        if sha256 and (actual := file_sha256(part)) != sha256:
            raise UserError(f"{what}: {url}: sha256 {actual} does not match the published {sha256}")
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.rename(dest)
    size = dest.stat().st_size
    logger.info("downloaded %s (%.1f MB)", url, size / 1e6)
    return size


def _host_path(url: str) -> str:
    """`https://host/a/b.zip` -> `host/a/b.zip`, the layout of the mirror and the cache."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path).lstrip("/")
    if ".." in Path(path).parts:
        raise UserError(f"{url}: a URL path may not contain '..'")
    return f"{parts.netloc}/{path}"


def mirrored(url: str, mirror: str | None = None) -> str:
    """The URL to fetch: the upstream URL, or its copy on `mirror` (default:
    TRANSLATIONS_DATA_MIRROR)."""
    mirror = mirror or os.environ.get(MIRROR_ENV)
    if not mirror:
        return url
    query = urllib.parse.urlsplit(url).query
    return f"{mirror.rstrip('/')}/{urllib.parse.quote(_host_path(url))}" + (f"?{query}" if query else "")


def _resolve(url: str, what: str) -> tuple[Path | None, str, str]:
    """(the cache's copy of `url` or None, the URL to download, `what` for its errors)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UserError(f"{what}: only http:// and https:// URLs can be downloaded, not {url!r}")
    cache = os.environ.get(CACHE_ENV)
    source = mirrored(url)
    return (Path(cache) / _host_path(url) if cache else None), source, (
        what if source == url else f"{what}: {url} via the mirror"
    )


def fetch(url: str, dest: Path, what: str, sha256: str | None = None) -> int:
    """Download a dataset file through the mirror and the cache (see the module doc)."""
    cached, source, what = _resolve(url, what)
    if cached and cached.is_file():
        logger.info("%s: from the cache %s", url, cached)
        shutil.copyfile(cached, dest)
        return dest.stat().st_size
    size = download(source, dest, what, sha256)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
        shutil.copyfile(dest, tmp)
        tmp.rename(cached)
    return size


class _ResumingStream(io.RawIOBase):
    """The body of `url`, reconnecting with a Range request after a failure."""

    def __init__(self, url: str, what: str):
        self.url, self.what = url, what
        self.offset, self.total, self.response = 0, None, None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        for attempt in range(RETRIES + 1):
            try:
                if self.response is None:
                    self._connect()
                count = self.response.readinto(buffer)
                if count == 0 and self.total is not None and self.offset < self.total:
                    raise _Retry(f"got {self.offset} of {self.total} bytes")
                self.offset += count
                return count
            except (_Retry, http.client.HTTPException, OSError) as error:
                problem = str(error) or type(error).__name__
                self._disconnect()
                if attempt == RETRIES:
                    raise UserError(f"{self.what}: {self.url}: {problem} (after {RETRIES + 1} attempts)") from None
                logger.warning("%s: %s; resuming at byte %d", self.url, problem, self.offset)
                time.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")

    def _connect(self) -> None:
        headers = {"User-Agent": "translations-pipeline", **({"Range": f"bytes={self.offset}-"} if self.offset else {})}
        try:
            response = http_open(urllib.request.Request(self.url, headers=headers), TIMEOUT_S)
        except urllib.error.HTTPError as error:
            if error.code < 500:
                raise UserError(f"{self.what}: {self.url}: HTTP {error.code} {error.reason}") from None
            raise _Retry(f"HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise _Retry(str(error.reason)) from None
        length = response.headers.get("Content-Length")
        if self.offset and response.status != 206:
            logger.info("%s: the server ignores Range; skipping the first %d bytes again", self.url, self.offset)
            _skip(response, self.offset)
            length = int(length) - self.offset if length is not None else None
        self.total = self.offset + int(length) if length is not None else None
        self.response = response

    def _disconnect(self) -> None:
        if self.response is not None:
            self.response.close()
            self.response = None

    def close(self) -> None:
        self._disconnect()
        super().close()


def _skip(response, count: int) -> None:
    while count:
        chunk = response.read(min(count, 1 << 20))
        if not chunk:
            raise _Retry("the body ended before the resume point")
        count -= len(chunk)


def open_stream(url: str, what: str) -> io.BufferedReader:
    """A dataset file's bytes as they download (mirror and cache apply; see the module doc)."""
    cached, source, what = _resolve(url, what)
    if cached and cached.is_file():
        logger.info("%s: from the cache %s", url, cached)
        return open(cached, "rb")
    stream = _ResumingStream(source, what)
    stream._connect()  # a missing file is an error now, not at the first read
    return io.BufferedReader(stream, 1 << 20)
