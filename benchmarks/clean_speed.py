"""Benchmark clean-corpus (and clean-mono) with the default filters, before and after a change.

Generates --pairs synthetic en-de pairs of frequent words (as benchmarks/clean_merge.py
does: language identification sees English and German), a few percent dirty and 2% with
the sides swapped (wrong language for langid), then cleans them with the `pipeline/` of
git revision --before (exported to a temporary directory) and with this checkout's,
alternately, each run in its own process:

    .venv/bin/python benchmarks/clean_speed.py --pairs 1000000 --before main [--workers 1 2]

Per run: wall time, pairs/s, CPU time (user + system of the step and its workers) and
pairs per CPU-second (per core: independent of how many cores the run had), the peak
RSS of the largest process and the peak PSS of the whole process tree (sampled every
0.2 s; PSS shares the forked workers' common pages out instead of counting them in each).
The load average is printed before and after each run: the figures are only comparable
on the same load.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clean_merge import make_pair
from measure import export_pipeline, wait_sampling_pss

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.common.corpus import pair_writer  # noqa: E402

SWAPPED_SHARE = 0.02


def generate(directory: Path, pairs: int, seed: int) -> None:
    rng = random.Random(seed)
    with pair_writer(directory, "corpus", "en", "de") as write:
        for _ in range(pairs):
            src, trg = make_pair(rng)
            write(*((trg, src) if rng.random() < SWAPPED_SHARE else (src, trg)))


def run(cwd: Path, module: str, args: list[str], report: Path) -> dict:
    """Run `python -m module args` in `cwd` (its `pipeline/` is imported); its figures."""
    load = os.getloadavg()[0]
    report.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(report.with_suffix(".log"), "w") as log:
        process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, stderr=log)
        code, usage, peak_pss = wait_sampling_pss(process)
    seconds = time.monotonic() - start
    if code:
        sys.exit(f"{module} in {cwd} failed; see {report.with_suffix('.log')}")
    result = json.loads(report.read_text())
    return {
        "lines": result["lines_in"], "kept": result["lines_out"], "removed": result["removed"], "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss // 1024, "pss": peak_pss // 1024,
        "load": (load, os.getloadavg()[0]),
    }


def show(name: str, figures: dict) -> None:
    lines, seconds, cpu = figures["lines"], figures["seconds"], figures["cpu"]
    print(
        f"{name:<34} {lines:>9,} {seconds:8.1f} s {lines / seconds:>8,.0f}/s {cpu:8.1f} s {lines / cpu:>8,.0f}/s "
        f"{figures['rss']:>6} MiB {figures['pss']:>6} MiB   load {figures['load'][0]:.1f} -> {figures['load'][1]:.1f}",
        flush=True,
    )


def benchmark(directory: Path, pairs: int, seed: int, before: str, workers: list[int]) -> None:
    data = directory / f"data-{pairs}-{seed}"
    if not (data / "corpus.de.zst").exists():
        start = time.monotonic()
        generate(data, pairs, seed)
        print(f"generated {pairs:,} pairs in {time.monotonic() - start:.0f} s")
    with tempfile.TemporaryDirectory() as old:
        compare({f"before ({before})": export_pipeline(before, Path(old)), "after (this checkout)": ROOT},
                data / "corpus", directory, workers)


def compare(revisions: dict[str, Path], data: Path, directory: Path, workers: list[int]) -> None:
    print(f"{'clean-corpus, en-de':<34} {'pairs':>9} {'wall':>10} {'pairs/s':>10} {'CPU':>10} {'/CPU-s':>10} "
          f"{'RSS max':>10} {'PSS tree':>10}")
    results = {}
    for count in workers:
        for name, cwd in revisions.items():
            out = directory / f"out-{len(results)}"
            figures = run(cwd, "pipeline.clean.clean_corpus", [
                "--input-prefix", str(data), "--output-prefix", str(out / "corpus"), "--src", "en", "--trg", "de",
                "--workers", str(count),
            ], out / "corpus.cleaning.json")
            results[name, count] = figures
            show(f"{name}, {count} worker{'s' * (count > 1)}", figures)
    for name, cwd in revisions.items():
        out = directory / f"mono-{len(results)}"
        figures = run(cwd, "pipeline.clean.clean_mono", [
            "--input-prefix", str(data), "--output-prefix", str(out / "mono"), "--lang", "de", "--workers", "1",
        ], out / "mono.cleaning.json")
        results[name, "mono"] = figures
        show(f"clean-mono de: {name}, 1 worker", figures)
    print("\nkept, and removed by filter (the first run of each):")
    for name in revisions:
        figures = results[name, workers[0]]
        print(f"  {name}: kept {figures['kept']:,}; {', '.join(f'{k} {v:,}' for k, v in figures['removed'].items())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", default="main", help="the git revision to compare with (default: %(default)s)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run (default: 1 2)")
    parser.add_argument("--workdir", type=Path, help="keep the data here and reuse it (default: a temporary directory)")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        benchmark(args.workdir, args.pairs, args.seed, args.before, args.workers)
    else:
        with tempfile.TemporaryDirectory() as directory:
            benchmark(Path(directory), args.pairs, args.seed, args.before, args.workers)


if __name__ == "__main__":
    main()
