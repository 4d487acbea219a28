"""`hf_<dataset>[:<config>][@<split>][#<revision>]`: a Hugging Face dataset, streamed with the
`datasets` library (`load_dataset(..., streaming=True)`), so it never sits in memory or on disk.

    hf_Helsinki-NLP/europarl:de-en                the `train` split of config `de-en`
    hf_facebook/flores:deu_Latn-eng_Latn@devtest  another split
    hf_org/corpus@train#6f3c1e0                   a pinned revision (commit, tag or branch)
    hf_/data/hf-snapshot:de-en                    a local copy (a Hub repo snapshot or data files)

Parallel data: a `translation` column holding `{"de": ..., "en": ...}`, else two columns
named by the languages; either direction works. Monolingual data: the `text` column, else a
column named by the language, else that side of `translation`; a multi-line text gives one
line per non-empty line. In parallel data, line breaks inside a segment become spaces.

Settings (the Hub is an API, so TRANSLATIONS_DATA_MIRROR/CACHE do not apply):
- `HF_ENDPOINT`: a Hub mirror (default https://huggingface.co); `HF_TOKEN` for gated sets.
- `HF_HOME`: the Hub's metadata cache and token; data is streamed, not cached.
- `HF_HUB_OFFLINE=1` / `HF_DATASETS_OFFLINE=1`: no network; use a local path instead.
"""

import os
import re
from typing import Iterator

from pipeline.common import langs
from pipeline.common.errors import UserError

HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?")
KEY = re.compile(r"(?P<path>[^:@#]+)(?::(?P<config>[^:@#]+))?(?:@(?P<split>[^#]+))?(?:#(?P<revision>.+))?")


def _parse(key: str, name: str) -> dict:
    match = KEY.fullmatch(name)
    if not match:
        raise UserError(f"dataset {key}: expected hf_<org/name>[:<config>][@<split>][#<revision>], e.g. hf_Helsinki-NLP/europarl:de-en@train")
    path = match["path"]
    if ".." in path.split("/") or not (path.startswith("/") or HUB_ID.fullmatch(path)):
        raise UserError(f"dataset {key}: {path!r} is neither a Hub dataset <org>/<name> nor an absolute path (without '..')")
    return {**match.groupdict(), "split": match["split"] or "train"}


def urls(name: str, *langs: str) -> list[str]:
    """The Hub API URL of a repo (for the preflight's HEAD request); none for a local path."""
    parts = _parse(f"hf_{name}", name)
    if parts["path"].startswith("/"):
        return []
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    revision = f"/revision/{parts['revision']}" if parts["revision"] else ""
    return [f"{endpoint}/api/datasets/{parts['path']}{revision}"]


def _rows(key: str, parts: dict) -> Iterator[dict]:
    import datasets
    from datasets.exceptions import DatasetsError

    try:
        stream = datasets.load_dataset(
            parts["path"], parts["config"], split=parts["split"], revision=parts["revision"], streaming=True
        )
    except (DatasetsError, ValueError, OSError) as error:  # OSError: the Hub's HTTP and offline errors
        raise UserError(f"dataset {key}: {_message(error)}") from None
    try:
        yield from stream
    except (DatasetsError, OSError) as error:
        raise UserError(f"dataset {key}: while streaming: {_message(error)}") from None


def _message(error: Exception) -> str:
    """The first lines of a (multi-line) library error, as one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    hint = " (a private or gated set needs HF_TOKEN)" if type(error).__name__ in ("DatasetNotFoundError", "RepositoryNotFoundError") else ""
    return (" ".join(lines[:2]) or type(error).__name__) + hint


def _one_line(text) -> str:
    return " ".join(str(text or "").splitlines())


def _column(row: dict, lang: str) -> str | None:
    """The column (or `translation` key) of `row` named by language `lang`: its own code
    (`pt_BR` for pt-BR), else a tag of the same language and script (langs.matches:
    `zh_TW` for zh-Hant, `pt` for pt-BR)."""
    norm = lang.lower().replace("_", "-")
    same = next((name for name in row if name.lower().replace("_", "-") == norm), None)
    return same or next((name for name in row if langs.matches(name, lang)), None)


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    return _pairs(key, _parse(key, name), src, trg)


def _pairs(key: str, parts: dict, src: str, trg: str) -> Iterator[tuple[str, str]]:
    pick = None
    for row in _rows(key, parts):
        if pick is None:
            pick = _pick_pair(key, row, src, trg)
        segments = row["translation"] if pick[0] else row
        yield _one_line(segments[pick[1]]), _one_line(segments[pick[2]])


def _pick_pair(key: str, row: dict, src: str, trg: str) -> tuple[bool, str, str]:
    """(in `translation`?, source column, target column), from the first row."""
    translation = row.get("translation")
    for nested, columns in ((True, translation), (False, row)):
        if isinstance(columns, dict):
            src_column, trg_column = _column(columns, src), _column(columns, trg)
            if src_column and trg_column:
                return nested, src_column, trg_column
    where, names = ("translation keys", translation) if isinstance(translation, dict) else ("columns", row)
    raise UserError(f"dataset {key}: no {src} and {trg} among its {where} {', '.join(sorted(names))}")


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    return _lines(key, _parse(key, name), lang)


def _lines(key: str, parts: dict, lang: str) -> Iterator[str]:
    get = None
    for row in _rows(key, parts):
        if get is None:
            get = _pick_text(key, row, lang)
        for line in str(get(row) or "").splitlines():
            if line.strip():
                yield line


def _pick_text(key: str, row: dict, lang: str):
    if "text" in row:
        return lambda row: row["text"]
    if column := _column(row, lang):
        return lambda row: row[column]
    if isinstance(row.get("translation"), dict) and (column := _column(row["translation"], lang)):
        return lambda row: row["translation"][column]
    raise UserError(f"dataset {key}: no text, {lang} or translation.{lang} among its columns {', '.join(sorted(row))}")
