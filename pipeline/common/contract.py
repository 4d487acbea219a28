"""What the graph side (config, transforms, the Train action) and the steps both rely on:
environment names, exit codes and how Marian options become arguments.

The graph side runs with only taskcluster/requirements.txt installed, so this module (like
errors.py and datasets.py) imports nothing but the standard library.
"""

import os

# The dataset mirror (`https://host/path` is fetched as `<mirror>/host/path`) and the
# dataset cache directory, read by the import steps; the mirror comes from the config's
# taskcluster.data-mirror.
MIRROR_ENV = "TRANSLATIONS_DATA_MIRROR"
CACHE_ENV = "TRANSLATIONS_DATA_CACHE"

# Marian exits 143 after `--sigterm save-and-exit` saved a resumable checkpoint.
EXIT_INTERRUPTED = 143
# A task given GPUS on a machine without them exits with this (EX_TEMPFAIL); GPU worker
# types retry it, on another machine.
EXIT_NO_GPU = 75


def usable_cpus() -> int:
    """The CPUs this task may use: its affinity, which the engine sets (the local executor
    to the task's share of the cores, Slurm to the job's cpuset); os.cpu_count() would
    count the whole machine and oversubscribe it."""
    return len(os.sched_getaffinity(0))


def options_to_args(options: dict) -> list[str]:
    """{"after-batches": 500, "valid-metrics": ["chrf", "bleu"], "sync-sgd": True} -> CLI args.

    False or None drops the option, so a user can switch off a default flag.
    """
    args: list[str] = []
    for key, value in options.items():
        if value is False or value is None:
            continue
        args.append(f"--{key}")
        if value is True:
            continue
        args.extend(str(v) for v in value) if isinstance(value, list) else args.append(str(value))
    return args
