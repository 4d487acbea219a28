"""Import one dataset: a line-aligned pair `<sanitized key>.<src>.zst` / `.<trg>.zst`, or
with --mono-lang one language's lines, `<sanitized key>.<lang>.zst`.

    python -m pipeline.data.import_dataset --dataset KEY --src en --trg de --output-dir DIR
    python -m pipeline.data.import_dataset --dataset KEY --mono-lang de --output-dir DIR [--max-lines N]

The key's prefix picks the importer in `pipeline.data.importers` (`file_`, `url_`, `po_`, ...).
Tabs inside a segment become spaces; nothing is written unless the import completes.

`--max-lines N` caps a monolingual import: importers that sample (`hplt_`, `news-crawl_`)
take it as their sample size (their `lines` has a `max_lines` parameter); the others are
cut after their first N lines. A source with fewer lines is imported whole, with a warning.
"""

import argparse
import inspect
from pathlib import Path

from pipeline.common.corpus import LineWriter, corpus_path, pair_writer
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
    module = importers.load(importer)
    if not hasattr(module, "pairs"):
        raise UserError(f"dataset {key}: the {importer}_ importer has monolingual data only; list it under mono-src or mono-trg")
    pairs = module.pairs(key, name, src, trg)
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


def import_mono(key: str, lang: str, output_dir: Path | str, max_lines: int | None = None) -> int:
    """Write a monolingual dataset's lines (at most `max_lines`) into `output_dir`; returns
    the number of lines."""
    if max_lines is not None and max_lines < 1:
        raise UserError(f"dataset {key}: the maximum line count must be at least 1, not {max_lines}")
    importer, name = parse_key(key)
    module = importers.load(importer)
    if not hasattr(module, "lines"):
        raise UserError(f"dataset {key}: the {importer}_ importer has parallel data only; list it under train, devtest or test")
    if max_lines is not None and "max_lines" in inspect.signature(module.lines).parameters:
        source = module.lines(key, name, lang, max_lines=max_lines)
    else:
        source = module.lines(key, name, lang)
    limit = f" (at most {max_lines} lines)" if max_lines is not None else ""
    progress = Progress(logger, f"import {key}{limit}")
    try:
        with LineWriter(corpus_path(output_dir, sanitize(key), lang)) as out:
            for line in source:
                if max_lines is not None and progress.count >= max_lines:
                    break  # an importer without sampling: keep its first lines
                out.write(line.replace("\t", " "))
                progress.tick()
    finally:
        if hasattr(source, "close"):
            source.close()  # let a generator clean up its downloads now
    progress.done()
    logger.info("wrote %d lines to %s", progress.count, out.path)
    if max_lines is not None and progress.count < max_lines:
        logger.warning("dataset %s ran out after %d lines, fewer than the maximum of %d; imported all of it",
                       key, progress.count, max_lines)
    elif not progress.count:
        logger.warning("dataset %s is empty", key)
    return progress.count


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


@cli
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="dataset key, e.g. po_indico==3.3.14")
    parser.add_argument("--src", help="source language code, e.g. en")
    parser.add_argument("--trg", help="target language code, e.g. de")
    parser.add_argument("--mono-lang", help="import monolingual data in this language instead of pairs")
    parser.add_argument("--output-dir", required=True, type=Path, help="where the .zst files go")
    parser.add_argument("--max-lines", type=positive_int, help="monolingual imports: keep at most this many lines (a sample where the importer samples)")
    args = parser.parse_args(argv)
    if args.mono_lang:
        import_mono(args.dataset, args.mono_lang, args.output_dir, args.max_lines)
    elif args.max_lines is not None:
        parser.error("--max-lines applies to monolingual imports (--mono-lang) only")
    elif args.src and args.trg:
        import_dataset(args.dataset, args.src, args.trg, args.output_dir)
    else:
        parser.error("give --src and --trg for parallel data, or --mono-lang")


if __name__ == "__main__":
    main()
