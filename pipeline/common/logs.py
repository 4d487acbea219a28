"""Timestamped logging to stderr, and progress for long loops."""

import logging
import sys
import time


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            stream=sys.stderr,
            level=logging.INFO,
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
            datefmt="%Y-%m-%d %H:%M:%S",
        )
    return logger


class Progress:
    """Logs `count` and lines/s at most every `interval` seconds, and a final total."""

    def __init__(self, logger: logging.Logger, what: str, interval: float = 10.0):
        self.logger, self.what, self.interval = logger, what, interval
        self.count = 0
        self.start = self.last = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self.logger.info("%s: %d lines (%.0f lines/s)", self.what, self.count, self.rate(now))

    def rate(self, now: float) -> float:
        return self.count / max(now - self.start, 1e-9)

    def done(self) -> None:
        now = time.monotonic()
        self.logger.info(
            "%s: %d lines in %.1fs (%.0f lines/s)",
            self.what, self.count, now - self.start, self.rate(now),
        )
