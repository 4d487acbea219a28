"""Clean a parallel corpus with simple rules, streaming.

Inputs:  `<input-prefix>.<src>.zst` and `<input-prefix>.<trg>.zst`, line-aligned.
Outputs: `<output-prefix>.<src>.zst`, `<output-prefix>.<trg>.zst` (the kept pairs) and
         `<output-prefix>.cleaning.json` = {"lines_in", "lines_out", "removed": {rule: count}}.

Each line is first whitespace-normalized (stripped, runs of spaces collapsed to one);
the rules below then see the normalized pair, in this order, and the first rule that
matches removes the pair and counts it:

- `empty`: either side is empty.
- `too_long`: either side has more than --max-words words or --max-chars characters.
- `control_chars`: either side contains a control character (Unicode category Cc),
  tabs included: a tab inside a segment breaks the TSV-based tools downstream.
- `length_ratio`: longer/shorter length above --max-ratio. A side's length is its word
  count, or its character count when it is written without spaces in Chinese or
  Japanese script (one such character is about one English word; a single German word
  stays one word). The rule only applies when the longer side has more than
  RATIO_MIN_WORDS words, so short pairs such as "Yes." / "Ja, sehr gerne." are never
  removed for their ratio alone. Thai, Lao, Khmer and Burmese put few spaces in a
  sentence and have no good unit here: pass a high --max-ratio for them.
- `source_equals_target`: both (normalized) sides are the same, ignoring case.

Misaligned inputs or invalid UTF-8 end the step with exit code 2 and leave no output.
"""

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.common.corpus import pair_writer, prefix_path, read_pairs, write_json
from pipeline.common.errors import cli
from pipeline.common.logs import Progress, get_logger

logger = get_logger(__name__)

RATIO_MIN_WORDS = 3

# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; tab (U+0009) is one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(" {2,}")
# Han ideographs, hiragana and katakana.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Limits:
    max_words: int
    max_chars: int
    max_ratio: float


def normalize(line: str) -> str:
    return _SPACES.sub(" ", line.strip())


def is_empty(src: str, trg: str, limits: Limits) -> bool:
    return not src or not trg


def is_too_long(src: str, trg: str, limits: Limits) -> bool:
    return (
        max(len(src), len(trg)) > limits.max_chars
        or max(len(src.split()), len(trg.split())) > limits.max_words
    )


def has_control_chars(src: str, trg: str, limits: Limits) -> bool:
    return bool(_CONTROL.search(src) or _CONTROL.search(trg))


def side_length(side: str) -> int:
    return len(side) if " " not in side and _CJK.search(side) else len(side.split())


def has_bad_length_ratio(src: str, trg: str, limits: Limits) -> bool:
    if max(len(src.split()), len(trg.split())) <= RATIO_MIN_WORDS:
        return False
    lengths = sorted((side_length(src), side_length(trg)))
    return lengths[1] > limits.max_ratio * lengths[0]


def source_equals_target(src: str, trg: str, limits: Limits) -> bool:
    # The sides are whitespace-normalized already.
    return src.casefold() == trg.casefold()


Rule = Callable[[str, str, Limits], bool]

# Applied in this order; the first match removes the pair.
RULES: dict[str, Rule] = {
    "empty": is_empty,
    "too_long": is_too_long,
    "control_chars": has_control_chars,
    "length_ratio": has_bad_length_ratio,
    "source_equals_target": source_equals_target,
}


def first_failed_rule(src: str, trg: str, limits: Limits) -> str | None:
    for name, rule in RULES.items():
        if rule(src, trg, limits):
            return name
    return None


def clean(pairs, write, limits: Limits) -> dict:
    """Write the pairs that pass every rule; return the cleaning report."""
    removed = dict.fromkeys(RULES, 0)
    progress = Progress(logger, "clean")
    kept = 0
    for src, trg in pairs:
        progress.tick()
        src, trg = normalize(src), normalize(trg)
        failed = first_failed_rule(src, trg, limits)
        if failed:
            removed[failed] += 1
        else:
            write(src, trg)
            kept += 1
    progress.done()
    return {"lines_in": progress.count, "lines_out": kept, "removed": removed}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-prefix", required=True, help="DIR/NAME of NAME.<lang>.zst inputs")
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--max-words", type=int, default=150)
    parser.add_argument("--max-chars", type=int, default=1000)
    parser.add_argument("--max-ratio", type=float, default=3.0)
    return parser.parse_args(argv)


@cli
def main(argv=None):
    args = parse_args(argv)
    limits = Limits(args.max_words, args.max_chars, args.max_ratio)
    inputs, output = Path(args.input_prefix), Path(args.output_prefix)
    pairs = read_pairs(prefix_path(inputs, args.src), prefix_path(inputs, args.trg))
    with pair_writer(output.parent, output.name, args.src, args.trg) as write:
        report = clean(pairs, write, limits)
    write_report(report, output, "pairs")


def write_report(report: dict, output_prefix: Path, unit: str) -> None:
    """Log the lines each rule removed and write `<output-prefix>.cleaning.json`."""
    for rule, count in report["removed"].items():
        logger.info("removed by %s: %d", rule, count)
    logger.info("kept %d of %d %s", report["lines_out"], report["lines_in"], unit)
    write_json(output_prefix.parent / f"{output_prefix.name}.cleaning.json", report)


if __name__ == "__main__":
    main()
