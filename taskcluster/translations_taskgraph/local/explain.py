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


def differences(old: dict, new: dict) -> list[str]:
    """One line per input that differs between two records of a task."""
    lines = []
    before, now = old.get("inputs", {}), new.get("inputs", {})
    if before.get("command") != now.get("command"):
        lines.append(f"command changed:\n    was: {before.get('command')}\n    now: {now.get('command')}")
    old_env, new_env = before.get("env", {}), now.get("env", {})
    for key in sorted(set(old_env) | set(new_env)):
        if old_env.get(key) != new_env.get(key):
            lines.append(f"env {key} changed: {old_env.get(key)!r} -> {new_env.get(key)!r}")
    old_files, new_files = before.get("files", {}), now.get("files", {})
    for path in sorted(set(old_files) | set(new_files)):
        if path not in old_files:
            lines.append(f"file added: {path}")
        elif path not in new_files:
            lines.append(f"file removed: {path}")
        elif old_files[path] != new_files[path]:
            lines.append(f"file changed: {path}")
    if before.get("docker-image") != now.get("docker-image"):
        lines.append("docker image changed")
    old_up, new_up = old.get("upstreams", {}), new.get("upstreams", {})
    for label in sorted(set(old_up) | set(new_up)):
        if label not in old_up:
            lines.append(f"new upstream task: {label}")
        elif label not in new_up:
            lines.append(f"upstream task no longer used: {label}")
        elif old_up[label] != new_up[label]:
            lines.append(f"upstream task changed: {label} (explain it to see why)")
    return lines
