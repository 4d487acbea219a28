"""A graph task as the local executor runs it: its command, environment and fetches.

The command is the part of the docker-worker payload after run-task's `--`; the
environment is the payload's, with task references resolved to labels and the
Taskcluster-only variables replaced by local ones (MOZ_FETCHES_DIR, TASK_WORKDIR,
VCS_PATH). GPUS comes from the run's pool (resources.py), WORKSPACE from the local
environment, not from the worker type.
"""

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from translations_taskgraph.local.graph import REPO_ROOT

ARTIFACT_PREFIX = "public/build/"
# Payload variables that only make sense on a Taskcluster worker.
WORKER_ONLY = re.compile(r"^(TASKCLUSTER_.*|HG_STORE_PATH|MOZ_AUTOMATION|GPUS|WORKSPACE|VCS_PATH|MOZ_FETCHES.*)$")


@dataclass
class Fetch:
    upstream: str  # label of the task that produced it
    name: str  # file name under the upstream's artifacts and in MOZ_FETCHES_DIR
    dest: str = ""  # subfolder of MOZ_FETCHES_DIR, if any


@dataclass
class LocalTask:
    label: str
    kind: str
    digest: str
    command: list[str]
    env: dict[str, str]
    dependencies: list[str]
    fetches: list[Fetch] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)


def record(task: LocalTask, tasks: dict[str, LocalTask]) -> dict:
    """What the task's digest is made of, as stored with its result."""
    return {
        "label": task.label,
        "command": task.command,
        "inputs": task.attributes.get("cache-inputs", {}),
        "upstreams": {dep: tasks[dep].digest for dep in task.dependencies},
    }


def _resolve(value, dependencies: dict[str, str]) -> str:
    if isinstance(value, dict) and "task-reference" in value:
        return re.sub(r"<([^>]+)>", lambda m: dependencies[m.group(1)], value["task-reference"])
    return value


def _fetches(env: dict, dependencies: dict[str, str]) -> list[Fetch]:
    if "MOZ_FETCHES" not in env:
        return []
    fetches = []
    for entry in json.loads(_resolve(env["MOZ_FETCHES"], dependencies)):
        if entry.get("extract", True):
            raise NotImplementedError(f"extracting fetched archives locally: {entry['artifact']}")
        name = entry["artifact"].removeprefix(ARTIFACT_PREFIX)
        fetches.append(Fetch(upstream=entry["task"], name=name, dest=entry.get("dest", "")))
    return fetches


def from_graph_task(task) -> LocalTask:
    payload = task.task["payload"]
    command = payload["command"]
    env = payload.get("env", {})
    return LocalTask(
        label=task.label,
        kind=task.kind,
        digest=task.attributes["cached_task"]["digest"],
        command=command[command.index("--") + 1 :],
        env={k: _resolve(v, task.dependencies) for k, v in env.items() if not WORKER_ONLY.match(k)},
        dependencies=sorted(label for name, label in task.dependencies.items() if name != "docker-image"),
        fetches=_fetches(env, task.dependencies),
        attributes=dict(task.attributes),
    )


def environment(task: LocalTask, workdir: Path) -> dict[str, str]:
    """os.environ + the task's env + the local engine's contract variables."""
    env = {**os.environ, **task.env}
    env.update(
        MOZ_FETCHES_DIR=str(workdir / "fetches"),
        TASK_WORKDIR=str(workdir),
        VCS_PATH=str(REPO_ROOT),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


def from_graph(task_graph) -> dict[str, LocalTask]:
    """The graph's pipeline tasks; docker images are the local machine's own environment."""
    return {label: from_graph_task(task) for label, task in task_graph.tasks.items() if task.kind != "docker-image"}
