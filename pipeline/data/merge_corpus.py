"""Merge parallel corpora into one, dropping duplicate and excluded pairs, streaming.

Serves both merge-corpus (training data) and merge-devset (dev data).

Inputs:  `<prefix>.<src>.zst` and `<prefix>.<trg>.zst` for each --inputs prefix, read in
         the order given; optionally `<prefix>.<src>.zst` for each --exclude-sources prefix.
Outputs: `<output-prefix>.<src>.zst`, `<output-prefix>.<trg>.zst` and
         `<output-prefix>.stats.json` = {"inputs": {name: lines}, "kept": {name: pairs},
         "lines_in", "duplicates", "excluded", "sampled_out", "lines_out"}.

A pair is dropped as `excluded` when its source sentence (whitespace-normalized) is a
source sentence of an --exclude-sources corpus (keeps dev/test sets out of training),
else as a `duplicate` when the exact (source, target) pair came earlier; the first
occurrence is kept and the order is preserved. Only a 64-bit hash of each distinct pair
is held, in a compact table (pipeline.common.hashset: 8-16 bytes a pair), never the
strings; excluded corpora are streamed against the inputs' source hashes. A hash
collision wrongly drops a pair; for n distinct pairs about n^2 / 2^65 are expected
(0.0003 for 10^8). With --max-pairs, exactly that many of the distinct pairs are kept,
chosen uniformly with a seeded generator (a second pass over the merged pairs).
"""

import argparse
from pathlib import Path

import numpy as np

from pipeline.common.corpus import corpus_path, pair_writer, prefix_path, read_lines, read_pairs, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import Progress, get_logger
from pipeline.common.hashset import HashSet, batched, text_hashes
from pipeline.common.overlap import seen_in, sentence_key
from pipeline.common.sampling import selection_sample

logger = get_logger(__name__)


BATCH = 1 << 16


def pair_hashes(batch: list[tuple[str, str]]) -> np.ndarray:
    # A newline never occurs inside a line, so the joined text identifies the pair.
    return text_hashes(f"{src}\n{trg}" for src, trg in batch)


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
    stats = {"inputs": {}, "kept": {}, "lines_in": 0, "duplicates": 0, "excluded": 0}
    seen = HashSet()
    progress = Progress(logger, "merge")
    for name, prefix in zip(input_names(prefixes), prefixes):
        lines = kept = 0
        for batch in batched(read_pairs(prefix_path(prefix, src), prefix_path(prefix, trg)), BATCH):
            lines += len(batch)
            progress.tick(len(batch))
            if exclude:
                included = [pair for pair in batch if sentence_key(pair[0]) not in exclude]
                stats["excluded"] += len(batch) - len(included)
                batch = included
            new = seen.add(pair_hashes(batch)).tolist() if batch else []
            for pair, is_new in zip(batch, new):
                if is_new:
                    write(*pair)
            kept += sum(new)
            stats["duplicates"] += len(new) - sum(new)
        stats["inputs"][name], stats["kept"][name] = lines, kept
        logger.info("%s: %d pairs, %d kept", prefix, lines, kept)
    progress.done()
    stats["lines_in"] = progress.count
    stats["lines_out"] = len(seen)
    logger.info("distinct pairs: %d; hash table %.1f MB", len(seen), seen.nbytes / 1e6)
    return stats


def merge_capped(args, exclude: set[int], output: Path) -> dict:
    """Merge into a hidden pair in the output folder, then keep a seeded sample of it."""
    distinct = f".{output.name}.distinct"
    try:
        with pair_writer(output.parent, distinct, args.src, args.trg) as write:
            stats = merge(args.inputs, args.src, args.trg, exclude, write)
        pairs = read_pairs(*(corpus_path(output.parent, distinct, lang) for lang in (args.src, args.trg)))
        with pair_writer(output.parent, output.name, args.src, args.trg) as write:
            for pair in selection_sample(pairs, stats["lines_out"], args.max_pairs, args.seed):
                write(*pair)
    finally:
        for lang in (args.src, args.trg):
            corpus_path(output.parent, distinct, lang).unlink(missing_ok=True)
    stats["sampled_out"] = max(0, stats["lines_out"] - args.max_pairs)
    stats["lines_out"] -= stats["sampled_out"]
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
    parser.add_argument("--max-pairs", type=int, default=0, help="keep a seeded sample of this many pairs (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the --max-pairs sample")
    return parser.parse_args(argv)


@cli
def main(argv=None):
    args = parse_args(argv)
    if args.max_pairs < 0:
        raise UserError(f"--max-pairs must be 0 (no cap) or more, not {args.max_pairs}")
    exclude = excluded_sources(args.inputs, args.exclude_sources, args.src)
    output = Path(args.output_prefix)
    output.parent.mkdir(parents=True, exist_ok=True)
    if args.max_pairs:
        stats = merge_capped(args, exclude, output)
    else:
        with pair_writer(output.parent, output.name, args.src, args.trg) as write:
            stats = {**merge(args.inputs, args.src, args.trg, exclude, write), "sampled_out": 0}
    logger.info(
        "kept %d of %d pairs: %d duplicates, %d excluded, %d sampled out",
        stats["lines_out"], stats["lines_in"], stats["duplicates"], stats["excluded"], stats["sampled_out"],
    )
    write_json(output.parent / f"{output.name}.stats.json", stats)


if __name__ == "__main__":
    main()
