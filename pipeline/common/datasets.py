"""Dataset keys: `<importer>_<name>`, and the sanitized form used in labels and file names."""

import hashlib
import re

from pipeline.common.errors import UserError

# Importers with a module under pipeline/data/importers (`-` becomes `_`); the key's prefix names one.
IMPORTERS = ("file", "url", "po", "opus", "mtdata", "sacrebleu", "flores", "hf", "news-crawl", "hplt")
# Importers that can also read monolingual data (one language's file).
MONO_IMPORTERS = ("file", "url", "po", "hf", "news-crawl", "hplt")

SANITIZED_MAX = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def parse_key(key: str) -> tuple[str, str]:
    """Split `po_indico==3.3.14` into ("po", "indico==3.3.14"); unknown importers are a UserError."""
    importer, sep, name = key.partition("_")
    if not sep or not name:
        raise UserError(f"dataset key {key!r} is malformed: expected <importer>_<name>, e.g. po_indico==3.3.14")
    if importer not in IMPORTERS:
        raise UserError(f"dataset key {key!r} has unknown importer {importer!r}: use one of {', '.join(IMPORTERS)}")
    return importer, name


def sanitize(key: str) -> str:
    """`url_https://host/c.[LANG].zst` -> `url_https_host_c_LANG_zst`: only [A-Za-z0-9_-].

    At most SANITIZED_MAX characters, so labels and file names stay under the file system's
    255 bytes: a longer one keeps its start and ends with a hash of the whole key."""
    safe = _UNSAFE.sub("_", key).strip("_")
    if len(safe) <= SANITIZED_MAX:
        return safe
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()
    return f"{safe[: SANITIZED_MAX - len(digest) - 1]}_{digest}"
