"""A continuation task's step: bring files that exist into the artifacts, each checked
against the identity that the task's digest holds.

    python -m pipeline.continuation.fetch --output-dir DIR --expect NAME=IDENTITY ...

The locations come from $TRANSLATIONS_CONTINUATION ({artifact name: location}); a
location is a local path (a file; an OPUS-MT model also its folder) or an https:// URL
(through the dataset mirror and cache, resumed and retried). An identity is
`sha256:<hex>` (the copy's hash must be that), `<url> etag=<etag>` (the server's ETag
must still be that), or `<url>`, `<url> version=<text>` and `<url> last-modified=...`
(taken as they are). A file that changed since the graph was made is an error, never a
silent other input: run again, and the new file gets its own digest.

The file named `opus-mt` is an OPUS-MT release (a zip or its folder): it is unpacked into
the files the translation steps read (opus_mt.py).
"""

import argparse
import json
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from pipeline.common import download
from pipeline.common.contract import CONTINUATION_ENV, tree_sha256
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.continuation import opus_mt

logger = get_logger(__name__)
OPUS_MT = "opus-mt"  # the one name that is a release to unpack


def copy_checked(source: Path, dest: Path, sha256: str | None) -> None:
    """Copy a file or folder; a file's sha256 (a folder's, as the graph computes it) must match."""
    if not source.exists():
        raise UserError(f"{source}: not found; it was there when the graph was made")
    if source.is_dir():
        shutil.copytree(source, dest)
    else:
        shutil.copyfile(source, dest)
    actual = tree_sha256(dest)
    if sha256 and actual != sha256:
        shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        raise UserError(f"{source}: changed since the graph was made (sha256 {actual}, the digest holds {sha256}); "
                        "run again to use it as it is now")


def _pinned_sha256(identity: str) -> str | None:
    return identity.removeprefix("sha256:") if identity.startswith("sha256:") else None


def fetch_url(url: str, dest: Path, identity: str) -> None:
    what = f"continuation {dest.name}"
    if " etag=" in identity:
        expected = identity.split(" etag=", 1)[1]
        with download.http_open(urllib.request.Request(download.mirrored(url), method="HEAD"), download.TIMEOUT_S) as response:
            etag = response.headers.get("ETag", "")
        if etag != expected:
            raise UserError(f"{what}: {url} changed since the graph was made (ETag {etag!r}, the digest holds {expected!r}); "
                            "run again to use it as it is now")
    download.fetch(url, dest, what, sha256=_pinned_sha256(identity))


def fetch(name: str, location: str, identity: str, output_dir: Path) -> None:
    with tempfile.TemporaryDirectory(dir=output_dir.parent) as tmp:
        dest = Path(tmp) / name if name == OPUS_MT else output_dir / name
        if location.startswith("https://"):
            fetch_url(location.split("#")[0], dest, identity)
        else:
            copy_checked(Path(location), dest, _pinned_sha256(identity))
        if name == OPUS_MT:
            metadata = opus_mt.unpack(dest, output_dir)
            logger.info("OPUS-MT release unpacked; target labels: %s", ", ".join(metadata["labels"]) or "none (one target language)")
    logger.info("%s <- %s", name, location)


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True, type=Path)
    parser.add_argument("--expect", action="append", default=[], metavar="NAME=IDENTITY", help="one per file")
    args = parser.parse_args(argv)
    try:
        locations = json.loads(os.environ[CONTINUATION_ENV])
    except (KeyError, json.JSONDecodeError):
        raise UserError(f"${CONTINUATION_ENV} must hold the files' locations as JSON ({{name: location}})") from None
    expected = dict(line.split("=", 1) for line in args.expect)
    if set(expected) != set(locations):
        raise UserError(f"--expect names {sorted(expected)} but ${CONTINUATION_ENV} has {sorted(locations)}")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for name in sorted(locations):
        fetch(name, locations[name], expected[name], args.output_dir)


if __name__ == "__main__":
    main()
