"""Everything a run's report shows, as one JSON-able dict (`results.json`), from its tasks'
records and artifacts. Nothing runs: an engine hands over what it has stored (`TaskResult`),
finished or not.

Sections: `run` (pair, config, revision), `scores` (every evaluation, with the model's size
and decoding speed), `curves` (every training's log), `funnel` (where the data went, from
the cleaning and merge statistics), `tasks` and `stages` (time, CPU, GPU, memory, cost),
`samples` (test sentences with each model's output).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.common.corpus import read_lines
from pipeline.report import marian_log

# The models of the pipeline, by the stage that trains (or makes) them and the one that evaluates them.
MODEL_STAGES = {
    "train-backwards": "backwards", "train-teacher": "teacher", "train-student": "student",
    "finetune-student": "finetuned-student", "quantize": "quantized", "continuation": "continuation",
}
MODEL_FILES = ("model.npz", "model.intgemm8.bin")
SAMPLE_SIZE = 10


@dataclass
class TaskResult:
    label: str
    stage: str
    attributes: dict
    record: dict | None = None  # task.json of a stored result: usage, upstreams, files
    artifacts: Path | None = None  # the stored artifacts, or a running task's
    log: Path | None = None  # a running task's log
    upstreams: list[str] = field(default_factory=list)
    # stored; earlier (the result of earlier inputs: the task would run again now); running; failed; not run
    state: str = "not run"

    @property
    def stored(self) -> bool:
        return self.record is not None

    def artifact(self, pattern: str) -> Path | None:
        return next(iter(sorted(self.artifacts.glob(pattern))), None) if self.artifacts and self.artifacts.is_dir() else None

    def json(self, pattern: str) -> dict | None:
        path = self.artifact(pattern)
        return json.loads(path.read_text()) if path else None


def collect(run: dict, tasks: list[TaskResult], prices: dict | None = None) -> dict:
    """`prices`: the config's `report` section (price-per-cpu-hour, price-per-gpu-hour)."""
    by_label = {task.label: task for task in tasks}
    rows = usage(tasks, prices or {})
    return {
        "run": run,
        "scores": scores(tasks, by_label),
        "curves": curves(tasks),
        "funnel": funnel(tasks),
        "tasks": rows,
        "stages": stages(rows),
        "samples": samples(tasks),
    }


def model_name(task: TaskResult) -> str:
    name = task.stage.removeprefix("evaluate-")
    return f"{name} {task.attributes['member']}" if "member" in task.attributes else name


def scores(tasks: list[TaskResult], by_label: dict[str, TaskResult]) -> list[dict]:
    rows = []
    for task in tasks:
        if task.stage.startswith("evaluate") and task.stored:
            for path in sorted(task.artifacts.glob("*.metrics.json")):
                metrics = json.loads(path.read_text())
                rows.append({
                    "model": model_name(task), "dataset": task.attributes.get("dataset", metrics["dataset"]),
                    "label": task.label, "lines": metrics["lines"], "bleu": metrics["bleu"], "chrf": metrics["chrf"],
                    "chrfpp": metrics["chrfpp"], "model_bytes": model_bytes(task, by_label),
                    "sentences_per_second": metrics.get("sentences_per_second"),
                })
    return rows


def model_bytes(task: TaskResult, by_label: dict[str, TaskResult]) -> int | None:
    """The size of the model(s) an evaluation decodes: its upstream models' files."""
    sizes = [
        files[name]["size"]
        for label in task.upstreams
        if (upstream := by_label.get(label)) and upstream.stage in MODEL_STAGES and upstream.record
        for files in [upstream.record.get("files", {})]
        for name in MODEL_FILES if name in files
    ]
    return sum(sizes) if sizes else None


def curves(tasks: list[TaskResult]) -> list[dict]:
    result = []
    for task in tasks:
        if not task.stage.startswith(("train-", "finetune-")) or task.stage == "train-vocab":
            continue
        log = task.artifact("train.log") if task.stored else task.log
        if not log or not log.is_file():
            continue
        parsed = marian_log.read(log)
        result.append({
            "model": MODEL_STAGES[task.stage] + (f" {task.attributes['member']}" if "member" in task.attributes else ""),
            "label": task.label, "state": task.state, **parsed,
            "best": {metric: marian_log.best(metric, points) for metric, points in parsed["valid"].items()},
            "stopped_early": marian_log.stopped_early(parsed),
        })
    return result


def step(name: str, lines_in: int, lines_out: int, removed: dict[str, int], samples: dict | None = None) -> dict:
    """One stage of the funnel: lines in, lines out, and what removed the rest."""
    return {"step": name, "in": lines_in, "out": lines_out, "removed": removed, "samples": samples or {}}


def cleaning_step(name: str, report: dict) -> dict:
    return step(name, report["lines_in"], report["lines_out"], report["removed"], report.get("samples"))


def merge_step(name: str, stats: dict) -> dict:
    removed = {key: stats[key] for key in ("duplicates", "excluded", "in_parallel_corpus", "sampled_out") if stats.get(key)}
    return step(name, stats["lines_in"], stats["lines_out"], removed)


