"""Collect translated chunks into one parallel corpus, checking every chunk is whole.

Inputs: for n = 1..N, `<chunks-prefix>-<n>.<src>.zst` and `<chunks-prefix>-<n>.<trg>.zst`
(the original chunk and its translation, in either order). Outputs:
`<output-prefix>.<src>.zst` and `.<trg>.zst`. A missing chunk, or a chunk whose two
sides differ in length, fails the step naming it; nothing is written then.
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import pair_writer, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.translate.split import chunk_path

logger = get_logger(__name__)


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--chunks", required=True, type=int)
    parser.add_argument("--chunks-prefix", required=True, type=Path)
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    for number in range(1, args.chunks + 1):
        for lang in (args.src, args.trg):
            if not chunk_path(args.chunks_prefix, number, lang).exists():
                raise UserError(f"chunk {number} of {args.chunks} is missing: {chunk_path(args.chunks_prefix, number, lang)}")
    total = 0
    with pair_writer(args.output_prefix.parent, args.output_prefix.name, args.src, args.trg) as write:
        for number in range(1, args.chunks + 1):
            paths = [chunk_path(args.chunks_prefix, number, lang) for lang in (args.src, args.trg)]
            for src, trg in read_pairs(*paths):
                write(src, trg)
                total += 1
    logger.info("collected %d pairs from %d chunks", total, args.chunks)


if __name__ == "__main__":
    main()
