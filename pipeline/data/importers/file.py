"""`file_<path with [LANG]>`: a local line-aligned corpus (plain, .gz or .zst).

An absolute path is used as it is. A relative path is relative to the checkout
(`$VCS_PATH`, or the current directory), the same on a worker and locally, so configs can
name data committed with the code (`file_tests/data/ci/train-a.[LANG].zst`); it may not
climb out of the checkout with `..`.
"""

import os
from pathlib import Path
from typing import Iterator

from pipeline.common.corpus import aligned
from pipeline.common.errors import UserError
from pipeline.data.importers import read_text_lines


def resolve(key: str, name: str) -> Path:
    path = Path(name)
    if path.is_absolute():
        return path
    if ".." in path.parts:
        raise UserError(f"dataset {key}: {name} climbs out of the checkout with '..'; use an absolute path")
    return Path(os.environ.get("VCS_PATH", ".")) / path


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    if "[LANG]" not in name:
        raise UserError(f"dataset {key}: the path must contain [LANG], e.g. file_/data/corpus.[LANG].zst")
    paths = {lang: resolve(key, name.replace("[LANG]", lang)) for lang in (src, trg)}
    for path in paths.values():
        if not path.is_file():
            raise UserError(f"dataset {key}: {path}: file not found")
    return aligned(read_text_lines(paths[src]), read_text_lines(paths[trg]), str(paths[src]), str(paths[trg]))


def lines(key: str, name: str, lang: str) -> Iterator[str]:
    """Monolingual data: one file (`[LANG]`, if present, becomes `lang`)."""
    path = resolve(key, name.replace("[LANG]", lang))
    if not path.is_file():
        raise UserError(f"dataset {key}: {path}: file not found")
    return read_text_lines(path)
