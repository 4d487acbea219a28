"""`news-crawl_news.<year>` (e.g. `news-crawl_news.2021`): the WMT News Crawl monolingual
corpus of one year, from

    https://data.statmt.org/news-crawl/<lang>/news.<year>.<lang>.shuffled.deduped.gz

Monolingual only (no `pairs`): list it under mono-src or mono-trg. The files are already
shuffled and deduplicated upstream, so the first `max_lines` lines are a random sample and
the import stops reading there. Lines are yielded as they are, without their line ending;
empty (whitespace-only) lines are skipped. The file is decompressed as it downloads
(`pipeline.common.download.open_stream`: retries, Range resume, mirror, cache), and only
as much of it is downloaded as the lines need.
"""

import gzip
import itertools
import re
from typing import Iterator

from pipeline.common import langs
from pipeline.common.compression import decompression_errors
from pipeline.common.corpus import decoded_lines
from pipeline.common.download import open_stream
from pipeline.common.errors import UserError

URL = "https://data.statmt.org/news-crawl/{lang}/news.{year}.{lang}.shuffled.deduped.gz"
_NAME = re.compile(r"news\.(\d{4})")


def url(key: str, name: str, lang: str) -> str:
    """The upstream URL of `news-crawl_<name>` in `lang`; a malformed name is a UserError."""
    match = _NAME.fullmatch(name)
    if not match:
        raise UserError(f"dataset {key}: expected news-crawl_news.<year>, e.g. news-crawl_news.2021")
    try:
        code = langs.base(lang)  # News Crawl's folders: de, en, pt (any region), zh (simplified)
    except langs.CodeError as error:
        raise UserError(f"dataset {key}: {error}") from None
    if "-" in code:
        raise UserError(f"dataset {key}: News Crawl has {langs.primary(lang)} in its usual script only, not {lang!r}")
    return URL.format(lang=code, year=match.group(1))


def urls(name: str, lang: str) -> list[str]:
    """The upstream URLs this dataset fetches (for the preflight)."""
    return [url(f"news-crawl_{name}", name, lang)]


def lines(key: str, name: str, lang: str, max_lines: int | None = None) -> Iterator[str]:
    """The file's non-empty lines, at most `max_lines` of them (its first ones)."""
    return _lines(key, url(key, name, lang), max_lines)


def _lines(key: str, source: str, max_lines: int | None) -> Iterator[str]:
    with open_stream(source, f"dataset {key}") as raw, gzip.GzipFile(fileobj=raw) as text:
        with decompression_errors(f"dataset {key}: {source}"):
            non_empty = (line for line in decoded_lines(text, source) if line.strip())
            yield from itertools.islice(non_empty, max_lines)
