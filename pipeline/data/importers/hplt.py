"""`hplt_<version>` (only `hplt_2.0`): HPLT v2.0 "cleaned" monolingual web text, sampled to
at most `max_lines` lines. Monolingual only (no `pairs`): list it under mono-src or mono-trg.

Upstream layout (HPLT 2.0, https://hplt-project.org/datasets/v2.0; the same layout the
Firefox translations pipeline's HPLT importer read):

- A map file per language, `https://data.hplt-project.org/two/cleaned/<code>_map.txt`,
  lists the language's shards, one URL a line:
  `https://data.hplt-project.org/two/cleaned/<code>/<n>.jsonl.zst`.
- `<code>` is HPLT's `<ISO 639-3>_<ISO 15924 script>` label from OpenLID, e.g. `deu_Latn`,
  `rus_Cyrl`, `zho_Hans`; macrolanguages use the individual language OpenLID knows
  (`ekk_Latn` Estonian, `lvs_Latn` Latvian, `pes_Arab` Persian, `arb_Arab` Arabic,
  `zsm_Latn` Malay, `nob_Latn` Norwegian Bokmål). `langs.alpha3_script` derives it from
  our code (`de`, `zh-Hant`, `pt-BR`; also `deu_Latn` itself), with INDIVIDUAL below.
- Each shard line is one JSON document. Fields read here: `text` (paragraphs joined by
  "\\n"; required), `lang` (document languages, most probable first), `doc_scores`
  (web-docs-scorer scores 0-10, the first being the overall score) and `seg_langs` (the
  language of each "\\n"-separated segment of `text`). The three optional fields are used
  when present; a document without `text` is an error (the layout is not what we expect).
  Other fields (`u`, `ts`, `prob`, `filter`, `pii`, `robotstxt`, ...) are ignored.

Selection, in this order:

1. Shards are read in a random order seeded by the dataset key and language (rerunning
   the import gives the same sample), one after another, each decompressed as it
   downloads (`pipeline.common.download.open_stream`: retries, Range resume, mirror,
   cache); the import stops as soon as `max_lines` lines are out, so the rest of the
   shard and later shards are never downloaded. Without `max_lines` every shard is read
   (a warning says so).
2. A document is kept when its first `lang` is the language and its overall document
   score is at least `MIN_DOC_SCORE` (the Firefox pipeline's default threshold).
3. Its `text` is split on "\\n"; each segment is stripped, empty ones are dropped, and a
   segment is kept when its `seg_langs` entry is the language (the list is matched to the
   segments, or else to the non-empty ones; a document matching neither is dropped as
   misaligned) and it has `MIN_CHARS` to `MAX_CHARS` characters.
4. Exact duplicates within the import are dropped, by 64-bit BLAKE2b hashes of the lines
   kept (pipeline.common.hashset: at most 16 bytes a line, so bounded by `max_lines`).

Memory holds one document and a batch of lines at a time, plus the hash table; nothing
is written to disk but the map file (HPLT shards can be many gigabytes).
"""

import itertools
import json
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterator

from pipeline.common import langs
from pipeline.common.compression import decompression_errors, zstd_reader
from pipeline.common.corpus import decoded_lines, read_lines
from pipeline.common.download import fetch, open_stream
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

MAP_URLS = {"2.0": "https://data.hplt-project.org/two/cleaned/{code}_map.txt"}
MIN_DOC_SCORE = 7.0
MIN_CHARS = 10
MAX_CHARS = 600
BATCH = 4096

# HPLT files Estonian under OpenLID's ekk (FLORES-200 under est); other macrolanguages as langs.INDIVIDUAL.
INDIVIDUAL = {**langs.INDIVIDUAL, "et": "ekk"}


def hplt_code(key: str, lang: str) -> str:
    """`de` -> `deu_Latn`, `zh-Hant` -> `zho_Hant`; not a language code: a UserError."""
    try:
        return langs.alpha3_script(lang, INDIVIDUAL)
    except langs.CodeError as error:
        raise UserError(f"dataset {key}: {error}") from None


def map_url(key: str, name: str, lang: str) -> str:
    if name not in MAP_URLS:
        raise UserError(f"dataset {key}: unknown HPLT version {name!r}; use one of: " + ", ".join(f"hplt_{v}" for v in MAP_URLS))
    return MAP_URLS[name].format(code=hplt_code(key, lang))


