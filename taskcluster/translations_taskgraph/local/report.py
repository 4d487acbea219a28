"""The end-of-run table of evaluation scores, read from the evaluate tasks' results, in
pipeline order: backward, teachers, ensemble, student, fine-tuned student, int8 student."""

import json

from translations_taskgraph.config import STAGES
from translations_taskgraph.local.store import Store


def scores(tasks, store: Store) -> list[dict]:
    rows = []
    for task in tasks.values():
        if not task.attributes.get("stage", "").startswith("evaluate") or not store.has(task.digest):
            continue
        for path in sorted(store.artifacts(task.digest).glob("*.metrics.json")):
            metrics = json.loads(path.read_text())
            model = task.attributes["stage"].removeprefix("evaluate-")
            if "member" in task.attributes:
                model += f" {task.attributes['member']}"
            order = (STAGES.index(task.attributes["stage"]), task.attributes.get("member", 0), path.name)
            rows.append((order, {**metrics, "model": model, "dataset": task.attributes.get("dataset", metrics["dataset"])}))
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


def table(rows: list[dict]) -> str:
    header = ("model", "test set", "lines", "BLEU", "chrF", "chrF++")
    body = [
        (r["model"], r["dataset"], str(r["lines"]), f"{r['bleu']:.2f}", f"{r['chrf']:.2f}", f"{r['chrfpp']:.2f}")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, body)])
