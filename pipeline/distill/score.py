"""score: how well the backward model explains each distilled pair.

Inputs: `<corpus-prefix>.<src|trg>.zst` (the distilled corpus), the backward model
(target-to-source) and its vocabularies. Output: `<output>` (.zst), one score per pair: the
backward model's log-probability of the source given the translation, normalized by
length (`pymarian score --normalize`); higher is better. A count that differs from the
corpus fails the step.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from pipeline.common import marian
from pipeline.common.corpus import LineWriter, prefix_path, read_lines, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

SCORING = {"normalize": True, "mini-batch": 64, "maxi-batch": 100, "quiet": True}


@cli
def main(argv=None):
    ours, marian_args = marian.split_argv(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    parser.add_argument("--model", required=True, type=Path, help="the backward (trg->src) model")
    marian.add_vocabs_argument(parser, "the backward model's source (trg) and target (src)")
    parser.add_argument("--output", required=True, type=Path)
    args = parser.parse_args(ours)
    for path in (args.model, *args.vocabs):
        if not path.exists():
            raise UserError(f"{path}: file not found")
    with tempfile.TemporaryDirectory() as tmp:
        src_file, trg_file, scores = Path(tmp) / "src.txt", Path(tmp) / "trg.txt", Path(tmp) / "scores.txt"
        with LineWriter(src_file) as src_out, LineWriter(trg_file) as trg_out:
            for src, trg in read_pairs(prefix_path(args.corpus_prefix, args.src), prefix_path(args.corpus_prefix, args.trg)):
                src_out.write(src)
                trg_out.write(trg)
        options = {
            **SCORING,
            "model": str(args.model),
            "vocabs": [str(path) for path in args.vocabs],
            "train-sets": [str(trg_file), str(src_file)],  # the backward model reads trg, writes src
            "output": str(scores),
            **marian.args_to_options(marian_args),
        }
        result = marian.run("score", options)
        if result.returncode != 0:
            sys.exit(result.returncode)
        with LineWriter(args.output) as out:
            for line in read_lines(scores):
                out.write(line)
    if out.count != src_out.count:
        args.output.unlink()
        raise UserError(f"Marian returned {out.count} scores for {src_out.count} pairs")
    logger.info("scored %d pairs of %s", out.count, args.corpus_prefix)


if __name__ == "__main__":
    main()
