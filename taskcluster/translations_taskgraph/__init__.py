"""Taskgraph extensions for the translations training pipeline."""

import os
from importlib import import_module


def register(graph_config):
    """Called by taskgraph before kinds load: import modules that register things, and the
    transforms, and load the kinds in this one process.

    taskgraph 24.5 forks a process per kind on Linux. Our 29 kinds form a chain (each
    waits for the one before) and are cheap, so the forks only add cost: on 2 cores,
    `taskgraph full` took 2.2 s forked and 1.0 s in one process for 303 tasks, 3.0 s and
    1.9 s for 1,650 (docs/benchmarks.md). `TASKGRAPH_SERIAL` is taskgraph's own switch,
    read when the kinds load, after this; set it empty to fork again.
    """
    if "TASKGRAPH_USE_THREADS" not in os.environ:
        os.environ.setdefault("TASKGRAPH_SERIAL", "1")
    for module in ("parameters", "target_tasks", "actions.train", "transforms"):
        import_module(f".{module}", package=__name__)
