"""The report as one static HTML page (inline CSS and SVG, no script, nothing fetched)
rendered from `collect.collect`'s results."""

import json
from html import escape

from pipeline.report import svg

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
.chart text{font:11px system-ui,sans-serif;fill:#333}.chart .title{font-size:13px;font-weight:600}.chart .small{font-size:10px}
.chart .grid{stroke:#eee}.charts{display:flex;flex-wrap:wrap;gap:8px}pre{background:#f7f7f7;padding:8px;overflow:auto}
nav a{margin-right:12px}svg.timeline{max-width:100%;height:auto}.muted{color:#777}details{margin:4px 0}
"""
SECTIONS = (("scores", "Scores"), ("curves", "Training curves"), ("funnel", "Data funnel"),
            ("time", "Time and cost"), ("samples", "Sample translations"), ("run", "Config and revision"))


def number(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def table(header: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{escape(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{cell}</td>' for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def scores_section(results: dict) -> str:
    rows = [[escape(r["model"]), escape(r["dataset"]), number(r["lines"]), number(r["bleu"]), number(r["chrf"]),
             number(r["chrfpp"]), number(r["model_bytes"] and r["model_bytes"] / 2**20, 1), number(r["sentences_per_second"], 1)]
            for r in results["scores"]]
    if not rows:
        return "<p class=muted>No model has been evaluated yet.</p>"
    return table(["model", "test set", "lines", "BLEU", "chrF", "chrF++", "model MiB", "sentences/s"], rows, {2, 3, 4, 5, 6, 7})


def curves_section(results: dict) -> str:
    parts = []
    for curve in results["curves"]:
        cost = [{"name": "training cost", "points": [
            (p["update"], p["cost"], f"update {p['update']}, {p['seconds'] / 60:.1f} min: cost {p['cost']:.3f}, "
             f"{p['words_per_second']:,.0f} words/s") for p in curve["train"]]}]
        charts = [svg.line_chart(f"{curve['model']}: training cost", cost, "updates", "cost")]
        for metric, points in curve["valid"].items():
            best = curve["best"][metric]
            series = [{"name": metric, "points": [
                (p["update"], p["value"], f"update {p['update']}, {p['seconds'] / 60:.1f} min: {metric} {p['value']:g}"
                 + (f", stalled {p['stalled']}x" if p["stalled"] else "")) for p in points],
                "marks": [(best["update"], best["value"], f"best: {metric} {best['value']:g} at update {best['update']}")] if best else []}]
            charts.append(svg.line_chart(f"{curve['model']}: validation {metric}", series, "updates", metric))
        last = curve["train"][-1] if curve["train"] else None
        planned = f" of {curve['after_batches']:,}" if curve["after_batches"] else ""
        status = (f"{last['update']:,}{planned} updates in {last['seconds'] / 60:.1f} min" if last else "no update logged yet")
        if curve["stopped_early"]:
            status += f"; stopped early (no better validation {curve['early_stopping']} times in a row)"
        if curve["state"] == "running":
            status += "; still training"
        parts.append(f"<h3>{escape(curve['model'])} <span class=muted>({escape(curve['label'])}: {escape(status)})</span></h3>"
                     f"<div class=charts>{''.join(charts)}</div>")
    return "".join(parts) or "<p class=muted>No model has started training yet.</p>"


def _removed(step: dict) -> str:
    cells = []
    for reason, count in step["removed"].items():
        if not count:
            continue
        sample = step["samples"].get(reason) or []
        text = f"{escape(reason)} {count:,}"
        if sample:
            lines = "".join(f"<li>{escape(' ⇥ '.join(pair) if isinstance(pair, list) else str(pair))}</li>" for pair in sample[:5])
            text = f"<details><summary>{text}</summary><ul>{lines}</ul></details>"
        cells.append(text)
    return "<br>".join(cells) or "–"


def funnel_section(results: dict) -> str:
    funnel = results["funnel"]
    rows = [[escape(d["dataset"]), escape(s["step"]), number(s["in"]), _removed(s), number(s["out"])]
            for d in funnel["datasets"] for s in d["steps"]]
    parts = ["<h3>Parallel datasets</h3>", table(["dataset", "step", "lines in", "removed", "lines out"], rows, {2, 4})]
    corpus = [[escape(s["step"]), number(s["in"]), _removed(s), number(s["out"])] for s in funnel["corpus"]]
    parts += ["<h3>Corpus: merged, translated by the teacher, filtered for the student</h3>",
              table(["step", "lines in", "removed", "lines out"], corpus, {1, 3})]
    if funnel["mono"]:
        mono = [[escape(d["dataset"]), escape(s["step"]), number(s["in"]), _removed(s), number(s["out"])]
                for d in funnel["mono"] for s in d["steps"]]
        parts += ["<h3>Monolingual data</h3>", table(["dataset", "step", "lines in", "removed", "lines out"], mono, {2, 4})]
    return "".join(parts)


def time_section(results: dict) -> str:
    stages = results["stages"]
    rows = [[escape(s["stage"]), number(s["tasks"]), number(s["seconds"] / 60, 1), number(s["cpu_hours"], 3),
             number(s["gpu_hours"], 3), number(s["peak_rss_mb"], 0), number(s["cost"])] for s in stages]
    total = sum(s["seconds"] for s in stages)
    cpu, gpu = (sum(s[key] or 0 for s in stages) for key in ("cpu_hours", "gpu_hours"))
    parts = [f"<p>{len([t for t in results['tasks'] if t['seconds'] is not None])} tasks ran for {total / 60:.1f} task-minutes "
             f"({cpu:.2f} CPU-hours, {gpu:.2f} GPU-hours).</p>",
             table(["stage", "tasks", "minutes", "CPU-hours", "GPU-hours", "peak MiB", "cost"], rows, {1, 2, 3, 4, 5, 6})]
    timed = sorted((t for t in results["tasks"] if t["started"] is not None and t["seconds"] is not None), key=lambda t: t["started"])
    if timed:
        start = timed[0]["started"]
        colors = {stage["stage"]: svg.COLORS[i % len(svg.COLORS)] for i, stage in enumerate(stages)}
        bars = [{"label": t["label"], "start": t["started"] - start, "end": t["started"] - start + t["seconds"], "group": t["stage"],
                 "text": f"{t['label']}: {t['seconds']:.1f} s, {t['cpu_seconds'] or 0:.0f} CPU-s, {t['peak_rss_mb'] or 0:.0f} MiB"}
                for t in timed]
        parts += ["<h3>Timeline</h3>", svg.timeline(bars, colors)]
    tasks = [[escape(t["label"]), escape(t["state"]), number(t["seconds"], 1), number(t["cpu_seconds"], 1),
              number(t["peak_rss_mb"], 0), number(t["cores"]), number(t["gpus"]), f"<code>{escape((t['digest'] or '–')[:16])}</code>"]
             for t in results["tasks"]]
    parts.append("<details><summary>Every task</summary>" + table(
        ["task", "state", "seconds", "CPU-s", "peak MiB", "cores", "GPUs", "digest"], tasks, {2, 3, 4, 5, 6}) + "</details>")
    return "".join(parts)


def samples_section(results: dict) -> str:
    samples = results["samples"]
    if not samples["rows"]:
        return "<p class=muted>No test set has been translated yet.</p>"
    models = list(samples["rows"][0]["outputs"])
    rows = [[escape(r["source"]), escape(r["reference"]), *(escape(r["outputs"][m] or "–") for m in models)] for r in samples["rows"]]
    return f"<p>{len(rows)} sentences of {escape(samples['dataset'])}.</p>" + table(["source", "reference", *models], rows)


def run_section(results: dict) -> str:
    run = results["run"]
    return (f"<p>Code revision <code>{escape(run['revision'])}</code>; report written {escape(run['generated'])}.</p>"
            f"<details><summary>The config, with its defaults filled in</summary><pre>{escape(json.dumps(run['config'], indent=2))}"
            "</pre></details>")


def render(results: dict) -> str:
    run = results["run"]
    body = "".join(
        f'<section id="{key}"><h2>{title}</h2>{builder(results)}</section>'
        for (key, title), builder in zip(SECTIONS, (scores_section, curves_section, funnel_section, time_section,
                                                    samples_section, run_section))
    )
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title in SECTIONS)
    title = f"{run['experiment']} {run['src']}→{run['trg']}"
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title><style>{CSS}</style></head>"
            f"<body><h1>{escape(title)}</h1><nav>{nav}</nav>{body}</body></html>\n")
