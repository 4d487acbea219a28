"""Time graph generation on the reference pipeline's production configs, before and after a change.

    .venv/bin/python benchmarks/taskgraph_full.py [--before main] [--runs 5]   (--before '': this checkout alone)

The configs in benchmarks/configs/ are the reference's production config (en-ru, 42
training datasets: 303 of our tasks) and the same scaled to 400 training datasets (1,650
tasks), in our config format. For each, on the --before commit (checked out in a
temporary worktree) and on this checkout, with this checkout's venv:

1. both commits must generate the same graph: `taskgraph full --json` and
   `translations graph --json`, the build date and the checkout's path, branch and
   revision normalised (anything else that differs fails the benchmark);
2. `taskgraph full -p PARAMS` (taskcluster/test/params/ci.yml with the config) and
   `translations graph CONFIG` are timed, before and after in turns, --runs times each:
   the median wall time, the median CPU time (user + sys, the command and its children),
   and the wall time's ratio to the reference's `taskgraph full` figure on this machine.

SIZES and params() are the synthetic production-sized configs that
benchmarks/slurm_submit.py submits.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "benchmarks" / "configs"
TASKGRAPH = str(Path(sys.executable).parent / "taskgraph")
BASE = yaml.safe_load((ROOT / "taskcluster" / "test" / "params" / "ci.yml").read_text())
# Fixed dates: the cached tasks' index routes carry the build date.
FIXED_DATES = {"pushdate": 1_700_000_000, "build_date": 1_700_000_000, "moz_build_date": "20231114221320"}
# config: (tasks of `taskgraph full`, the reference's `taskgraph full` on this machine: median
# of 5 on the loaded 2-core machine, and quiet where measured), from the configs' headers.
REFERENCE = {
    "prod-42-datasets": (303, 2.8, 2.2),
    "prod-400-datasets": (1650, 8.0, None),
}
COMMANDS = ("taskgraph full", "translations graph")
TRANSLATIONS = "import sys; from translations_taskgraph.cli import main; sys.exit(main())"
PUSHDATE_ROUTE = re.compile(r"pushdate\.\d{4}\.\d{2}\.\d{2}\.\d{14}")
HEAD_REF = re.compile(r'"TRANSLATIONS_HEAD_REF": "[^"]*"')  # the branch, or HEAD in the temporary worktree

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


class Tree:
    """A checkout whose code (not the editable install's) the commands import."""

    def __init__(self, name: str, root: Path):
        self.name, self.root = name, root
        revision = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        self.revision = revision.stdout.strip()
        self.env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'taskcluster'}"}

    def command(self, which: str, config: Path, params: Path, json: bool = False) -> list[str]:
        if which == "taskgraph full":
            return [TASKGRAPH, "full", *(["--json"] if json else []), "-p", str(params)]
        return [sys.executable, "-c", TRANSLATIONS, "graph", *(["--json"] if json else []), str(config)]

    def run(self, command: list[str]) -> tuple[str, float, float]:
        """(stdout, wall seconds, CPU seconds of the command and its children)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        result = subprocess.run(command, cwd=self.root, env=self.env, capture_output=True, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            sys.exit(f"{self.name}: {' '.join(command)} failed:\n{result.stderr[-3000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return result.stdout, wall, cpu

    def normalised(self, text: str) -> str:
        text = PUSHDATE_ROUTE.sub("pushdate.BUILD_DATE", HEAD_REF.sub("HEAD_REF", text))
        return text.replace(str(self.root), "CHECKOUT").replace(self.revision, "REVISION")


def check_identical(trees: list[Tree], config: Path, params: Path) -> None:
    for which in COMMANDS:
        before, after = (tree.normalised(tree.run(tree.command(which, config, params, json=True))[0]) for tree in trees)
        if before != after:
            lines = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
            first = lines[0] if lines else ("(one output is longer)", "")
            sys.exit(f"{config.stem}: `{which} --json` differs between {trees[0].name} and {trees[1].name}:\n"
                     f"  {first[0].strip()}\n  {first[1].strip()}")
        print(f"{config.stem}: `{which} --json` identical ({len(after):,} characters)")


def task_count(tree: Tree, config: Path, params: Path) -> int:
    return len(tree.run(tree.command("taskgraph full", config, params))[0].split())


def measure(trees: list[Tree], config: Path, params: Path, runs: int) -> dict:
    """{(tree name, command): [(wall, cpu), ...]}, before and after in turns, alternating who goes first."""
    times = {(tree.name, which): [] for tree in trees for which in COMMANDS}
    for run in range(runs):
        for which in COMMANDS:
            for tree in trees if run % 2 == 0 else trees[::-1]:
                times[(tree.name, which)].append(tree.run(tree.command(which, config, params))[1:])
    return times


def report(config: str, tasks: int, times: dict, runs: int) -> None:
    expected, loaded, quiet = REFERENCE[config]
    if tasks != expected:
        sys.exit(f"{config}: expected {expected} tasks from `taskgraph full`, got {tasks}")
    reference = f"{loaded} s" + (f" ({quiet} s quiet)" if quiet else "")
    print(f"\n{config}: {tasks} tasks; reference `taskgraph full`: {reference}; median of {runs}")
    print("| command | commit | wall s | CPU s | wall / reference |")
    print("|---|---|---|---|---|")
    for (name, which), samples in sorted(times.items(), key=lambda item: item[0][1]):  # by command
        wall = statistics.median(sample[0] for sample in samples)
        cpu = statistics.median(sample[1] for sample in samples)
        ratio = f"{wall / loaded:.2f}" + (f" ({wall / quiet:.2f} of quiet)" if quiet else "")
        print(f"| `{which}` | {name} | {wall:.2f} | {cpu:.2f} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main",
                        help="the commit to compare with (default: main; '' times this checkout alone)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        checkout = Path(tmp) / "before"
        if args.before:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(checkout), args.before],
                           check=True, capture_output=True)
        try:
            trees = [Tree(f"before ({args.before})", checkout)] if args.before else []
            trees.append(Tree("after (this checkout)", ROOT))
            for config in sorted(CONFIGS.glob("prod-*.yml"), key=lambda path: REFERENCE[path.stem][0]):
                params = Path(tmp) / f"{config.stem}-params.yml"
                params.write_text(yaml.safe_dump({**BASE, **FIXED_DATES, "training_config": yaml.safe_load(config.read_text())}))
                if args.before:
                    check_identical(trees, config, params)
                report(config.stem, task_count(trees[-1], config, params), measure(trees, config, params, args.runs), args.runs)
        finally:
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)], check=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
