"""The one place that runs Marian: the `pymarian` wheel's CLI as a subprocess.

CPU or GPU is chosen from the environment, never hard-coded: with `GPUS` set (e.g. "0 1")
Marian gets `--devices $GPUS --workspace $WORKSPACE`; without it, `--cpu-threads` with the
CPUs the task may use (its affinity; `MARIAN_CPU_THREADS` overrides). The CUDA build
aborts on CPU without `--cpu-threads`, so it is always set when no GPU is given.

Options are dicts ({"beam-size": 4, "sync-sgd": True, "valid-metrics": ["chrf", "bleu"]})
so defaults, device options and the user's options merge key by key, the user's last.
"""

import argparse
import filecmp
import os
import subprocess
import sys
from pathlib import Path

from pipeline.common.contract import EXIT_INTERRUPTED, EXIT_NO_GPU, options_to_args, usable_cpus  # noqa: F401 (used by steps)
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger
from pipeline.common.tools import executable

logger = get_logger(__name__)


def uses_gpu(env=os.environ) -> bool:
    return bool(env.get("GPUS", "").split())


def visible_gpus() -> int:
    try:
        result = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(line.startswith("GPU ") for line in result.stdout.splitlines()) if result.returncode == 0 else 0


def require_gpus(env=os.environ) -> None:
    """With GPUS set, exit EXIT_NO_GPU unless that many GPUs are visible."""
    wanted, found = len(env["GPUS"].split()), visible_gpus()
    if found < wanted:
        logger.error("GPUS=%r asks for %d GPU(s) but %d are visible; exiting %d to be retried", env["GPUS"], wanted, found, EXIT_NO_GPU)
        sys.exit(EXIT_NO_GPU)


def device_options(env=os.environ) -> dict:
    if uses_gpu(env):
        return {"devices": env["GPUS"].split(), "workspace": env.get("WORKSPACE", "8000")}
    threads = env.get("MARIAN_CPU_THREADS") or str(usable_cpus())
    return {"cpu-threads": threads, "workspace": env.get("WORKSPACE", "2000")}


def args_to_options(args: list[str]) -> dict:
    """The inverse of options_to_args: ["--beam-size", "4", "--sync-sgd"] -> {...}."""
    options: dict = {}
    key = None
    for arg in args:
        if arg.startswith("--") and len(arg) > 2 and not is_number(arg):
            key, _, inline = arg[2:].partition("=")
            options[key] = inline if inline else True
        elif key is None:
            raise UserError(f"Marian option value {arg!r} has no option before it")
        elif options[key] is True:
            options[key] = arg
        else:
            previous = options[key]
            options[key] = [*previous, arg] if isinstance(previous, list) else [previous, arg]
    return options


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """A step's own arguments, and the Marian options after `--`."""
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def add_vocabs_argument(parser: argparse.ArgumentParser, sides: str = "the model's source and target") -> None:
    """`--vocabs SRC TRG`: a joint vocabulary is the same SentencePiece model twice."""
    parser.add_argument("--vocabs", nargs=2, required=True, type=Path, metavar=("SRC", "TRG"),
                        help=f"{sides} SentencePiece models")


def joint(vocabs: list[Path]) -> bool:
    """Whether both sides have the same vocabulary (one model under two names)."""
    return filecmp.cmp(vocabs[0], vocabs[1], shallow=False)


def command(subcommand: str | None, options: dict) -> list[str]:
    """`pymarian [subcommand]` with device options first, then `options` (which win)."""
    if uses_gpu():
        require_gpus()
    merged = {**device_options(), **options}
    return [executable("pymarian"), *([subcommand] if subcommand else []), *options_to_args(merged)]


def run(subcommand: str | None, options: dict, **popen) -> subprocess.CompletedProcess:
    args = command(subcommand, options)
    logger.info("running: %s", " ".join(args))
    return subprocess.run(args, **popen)
