"""Taskgraph extensions for the translations training pipeline."""

from importlib import import_module


def register(graph_config):
    """Called by taskgraph before kinds load: import modules that register things."""
    for module in ("parameters", "target_tasks", "actions.train"):
        import_module(f".{module}", package=__name__)
