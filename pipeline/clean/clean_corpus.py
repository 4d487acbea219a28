"""Clean a parallel corpus with the filters of a filter file, streaming.

Inputs:  `<input-prefix>.<src>.zst` and `<input-prefix>.<trg>.zst`, line-aligned;
         --filters FILE (default: pipeline/clean/filters/default.yml) and --dataset KEY,
         which chooses the file's per-dataset overrides.
Outputs: `<output-prefix>.<src>.zst`, `<output-prefix>.<trg>.zst` (the kept pairs,
         whitespace-normalized) and `<output-prefix>.cleaning.json`: lines in and out,
         removed per filter (in filter order), skipped filters, up to --samples removed
         pairs per filter, the filter file (path, version) and the dataset.

The filters and the file format are described in docs/cleaning.md. Misaligned inputs,
invalid UTF-8 or an invalid filter file end the step with exit code 2 and leave no output.
"""

import argparse
from pathlib import Path

from pipeline.clean import cleaner, filter_file
from pipeline.common.contract import usable_cpus
from pipeline.common.corpus import LineWriter, prefix_path
from pipeline.common.errors import cli


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-prefix", required=True, help="DIR/NAME of NAME.<lang>.zst inputs")
    parser.add_argument("--output-prefix", required=True, help="OUTDIR/NAME for the outputs")
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument(
        "--filters", default="default", help="a filter file's name in pipeline/clean/filters/ (default: %(default)s) or path"
    )
    parser.add_argument("--dataset", help="the dataset key, for the filter file's per-dataset overrides")
    parser.add_argument("--workers", type=int, default=usable_cpus(), help="processes (default: the CPUs)")
    parser.add_argument("--samples", type=int, default=5, help="removed pairs to show per filter in the report")
    return parser.parse_args(argv)


@cli
def main(argv=None):
    args = parse_args(argv)
    filters = filter_file.load(args.filters)
    active, skipped = cleaner.build(filters, [args.src, args.trg], args.dataset)
    inputs, output = Path(args.input_prefix), Path(args.output_prefix)
    paths = [prefix_path(inputs, args.src), prefix_path(inputs, args.trg)]
    with LineWriter(prefix_path(output, args.src)) as src_out, LineWriter(prefix_path(output, args.trg)) as trg_out:
        result = cleaner.clean(paths, [src_out, trg_out], active, args.samples, args.workers)
    cleaner.write_report(result, skipped, filters, args.dataset, output, "pairs")


if __name__ == "__main__":
    main()
