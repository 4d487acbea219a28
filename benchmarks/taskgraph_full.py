"""Time `taskgraph full` on production-sized graphs (841 and 4,941 tasks, the sizes the
reference pipeline's figures are for: about 2.2 s and 8.2 s on a 2-core machine).

    .venv/bin/python benchmarks/taskgraph_full.py [--runs 3]

Each size is a config with many training datasets, 2 teachers and 10 test sets; the
script checks the generated task count, then reports the best of --runs wall times.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TASKGRAPH = str(Path(sys.executable).parent / "taskgraph")
BASE = yaml.safe_load((ROOT / "taskcluster" / "test" / "params" / "ci.yml").read_text())
# tasks = 2 x train datasets (import, clean) + 1 devtest + 10 test imports + merge,
# devset, vocab + backward + 2 teachers + split-corpus + 10 translate-corpus chunks +
# merge-translated, score, cefilter, alignments, shortlist, student, fine-tuned student,
# quantize, export + 10 test sets x 7 evaluations (backward, 2 teachers, ensemble,
# student, fine-tuned, int8) + all + docker image = 2 x train datasets + 109
SIZES = {841: 366, 4941: 2416}


def params(train_datasets: int) -> dict:
    config = {
        "experiment": {"name": "bench", "src": "en", "trg": "de", "teacher-ensemble": 2},
        "datasets": {
            "train": [f"url_https://data.example.org/corpus{i}.[LANG].zst" for i in range(train_datasets)],
            "devtest": ["url_https://data.example.org/dev.[LANG]"],
            "test": [f"url_https://data.example.org/test{i}.[LANG]" for i in range(10)],
        },
        "target-stage": "all",
    }
    return {**BASE, "training_config": config}


def time_full(path: Path, expected: int) -> float:
    start = time.monotonic()
    result = subprocess.run([TASKGRAPH, "full", "-p", str(path)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(result.stderr[-3000:])
    count = len(result.stdout.split())
    if count != expected:
        sys.exit(f"{path.name}: expected {expected} tasks, got {count}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for tasks, train in SIZES.items():
            path = Path(tmp) / f"bench-{tasks}.yml"
            path.write_text(yaml.safe_dump(params(train)))
            best = min(time_full(path, tasks) for _ in range(args.runs))
            print(f"taskgraph full, {tasks} tasks: {best:.2f} s (best of {args.runs})")


if __name__ == "__main__":
    main()
