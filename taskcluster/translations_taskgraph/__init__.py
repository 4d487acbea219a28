"""Taskgraph extensions for the translations training pipeline."""

import os
from importlib import import_module


def register(graph_config):
    """Called by taskgraph before kinds load: import modules that register things, and the
    transforms, and load the kinds in this one process.

    taskgraph 24.5 forks a process per kind on Linux. Our 29 kinds form a chain (each waits
    for the ones before it), so forking saves little and costs more: `taskgraph full` on the
    reference's production config (303 tasks, 2 cores) used 2.2 s of CPU forked and 0.9 s
    in one process (docs/architecture.md). `TASKGRAPH_SERIAL` is taskgraph's own switch,
    read when the kinds load, after this; set it empty to fork again.
    """
    if "TASKGRAPH_USE_THREADS" not in os.environ:
        os.environ.setdefault("TASKGRAPH_SERIAL", "1")
    for module in ("parameters", "target_tasks", "actions.train", "transforms"):
        import_module(f".{module}", package=__name__)
