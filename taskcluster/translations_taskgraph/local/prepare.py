"""A task's directory, ready to run its command: `<workdir>/work/<digest>/` with
`fetches/` (hard links to the upstream artifacts), an empty-or-resumed `artifacts/`, and
the environment. Shared by the task runner and `translations shell`. A task's upstreams
are given as {label: digest}, as its digest record has them.

An attempt left running (its runner and command, after a killed run or a lost job) is
stopped (SIGTERM, so Marian saves) before the directory is used again.

Fetches are hard links to stored files, made read-only by the store; as root, modes do
not stop a write, so `input_stamps` / `modified_inputs` let the runner notice a step
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


def prepare(store: Store, task: LocalTask, upstreams: dict[str, str]) -> tuple[Path, dict[str, str]]:
    work = store.work_dir(task.digest)
    stop_leftover(work)
    (work / "artifacts").mkdir(parents=True, exist_ok=True)
    link_fetches(store, task, upstreams, work / "fetches")
    return work, environment(task, work)


def stop_leftover(work: Path) -> None:
    """Stop what an earlier attempt left running in this directory: its runner (its
    process group's id in `runner.pid`; it passes SIGTERM on and waits for its command),
    then its command's group (`pgid`)."""
    for name in ("runner.pid", "pgid"):
        pid_file = work / name
        if pid_file.exists() and int(pid_file.read_text()) not in (os.getpid(), os.getpgrp()):
            stop_groups([int(pid_file.read_text())])


def stop_groups(pgids: list[int], reap=lambda pgid: None, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to each process group, then wait for all their processes (not only the
    leader: Marian, under a step, saves its checkpoint after the step is gone) for up to
    `grace` seconds; SIGKILL what is left. `reap(pgid)` collects a leader that is our child."""
    pgids = [pgid for pgid in pgids if _signal(pgid, signal.SIGTERM)]
    deadline = time.monotonic() + grace
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


def link_fetches(store: Store, task: LocalTask, upstreams: dict[str, str], fetches_dir: Path) -> None:
    shutil.rmtree(fetches_dir, ignore_errors=True)
    fetches_dir.mkdir(parents=True)
    for upstream in sorted({fetch.upstream for fetch in task.fetches}):
        problem = store.damage(upstreams[upstream])
        if problem:
            raise UserError(f"{task.label} fetches from {upstream}, whose stored result is damaged ({problem}); run again to redo it")
    for fetch in task.fetches:
        source = store.artifacts(upstreams[fetch.upstream]) / fetch.name
        if not source.exists():
            raise UserError(f"{task.label} fetches {fetch.name} but {fetch.upstream} did not produce it ({source})")
        target = fetches_dir / fetch.dest / fetch.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def _sources(store: Store, task: LocalTask, upstreams: dict[str, str]) -> dict[str, Path]:
    """The stored file behind each fetch, by `<upstream label>/<name>`."""
    return {f"{fetch.upstream}/{fetch.name}": store.artifacts(upstreams[fetch.upstream]) / fetch.name for fetch in task.fetches}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


def input_stamps(store: Store, task: LocalTask, upstreams: dict[str, str]) -> dict[str, tuple[int, int] | None]:
    """(size, mtime_ns) of each stored file the task fetches: cheap, and any write changes it."""
    return {key: _stamp(path) for key, path in _sources(store, task, upstreams).items()}


def modified_inputs(store: Store, task: LocalTask, upstreams: dict[str, str], stamps: dict) -> list[str]:
    """The fetches (`<upstream label>/<name>`) whose stored file changed since `stamps`."""
    return [key for key, path in _sources(store, task, upstreams).items() if _stamp(path) != stamps[key]]
