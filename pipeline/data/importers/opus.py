"""`opus_<corpus>/<version>`, e.g. `opus_ELRC-3075-wikipedia_health/v1`: an OPUS corpus.

Upstream: OPUS's Moses-format zip
`https://object.pouta.csc.fi/OPUS-<corpus>/<version>/moses/<l1>-<l2>.txt.zip`, where l1, l2
are OPUS's codes of the two languages (`pt_BR`, `zh_Hant`; langs.opus) sorted
alphabetically (en-de data is `de-en.txt.zip`). Read from
it, member by member and never extracted: the line-aligned `<corpus>.<l1>-<l2>.<l1>` and
`<corpus>.<l1>-<l2>.<l2>` (README, LICENSE and the rest are ignored), paired in the
direction asked for.
"""

import fnmatch
import re
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from pipeline.common import langs
from pipeline.common.corpus import aligned, decoded_lines
from pipeline.common.download import fetch
from pipeline.common.errors import UserError
from pipeline.data.importers import inside

URL = "https://object.pouta.csc.fi/OPUS-{corpus}/{version}/moses/{l1}-{l2}.txt.zip"
_PART = re.compile(r"[A-Za-z0-9._-]+")


def _split(key: str, name: str) -> tuple[str, str]:
    corpus, _, version = name.partition("/")
    if not (_PART.fullmatch(corpus) and _PART.fullmatch(version)) or ".." in name:
        raise UserError(
            f"dataset {key}: expected opus_<corpus>/<version> with only A-Z a-z 0-9 . _ - in each, "
            "e.g. opus_ELRC-3075-wikipedia_health/v1"
        )
    return corpus, version


def _codes(key: str, src: str, trg: str) -> tuple[str, str]:
    """OPUS's codes for src and trg: `de`, `pt_BR`, `zh_Hant`, `tl` (langs.opus)."""
    try:
        return langs.opus(src), langs.opus(trg)
    except langs.CodeError as error:
        raise UserError(f"dataset {key}: {error}") from None


def _langs(key: str, src: str, trg: str) -> tuple[str, str]:
    return tuple(sorted(_codes(key, src, trg)))


def urls(name: str, src: str, trg: str | None = None) -> list[str]:
    corpus, version = _split(f"opus_{name}", name)
    if trg is None:
        raise UserError(f"dataset opus_{name}: OPUS corpora are parallel data; list it under train, devtest or test")
    l1, l2 = _langs(f"opus_{name}", src, trg)
    return [URL.format(corpus=corpus, version=version, l1=l1, l2=l2)]


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    corpus, _ = _split(key, name)
    return _pairs(key, corpus, urls(name, src, trg)[0], *_codes(key, src, trg))


def member(key: str, url: str, archive: zipfile.ZipFile, corpus: str, pair: str, lang: str) -> zipfile.ZipInfo:
    """`<corpus>.<pair>.<lang>`, else the one file named `*.<pair>.<lang>`; never a link."""
    files = [info for info in archive.infolist() if not info.is_dir() and inside(info.filename)]
    exact = [info for info in files if info.filename == f"{corpus}.{pair}.{lang}"]
    found = exact or [info for info in files if fnmatch.fnmatchcase(info.filename, f"*.{pair}.{lang}")]
    if len(found) != 1:
        raise UserError(f"dataset {key}: {url} has no single {corpus}.{pair}.{lang} (found {len(found)} candidates)")
    if (found[0].external_attr >> 16) & 0o170000 == 0o120000:
        raise UserError(f"dataset {key}: {url}: {found[0].filename} is a symbolic link")
    return found[0]


def _pairs(key: str, corpus: str, url: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    pair = "-".join(sorted((src, trg)))
    with tempfile.TemporaryDirectory(prefix="import-opus-") as tmp:
        path = Path(tmp) / f"{pair}.txt.zip"
        fetch(url, path, f"dataset {key}")
        try:
            with zipfile.ZipFile(path) as archive:
                infos = {lang: member(key, url, archive, corpus, pair, lang) for lang in (src, trg)}
                with archive.open(infos[src]) as src_stream, archive.open(infos[trg]) as trg_stream:
                    labels = {lang: f"{url}:{info.filename}" for lang, info in infos.items()}
                    yield from aligned(
                        decoded_lines(src_stream, labels[src]), decoded_lines(trg_stream, labels[trg]),
                        labels[src], labels[trg],
                    )
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise UserError(f"dataset {key}: {url}: cannot read the zip archive ({error})") from None
