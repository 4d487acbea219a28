"""cefilter: drop the distilled pairs the backward model scores worst.

Inputs: `<corpus-prefix>.<src|trg>.zst` and the scores from score.py (one per pair,
higher is better). Outputs: `<output-prefix>.<src|trg>.zst` without the floor(share * N)
lowest-scored pairs (ties broken by position, so the result is deterministic), order
kept, and `<output-prefix>.stats.json` (lines in/out, dropped, the score threshold).
Memory: one float32 per pair, never the sentences.
"""

import argparse
from pathlib import Path

import numpy

from pipeline.common.corpus import pair_writer, prefix_path, read_lines, read_pairs, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)


def read_scores(path: Path) -> numpy.ndarray:
    try:
        return numpy.fromiter((float(line) for line in read_lines(path)), dtype=numpy.float32)
    except ValueError as error:
        raise UserError(f"{path}: not one number per line ({error})") from None


def keep_mask(scores: numpy.ndarray, share: float) -> numpy.ndarray:
    """True for the pairs to keep: all but the floor(share * N) lowest scores."""
    drop = int(share * len(scores))
    keep = numpy.ones(len(scores), dtype=bool)
    keep[numpy.argsort(scores, kind="stable")[:drop]] = False
    return keep


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    parser.add_argument("--scores", required=True, type=Path)
    parser.add_argument("--drop", required=True, type=float, help="share of pairs to drop, in [0, 1)")
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    if not 0 <= args.drop < 1:
        raise UserError(f"--drop must be in [0, 1), not {args.drop}")
    scores = read_scores(args.scores)
    keep = keep_mask(scores, args.drop)
    pairs = read_pairs(prefix_path(args.corpus_prefix, args.src), prefix_path(args.corpus_prefix, args.trg))
    kept = total = 0
    with pair_writer(args.output_prefix.parent, args.output_prefix.name, args.src, args.trg) as write:
        for total, (src, trg) in enumerate(pairs, 1):
            if total > len(keep):
                raise UserError(f"{args.scores}: {len(keep)} scores for a longer corpus {args.corpus_prefix}")
            if keep[total - 1]:
                write(src, trg)
                kept += 1
        if total != len(keep):
            raise UserError(f"{args.scores}: {len(keep)} scores for {total} pairs of {args.corpus_prefix}")
    threshold = float(scores[~keep].max()) if kept < total else None
    stats = {"lines_in": total, "lines_out": kept, "dropped": total - kept, "drop_share": args.drop, "threshold": threshold}
    write_json(f"{args.output_prefix}.stats.json", stats)
    logger.info("kept %d of %d pairs (dropped %d with score <= %s)", kept, total, total - kept, threshold)


if __name__ == "__main__":
    main()
