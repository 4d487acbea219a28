"""Sweep the quickstart's CPU training recipe: chrF per CPU-minute of each variant.

    .venv/bin/python benchmarks/recipe_sweep.py --workdir /work/sweep [--words 500000] [--variants a,b]

Each variant is configs/quickstart.yml with some of `marian-args.training-teacher` replaced,
run with `translations run --target-stage evaluate-teacher` in one work directory (the data
stages run once and are reused by the other variants). Every variant trains on the same
number of target words (`--words`, Marian's `after: <N>t`), validating at each half, so the
variants compare at equal data; the table gives the training wall time, target words/s,
the validation chrF at each validation with the minutes it was reached, and the teacher's
chrF on the test set.
"""

import argparse
import copy
import json
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = {
    "quickstart": {},
    "lr-1.5e-3": {"learn-rate": 0.0015, "lr-warmup": 300, "lr-decay-inv-sqrt": 300},
    "2k-words": {"mini-batch-words": 2000, "learn-rate": 0.0015, "lr-warmup": 150, "lr-decay-inv-sqrt": 150},
    "2k-words-no-dropout": {"mini-batch-words": 2000, "learn-rate": 0.0015, "lr-warmup": 150,
                            "lr-decay-inv-sqrt": 150, "transformer-dropout": 0},
}
VALID = re.compile(r"^\[(?P<time>[\d-]+ [\d:]+)\] \[valid\] Ep\. \d+ : Up\. (?P<update>\d+) : chrf : (?P<chrf>[\d.]+)")
PROGRESS = re.compile(r"^\[(?P<time>[\d-]+ [\d:]+)\] Ep\. .* : Up\. (?P<update>\d+) : .* after (?P<words>[\d,]+) :")
STARTED = re.compile(r"^\[(?P<time>[\d-]+ [\d:]+)\] \[marian\] Marian ")


def variant_config(base: dict, name: str, options: dict, words: int) -> dict:
    config = copy.deepcopy(base)
    config["experiment"]["name"] = f"sweep-{name}"
    config["target-stage"] = "evaluate-teacher"
    teacher = config["marian-args"]["training-teacher"]
    teacher.update(options)
    teacher.update({"after": f"{words}t", "after-batches": 0, "valid-freq": f"{words // 2}t",
                    "save-freq": f"{words // 2}t"})
    return config


def seconds(stamp: str, start: datetime) -> float:
    return (datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S") - start).total_seconds()


def training_figures(log: Path) -> dict:
    """Wall time, words/s and (minutes, update, chrF) at each validation from the task's log."""
    start = words = end = None
    valid = []
    for line in log.read_text(errors="replace").splitlines():
        if start is None and (match := STARTED.match(line)):
            start = datetime.strptime(match["time"], "%Y-%m-%d %H:%M:%S")
        elif start and (match := PROGRESS.match(line)):
            words, end = int(match["words"].replace(",", "")), seconds(match["time"], start)
        elif start and (match := VALID.match(line)):
            valid.append((seconds(match["time"], start) / 60, int(match["update"]), float(match["chrf"])))
    return {"wall": end, "words_per_s": words / end if words and end else None, "valid": valid}


def test_chrf(workdir: Path, name: str) -> float:
    metrics = next((workdir / f"sweep-{name}").glob("evaluate-teacher-*/artifacts/*.metrics.json"))
    return json.loads(metrics.read_text())["chrf"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=ROOT / "configs/quickstart.yml")
    parser.add_argument("--words", type=int, default=500_000, help="target words each variant trains on")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    args = parser.parse_args()
    base = yaml.safe_load(args.config.read_text())
    rows = []
    for name in args.variants.split(","):
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as config:
            yaml.safe_dump(variant_config(base, name, VARIANTS[name], args.words), config)
        print(f"{name}: running", file=sys.stderr, flush=True)
        subprocess.run([str(ROOT / ".venv/bin/translations"), "run", config.name, "--workdir", str(args.workdir)],
                       check=True, stdout=subprocess.DEVNULL)
        log = next((args.workdir / f"sweep-{name}").glob("train-teacher-*")) / "log.txt"
        figures = training_figures(log)
        rows.append((name, figures, test_chrf(args.workdir, name)))
        print(f"{name}: {rows[-1]}", file=sys.stderr, flush=True)
    print(f"\n{args.words:,} target words per variant\n")
    print("| variant | options | training | words/s | validation chrF (minute, update) | test chrF |")
    print("|---|---|---|---|---|---|")
    for name, figures, chrf in rows:
        options = ", ".join(f"{key} {value}" for key, value in VARIANTS[name].items()) or "as configs/quickstart.yml"
        valid = "; ".join(f"{score:.1f} ({minute:.1f}, {update})" for minute, update, score in figures["valid"])
        print(f"| {name} | {options} | {figures['wall'] / 60:.1f} min | {figures['words_per_s']:,.0f} | {valid} | {chrf:.2f} |")


if __name__ == "__main__":
    main()
