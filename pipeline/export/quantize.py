"""quantize: convert the fine-tuned student to an int8 Marian binary for CPU decoding.

Input: `--model` (.npz). Outputs: `--output` (.bin), `pymarian convert --gemm-type
intgemm8`: 8-bit integer weights, about a quarter of the float32 size for the matrices,
decoded by Marian on CPU without other flags; and beside it `model.yml`, the model's
options as Marian stored them in the .npz (its architecture, for the export's metadata).
"""

import argparse
import subprocess
import sys
from pathlib import Path

import numpy

from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.common.marian import options_to_args
from pipeline.common.tools import executable

logger = get_logger(__name__)


def convert(options: dict) -> None:
    """`pymarian convert`, which takes no device options; a failure ends the step."""
    args = [executable("pymarian"), "convert", *options_to_args(options)]
    logger.info("running: %s", " ".join(args))
    code = subprocess.run(args).returncode
    if code != 0:
        sys.exit(code)


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--gemm-type", default="intgemm8")
    parser.add_argument("--output", required=True, type=Path)
    args = parser.parse_args(argv)
    if not args.model.exists():
        raise UserError(f"{args.model}: file not found")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(f".partial.{args.output.name}")  # Marian wants the .bin suffix
    convert({"from": str(args.model), "to": str(partial), "gemm-type": args.gemm_type})
    partial.replace(args.output)
    with numpy.load(args.model) as npz:
        config = npz["special:model.yml"].tobytes().rstrip(b"\x00")
    (args.output.parent / "model.yml").write_bytes(config)
    logger.info("%s (%d bytes) -> %s (%d bytes, %s)", args.model, args.model.stat().st_size, args.output, args.output.stat().st_size, args.gemm_type)


if __name__ == "__main__":
    main()
