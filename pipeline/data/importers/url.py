"""`url_https://host/corpus.[LANG].zst`: download each side (plain, .gz or .zst by suffix)."""

import tempfile
import urllib.parse
from pathlib import Path
from typing import Iterator

from pipeline.common.errors import UserError
from pipeline.common.download import download
from pipeline.data.importers import aligned, read_text_lines


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    scheme = urllib.parse.urlsplit(name).scheme
    if scheme not in ("http", "https"):
        raise UserError(f"dataset {key}: only http:// and https:// URLs can be imported, not {scheme or 'no scheme'!r}")
    if "[LANG]" not in name:
        raise UserError(f"dataset {key}: the URL must contain [LANG], e.g. url_https://host/corpus.[LANG].zst")
    return _pairs(key, {src: name.replace("[LANG]", src), trg: name.replace("[LANG]", trg)}, src, trg)


def _pairs(key: str, urls: dict[str, str], src: str, trg: str) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        files = {}
        for lang, url in urls.items():
            suffix = Path(urllib.parse.urlsplit(url).path).suffix
            files[lang] = Path(tmp) / f"{lang}{suffix if suffix in ('.gz', '.zst') else '.txt'}"
            download(url, files[lang], f"dataset {key}")
        yield from aligned(
            read_text_lines(files[src], urls[src]), read_text_lines(files[trg], urls[trg]), urls[src], urls[trg]
        )
