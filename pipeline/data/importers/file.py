"""`file_<path with [LANG]>`: a local line-aligned corpus (plain, .gz or .zst).

An absolute path is used as it is. A relative path is relative to the checkout
(`$VCS_PATH`, or the current directory), the same on a worker and locally, so configs can
name data committed with the code (`file_tests/data/ci/train-a.[LANG].zst`); it may not
contain `..` (nor may an absolute one).
"""

import os
from pathlib import Path
from typing import Iterator

from pipeline.common.corpus import aligned, read_lines
from pipeline.common.errors import UserError


def check(key: str, name: str, langs: tuple[str, ...]) -> list[Path]:
    """The files to read (relative ones relative to the checkout), one per language; the
    same check for the import and the preflight. `..` is refused anywhere in the path."""
    if len(langs) == 2 and "[LANG]" not in name:
        raise UserError(f"dataset {key}: the path must contain [LANG], e.g. file_/data/corpus.[LANG].zst")
    paths = [Path(name.replace("[LANG]", lang)) for lang in langs]
    if any(".." in path.parts for path in paths):
        if paths[0].is_absolute():
            raise UserError(f"dataset {key}: {name} contains '..'; name the file without it")
        raise UserError(f"dataset {key}: {name} climbs out of the checkout with '..'; use a path inside it or an absolute one")
    return paths


def resolve(path: Path) -> Path:
    return path if path.is_absolute() else Path(os.environ.get("VCS_PATH", ".")) / path


def _existing(key: str, name: str, langs: tuple[str, ...]) -> list[Path]:
    paths = [resolve(path) for path in check(key, name, langs)]
    for path in paths:
        if not path.is_file():
            raise UserError(f"dataset {key}: {path}: file not found")
    return paths


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    src_path, trg_path = _existing(key, name, (src, trg))
    return aligned(read_lines(src_path), read_lines(trg_path), str(src_path), str(trg_path))


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    """Monolingual data: one file (`[LANG]`, if present, becomes `lang`)."""
    return read_lines(_existing(key, name, (lang,))[0])
