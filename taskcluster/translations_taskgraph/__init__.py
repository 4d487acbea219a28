"""Taskgraph extensions for the translations training pipeline."""

from importlib import import_module


def register(graph_config):
    """Called by taskgraph before kinds load: import modules that register things, and the
    transforms, so that the process forked for each kind inherits them instead of importing
    them again."""
    for module in ("parameters", "target_tasks", "actions.train", "transforms"):
        import_module(f".{module}", package=__name__)
