"""`sacrebleu_<test set>`: a test set as the sacrebleu library knows it (`sacrebleu_wmt19`,
`sacrebleu_wmt20/robust/set1`, `sacrebleu_wmt21/dev`; `sacrebleu --list` names them all).

sacrebleu downloads, checks (MD5) and unpacks the set and writes its plain-text source
and reference files; we read those. The pair `<src>-<trg>` is used when the set has it,
else `<trg>-<src>` with its sides swapped. With several references, the first (or the
set's preferred one, e.g. WMT22's `refA`) is taken.

Settings:
- `TRANSLATIONS_DATA_CACHE`: sacrebleu's files live in `<cache>/sacrebleu/<set>/...`
  (sacrebleu's own layout, so an organization can pre-stage them); otherwise in
  `$SACREBLEU` (default `~/.sacrebleu`).
- `TRANSLATIONS_DATA_MIRROR`: the set's archive URLs are rewritten to the mirror
  (`https://host/path` -> `<mirror>/host/path`) before sacrebleu downloads them.
"""

import copy
import difflib
import http.client
import os
import time
import urllib.error
from pathlib import Path
from typing import Iterator

from pipeline.common import download, langs
from pipeline.common.corpus import aligned, read_lines
from pipeline.common.errors import UserError


def _dataset(key: str, name: str):
    from sacrebleu.dataset import DATASETS

    if name not in DATASETS:
        close = difflib.get_close_matches(name, DATASETS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`sacrebleu --list` names them"
        raise UserError(f"dataset {key}: {name!r} is not a sacrebleu test set; {hint}")
    return DATASETS[name]


def _langpair(key: str, dataset, src: str, trg: str) -> tuple[str, bool]:
    """The set's language pair for src->trg, and whether its sides are swapped. sacrebleu
    names languages without region (langs.base: `pt-BR` is `pt`; `zh-Hant` stays itself)."""
    try:
        src, trg = langs.base(src), langs.base(trg)
    except langs.CodeError as error:
        raise UserError(f"dataset {key}: {error}") from None
    for langpair, swap in ((f"{src}-{trg}", False), (f"{trg}-{src}", True)):
        if langpair in dataset.langpairs:
            return langpair, swap
    raise UserError(f"dataset {key}: sacrebleu set {dataset.name} has no {src}-{trg} or {trg}-{src}; it has {' '.join(sorted(dataset.langpairs))}")


def urls(name: str, *langs: str) -> list[str]:
    dataset = _dataset(f"sacrebleu_{name}", name)
    if len(langs) == 2:
        _langpair(f"sacrebleu_{name}", dataset, *langs)
    return list(dataset.data)


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    dataset = _dataset(key, name)
    langpair, swap = _langpair(key, dataset, src, trg)
    return _pairs(key, _located(dataset), langpair, swap)


def _located(original):
    """A copy of the dataset object using our cache directory and mirror."""
    dataset = copy.copy(original)
    cache = os.environ.get(download.CACHE_ENV)
    if cache:
        root = Path(cache) / "sacrebleu"
    else:
        from sacrebleu.utils import SACREBLEU_DIR

        root = Path(os.environ.get("SACREBLEU") or SACREBLEU_DIR)
    dataset._outdir = str(root / dataset.name)
    dataset._rawdir = str(root / dataset.name / "raw")
    dataset.data = [download.mirrored(url) for url in original.data]
    dataset.upstream = list(original.data)
    return dataset


def _download(key: str, dataset) -> None:
    """sacrebleu's download, with retries on transient errors and one-line errors."""
    for attempt in range(download.RETRIES + 1):
        try:
            dataset.maybe_download()
            return
        except SystemExit:  # sacrebleu's answer to a wrong MD5 (or an SSL error)
            break
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == download.RETRIES:
                raise UserError(f"dataset {key}: {_where(dataset, error.url)}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            if attempt == download.RETRIES:
                raise UserError(f"dataset {key}: {_where(dataset, None)}: {getattr(error, 'reason', None) or error or type(error).__name__}") from None
        time.sleep(download.BACKOFF_S * 2**attempt)
    from sacrebleu.utils import get_md5sum

    for url, md5 in zip(dataset.data, dataset.md5 or []):
        tarball = Path(dataset._rawdir) / dataset._get_tarball_filename(url)
        if tarball.is_file() and (actual := get_md5sum(str(tarball))) != md5:
            tarball.unlink()  # else sacrebleu would use the bad file next time
            raise UserError(f"dataset {key}: {_where(dataset, url)}: MD5 {actual} does not match sacrebleu's {md5}")
    raise UserError(f"dataset {key}: sacrebleu could not download {' '.join(dataset.data)} (see its log above)")


def _where(dataset, url: str | None) -> str:
    """`upstream` or `upstream via the mirror: mirrored` for the URL that failed."""
    url = url or dataset.data[0]
    upstream = dataset.upstream[dataset.data.index(url)] if url in dataset.data else url
    return upstream if upstream == url else f"{upstream} via the mirror: {url}"


def _pairs(key: str, dataset, langpair: str, swap: bool) -> Iterator[tuple[str, str]]:
    _download(key, dataset)
    source = dataset.get_source_file(langpair)
    references = dataset.get_reference_files(langpair) or [
        path for path, field in zip(dataset.get_files(langpair), dataset.fieldnames(langpair)) if field.startswith("ref")
    ]
    lines = aligned(read_lines(source), read_lines(references[0]), source, references[0])
    for src_line, ref_line in lines:
        yield (ref_line, src_line) if swap else (src_line, ref_line)
