"""A task's directory, ready to run its command: `<workdir>/work/<digest>/` with
`fetches/` (hard links to the upstream artifacts), an empty-or-resumed `artifacts/`, and
the environment. Shared by the executor and `translations shell`.

A run killed with SIGKILL leaves its task processes running; they are stopped (SIGTERM,
so Marian saves) before the directory is used again.
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
    if not pid_file.exists():
        return
    pgid = int(pid_file.read_text())
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(GRACE_SECONDS * 10):
        time.sleep(0.1)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
    os.killpg(pgid, signal.SIGKILL)


def link_fetches(store: Store, task: LocalTask, tasks: dict[str, LocalTask], fetches_dir: Path) -> None:
    shutil.rmtree(fetches_dir, ignore_errors=True)
    fetches_dir.mkdir(parents=True)
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
