"""Benchmark clean_corpus, merge_corpus and merge_mono on synthetic data: pairs/s and peak RSS.

Generates --pairs synthetic en-de pairs as two datasets, `a` and `b` (half each); 20% of
`b` repeats pairs of `a` and a few percent of all pairs are dirty (empty, tab, bad
ratio). Then cleans each dataset and merges the cleaned ones, each step in its own
process (`python -m ...`), so that the peak RSS reported is that step's alone; then
merges them again the way the reference pipeline's merge step is described
(benchmarks/reference_merge.py); then merges the German sides as monolingual data.

    .venv/bin/python benchmarks/clean_merge.py --pairs 1000000 [--merge-only]
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from pipeline.common.corpus import corpus_path, pair_writer, read_pairs  # noqa: E402

DUPLICATE_SHARE = 0.2
DIRTY_SHARE = 0.03


# Frequent words, so that language identification sees English and German.
EN = (
    "the of and to in is that it was for on are as with his they at be this from have or by one had not "
    "but what all were when we there can an your which their said if do will each about how up out them "
    "then she many some so these would other into has more her two like him see time could no make than "
    "first been its who now people my made over did down only way find use may water long little very "
    "after words called just where most know get through back much before go good new write our used me"
).split()
DE = (
    "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden "
    "aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder "
    "aber vor zur bis mehr durch man sein wurde sei ihr jahr zwei wenn diese kann gegen vom schon können "
    "wir seine unter ihre neue dann heute sagte immer zeit ohne sollen wieder keine gut ganz drei viele"
).split()


def make_pair(rng: random.Random) -> tuple[str, str]:
    length = rng.randint(3, 30)
    src = " ".join(rng.choices(EN, k=length)).capitalize() + "."
    trg = " ".join(rng.choices(DE, k=length)).capitalize() + "."
    if rng.random() < DIRTY_SHARE:
        src, trg = rng.choice([("", trg), (src.replace(" ", "\t", 1), trg), (src, trg.split()[0] + "x")])
    return src, trg


def generate(directory: Path, pairs: int, seed: int) -> None:
    """Write `a` and `b`, streaming: `b` takes its duplicates from `a` as it reads it back."""
    rng = random.Random(seed)
    with pair_writer(directory, "a", "en", "de") as write:
        for _ in range(pairs // 2):
            write(*make_pair(rng))
    first = read_pairs(corpus_path(directory, "a", "en"), corpus_path(directory, "a", "de"))
    with pair_writer(directory, "b", "en", "de") as write:
        for _ in range(pairs - pairs // 2):
            duplicate = next(first, None) if rng.random() < DUPLICATE_SHARE else None
            write(*(duplicate or make_pair(rng)))


def run_step(name: str, module: str, args: list[str], report_path: Path) -> None:
    """Run `python -m module args`; print its pairs/s and peak RSS (from wait4, this child only).

    Linux starts a child's peak RSS at its parent's RSS, so this process stays small.
    """
    log_path = report_path.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"{module} failed with exit code {process.returncode}; see {log_path}")
    pairs = json.loads(report_path.read_text())["lines_in"]
    print(
        f"{name:<16} {pairs:>10,} pairs {seconds:8.2f} s {pairs / seconds:>10,.0f} pairs/s "
        f"{usage.ru_maxrss // 1024:>6} MiB peak RSS"
    )


def peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def benchmark(directory: Path, pairs: int, seed: int, merge_only: bool) -> None:
    start = time.monotonic()
    generate(directory, pairs, seed)
    print(f"generated {pairs:,} pairs in {time.monotonic() - start:.1f} s; this process: {peak_rss_mib()} MiB peak RSS")
    clean, merged = (directory if merge_only else directory / "clean"), directory / "merged"
    for name in () if merge_only else ("a", "b"):
        run_step(f"clean_corpus {name}", "pipeline.clean.clean_corpus", [
            "--input-prefix", str(directory / name), "--output-prefix", str(clean / name),
            "--src", "en", "--trg", "de",
        ], clean / f"{name}.cleaning.json")
    run_step("merge_corpus", "pipeline.data.merge_corpus", [
        "--src", "en", "--trg", "de", "--output-prefix", str(merged / "corpus"),
        "--inputs", str(clean / "a"), str(clean / "b"),
    ], merged / "corpus.stats.json")
    run_step("reference merge", "benchmarks.reference_merge", [
        "--output-prefix", str(directory / "reference" / "corpus"), "--inputs", str(clean / "a"), str(clean / "b"),
    ], directory / "reference" / "corpus.stats.json")
    run_step("merge_mono de", "pipeline.data.merge_mono", [
        "--lang", "de", "--output-prefix", str(directory / "mono" / "mono"), "--inputs", str(clean / "a"), str(clean / "b"),
    ], directory / "mono" / "mono.de.stats.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep the data here (default: a temporary directory)")
    parser.add_argument("--merge-only", action="store_true", help="merge the generated data without cleaning it")
    args = parser.parse_args()
    if args.workdir:
        benchmark(args.workdir, args.pairs, args.seed, args.merge_only)
    else:
        with tempfile.TemporaryDirectory() as directory:
            benchmark(Path(directory), args.pairs, args.seed, args.merge_only)


if __name__ == "__main__":
    main()
