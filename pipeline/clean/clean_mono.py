"""Clean a monolingual corpus with the one-sided filters of a filter file, streaming.

Inputs:  `<input-prefix>.<lang>.zst`; --filters FILE (default:
         pipeline/clean/filters/default.yml) and --dataset KEY, as for clean_corpus.
Outputs: `<output-prefix>.<lang>.zst` (kept lines, whitespace-normalized) and
         `<output-prefix>.cleaning.json`, as for clean_corpus with lines for pairs.

Only the filters that judge one segment (empty, too_long, control_chars, markup,
alpha_ratio, langid, ...) run, with the parameters the file gives `--lang`; the pair
filters (length_ratio, source_equals_target, num_mismatch, bicleaner) are left out.
Invalid UTF-8 or an invalid filter file end the step with exit code 2 and leave no output.
"""

import argparse
from pathlib import Path

from pipeline.clean import cleaner, filter_file
from pipeline.common.contract import usable_cpus
from pipeline.common.corpus import LineWriter, prefix_path
from pipeline.common.errors import cli


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-prefix", required=True, help="DIR/NAME of the NAME.<lang>.zst input")
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    parser.add_argument("--lang", required=True)
    parser.add_argument(
        "--filters", default="default", help="a filter file's name in pipeline/clean/filters/ (default: %(default)s) or path"
    )
    parser.add_argument("--dataset", help="the dataset key, for the filter file's per-dataset overrides")
    parser.add_argument("--workers", type=int, default=usable_cpus(), help="processes (default: the CPUs)")
    parser.add_argument("--samples", type=int, default=5, help="removed lines to show per filter in the report")
    args = parser.parse_args(argv)
    filters = filter_file.load(args.filters)
    active, skipped = cleaner.build(filters, [args.lang], args.dataset)
    inputs, output = Path(args.input_prefix), Path(args.output_prefix)
    with LineWriter(prefix_path(output, args.lang)) as out:
        result = cleaner.clean([prefix_path(inputs, args.lang)], [out], active, args.samples, args.workers)
    cleaner.write_report(result, skipped, filters, args.dataset, output, "lines")


if __name__ == "__main__":
    main()
