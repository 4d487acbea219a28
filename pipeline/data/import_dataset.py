"""Import one dataset as a line-aligned pair `<sanitized key>.<src>.zst` / `.<trg>.zst`.

    python -m pipeline.data.import_dataset --dataset KEY --src en --trg de --output-dir DIR

The key's prefix picks the importer in `pipeline.data.importers` (`file_`, `url_`, `po_`).
Tabs inside a segment become spaces; nothing is written unless the import completes.
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import corpus_path, pair_writer
from pipeline.common.datasets import parse_key, sanitize
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import Progress, get_logger
from pipeline.data import importers

logger = get_logger("import_dataset")


def import_dataset(key: str, src: str, trg: str, output_dir: Path | str) -> int:
    """Write the dataset's pairs into `output_dir`; returns the number of pairs."""
    if src == trg:
        raise UserError(f"dataset {key}: source and target language are both {src!r}")
    importer, name = parse_key(key)
    pairs = importers.load(importer).pairs(key, name, src, trg)
    progress = Progress(logger, f"import {key}")
    with pair_writer(output_dir, sanitize(key), src, trg) as write:
        for src_line, trg_line in pairs:
            write(src_line.replace("\t", " "), trg_line.replace("\t", " "))
            progress.tick()
    progress.done()
    logger.info(
        "wrote %d pairs to %s and %s", progress.count,
        corpus_path(output_dir, sanitize(key), src), corpus_path(output_dir, sanitize(key), trg),
    )
    if not progress.count:
        logger.warning("dataset %s is empty", key)
    return progress.count


@cli
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="dataset key, e.g. po_indico==3.3.14")
    parser.add_argument("--src", required=True, help="source language code, e.g. en")
    parser.add_argument("--trg", required=True, help="target language code, e.g. de")
    parser.add_argument("--output-dir", required=True, type=Path, help="where the two .zst files go")
    args = parser.parse_args(argv)
    import_dataset(args.dataset, args.src, args.trg, args.output_dir)


if __name__ == "__main__":
    main()
