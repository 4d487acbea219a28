"""Reruns: which tasks to run again, and which completed tasks earlier runs left to reuse.

Used by the Train action (`start-task-prefix`, `previous-group-ids`) and by local runs
(`--start-from`).
"""

from taskgraph.util import taskcluster as tc

from pipeline.common.errors import UserError


def rerun_set(dependencies: dict[str, list[str]], prefix: str) -> set[str]:
    """Tasks whose label starts with `prefix`, and every task downstream of them."""
    selected = {label for label in dependencies if label.startswith(prefix)}
    if not selected:
        raise UserError(f"no task label starts with {prefix!r}; `translations graph CONFIG` lists the labels")
    dependents: dict[str, set[str]] = {}
    for label, deps in dependencies.items():
        for dep in deps:
            dependents.setdefault(dep, set()).add(label)
    pending = list(selected)
    while pending:
        for child in dependents.get(pending.pop(), ()):
            if child not in selected:
                selected.add(child)
                pending.append(child)
    return selected


def completed_tasks(group_ids: list[str]) -> dict[str, str]:
    """label -> taskId of the completed tasks of earlier task groups (later groups win),
    plus their ancestors from other groups (tasks those runs themselves reused)."""
    found: dict[str, str] = {}
    for group_id in group_ids:
        queue = tc.get_taskcluster_client("queue")
        completed: dict[str, str] = {}

        def collect(response):
            for entry in response["tasks"]:
                if entry["status"]["state"] == "completed":
                    completed[entry["task"]["metadata"]["name"]] = entry["status"]["taskId"]

        queue.listTaskGroup(group_id, paginationHandler=collect)
        ancestors = tc.get_ancestors(list(completed.values())) if completed else {}
        found.update({label: task_id for task_id, label in ancestors.items()})
        found.update(completed)
    return found
