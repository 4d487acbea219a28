"""The local executor: the same task graph, run as processes on this machine."""
