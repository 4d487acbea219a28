"""Optimization strategies for offline dry runs (tests, `taskgraph optimized|morphed`).

    TASKGRAPH_OPTIMIZE_STRATEGIES=translations_taskgraph.optimize:OFFLINE

replaces the index lookup of cached tasks, which needs a Taskcluster deployment, with
"never replace": every task stays in the graph.
"""

from taskgraph.optimize.base import OptimizationStrategy

OFFLINE = {"index-search": OptimizationStrategy()}
