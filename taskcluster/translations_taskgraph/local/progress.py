"""What a local run shows while it works: counts, elapsed time, and for each running task
its latest log line, or for a training its updates of the planned maximum, its latest
validation and an ETA. On a terminal one status block is redrawn; elsewhere (CI, a log
file) a status line is printed when a task starts or ends and every 30 seconds."""

import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path

from pipeline.report.marian_log import CONFIG, PROGRESS, VALID

QUIET_INTERVAL = 30.0


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - 4096))
            lines = deque(log.read().decode("utf-8", "replace").splitlines(), maxlen=1)
    except FileNotFoundError:
        return ""
    return lines[0].strip() if lines else ""


class TrainingStatus:
    """A Marian log read as it grows (only the new complete lines each time)."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0
        self.planned = self.first = self.last = self.valid = None

    def summary(self) -> str | None:
        self._read()
        if not self.last:
            return None
        update, stamp = self.last
        text = f"update {update:,}" + (f" of {self.planned:,}" if self.planned else "")
        if self.valid:
            text += f", {self.valid[0]} {self.valid[1]:g} at update {self.valid[2]:,}"
        if self.planned and self.first and update > self.first[0]:
            per_update = (stamp - self.first[1]).total_seconds() / (update - self.first[0])
            text += f", about {_clock(max(self.planned - update, 0) * per_update)} to go"
        return text

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                data = log.read()
        except FileNotFoundError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            if match := PROGRESS.match(line):
                self.last = (int(match["update"]), datetime.fromisoformat(match["time"]))
                self.first = self.first or self.last
            elif (match := VALID.match(line)) and (not self.valid or self.valid[0] == match["metric"] or self.valid[2] < int(match["update"])):
                self.valid = (match["metric"], float(match["value"]), int(match["update"]))
            elif (match := CONFIG.match(line)) and match["key"] == "after-batches" and int(match["value"]):
                self.planned = int(match["value"])


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, reused: int, stream=sys.stderr):
        self.total, self.reused, self.stream = total, reused, stream
        self.done = self.failed = 0
        self.start = time.monotonic()
        self.logs: dict[str, Path] = {}
        self.trainings: dict[str, TrainingStatus] = {}
        self.interactive = stream.isatty()
        self.last_print = 0.0
        self.drawn = 0
        if reused:
            self.say(f"reusing {reused} stored task result(s)")

    def started(self, label: str, log: Path) -> None:
        self.logs[label] = log
        if label.startswith(("train-", "finetune-")) and not label.startswith("train-vocab"):
            self.trainings[label] = TrainingStatus(log)
        self.say(f"started  {label}  (log: {log})")

    def finished(self, label: str, ok: bool) -> None:
        self.logs.pop(label, None)
        self.trainings.pop(label, None)
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self.say(f"{'finished' if ok else 'FAILED  '} {label}")

    def stopped(self, label: str) -> None:
        self.logs.pop(label, None)
        self.trainings.pop(label, None)
        self.say(f"stopped  {label} (the next run continues it)")

    def status(self) -> str:
        return (
            f"[{_clock(time.monotonic() - self.start)}] {self.reused + self.done}/{self.total} done "
            f"({self.reused} reused), {len(self.logs)} running, {self.failed} failed"
        )

    def show(self) -> None:
        now = time.monotonic()
        lines = [self.status()] + [f"  {label}: {self._task_line(label, log)[:150]}" for label, log in self.logs.items()]
        if self.interactive:
            self._clear()
            self.stream.write("\n".join(lines) + "\n")
            self.drawn = len(lines)
        elif now - self.last_print >= QUIET_INTERVAL:
            self.stream.write("\n".join(lines) + "\n")
            self.last_print = now
        self.stream.flush()

    def _task_line(self, label: str, log: Path) -> str:
        training = self.trainings.get(label)
        return (training and training.summary()) or _last_line(log)

    def close(self) -> None:
        self._clear()
        self.stream.write(self.status() + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self.interactive and self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def say(self, message: str) -> None:
        self._clear()
        self.stream.write(f"[{_clock(time.monotonic() - self.start)}] {message}\n")
        self.stream.flush()
        self.last_print = time.monotonic()
