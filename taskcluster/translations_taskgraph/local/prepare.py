"""A task's directory, ready to run its command: `<workdir>/work/<digest>/` with
`fetches/` (hard links to the upstream artifacts), an empty-or-resumed `artifacts/`, and
the environment. Shared by the executor and `translations shell`.

A run killed with SIGKILL leaves its task processes running; they are stopped (SIGTERM,
so Marian saves) before the directory is used again.

Fetches are hard links to stored files, made read-only by the store; as root, modes do
not stop a write, so `input_stamps` / `modified_inputs` let the executor notice a step
that wrote to its input (the stored result it came from is then damaged).
"""

import os
import shutil
import signal
import time
from pathlib import Path

from pipeline.common.errors import UserError
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import LocalTask, environment

GRACE_SECONDS = 30


def prepare(store: Store, task: LocalTask, tasks: dict[str, LocalTask]) -> tuple[Path, dict[str, str]]:
    work = store.work_dir(task.digest)
    stop_leftover(work)
    (work / "artifacts").mkdir(parents=True, exist_ok=True)
    link_fetches(store, task, tasks, work / "fetches")
    return work, environment(task, work)


def stop_leftover(work: Path) -> None:
    pid_file = work / "pgid"
    if pid_file.exists():
        stop_groups([int(pid_file.read_text())])


def stop_groups(pgids: list[int], reap=lambda pgid: None) -> None:
    """SIGTERM to each process group, then wait for all their processes (not only the
    leader: Marian, under a step, saves its checkpoint after the step is gone) for up to
    GRACE_SECONDS; SIGKILL what is left. `reap(pgid)` collects a leader that is our child."""
    pgids = [pgid for pgid in pgids if _signal(pgid, signal.SIGTERM)]
    deadline = time.monotonic() + GRACE_SECONDS
    while pgids and time.monotonic() < deadline:
        time.sleep(0.1)
        for pgid in pgids:
            reap(pgid)
        pgids = [pgid for pgid in pgids if _signal(pgid, 0)]
    for pgid in pgids:
        _signal(pgid, signal.SIGKILL)


def _signal(pgid: int, signum: int) -> bool:
    """Send `signum` to a process group; False if it has no process left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def link_fetches(store: Store, task: LocalTask, tasks: dict[str, LocalTask], fetches_dir: Path) -> None:
    shutil.rmtree(fetches_dir, ignore_errors=True)
    fetches_dir.mkdir(parents=True)
    for upstream in sorted({fetch.upstream for fetch in task.fetches}):
        problem = store.damage(tasks[upstream].digest)
        if problem:
            raise UserError(f"{task.label} fetches from {upstream}, whose stored result is damaged ({problem}); run again to redo it")
    for fetch in task.fetches:
        source = store.artifacts(tasks[fetch.upstream].digest) / fetch.name
        if not source.exists():
            raise UserError(f"{task.label} fetches {fetch.name} but {fetch.upstream} did not produce it ({source})")
        target = fetches_dir / fetch.dest / fetch.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def _sources(store: Store, task: LocalTask, tasks: dict[str, LocalTask]) -> dict[str, Path]:
    """The stored file behind each fetch, by `<upstream label>/<name>`."""
    return {f"{fetch.upstream}/{fetch.name}": store.artifacts(tasks[fetch.upstream].digest) / fetch.name for fetch in task.fetches}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


def input_stamps(store: Store, task: LocalTask, tasks: dict[str, LocalTask]) -> dict[str, tuple[int, int] | None]:
    """(size, mtime_ns) of each stored file the task fetches: cheap, and any write changes it."""
    return {key: _stamp(path) for key, path in _sources(store, task, tasks).items()}


def modified_inputs(store: Store, task: LocalTask, tasks: dict[str, LocalTask], stamps: dict) -> list[str]:
    """The fetches (`<upstream label>/<name>`) whose stored file changed since `stamps`."""
    return [key for key, path in _sources(store, task, tasks).items() if _stamp(path) != stamps[key]]
