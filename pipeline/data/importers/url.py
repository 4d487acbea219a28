"""`url_https://host/corpus.[LANG].zst`: download each side (plain, .gz or .zst by suffix);
monolingual datasets download one file."""

import tempfile
import urllib.parse
from pathlib import Path
from typing import Iterator

from pipeline.common.errors import UserError
from pipeline.common.download import download
from pipeline.data.importers import aligned, read_text_lines


def _check(key: str, name: str, need_lang: bool) -> None:
    scheme = urllib.parse.urlsplit(name).scheme
    if scheme not in ("http", "https"):
        raise UserError(f"dataset {key}: only http:// and https:// URLs can be imported, not {scheme or 'no scheme'!r}")
    if need_lang and "[LANG]" not in name:
        raise UserError(f"dataset {key}: the URL must contain [LANG], e.g. url_https://host/corpus.[LANG].zst")


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    _check(key, name, need_lang=True)
    return _pairs(key, {src: name.replace("[LANG]", src), trg: name.replace("[LANG]", trg)}, src, trg)


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    """Monolingual data: one file (`[LANG]`, if present, becomes `lang`)."""
    _check(key, name, need_lang=False)
    return _lines(key, name.replace("[LANG]", lang))


def _fetch(key: str, url: str, tmp: str, stem: str) -> Path:
    suffix = Path(urllib.parse.urlsplit(url).path).suffix
    path = Path(tmp) / f"{stem}{suffix if suffix in ('.gz', '.zst') else '.txt'}"
    download(url, path, f"dataset {key}")
    return path


def _pairs(key: str, urls: dict[str, str], src: str, trg: str) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        files = {lang: _fetch(key, url, tmp, lang) for lang, url in urls.items()}
        yield from aligned(
            read_text_lines(files[src], urls[src]), read_text_lines(files[trg], urls[trg]), urls[src], urls[trg]
        )


def _lines(key: str, url: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        yield from read_text_lines(_fetch(key, url, tmp, "mono"), url)
