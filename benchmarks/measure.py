"""Run a command and report its wall time and the peak memory of its whole process tree.

    python3 benchmarks/measure.py -- make run

The peak is the largest sum of RSS over the command and all its descendants, sampled
every 0.5 s from /proc (a single process's maximum, as `time -v` reports, would miss a
parent and child holding memory at once).
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_kib(root: int, proc_file: str = "status", field: str = "VmRSS:") -> int:
    """The sum of a /proc memory field over `root` and its descendants, in KiB: RSS by
    default; ("smaps_rollup", "Pss:") counts forked processes' shared pages once."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/{proc_file}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            continue
        stack += children(pid)
    return total


def export_pipeline(revision: str, directory: Path) -> Path:
    """`pipeline/` of a git revision, exported into `directory`: `python -m pipeline...`
    run there imports that revision's steps."""
    archive = subprocess.run(["git", "archive", revision, "pipeline"], cwd=Path(__file__).resolve().parents[1],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def wait_sampling_pss(process: subprocess.Popen) -> tuple[int, resource.struct_rusage, int]:
    """Wait for `process`: its exit code, its resource usage (with its children's) and the
    peak PSS of its process tree in KiB, sampled every 0.2 s."""
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(status), usage, peak
        peak = max(peak, tree_kib(process.pid, "smaps_rollup", "Pss:"))
        time.sleep(0.2)


def main() -> int:
    command = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    start = time.monotonic()
    process = subprocess.Popen(command)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_kib(process.pid))
        time.sleep(0.5)
    wall = time.monotonic() - start
    print(f"measure: exit {process.returncode}, wall {wall:.1f} s, peak RSS of the process tree {peak / 1024:.0f} MiB", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
