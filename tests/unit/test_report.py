"""The report's parts: Marian's log lines as curves, live training status, SVG charts, trackers."""

import json
import re
import sys
from pathlib import Path

from pipeline.common.contract import TRACKING_ENV
from tests.conftest import run_cli
from pipeline.report import collect, html, marian_log, svg, tracking
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


def wandb_records(run_file: Path) -> list:
    """The records of a W&B offline run file, as the library's own protobuf messages. The
    file is a LevelDB-style log (wandb's datastore): a 7-byte header, then in 32 KiB blocks
    records of crc32c (4 bytes), length (2, little-endian), type (1: full, 2-4: first,
    middle, last part of one) and the data."""
    from wandb.proto import wandb_internal_pb2

    data, pos, pending, records = run_file.read_bytes(), 7, b"", []
    assert data[:4] == b":W&B"
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:
            pos += 32768 - pos % 32768  # a block's padding
            continue
        length, kind = int.from_bytes(data[pos + 4:pos + 6], "little"), data[pos + 6]
        pending += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
            pending = b""
    return records


def test_trackers_get_the_curves_and_scores(tmp_path, monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log = tmp_path / "train.log"
    log.write_text(LOG)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv(TRACKING_ENV, json.dumps({
        "name": "train-teacher-en-de-1", "tensorboard": True, "wandb": {"project": "mt", "entity": None, "group": "ci"},
        "config": {"experiment": {"name": "ci"}}}))
    tracking.publish_training(log, tmp_path, {"model_type": "teacher"})

    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    scalars = lambda tag: [(event.step, round(event.value, 4)) for event in events.Scalars(tag)]  # noqa: E731
    assert scalars("train/cost") == [(100, 8.3415), (200, 6.5), (400, 5.0)]
    assert scalars("valid/chrf") == [(200, 20.5), (400, 19.75)]
    assert scalars("valid/ce-mean-words") == [(200, 5.25), (400, 5.5)]

    (run_file,) = (tmp_path / "wandb").glob("wandb/offline-run-*/run-*.wandb")
    records = wandb_records(run_file)
    run = next(record.run for record in records if record.WhichOneof("record_type") == "run")
    assert (run.project, run.run_group, run.display_name) == ("mt", "ci", "train-teacher-en-de-1")
    config = {item.key: json.loads(item.value_json) for item in run.config.update}
    assert config["experiment"] == {"name": "ci"} and config["task"] == {"model_type": "teacher"}
    history = [{item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
               for record in records if record.WhichOneof("record_type") == "history"]
    assert [(row["_step"], row.get("train/cost"), row.get("valid/chrf")) for row in history] == [
        (100, 8.34146404, None), (200, 6.5, 20.5), (400, 5.0, 19.75)]

    monkeypatch.setenv(TRACKING_ENV, json.dumps({
        "name": "evaluate-teacher-en-de-wmt-1", "tensorboard": True, "wandb": {"project": "mt", "entity": None, "group": "ci"}}))
    scores = tmp_path / "scores"
    tracking.publish_scores({"dataset": "wmt", "models": ["model.npz"], "lines": 9, "bleu": 30.1, "chrf": 55.2, "chrfpp": 52.8}, scores)
    (run_file,) = (scores / "wandb").glob("wandb/offline-run-*/run-*.wandb")
    summary = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for record in wandb_records(run_file)
               if record.WhichOneof("record_type") == "summary" for item in record.summary.update}
    assert (summary["bleu"], summary["chrf"], summary["chrfpp"], summary["scores/nrows"]) == (30.1, 55.2, 52.8, 1)
    table = json.loads((run_file.parent / "files" / summary["scores/path"]).read_text())
    assert table["columns"] == ["model", "dataset", "lines", "bleu", "chrf", "chrfpp"]
    assert table["data"] == [["evaluate-teacher-en-de-wmt-1", "wmt", 9, 30.1, 55.2, 52.8]]


def test_no_tracker_needs_no_library(tmp_path, monkeypatch):
    monkeypatch.delenv(TRACKING_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "wandb", None)  # importing it would fail
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    log = tmp_path / "train.log"
    log.write_text(LOG)
    tracking.publish_training(log, tmp_path, {})
    tracking.publish_scores({"dataset": "wmt", "models": [], "lines": 1, "bleu": 1.0, "chrf": 1.0, "chrfpp": 1.0}, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["train.log"]


def test_report_needs_a_result_store(tmp_path):
    out = run_cli("report", "configs/ci.yml", "--workdir", str(tmp_path / "none"))
    assert out.returncode == 2 and not (tmp_path / "none").exists()
    assert out.stderr.strip() == (f"error: --workdir {tmp_path / 'none'}: no result store there; "
                                  f"run `translations run configs/ci.yml --workdir {tmp_path / 'none'}` first")


def test_a_report_of_a_run_in_progress(tmp_path):
    """What is stored shows; a running training shows its curves so far; a failed task and
    tasks not run yet show their state; the page renders whatever is missing."""
    def result(label, stage, files, record=None, state="stored", **attributes):
        artifacts = tmp_path / label / "artifacts"
        artifacts.mkdir(parents=True)
        for name, content in files.items():
            (artifacts / name).write_text(content if isinstance(content, str) else json.dumps(content))
        log = artifacts / "train.log" if state == "running" else None
        return collect.TaskResult(label, stage, attributes, record if state != "running" else None, artifacts, log, state=state)

    tasks = [
        result("clean-corpus-a", "clean-corpus", {"a.cleaning.json": {
            "lines_in": 10, "lines_out": 7, "removed": {"empty": 1, "langid": 2}, "samples": {"langid": [["Hallo", "Hallo"]]}}},
            {"seconds": 2.0, "started": 100.0, "cpu_seconds": 1.5, "peak_rss_mb": 50.0, "cores": 2, "gpus": 0}, dataset="file_a"),
        result("merge-corpus", "merge-corpus", {"corpus.stats.json": {
            "inputs": {"a": 7}, "kept": {"a": 6}, "lines_in": 7, "duplicates": 1, "excluded": 0, "sampled_out": 0, "lines_out": 6}},
            {"seconds": 1.0, "started": 103.0, "cpu_seconds": 0.5, "peak_rss_mb": 40.0, "cores": 2, "gpus": 0}),
        result("train-teacher-1", "train-teacher", {"train.log": LOG.split("[2026-12-02 01:00:40]")[0]}, state="running", member=1),
        result("train-backwards", "train-backwards", {}, state="failed"),
        result("evaluate-student-t", "evaluate-student", {}, state="not run", dataset="t"),
    ]
    results = collect.collect({"experiment": "x", "src": "en", "trg": "de", "config": {}, "revision": "r", "generated": "now"},
                              tasks, {"price-per-cpu-hour": 0.1, "price-per-gpu-hour": 0.0})
    assert results["funnel"]["datasets"] == [{"dataset": "file_a", "steps": [
        {"step": "clean-corpus", "in": 10, "out": 7, "removed": {"empty": 1, "langid": 2}, "samples": {"langid": [["Hallo", "Hallo"]]}},
        {"step": "merge-corpus", "in": 7, "out": 6, "removed": {"duplicates or excluded": 1}, "samples": {}}]}]
    assert results["funnel"]["corpus"] == [{"step": "merge-corpus", "in": 7, "out": 6, "removed": {"duplicates": 1}, "samples": {}}]
    (curve,) = results["curves"]
    assert (curve["model"], curve["state"], [p["update"] for p in curve["train"]], curve["best"]["chrf"]["update"]) == (
        "teacher 1", "running", [100, 200], 200)
    assert [(t["label"], t["state"], t["cost"]) for t in results["tasks"]] == [
        ("clean-corpus-a", "stored", round(2.0 / 3600 * 2 * 0.1, 4)), ("merge-corpus", "stored", round(1.0 / 3600 * 2 * 0.1, 4)),
        ("train-teacher-1", "running", None), ("train-backwards", "failed", None), ("evaluate-student-t", "not run", None)]
    assert [(s["stage"], s["tasks"], s["peak_rss_mb"]) for s in results["stages"]] == [("clean-corpus", 1, 50.0), ("merge-corpus", 1, 40.0)]
    assert results["scores"] == [] and results["samples"] == {"dataset": None, "rows": []}
    page = html.render(results)
    assert page.count('<svg class="chart') == 1 + 2 + 1  # the teacher's cost and 2 metrics, the timeline
    assert "still training" in page and "No model has been evaluated yet." in page and "No test set has been translated yet." in page
