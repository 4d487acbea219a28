"""`url_<http(s) URL>`: a corpus downloaded over http(s), read by the URL path's suffixes.

- Per-side files, `[LANG]` becoming each language: `url_https://host/corpus.[LANG].gz`;
  plain, `.gz`, `.zst`, `.xz` or `.bz2`. Monolingual datasets download one such file.
- One file holding both sides, no `[LANG]`:
  `.tsv` (two tab-separated columns, source then target; another column count is an error
  naming the line) and `.tmx` (each `tuv` picked by `xml:lang`/`lang`, `de-DE` matching
  `de`; units lacking either language are skipped), either also compressed so.
"""

import tempfile
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Iterator

from pipeline.common.corpus import aligned, read_lines
from pipeline.common.download import fetch
from pipeline.common.errors import UserError
from pipeline.common.compression import COMPRESSIONS, decompression_errors, open_decompressed
from pipeline.data.importers import tmx_pairs, tsv_pairs

PARALLEL_FORMATS = (".tsv", ".tmx")


def _suffixes(url: str) -> tuple[str, str]:
    """(format, compression) from the URL path: `a.tsv.gz` -> (".tsv", ".gz"), `a.de` -> ("", "")."""
    path = PurePosixPath(urllib.parse.urlsplit(url).path)
    compression = path.suffix if path.suffix in COMPRESSIONS else ""
    fmt = (path.with_suffix("") if compression else path).suffix
    return (fmt if fmt in PARALLEL_FORMATS else ""), compression


def _check(key: str, name: str, parallel: bool) -> str:
    """The URL's single-file format (".tsv", ".tmx") or "" for per-side text files."""
    parts = urllib.parse.urlsplit(name)
    if parts.scheme not in ("http", "https"):
        raise UserError(f"dataset {key}: only http:// and https:// URLs can be imported, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise UserError(f"dataset {key}: the URL names no host; use url_https://host/corpus.[LANG].zst")
    fmt = _suffixes(name)[0]
    if fmt and "[LANG]" in name:
        raise UserError(f"dataset {key}: a {fmt} file holds both languages; remove [LANG] from the URL")
    if fmt and not parallel:
        raise UserError(f"dataset {key}: a {fmt} file holds parallel data; list it under train, devtest or test")
    if parallel and not fmt and "[LANG]" not in name:
        raise UserError(
            f"dataset {key}: the URL must contain [LANG] (url_https://host/corpus.[LANG].zst) or name a .tsv or .tmx file"
        )
    return fmt


def urls(name: str, src: str, trg: str | None = None) -> list[str]:
    """The URLs `pairs` (or, given one language, `lines`) downloads, after the import's own check."""
    if _check(f"url_{name}", name, parallel=trg is not None):
        return [name]
    return [name.replace("[LANG]", lang) for lang in dict.fromkeys((src, trg or src))]


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    if _check(key, name, parallel=True):
        return _single(key, name, src, trg)
    return _pairs(key, {src: name.replace("[LANG]", src), trg: name.replace("[LANG]", trg)}, src, trg)


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    """Monolingual data: one file (`[LANG]`, if present, becomes `lang`)."""
    _check(key, name, parallel=False)
    return _lines(key, name.replace("[LANG]", lang))


def _fetch(key: str, url: str, tmp: str, stem: str) -> Path:
    """Download `url` to `<tmp>/<stem><format><compression>`: the suffixes pick the reader."""
    fmt, compression = _suffixes(url)
    path = Path(tmp) / f"{stem}{fmt or '.txt'}{compression}"
    fetch(url, path, f"dataset {key}")
    return path


def _pairs(key: str, urls: dict[str, str], src: str, trg: str) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        files = {lang: _fetch(key, url, tmp, lang) for lang, url in urls.items()}
        yield from aligned(
            read_lines(files[src], urls[src]), read_lines(files[trg], urls[trg]), urls[src], urls[trg]
        )


def _single(key: str, url: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        path = _fetch(key, url, tmp, "corpus")
        label = f"dataset {key}: {url}"
        if _suffixes(url)[0] == ".tsv":
            yield from tsv_pairs(read_lines(path, url), label)
        else:
            with decompression_errors(label), open_decompressed(path) as stream:
                yield from tmx_pairs(stream, label, [src], [trg])


def _lines(key: str, url: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="import-url-") as tmp:
        yield from read_lines(_fetch(key, url, tmp, "mono"), url)
