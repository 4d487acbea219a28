"""Merge parallel corpora into one, dropping duplicate and excluded pairs, streaming.

Serves both merge-corpus (training data) and merge-devset (dev data).

Inputs:  `<prefix>.<src>.zst` and `<prefix>.<trg>.zst` for each --inputs prefix, read in
         the order given; optionally `<prefix>.<src>.zst` for each --exclude-sources prefix.
Outputs: `<output-prefix>.<src>.zst`, `<output-prefix>.<trg>.zst` and
         `<output-prefix>.stats.json` =
         {"inputs": {name: lines}, "lines_in", "duplicates", "excluded", "lines_out"}.

A pair is dropped as `excluded` when its source sentence (whitespace-normalized) is a
source sentence of an --exclude-sources corpus (keeps dev/test sets out of training),
else as a `duplicate` when the exact (source, target) pair came earlier; the first
occurrence is kept and the order is preserved. Memory stays bounded by the number of
distinct pairs: only a 64-bit hash of each is kept, never the strings; excluded corpora
are streamed against the inputs' source hashes. A hash collision
wrongly drops a pair; for n distinct pairs about n^2 / 2^65 are expected (0.0003 for 10^8).
"""

import argparse
import hashlib
from pathlib import Path

from pipeline.common.corpus import pair_writer, prefix_path, read_lines, read_pairs, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import Progress, get_logger
from pipeline.common.overlap import seen_in, sentence_key

logger = get_logger(__name__)


def pair_key(src: str, trg: str) -> int:
    # A newline never occurs inside a line, so the joined text identifies the pair.
    return int.from_bytes(hashlib.blake2b(f"{src}\n{trg}".encode("utf-8"), digest_size=8).digest(), "little")


def excluded_sources(inputs: list[str], excludes: list[str], src: str) -> set[int]:
    """Keys of the inputs' source sentences that occur in the exclude corpora.

    The inputs' keys are held and the exclude corpora streamed, so excluding a large
    training corpus from a small devset takes little memory.
    """
    if not excludes:
        return set()
    wanted = {sentence_key(line) for prefix in inputs for line in read_lines(prefix_path(prefix, src))}
    found = seen_in((prefix_path(prefix, src) for prefix in excludes), wanted)
    logger.info("%d distinct source sentences also occur in %s", len(found), ", ".join(excludes))
    return found


def input_names(prefixes: list[str]) -> list[str]:
    names = [Path(prefix).name for prefix in prefixes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserError(f"--inputs names {', '.join(repeated)} more than once: give each corpus once")
    return names


def merge(prefixes: list[str], src: str, trg: str, exclude: set[int], write) -> dict:
    """Write the first occurrence of each non-excluded pair; return the merge stats."""
    stats = {"inputs": {}, "lines_in": 0, "duplicates": 0, "excluded": 0, "lines_out": 0}
    seen: set[int] = set()
    progress = Progress(logger, "merge")
    for name, prefix in zip(input_names(prefixes), prefixes):
        lines = 0
        for src_line, trg_line in read_pairs(prefix_path(prefix, src), prefix_path(prefix, trg)):
            lines += 1
            progress.tick()
            if exclude and sentence_key(src_line) in exclude:
                stats["excluded"] += 1
                continue
            key = pair_key(src_line, trg_line)
            if key in seen:
                stats["duplicates"] += 1
                continue
            seen.add(key)
            write(src_line, trg_line)
        stats["inputs"][name] = lines
        logger.info("%s: %d pairs", prefix, lines)
    progress.done()
    stats["lines_in"] = progress.count
    stats["lines_out"] = len(seen)
    return stats


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    parser.add_argument("--inputs", nargs="+", required=True, help="corpus prefixes DIR/NAME, in order")
    parser.add_argument(
        "--exclude-sources", nargs="*", default=[], help="corpus prefixes whose source sentences to drop"
    )
    return parser.parse_args(argv)


@cli
def main(argv=None):
    args = parse_args(argv)
    exclude = excluded_sources(args.inputs, args.exclude_sources, args.src)
    output = Path(args.output_prefix)
    with pair_writer(output.parent, output.name, args.src, args.trg) as write:
        stats = merge(args.inputs, args.src, args.trg, exclude, write)
    logger.info(
        "kept %d of %d pairs: %d duplicates, %d excluded",
        stats["lines_out"], stats["lines_in"], stats["duplicates"], stats["excluded"],
    )
    write_json(output.parent / f"{output.name}.stats.json", stats)


if __name__ == "__main__":
    main()
