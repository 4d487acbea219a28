"""Time `translations run --engine slurm` submitting production-sized graphs (the 841- and
4,941-task configs of benchmarks/taskgraph_full.py) to a running Slurm cluster.

    python -m tests.slurm_cluster start        # the one-node test cluster, as root
    .venv/bin/python benchmarks/slurm_submit.py [--sizes 841 4941]

The jobs are submitted held (the profile passes `--hold`), counted, then cancelled, so
nothing runs. Reports graph generation and submission separately, and jobs per second.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "taskcluster"), str(ROOT / "benchmarks")]

from taskgraph_full import SIZES, params  # noqa: E402
from translations_taskgraph import config as config_schema  # noqa: E402
from translations_taskgraph.local.graph import target_graph  # noqa: E402
from translations_taskgraph.local.profile import Profile, Resources  # noqa: E402
from translations_taskgraph.local.slurm import SlurmEngine  # noqa: E402
from translations_taskgraph.local.task import from_graph  # noqa: E402


def measure(size: int, workdir: Path) -> None:
    config, errors = config_schema.check(params(SIZES[size])["training_config"])
    assert not errors, errors
    start = time.monotonic()
    tasks = from_graph(target_graph(config))
    generated = time.monotonic() - start
    engine = SlurmEngine(tasks, workdir, "bench", profile=Profile(default=Resources(sbatch_args=["--hold"])))
    start = time.monotonic()
    submission = engine.submit()
    submitted = time.monotonic() - start
    jobs = sorted(set(submission.submitted.values()))
    for first in range(0, len(jobs), 500):
        subprocess.run(["scancel", *jobs[first:first + 500]], check=True)
    print(
        f"{len(tasks):>5} tasks: graph {generated:6.1f} s, submission {submitted:6.1f} s "
        f"({len(jobs) / submitted:,.0f} jobs/s, {len(jobs)} jobs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(SIZES), choices=sorted(SIZES))
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            measure(size, Path(tmp))


if __name__ == "__main__":
    main()
