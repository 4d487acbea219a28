"""Clean a monolingual corpus with the one-sided rules of clean_corpus, streaming.

Inputs:  `<input-prefix>.<lang>.zst`.
Outputs: `<output-prefix>.<lang>.zst` (kept lines, whitespace-normalized) and
         `<output-prefix>.cleaning.json` = {"lines_in", "lines_out", "removed": {rule: count}}.

Rules, in order, the first match removing the line: `empty`, `too_long` (over --max-words
words or --max-chars characters), `control_chars` (tabs included). Invalid UTF-8 ends
the step with exit code 2 and leaves no output.
"""

import argparse
from pathlib import Path

from pipeline.clean.clean_corpus import RULES, Limits, normalize, write_report
from pipeline.common.corpus import LineWriter, prefix_path, read_lines
from pipeline.common.errors import cli
from pipeline.common.logs import Progress, get_logger

logger = get_logger(__name__)

# The pair rules that make sense for one side; each is given the line as both sides.
MONO_RULES = {name: RULES[name] for name in ("empty", "too_long", "control_chars")}


def clean(lines, write, limits: Limits) -> dict:
    removed = dict.fromkeys(MONO_RULES, 0)
    progress = Progress(logger, "clean")
    kept = 0
    for line in lines:
        progress.tick()
        line = normalize(line)
        failed = next((name for name, rule in MONO_RULES.items() if rule(line, line, limits)), None)
        if failed:
            removed[failed] += 1
        else:
            write(line)
            kept += 1
    progress.done()
    return {"lines_in": progress.count, "lines_out": kept, "removed": removed}


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-prefix", required=True, help="DIR/NAME of the NAME.<lang>.zst input")
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    parser.add_argument("--lang", required=True)
    parser.add_argument("--max-words", type=int, default=150)
    parser.add_argument("--max-chars", type=int, default=1000)
    args = parser.parse_args(argv)
    limits = Limits(args.max_words, args.max_chars, max_ratio=0)
    inputs, output = Path(args.input_prefix), Path(args.output_prefix)
    with LineWriter(prefix_path(output, args.lang)) as out:
        report = clean(read_lines(prefix_path(inputs, args.lang)), out.write, limits)
    write_report(report, output, "lines")


if __name__ == "__main__":
    main()
