"""HTTP(S) downloads with retries and backoff: 5xx and connection errors are retried,
other HTTP errors are one-line UserErrors naming what was fetched and the URL."""

import http.client
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

RETRIES = 3  # extra attempts after a connection error or a 5xx answer
BACKOFF_S = 1.0  # doubled after each failed attempt
TIMEOUT_S = 60


def download(url: str, dest: Path, what: str) -> int:
    """Stream `url` into `dest`; returns its size. HTTP errors are one-line UserErrors
    starting with `what` (e.g. "dataset url_https://...")."""
    request = urllib.request.Request(url, headers={"User-Agent": "translations-pipeline"})
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(dest, "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
            size = dest.stat().st_size
            logger.info("downloaded %s (%.1f MB)", url, size / 1e6)
            return size
        except urllib.error.HTTPError as error:
            problem = f"HTTP {error.code} {error.reason}"
            if error.code < 500:
                raise UserError(f"{what}: {url}: {problem}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            problem = str(getattr(error, "reason", None) or error) or type(error).__name__
        if attempt == RETRIES:
            raise UserError(f"{what}: {url}: {problem} (after {RETRIES + 1} attempts)")
        delay = BACKOFF_S * 2**attempt
        logger.warning("%s: %s; retrying in %.0fs", url, problem, delay)
        time.sleep(delay)
    raise AssertionError("unreachable")
