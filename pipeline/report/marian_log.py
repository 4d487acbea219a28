"""Training curves from a Marian training log (`train.log`; the task's log has the same lines).

Progress lines (every `--disp-freq`) give the training cost, words/s and learning rate at an
update; `[valid]` lines give each validation metric at an update, with `new best` or
`stalled N times`. Times are seconds since the log's first line. A metric validated twice
at one update (Marian validates again when training ends) keeps its last value.
"""

import re
from datetime import datetime
from pathlib import Path
from typing import Iterable

STAMP = r"^\[(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] "
PROGRESS = re.compile(
    STAMP + r"Ep\. [\d.]+ : Up\. (?P<update>\d+) : Sen\. [\d,]+ : Cost (?P<cost>[-\d.e+]+)"
    r".*? : (?P<wps>[\d.]+) words/s(?: : gNorm [\d.]+)?(?: : L\.r\. (?P<lr>[-\d.e+]+))?"
)
VALID = re.compile(
    STAMP + r"\[valid\] Ep\. [\d.]+ : Up\. (?P<update>\d+) : (?P<metric>[\w-]+) : (?P<value>[-\d.e+]+) : "
    r"(?:(?P<best>new best)|stalled (?P<stalled>\d+) times?)"
)
CONFIG = re.compile(STAMP + r"\[config\] (?P<key>after-batches|early-stopping): (?P<value>\d+)$")
LOWER_IS_BETTER = ("ce-mean-words", "cross-entropy", "perplexity", "ce-mean", "ce-sum")


def parse(lines: Iterable[str]) -> dict:
    """{"train": [{update, seconds, cost, words_per_second, learning_rate}], "valid":
    {metric: [{update, seconds, value, stalled}]}, "after_batches", "early_stopping"}."""
    start = None
    train, valid, config = {}, {}, {}
    for line in lines:
        match = re.match(STAMP, line)
        if not match:
            continue
        seconds = _seconds(match["time"], start)
        start = start or match["time"]
        if progress := PROGRESS.match(line):
            train[int(progress["update"])] = {
                "update": int(progress["update"]), "seconds": seconds, "cost": float(progress["cost"]),
                "words_per_second": float(progress["wps"]),
                "learning_rate": float(progress["lr"]) if progress["lr"] else None,
            }
        elif validation := VALID.match(line):
            points = valid.setdefault(validation["metric"], {})
            points[int(validation["update"])] = {
                "update": int(validation["update"]), "seconds": seconds, "value": float(validation["value"]),
                "stalled": int(validation["stalled"] or 0),
            }
        elif setting := CONFIG.match(line):
            config[setting["key"].replace("-", "_")] = int(setting["value"])
    return {
        "train": [train[update] for update in sorted(train)],
        "valid": {metric: [points[update] for update in sorted(points)] for metric, points in valid.items()},
        "after_batches": config.get("after_batches"),
        "early_stopping": config.get("early_stopping"),
    }


def _seconds(stamp: str, start: str | None) -> float:
    if start is None:
        return 0.0
    return (datetime.fromisoformat(stamp) - datetime.fromisoformat(start)).total_seconds()


def best(metric: str, points: list[dict]) -> dict | None:
    """The best validation point of a metric (the earliest of equal ones)."""
    if not points:
        return None
    sign = 1 if metric in LOWER_IS_BETTER else -1
    return min(points, key=lambda point: (sign * point["value"], point["update"]))


def stopped_early(curves: dict) -> bool:
    """Training ended by early stopping: the last validation stalled `early-stopping` times."""
    patience = curves["early_stopping"]
    return bool(patience) and any(points and points[-1]["stalled"] >= patience for points in curves["valid"].values())


def read(path: Path) -> dict:
    with open(path, encoding="utf-8", errors="replace") as log:
        return parse(log)