def urls(name: str, lang: str) -> list[str]:
    """The URL fetched first (the map file); the shard URLs are only known from it."""
    return [map_url(f"hplt_{name}", name, lang)]


def lines(key: str, name: str, lang: str, max_lines: int | None = None) -> Iterator[str]:
    """Up to `max_lines` selected lines (see the module doc); arguments are checked now."""
    return _lines(key, map_url(key, name, lang), hplt_code(key, lang), max_lines)


def _lines(key: str, map_source: str, code: str, max_lines: int | None) -> Iterator[str]:
    what = f"dataset {key}"
    stats: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="import-hplt-") as tmp:
        map_path = Path(tmp) / "map.txt"
        fetch(map_source, map_path, what)
        shard_urls = [line.strip() for line in read_lines(map_path, map_source) if line.strip()]
    if not shard_urls:
        raise UserError(f"{what}: {map_source} lists no shards")
    random.Random(f"{key} {code}").shuffle(shard_urls)
    if max_lines is None:
        logger.warning("%s: no maximum line count: reading all %d shards of %s", key, len(shard_urls), code)
    from pipeline.common.hashset import HashSet, text_hashes  # numpy: not on the graph side

    seen, written = HashSet(), 0
    segments = _all_segments(shard_urls, code, stats, what)
    try:
        # Batches never ask for more lines than are still wanted, so no shard is opened early.
        while max_lines is None or written < max_lines:
            batch = list(itertools.islice(segments, BATCH if max_lines is None else min(BATCH, max_lines - written)))
            if not batch:
                break
            for line, new in zip(batch, seen.add(text_hashes(batch)).tolist()):
                if new:
                    written += 1
                    yield line
                else:
                    stats["duplicate lines"] += 1
    finally:
        segments.close()
        stats["lines written"] = written
        logger.info("%s: %s", key, ", ".join(f"{name} {count}" for name, count in sorted(stats.items())))


def _all_segments(shard_urls: list[str], code: str, stats: Counter, what: str) -> Iterator[str]:
    for number, shard_url in enumerate(shard_urls, start=1):
        logger.info("%s: shard %d of %d: %s", what, number, len(shard_urls), shard_url)
        with open_stream(shard_url, what) as raw:
            stats["shards"] += 1
            with decompression_errors(f"{what}: {shard_url}"):
                yield from _segments(decoded_lines(zstd_reader(raw), shard_url), shard_url, code, stats, what)


def _segments(shard: Iterator[str], source: str, code: str, stats: Counter, what: str) -> Iterator[str]:
    """The stripped segments of the shard's documents that pass the filters (no dedupe)."""
    for number, raw in enumerate(shard, start=1):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except ValueError as error:
            raise UserError(f"{what}: {source}:{number}: not JSON ({error}); is this an HPLT 2.0 shard?") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
            raise UserError(f"{what}: {source}:{number}: a document without a 'text' field; is this an HPLT 2.0 shard?")
        stats["documents"] += 1
        langs = _as_list(doc.get("lang"))
        if langs and langs[0] != code:
            stats["documents in another language"] += 1
            continue
        scores = _as_list(doc.get("doc_scores"))
        if scores and isinstance(scores[0], (int, float)) and scores[0] < MIN_DOC_SCORE:
            stats["documents under the score"] += 1
            continue
        labelled = _label(doc["text"], _as_list(doc.get("seg_langs")))
        if labelled is None:
            stats["documents with misaligned seg_langs"] += 1
            continue
        for seg_lang, line in labelled:
            if seg_lang is not None and seg_lang != code:
                stats["lines in another language"] += 1
            elif not MIN_CHARS <= len(line) <= MAX_CHARS:
                stats["lines too short or long"] += 1
            else:
                yield line


def _label(text: str, seg_langs: list | None) -> list[tuple[str | None, str]] | None:
    """The non-empty stripped segments of `text` with their language (None if unknown);
    None when `seg_langs` matches neither all segments nor the non-empty ones."""
    segments = [segment.strip() for segment in text.split("\n")]
    if seg_langs is None:
        return [(None, segment) for segment in segments if segment]
    if len(seg_langs) == len(segments):
        return [(lang, segment) for lang, segment in zip(seg_langs, segments) if segment]
    non_empty = [segment for segment in segments if segment]
    if len(seg_langs) == len(non_empty):
        return list(zip(seg_langs, non_empty))
    return None


def _as_list(value) -> list | None:
    if value is None:
        return None
    return value if isinstance(value, list) else [value]
