"""Dataset importers, one module per dataset-key prefix (`file_`, `url_`, `po_`, `opus_`, `mtdata_`).

Each importer module has `pairs(key, name, src, trg)`, which checks its arguments (raising
UserError for a user mistake) and returns an iterator of (source, target) segments;
`pipeline.data.import_dataset` writes them. The helpers below are shared by the importers:
archive member names, language tags and the single-file parallel formats (TSV, TMX);
files of any compression are read with `pipeline.common.corpus.read_lines`.
"""

import importlib
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from types import ModuleType
from typing import IO, Iterable, Iterator

from pipeline.common.datasets import IMPORTERS
from pipeline.common.errors import UserError
from pipeline.common import langs


def load(importer: str) -> ModuleType:
    """The module of the importer named by a dataset key's prefix."""
    if importer not in IMPORTERS:
        raise UserError(f"unknown importer {importer!r}: use one of {', '.join(IMPORTERS)}")
    return importlib.import_module(f"{__name__}.{importer.replace('-', '_')}")


def inside(member: str) -> bool:
    """An archive member's name stays inside the archive: not absolute, no `..` part."""
    parts = PurePosixPath(member).parts
    return bool(parts) and not member.startswith("/") and ".." not in parts


def tsv_pairs(
    lines: Iterable[str], label: str, cols: tuple[int, int] = (0, 1), strict: bool = True
) -> Iterator[tuple[str, str]]:
    """(src, trg) from tab-separated lines, columns `cols`. Strict: exactly two columns per line,
    else a UserError naming `label` and the line; otherwise lines too short for `cols` are skipped."""
    need = max(cols) + 1
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if strict and len(fields) != 2:
            raise UserError(f"{label}:{number}: expected 2 tab-separated columns (source, target), found {len(fields)}")
        if len(fields) >= need:
            yield fields[cols[0]], fields[cols[1]]


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def lang_matches(tag: str | None, codes: Iterable[str]) -> bool:
    """`de-DE`, `de_AT`, `DE`, `deu` match the code `de`; `zh-TW` matches `zh-Hant` (langs.matches)."""
    return any(langs.matches(tag, code) for code in codes)


def tmx_pairs(stream: IO[bytes], label: str, src: Iterable[str], trg: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(src, trg) segments of a TMX, streamed: each `tu` is dropped once read. A `tuv` is picked by
    its xml:lang (or lang) matching one of the `src`/`trg` codes by prefix; units lacking either
    language are skipped; whitespace inside `seg` collapses. No unit with both is a UserError."""
    src, trg = list(src), list(trg)
    parents: list[ET.Element] = []
    units = found = 0
    seen: set[str] = set()
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                parents.append(element)
                continue
            parents.pop()
            if element.tag != "tu":
                continue
            units += 1
            sides: dict[str, str] = {}
            for tuv in element.iter("tuv"):
                lang = tuv.get(_XML_LANG) or tuv.get("lang")
                seen.add(lang or "?")
                side = "src" if lang_matches(lang, src) else "trg" if lang_matches(lang, trg) else None
                seg = tuv.find("seg")
                if side and side not in sides and seg is not None:
                    sides[side] = " ".join("".join(seg.itertext()).split())
            if len(sides) == 2:
                found += 1
                yield sides["src"], sides["trg"]
            if parents:
                parents[-1].remove(element)  # free the unit: the file may be gigabytes
    except ET.ParseError as error:
        raise UserError(f"{label}: not a valid TMX file ({error})") from None
    if units and not found:
        raise UserError(
            f"{label}: no translation unit has both {src[0]} and {trg[0]} (languages found: {', '.join(sorted(seen))})"
        )
