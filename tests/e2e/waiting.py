"""Waiting for a real run to reach a point: a task's log line."""

import subprocess
import time
from pathlib import Path


def wait_for_log(workdir: Path, process: subprocess.Popen, label: str, marker: str, timeout: float = 300) -> Path:
    """Wait until the attempt of the task whose label starts with `label` logs `marker`; its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before {label} logged {marker!r}"
        for log in (workdir / "work").glob("*/log.txt"):
            text = log.read_text(errors="replace")
            if label in text.partition("\n")[0] and marker in text:  # the first line names the task
                return log
        time.sleep(0.2)
    raise AssertionError(f"{label} did not log {marker!r} within {timeout} s")
