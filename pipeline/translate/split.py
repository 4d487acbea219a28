"""Split corpus sides into N line-contiguous chunks for parallel translation tasks.

Inputs: `<input-prefix>.<lang>.zst` for each of `--langs` (one side of monolingual data,
or both sides of a parallel corpus, which must have the same length). Outputs:
`<output-prefix>-<n>.<lang>.zst` for n = 1..N; chunk n holds lines
[floor((n-1)*L/N), floor(n*L/N)) of the L lines, so the chunks are within one line of each
other in size, line n of one side still pairs with line n of the other, and they
concatenate back to the input. Streams twice (count, then write).
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import LineWriter, corpus_path, count_lines, prefix_path, read_lines
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)


def chunk_path(prefix: Path | str, number: int, lang: str) -> Path:
    prefix = Path(prefix)
    return corpus_path(prefix.parent, f"{prefix.name}-{number}", lang)


def split(source: Path, output_prefix: Path, lang: str, chunks: int, total: int) -> list[int]:
    bounds = [total * n // chunks for n in range(chunks + 1)]
    lines = read_lines(source)
    sizes = []
    for number in range(1, chunks + 1):
        with LineWriter(chunk_path(output_prefix, number, lang)) as out:
            for _ in range(bounds[number] - bounds[number - 1]):
                out.write(next(lines))
        sizes.append(out.count)
    return sizes


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-prefix", required=True, type=Path)
    parser.add_argument("--langs", required=True, nargs="+")
    parser.add_argument("--chunks", required=True, type=int)
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.chunks < 1:
        raise UserError(f"--chunks must be at least 1, not {args.chunks}")
    sources = [prefix_path(args.input_prefix, lang) for lang in args.langs]
    totals = [count_lines(source) for source in sources]
    if len(set(totals)) > 1:
        raise UserError(f"{', '.join(map(str, sources))}: the sides differ in length ({', '.join(map(str, totals))} lines)")
    for source, lang in zip(sources, args.langs):
        sizes = split(source, args.output_prefix, lang, args.chunks, totals[0])
        logger.info("split %d lines of %s into %d chunks: %s", sum(sizes), source, args.chunks, sizes)


if __name__ == "__main__":
    main()
