"""Time `translations report` on a run's work directory, and screenshot each section.

    .venv/bin/python benchmarks/report.py configs/quickstart.yml --workdir runs [--runs 3] [--screenshots docs/images]

Prints the median wall time of `--runs` reports, the HTML and results.json sizes; with
`--screenshots DIR`, opens the page in headless Chromium (tests/browser.py) and writes
`report-<section>.png` for each section.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipeline.report.html import SECTIONS  # noqa: E402
from tests.browser import Browser  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    output = Path(tempfile.mkdtemp(prefix="report-")) / "report.html"
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/translations"), "report", str(args.config), "--workdir", str(args.workdir),
                        "--output", str(output)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print(f"translations report: {statistics.median(times):.2f} s (median of {args.runs}; {', '.join(f'{t:.2f}' for t in times)})")
    print(f"report.html: {output.stat().st_size:,} bytes; results.json: {output.with_name('results.json').stat().st_size:,} bytes")
    if args.screenshots:
        with Browser() as browser:
            browser.open(output)
            for key, _ in SECTIONS:
                browser.screenshot(args.screenshots / f"report-{key}.png", f"#{key}")
            print(f"screenshots in {args.screenshots}; console errors: {browser.errors() or 'none'}")


if __name__ == "__main__":
    main()
