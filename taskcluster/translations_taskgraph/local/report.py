"""A run's report from the local store (the local and Slurm engines): `results.json` and
one static `report.html` (pipeline/report), and the end-of-run table of scores."""

import json
import os
import time
from pathlib import Path

from pipeline.report import collect, html
from translations_taskgraph.config import STAGES
from translations_taskgraph.local.graph import _git
from translations_taskgraph.local.runner import failure
from translations_taskgraph.local.store import Store


def task_results(tasks: dict, store: Store, experiment: str) -> list[collect.TaskResult]:
    """Every task of the graph, in pipeline order: stored ones with their record and
    artifacts, a running (or stopped) one with its attempt's log. A task whose inputs
    changed since it ran (new code, a new config) shows its last result, marked `earlier`."""
    results = []
    for label in sorted(tasks, key=lambda label: (STAGES.index(tasks[label].attributes["stage"]), label)):
        task = tasks[label]
        work = store.work_dir(task.digest)
        record, state = (store.record(task.digest), "stored") if store.has(task.digest) else (store.latest(experiment, label), "earlier")
        if record is None:
            state = "failed" if failure(work) else "running" if (work / "log.txt").exists() else "not run"
        results.append(collect.TaskResult(
            label=label, stage=task.attributes["stage"], attributes=task.attributes, record=record,
            artifacts=(store.result(record["digest"]) if record else work) / "artifacts",
            log=work / "log.txt" if state in ("running", "failed") else None,
            upstreams=list(task.dependencies), state=state,
        ))
    return results


def build(config: dict, tasks: dict, store: Store, output: Path) -> dict:
    """Write `output` (HTML) and `results.json` beside it, each by one rename; returns the results."""
    run = {
        "experiment": config["experiment"]["name"], "src": config["experiment"]["src"], "trg": config["experiment"]["trg"],
        "config": config, "revision": _git("rev-parse", "HEAD") or "unknown",
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "workdir": str(store.root),
    }
    results = collect.collect(run, task_results(tasks, store, run["experiment"]), config.get("report"))
    output.parent.mkdir(parents=True, exist_ok=True)
    _write(output.with_name("results.json"), json.dumps(results, indent=1, default=str) + "\n")
    _write(output, html.render(results))
    return results


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def default_output(workdir: Path, experiment: str) -> Path:
    return workdir / experiment / "report.html"


def table(rows: list[dict]) -> str:
    header = ("model", "test set", "lines", "BLEU", "chrF", "chrF++")
    body = [
        (r["model"], r["dataset"], str(r["lines"]), f"{r['bleu']:.2f}", f"{r['chrf']:.2f}", f"{r['chrfpp']:.2f}")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, body)])
