"""The reference pipeline's merge step as its documentation describes it
(`merge-parallel.py`: across all datasets, for each distinct target sentence keep the
pair with the highest bicleaner score), for benchmarks/clean_merge.py to compare with.
Its code is not published as a package, so this follows the description; it reads and
writes with our corpus helpers, so only the dedupe strategy differs: a dict of strings.

    python -m benchmarks.reference_merge --output-prefix DIR/corpus --inputs DIR/a DIR/b
"""

import argparse
from pathlib import Path

from pipeline.common.corpus import pair_writer, prefix_path, read_pairs, write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default="en")
    parser.add_argument("--trg", default="de")
    parser.add_argument("--output-prefix", required=True, type=Path)
    parser.add_argument("--inputs", nargs="+", required=True)
    args = parser.parse_args()
    best: dict[str, tuple[float, str]] = {}
    lines_in = 0
    for prefix in args.inputs:
        for src, trg in read_pairs(prefix_path(prefix, args.src), prefix_path(prefix, args.trg)):
            lines_in += 1
            score = 1.0  # no bicleaner scores: the first pair of each target wins
            if trg not in best or score > best[trg][0]:
                best[trg] = (score, src)
    out = args.output_prefix
    with pair_writer(out.parent, out.name, args.src, args.trg) as write:
        for trg, (_, src) in best.items():
            write(src, trg)
    write_json(out.parent / f"{out.name}.stats.json", {"lines_in": lines_in, "lines_out": len(best)})


if __name__ == "__main__":
    main()