def funnel(tasks: list[TaskResult]) -> dict:
    """Per dataset: imported -> each cleaning filter -> duplicates and the rest at merging;
    then the corpus-wide steps: merge-corpus, translate and merge, cefilter; mono data the same."""
    stored = {task.stage: [] for task in tasks}
    for task in tasks:
        if task.stored:
            stored[task.stage].append(task)
    result = {"datasets": [], "corpus": [], "mono": []}
    merge = next((task.json("corpus.stats.json") for task in stored.get("merge-corpus", [])), None)
    for task in stored.get("clean-corpus", []):
        if not (report := task.json("*.cleaning.json")):
            continue  # a result of an older version, without its report
        name = task.artifact("*.cleaning.json").name.removesuffix(".cleaning.json")
        steps = [cleaning_step("clean-corpus", report)]
        if merge and name in merge.get("kept", {}):
            kept = merge["kept"][name]
            steps.append(step("merge-corpus", merge["inputs"][name], kept, {"duplicates or excluded": merge["inputs"][name] - kept}))
        result["datasets"].append({"dataset": task.attributes.get("dataset", name), "steps": steps})
    if merge:
        result["corpus"].append(merge_step("merge-corpus", merge))
    for task in stored.get("merge-translated", []):
        if stats := task.json("corpus.stats.json"):
            result["corpus"].append(merge_step("merge-translated", stats))
    for task in stored.get("cefilter", []):
        if stats := task.json("corpus.stats.json"):
            result["corpus"].append(step("cefilter", stats["lines_in"], stats["lines_out"], {"low score": stats["dropped"]}))
    for task in stored.get("clean-mono", []):
        if report := task.json("*.cleaning.json"):
            name = f"{task.attributes.get('dataset', task.label)} ({task.attributes.get('dataset-category')})"
            result["mono"].append({"dataset": name, "steps": [cleaning_step("clean-mono", report)]})
    for task in stored.get("merge-mono", []):
        if stats := task.json("*.stats.json"):
            result["mono"].append({"dataset": f"all mono-{task.attributes.get('side')}", "steps": [merge_step("merge-mono", stats)]})
    return result


def usage(tasks: list[TaskResult], prices: dict) -> list[dict]:
    rows = []
    for task in tasks:
        record = task.record or {}
        rows.append({
            "label": task.label, "stage": task.stage, "state": task.state,
            "digest": record.get("digest"), "resource": task.attributes.get("resource", "cpu"),
            **{key: record.get(key) for key in ("seconds", "cpu_seconds", "peak_rss_mb", "cores", "gpus")},
            "started": record.get("started") or (record["finished"] - record["seconds"] if "finished" in record else None),
            "cost": cost(record, prices),
        })
    return rows


def cost(record: dict, prices: dict) -> float | None:
    """Reserved core-hours and GPU-hours at the user's prices (None without a price or a time)."""
    cpu, gpu = prices.get("price-per-cpu-hour", 0), prices.get("price-per-gpu-hour", 0)
    if not (cpu or gpu) or record.get("seconds") is None:
        return None
    return round(record["seconds"] / 3600 * ((record.get("cores") or 0) * cpu + (record.get("gpus") or 0) * gpu), 4)


def stages(task_rows: list[dict]) -> list[dict]:
    """The tasks' usage summed per stage (the largest task's peak memory)."""
    rows = {}
    for row in task_rows:
        if row["seconds"] is None:
            continue
        total = rows.setdefault(row["stage"], {"stage": row["stage"], "tasks": 0, "seconds": 0.0, "cpu_hours": None,
                                               "gpu_hours": None, "peak_rss_mb": None, "cost": None})
        total["tasks"] += 1
        total["seconds"] += row["seconds"]
        if row["cpu_seconds"] is not None:  # measured (results stored before usage was recorded have none)
            total["cpu_hours"] = (total["cpu_hours"] or 0) + row["cpu_seconds"] / 3600
            total["gpu_hours"] = (total["gpu_hours"] or 0) + (row["gpus"] or 0) * row["seconds"] / 3600
            total["peak_rss_mb"] = max(total["peak_rss_mb"] or 0, row["peak_rss_mb"])
        if row["cost"] is not None:
            total["cost"] = (total["cost"] or 0) + row["cost"]
    return list(rows.values())


def samples(tasks: list[TaskResult]) -> dict:
    """SAMPLE_SIZE test sentences, evenly spaced through the first test set, with every
    forward model's translation (the backward model translates the other way: left out)."""
    evaluations = [task for task in tasks if task.stage.startswith("evaluate") and task.stage != "evaluate-backwards"
                   and task.stored and task.artifact("*.source.*.zst")]
    if not evaluations:
        return {"dataset": None, "rows": []}
    dataset = min(task.attributes.get("dataset", "") for task in evaluations)
    evaluations = [task for task in evaluations if task.attributes.get("dataset", "") == dataset]
    first = evaluations[0]
    sources = list(read_lines(first.artifact("*.source.*.zst")))
    references = list(read_lines(first.artifact("*.reference.*.zst")))
    picks = sorted({index * len(sources) // SAMPLE_SIZE for index in range(SAMPLE_SIZE)}) if sources else []
    outputs = {}
    for task in evaluations:
        translated = dict(zip(read_lines(task.artifact("*.source.*.zst")), read_lines(task.artifact("*.translated.*.zst"))))
        outputs[model_name(task)] = translated
    return {
        "dataset": dataset,
        "rows": [{"source": sources[i], "reference": references[i],
                  "outputs": {model: translated.get(sources[i]) for model, translated in outputs.items()}} for i in picks],
    }
