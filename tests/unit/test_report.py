"""The report's parts: Marian's log lines as curves, live training status, SVG charts."""

import re

from pipeline.report import marian_log, svg
from translations_taskgraph.local.progress import TrainingStatus

# Marian 1.12's lines (docs: ../shared/reference/tracking.md): ce-sum with label counts and a
# learning rate, ce-mean-words without, a validation again at the same update when training
# ends, stalls, and lines that are not curves.
LOG = """\
[2026-12-02 01:00:00] [marian] Marian v1.12.42
[2026-12-02 01:00:00] [config] after-batches: 400
[2026-12-02 01:00:00] [config] early-stopping: 2
[2026-12-02 01:00:10] Ep. 1 : Up. 100 : Sen. 6,392 : Cost 8.34146404 * 80,657 @ 6,773 after 80,657 : Time 10.00s : 1485.85 words/s : gNorm 3.2870 : L.r. 1.4000e-04
[2026-12-02 01:00:20] Ep. 1 : Up. 200 : Sen. 12,797 : Cost 6.5 : Time 10.00s : 1500.00 words/s : gNorm 2.0
[2026-12-02 01:00:21] [valid] First sentence's tokens as scored:
[2026-12-02 01:00:21] [valid]   Hyp: W ä h l e n
[2026-12-02 01:00:22] [valid] Ep. 1 : Up. 200 : chrf : 20.5 : new best
[2026-12-02 01:00:23] [valid] Ep. 1 : Up. 200 : ce-mean-words : 5.25 : new best
[2026-12-02 01:00:40] Ep. 2 : Up. 400 : Sen. 1,000 : Cost 5.0 : Time 20.00s : 1400.00 words/s : gNorm 1.0 : L.r. 1.0000e-04
[2026-12-02 01:00:42] [valid] Ep. 2 : Up. 400 : chrf : 19.75 : stalled 1 times (last best: 20.5)
[2026-12-02 01:00:43] [valid] Ep. 2 : Up. 400 : ce-mean-words : 5.5 : stalled 1 times (last best: 5.25)
[2026-12-02 01:00:44] [valid] Ep. 2 : Up. 400 : ce-mean-words : 5.5 : stalled 2 times (last best: 5.25)
[2026-12-02 01:00:45] Training finished
"""


def test_marian_log_curves():
    curves = marian_log.parse(LOG.splitlines())
    assert curves["train"] == [
        {"update": 100, "seconds": 10.0, "cost": 8.34146404, "words_per_second": 1485.85, "learning_rate": 1.4e-4},
        {"update": 200, "seconds": 20.0, "cost": 6.5, "words_per_second": 1500.0, "learning_rate": None},
        {"update": 400, "seconds": 40.0, "cost": 5.0, "words_per_second": 1400.0, "learning_rate": 1e-4},
    ]
    assert curves["valid"] == {
        "chrf": [{"update": 200, "seconds": 22.0, "value": 20.5, "stalled": 0},
                 {"update": 400, "seconds": 42.0, "value": 19.75, "stalled": 1}],
        "ce-mean-words": [{"update": 200, "seconds": 23.0, "value": 5.25, "stalled": 0},
                          {"update": 400, "seconds": 44.0, "value": 5.5, "stalled": 2}],
    }
    assert (curves["after_batches"], curves["early_stopping"]) == (400, 2)
    assert marian_log.best("chrf", curves["valid"]["chrf"])["update"] == 200
    assert marian_log.best("ce-mean-words", curves["valid"]["ce-mean-words"])["value"] == 5.25
    assert marian_log.stopped_early(curves)
    assert not marian_log.stopped_early({**curves, "early_stopping": 3})


def test_training_status_reads_the_log_as_it_grows(tmp_path):
    log = tmp_path / "log.txt"
    lines = LOG.splitlines(keepends=True)
    log.write_text("".join(lines[:4]) + lines[4][:30])  # the 200-update line half written
    status = TrainingStatus(log)
    assert status.summary() == "update 100 of 400"
    with open(log, "a") as out:
        out.write(lines[4][30:] + "".join(lines[5:9]))
    assert status.summary() == "update 200 of 400, chrf 20.5 at update 200, about 0:00:20 to go"
    with open(log, "a") as out:
        out.write("".join(lines[9:]))
    assert status.summary() == "update 400 of 400, chrf 19.75 at update 400, about 0:00:00 to go"


def test_line_chart_draws_each_series_and_marks():
    chart = svg.line_chart("teacher: validation chrf", [
        {"name": "chrf", "points": [(200, 20.5, "a"), (400, 19.75, "b")], "marks": [(200, 20.5, "best")]},
        {"name": "bleu", "points": [(200, 10.0, "c"), (400, 12.0, "d")]},
    ], "updates", "chrf")
    assert chart.startswith("<svg") and 'data-series="2"' in chart
    assert len(re.findall(r'<path class="series"', chart)) == 2 and chart.count('class="mark"') == 1
    assert "<title>best</title>" in chart
    assert "no data yet" in svg.line_chart("empty", [], "updates", "cost")


def test_ticks_cover_the_range_with_round_steps():
    assert svg.ticks(0, 2400) == [0, 500, 1000, 1500, 2000, 2500]
    assert svg.ticks(5.2, 5.9) == [5.2, 5.4, 5.6, 5.8, 6.0]
    assert svg.ticks(3, 3) == [3, 3.2, 3.4, 3.6, 3.8, 4.0]


def test_timeline_draws_one_bar_per_task():
    bars = [{"label": f"task-{i}", "start": 60 * i, "end": 60 * i + 30, "group": "dataset", "text": f"task-{i}"} for i in range(3)]
    chart = svg.timeline(bars, {"dataset": "#123456"})
    assert chart.count('class="bar"') == 3 and chart.count('fill="#123456"') == 3
