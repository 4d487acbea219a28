"""Run a target task graph on this machine, reusing stored results by digest.

Ready tasks (all upstream results stored) start as processes, at most `jobs` at a time,
earlier stages first. Each gets its own directory (`prepare`) and writes to
`artifacts/`; on exit 0 the result enters the store. A failure stops new starts, lets
running tasks finish and reports the task, its exit code and its log. Ctrl-C sends
SIGTERM to running tasks (Marian saves a checkpoint).
"""

import fcntl
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.errors import UserError
from translations_taskgraph.config import STAGES
from translations_taskgraph.local.prepare import GRACE_SECONDS, prepare
from translations_taskgraph.local.progress import Progress
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import LocalTask, record


@dataclass
class Running:
    task: LocalTask
    process: subprocess.Popen
    started: float


@dataclass
class Outcome:
    executed: list[str]
    reused: list[str]
    failed: list[tuple[str, int, Path]]
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


class Executor:
    def __init__(self, tasks: dict[str, LocalTask], workdir: Path, experiment: str, jobs: int = 1, rerun: set[str] = frozenset()):
        """`rerun`: labels to run again even when their result is stored."""
        self.tasks, self.jobs, self.experiment, self.rerun = tasks, max(1, jobs), experiment, rerun
        self.store = Store(workdir)

    def run(self) -> Outcome:
        with open(self.store.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(f"{self.store.root} is in use by another `translations run`; wait for it or use --workdir") from None
            return self._run()

    def _run(self) -> Outcome:
        done = {label for label, task in self.tasks.items() if self.store.has(task.digest) and label not in self.rerun}
        outcome = Outcome(executed=[], reused=sorted(done), failed=[])
        for label in done:
            self.store.link(self.experiment, label, self.tasks[label].digest)
        # Earlier stages first: a dataset that cannot be fetched fails before hours of training.
        stage_order = lambda label: (STAGES.index(self.tasks[label].attributes["stage"]), label)  # noqa: E731
        pending = sorted((label for label in self.tasks if label not in done), key=stage_order)
        running: dict[str, Running] = {}
        progress = Progress(total=len(self.tasks), reused=len(done))
        try:
            while (pending and not outcome.failed) or running:
                if not outcome.failed:
                    self._start_ready(pending, done, running, progress)
                self._collect_finished(running, done, outcome, progress)
                progress.show()
                time.sleep(0.2)
        except KeyboardInterrupt:
            outcome.interrupted = True
            self._stop_all(running)
        progress.close()
        return outcome

    def _start_ready(self, pending: list[str], done: set[str], running: dict, progress: Progress) -> None:
        for label in [label for label in pending if all(dep in done for dep in self.tasks[label].dependencies)]:
            if len(running) >= self.jobs:
                return
            pending.remove(label)
            running[label] = self._start(self.tasks[label])
            progress.started(label, self._log(label))

    def _collect_finished(self, running: dict, done: set[str], outcome: Outcome, progress: Progress) -> None:
        for label, job in list(running.items()):
            code = job.process.poll()
            if code is None:
                continue
            del running[label]
            if code == 0:
                self.store.commit(job.task.digest, record(job.task, self.tasks), time.monotonic() - job.started)
                self.store.link(self.experiment, label, job.task.digest)
                done.add(label)
                outcome.executed.append(label)
            else:
                outcome.failed.append((label, code, self._log(label)))
            progress.finished(label, ok=code == 0)

    def _log(self, label: str) -> Path:
        return self.store.work_dir(self.tasks[label].digest) / "log.txt"

    def _start(self, task: LocalTask) -> Running:
        work, env = prepare(self.store, task, self.tasks)
        (work / "task.json").write_text(json.dumps({"label": task.label, "command": task.command}, indent=2))
        with open(work / "log.txt", "ab") as log:
            log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {task.label}\n".encode())
            log.flush()
            process = subprocess.Popen(
                task.command,
                cwd=env["VCS_PATH"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (work / "pgid").write_text(str(process.pid))
        return Running(task, process, time.monotonic())

    def _stop_all(self, running: dict[str, Running]) -> None:
        for job in running.values():
            try:
                os.killpg(job.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + GRACE_SECONDS
        for job in running.values():
            try:
                job.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(job.process.pid, signal.SIGKILL)
