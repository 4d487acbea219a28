"""Merge monolingual corpora of one language: dedupe, drop sentences of the parallel
corpus, and cap the size by seeded sampling. Streaming: one pass over the inputs, one
over the parallel corpus, one over the distinct sentences.

Inputs:  `<prefix>.<lang>.zst` per --inputs prefix; optionally the parallel corpus
         `<exclude>.<lang>.zst`.
Outputs: `<output-prefix>.<lang>.zst` and `<output-prefix>.<lang>.stats.json` =
         {"inputs": {name: lines}, "lines_in", "duplicates", "in_parallel_corpus",
          "sampled_out", "lines_out"}.

Sentences are compared by a 64-bit hash of their whitespace-normalized text, held in the
compact hash set merge-corpus uses (8-16 bytes a sentence). The first occurrence of each
distinct sentence goes to a hidden file beside the output; with more of them left than
--max-sentences, exactly --max-sentences are kept, chosen uniformly with a seeded
generator (reproducible); the order of the inputs is kept.
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import LineWriter, prefix_path, read_lines, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.hashset import HashSet, batched, text_hashes
from pipeline.common.logs import Progress, get_logger
from pipeline.common.overlap import normalized
from pipeline.common.sampling import selection_sample

logger = get_logger(__name__)

BATCH = 1 << 16


def sentence_hashes(lines: list[str]):
    """The hashes `overlap.sentence_key` gives, for a batch at once."""
    return text_hashes(map(normalized, lines))


def write_distinct(prefixes: list[str], lang: str, out: LineWriter, stats: dict) -> HashSet:
    """Write the first occurrence of each sentence; return the set of their hashes."""
    seen = HashSet()
    progress = Progress(logger, "merge-mono (dedupe)")
    for prefix in prefixes:
        lines = 0
        for batch in batched(read_lines(prefix_path(prefix, lang)), BATCH):
            for line, new in zip(batch, seen.add(sentence_hashes(batch)).tolist()):
                if new:
                    out.write(line)
            lines += len(batch)
            progress.tick(len(batch))
        stats["inputs"][Path(prefix).name] = lines
    progress.done()
    stats["lines_in"] = progress.count
    stats["duplicates"] = progress.count - len(seen)
    return seen


def in_corpus(path: Path, distinct: HashSet) -> HashSet:
    """The hashes of `distinct` that occur as a line of the corpus at `path`."""
    found = HashSet()
    for batch in batched(read_lines(path), BATCH):
        hashes = sentence_hashes(batch)
        found.add(hashes[distinct.contains(hashes)])
    return found


def not_in(path: Path, excluded: HashSet):
    for batch in batched(read_lines(path), BATCH):
        for line, skip in zip(batch, excluded.contains(sentence_hashes(batch)).tolist()):
            if not skip:
                yield line


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", required=True, help="language of the corpora (their file suffix)")
    parser.add_argument("--inputs", nargs="+", required=True, help="corpus prefixes DIR/NAME, in order")
    parser.add_argument("--exclude", help="prefix of the parallel corpus whose <lang> side to leave out")
    parser.add_argument("--max-sentences", type=int, default=100_000_000, help="keep a seeded sample of this many")
    parser.add_argument("--seed", type=int, default=1, help="seed of the --max-sentences sample")
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    args = parser.parse_args(argv)
    if args.max_sentences < 1:
        raise UserError(f"--max-sentences must be at least 1, not {args.max_sentences}")

    output = prefix_path(args.output_prefix, args.lang)
    distinct = output.with_name(f".{output.name}.distinct.zst")
    stats = {"inputs": {}}
    try:
        with LineWriter(distinct) as out:
            seen = write_distinct(args.inputs, args.lang, out, stats)
        excluded = in_corpus(prefix_path(args.exclude, args.lang), seen) if args.exclude else HashSet(capacity=1)
        del seen
        left = stats["lines_in"] - stats["duplicates"] - len(excluded)
        with LineWriter(output) as out:
            for line in selection_sample(not_in(distinct, excluded), left, args.max_sentences, args.seed):
                out.write(line)
    finally:
        distinct.unlink(missing_ok=True)
    stats.update(in_parallel_corpus=len(excluded), sampled_out=left - out.count, lines_out=out.count)
    logger.info(
        "kept %d of %d lines: %d duplicates, %d in the parallel corpus, %d sampled out",
        out.count, stats["lines_in"], stats["duplicates"], len(excluded), stats["sampled_out"],
    )
    write_json(Path(f"{args.output_prefix}.{args.lang}.stats.json"), stats)


if __name__ == "__main__":
    main()
