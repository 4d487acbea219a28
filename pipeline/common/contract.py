"""What the graph side (config, transforms, the Train action) and the steps both rely on:
environment names, exit codes and how Marian options become arguments.

The graph side runs with only taskcluster/requirements.txt installed, so this module (like
errors.py and datasets.py) imports nothing but the standard library.
"""

import hashlib
import os
from pathlib import Path

# The dataset mirror (`https://host/path` is fetched as `<mirror>/host/path`) and the
# dataset cache directory, read by the import steps; the mirror comes from the config's
# taskcluster.data-mirror.
MIRROR_ENV = "TRANSLATIONS_DATA_MIRROR"
CACHE_ENV = "TRANSLATIONS_DATA_CACHE"
# {artifact name: location} of a continuation task's files (docs/continuation.md); only
# their identities, in the command, are digested, so a file that moves is still reused.
CONTINUATION_ENV = "TRANSLATIONS_CONTINUATION"
# The config's `tracking` for training and evaluation tasks (pipeline/report/tracking.py),
# not digested: publishing somewhere else must not rerun a task.
TRACKING_ENV = "TRANSLATIONS_TRACKING"
# Beside a Marian model: what resuming its training needs (a continuation's `continue` mode).
CHECKPOINT_SUFFIXES = (".optimizer.npz", ".progress.yml", ".yml")

# Marian exits 143 after `--sigterm save-and-exit` saved a resumable checkpoint.
EXIT_INTERRUPTED = 143
# A task given GPUS on a machine without them exits with this (EX_TEMPFAIL); GPU worker
# types retry it, on another machine.
EXIT_NO_GPU = 75


def tree_sha256(path: Path) -> str:
    """A file's sha256; a folder's (an unpacked model): of its files' relative names and
    sha256s. A continuation location's identity, computed by the graph, checked by the step."""
    if not path.is_dir():
        return file_sha256(path)
    lines = [f"{file.relative_to(path)}\0{file_sha256(file)}\n" for file in sorted(path.rglob("*")) if file.is_file()]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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
