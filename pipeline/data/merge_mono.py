"""Merge monolingual corpora of one language: dedupe, drop sentences of the parallel
corpus, and cap the size by seeded sampling. Streaming, two passes over the inputs.

Inputs:  `<prefix>.<lang>.zst` per --inputs prefix; optionally the parallel corpus
         `<exclude>.<lang>.zst`.
Outputs: `<output-prefix>.<lang>.zst` and `<output-prefix>.<lang>.stats.json` =
         {"inputs": {name: lines}, "lines_in", "duplicates", "in_parallel_corpus",
          "sampled_out", "lines_out"}.

Sentences are compared by a 64-bit hash of their whitespace-normalized text; only the
hashes of distinct sentences are held. With more distinct sentences left than
--max-sentences, exactly --max-sentences of them are kept, chosen uniformly with a
seeded generator (reproducible); the order of the inputs is kept.
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import LineWriter, prefix_path, read_lines, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import Progress, get_logger
from pipeline.common.overlap import seen_in, sentence_key
from pipeline.common.sampling import selection_sample

logger = get_logger(__name__)


def distinct_sentences(prefixes: list[str], lang: str, stats: dict) -> set[int]:
    distinct: set[int] = set()
    progress = Progress(logger, "merge-mono (pass 1)")
    for prefix in prefixes:
        lines = 0
        for line in read_lines(prefix_path(prefix, lang)):
            distinct.add(sentence_key(line))
            lines += 1
        stats["inputs"][Path(prefix).name] = lines
        progress.tick(lines)
    progress.done()
    stats["lines_in"] = progress.count
    stats["duplicates"] = progress.count - len(distinct)
    return distinct


def first_occurrences(prefixes: list[str], lang: str, keep: set[int]):
    """Second pass: the first occurrence of each kept sentence, in input order."""
    for prefix in prefixes:
        for line in read_lines(prefix_path(prefix, lang)):
            key = sentence_key(line)
            if key in keep:
                keep.discard(key)
                yield line


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", required=True)
    parser.add_argument("--inputs", nargs="+", required=True, help="corpus prefixes DIR/NAME, in order")
    parser.add_argument("--exclude", help="prefix of the parallel corpus whose <lang> side to leave out")
    parser.add_argument("--max-sentences", type=int, default=100_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-prefix", required=True)
    args = parser.parse_args(argv)
    if args.max_sentences < 1:
        raise UserError(f"--max-sentences must be at least 1, not {args.max_sentences}")

    stats = {"inputs": {}}
    keep = distinct_sentences(args.inputs, args.lang, stats)
    in_parallel = seen_in([prefix_path(args.exclude, args.lang)], keep) if args.exclude else set()
    keep -= in_parallel
    left = len(keep)
    with LineWriter(prefix_path(args.output_prefix, args.lang)) as out:
        for line in selection_sample(first_occurrences(args.inputs, args.lang, keep), left, args.max_sentences, args.seed):
            out.write(line)
    stats.update(in_parallel_corpus=len(in_parallel), sampled_out=left - out.count, lines_out=out.count)
    logger.info(
        "kept %d of %d lines: %d duplicates, %d in the parallel corpus, %d sampled out",
        out.count, stats["lines_in"], stats["duplicates"], len(in_parallel), stats["sampled_out"],
    )
    write_json(Path(f"{args.output_prefix}.{args.lang}.stats.json"), stats)


if __name__ == "__main__":
    main()
