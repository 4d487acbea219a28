"""Dataset importers, one module per dataset-key prefix (`file_`, `url_`, `po_`).

Each importer module has `pairs(key, name, src, trg)`, which checks its arguments (raising
UserError for a user mistake) and returns an iterator of (source, target) segments;
`pipeline.data.import_dataset` writes them. The helpers below are shared by the importers
that read line-aligned text files.
"""

import gzip
import importlib
from pathlib import Path
from types import ModuleType
from typing import Iterator

import zstandard

from pipeline.common.corpus import read_lines
from pipeline.common.datasets import IMPORTERS
from pipeline.common.errors import UserError


def load(importer: str) -> ModuleType:
    """The module of the importer named by a dataset key's prefix."""
    if importer not in IMPORTERS:
        raise UserError(f"unknown importer {importer!r}: use one of {', '.join(IMPORTERS)}")
    return importlib.import_module(f"{__name__}.{importer}")


def read_text_lines(path: Path | str, label: str | None = None) -> Iterator[str]:
    """Lines of a plain, .gz or .zst file; errors name `label` (e.g. a URL) instead of the path."""
    path = Path(path)
    label = label or str(path)
    try:
        if path.suffix == ".gz":
            if not path.exists():
                raise UserError(f"{label}: file not found")
            with gzip.open(path, "rb") as stream:
                for number, line in enumerate(stream, start=1):
                    try:
                        yield line.decode("utf-8").rstrip("\r\n")
                    except UnicodeDecodeError as error:
                        raise UserError(f"{label}:{number}: invalid UTF-8 ({error.reason}); fix or drop this line") from None
        else:
            for line in read_lines(path):
                yield line
    except UserError as error:
        raise UserError(str(error).replace(str(path), label)) from None
    except (OSError, EOFError, zstandard.ZstdError) as error:
        raise UserError(f"{label}: cannot decompress ({error}); is the file complete and named for its compression?") from None


def aligned(src_lines: Iterator[str], trg_lines: Iterator[str], src_label: str, trg_label: str) -> Iterator[tuple[str, str]]:
    """Zip two line iterators; a length mismatch is a UserError with both line counts."""
    count = 0
    for src in src_lines:
        trg = next(trg_lines, None)
        if trg is None:
            total = count + 1 + sum(1 for _ in src_lines)
            raise UserError(f"misaligned corpus: {src_label} has {total} lines but {trg_label} has {count}")
        count += 1
        yield src, trg
    extra = sum(1 for _ in trg_lines)
    if extra:
        raise UserError(f"misaligned corpus: {src_label} has {count} lines but {trg_label} has {count + extra}")
