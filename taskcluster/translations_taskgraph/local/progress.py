"""What a local run shows while it works: counts, elapsed time, the running tasks'
latest log lines. On a terminal one status block is redrawn; elsewhere (CI, a log
file) a status line is printed when a task starts or ends and every 30 seconds."""

import sys
import time
from collections import deque
from pathlib import Path

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


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, reused: int, stream=sys.stderr):
        self.total, self.reused, self.stream = total, reused, stream
        self.done = self.failed = 0
        self.start = time.monotonic()
        self.logs: dict[str, Path] = {}
        self.interactive = stream.isatty()
        self.last_print = 0.0
        self.drawn = 0
        if reused:
            self.say(f"reusing {reused} stored task result(s)")

    def started(self, label: str, log: Path) -> None:
        self.logs[label] = log
        self.say(f"started  {label}  (log: {log})")

    def finished(self, label: str, ok: bool) -> None:
        self.logs.pop(label, None)
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self.say(f"{'finished' if ok else 'FAILED  '} {label}")

    def stopped(self, label: str) -> None:
        self.logs.pop(label, None)
        self.say(f"stopped  {label} (the next run continues it)")

    def status(self) -> str:
        return (
            f"[{_clock(time.monotonic() - self.start)}] {self.reused + self.done}/{self.total} done "
            f"({self.reused} reused), {len(self.logs)} running, {self.failed} failed"
        )

    def show(self) -> None:
        now = time.monotonic()
        lines = [self.status()] + [f"  {label}: {_last_line(log)[:150]}" for label, log in self.logs.items()]
        if self.interactive:
            self._clear()
            self.stream.write("\n".join(lines) + "\n")
            self.drawn = len(lines)
        elif now - self.last_print >= QUIET_INTERVAL:
            self.stream.write("\n".join(lines) + "\n")
            self.last_print = now
        self.stream.flush()

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
