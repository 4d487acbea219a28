"""`file_/abs/path/corpus.[LANG].zst`: a local line-aligned corpus (plain, .gz or .zst)."""

from pathlib import Path
from typing import Iterator

from pipeline.common.errors import UserError
from pipeline.data.importers import aligned, read_text_lines


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    if "[LANG]" not in name:
        raise UserError(f"dataset {key}: the path must contain [LANG], e.g. file_/data/corpus.[LANG].zst")
    if not Path(name).is_absolute():
        raise UserError(f"dataset {key}: {name} is a relative path; give an absolute path, e.g. file_/data/corpus.[LANG].zst")
    paths = {lang: Path(name.replace("[LANG]", lang)) for lang in (src, trg)}
    for path in paths.values():
        if not path.is_file():
            raise UserError(f"dataset {key}: {path}: file not found")
    return aligned(read_text_lines(paths[src]), read_text_lines(paths[trg]), str(paths[src]), str(paths[trg]))
