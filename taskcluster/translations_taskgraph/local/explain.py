"""Why a task is or is not reused: compare what its digest is made of now with a
previous record of the same task, from the local store or from a previous graph
(a decision task's `full-task-graph.json`)."""

import json
from pathlib import Path


def graph_records(full_task_graph: dict) -> dict[str, dict]:
    """Records of every cached task in a `full-task-graph.json` ({label: task})."""
    digests = {
        label: task["attributes"]["cached_task"]["digest"]
        for label, task in full_task_graph.items()
        if "cached_task" in task["attributes"]
    }
    return {
        label: {
            "digest": digests[label],
            "inputs": task["attributes"].get("cache-inputs", {}),
            "upstreams": {dep: digests[dep] for dep in task["dependencies"].values() if dep in digests and not dep.startswith("docker-image")},
        }
        for label, task in full_task_graph.items()
        if label in digests
    }


def load_graph(path: Path) -> dict[str, dict]:
    return graph_records(json.loads(Path(path).read_text()))


def _changed(old: dict, new: dict):
    """(key, old value or None, new value or None) for each key whose value differs."""
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            yield key, old.get(key), new.get(key)


def _verb(before, now) -> str:
    return "added" if before is None else "removed" if now is None else "changed"


def differences(old: dict, new: dict) -> list[str]:
    """One line per input that differs between two records of a task."""
    lines = []
    before, now = old.get("inputs", {}), new.get("inputs", {})
    if before.get("command") != now.get("command"):
        lines.append(f"command changed:\n    was: {before.get('command')}\n    now: {now.get('command')}")
    lines += [f"env {key} changed: {a!r} -> {b!r}" for key, a, b in _changed(before.get("env", {}), now.get("env", {}))]
    lines += [f"file {_verb(a, b)}: {path}" for path, a, b in _changed(before.get("files", {}), now.get("files", {}))]
    if before.get("docker-image") != now.get("docker-image"):
        lines.append("docker image changed")
    for label, a, b in _changed(old.get("upstreams", {}), new.get("upstreams", {})):
        verb = {"added": "new upstream task", "removed": "upstream task no longer used"}.get(_verb(a, b))
        lines.append(f"{verb}: {label}" if verb else f"upstream task changed: {label} (explain it to see why)")
    return lines
