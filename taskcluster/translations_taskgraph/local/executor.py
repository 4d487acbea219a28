"""Run a target task graph on this machine, reusing stored results by digest.

A stored result is reused when it is intact: the sizes of every reused result's files
match its record, and the hashes of those this run fetches (checked once per run). A
damaged result is set aside and its task runs again.

Ready tasks (all upstream results stored) start, earlier stages first, as long as the
pool has what they need (`resources.py`: at most `jobs` at a time, each on its own cores;
a GPU task on its own GPUs), each as the task runner (`runner.py`, the same one a Slurm job runs): it
prepares the task's directory, runs the command and commits the result. A failure
stops new starts, lets running tasks finish and reports the task, why it failed and its
log. When tasks have ended, `on_change` (the run's report) is called, at most every
REPORT_SECONDS (the command writes the report once more at the end). Ctrl-C, SIGTERM and
SIGHUP send SIGTERM to the running runners, which pass it on (Marian saves a checkpoint),
and end the run.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from translations_taskgraph.config import STAGES
from translations_taskgraph.local.prepare import stop_groups
from translations_taskgraph.local.progress import Progress
from translations_taskgraph.local.resources import Grant, Pool
from translations_taskgraph.local.runner import STOP_SECONDS, failure, write_job
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import LocalTask, record

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REPORT_SECONDS = 30.0


def reusable(store: Store, tasks: dict[str, LocalTask], rerun=frozenset(), stopped=lambda: False) -> set[str]:
    """Labels whose stored result is intact: every file's size for all of them, and the
    hashes of those a task still to run fetches. Damaged ones are set aside to run again."""
    def intact(label: str, hashes: bool) -> bool:
        problem = store.damage(tasks[label].digest, hashes)
        if problem:
            aside = store.set_aside(tasks[label].digest)
            print(f"{label}: stored result damaged ({problem}); running it again (the damaged one is in {aside})", file=sys.stderr)
        return not problem

    done = {label for label, task in tasks.items() if label not in rerun and store.has(task.digest) and intact(label, False)}
    while not stopped():
        fetched = {dep for label in tasks.keys() - done for dep in tasks[label].dependencies if dep in done}
        unchecked = {label for label in fetched if tasks[label].digest not in store.hashed}
        if not unchecked:
            break
        done -= {label for label in unchecked if not intact(label, True)}
    return done


def stage_order(tasks: dict[str, LocalTask]):
    """Sort key: earlier stages first (a dataset that cannot be fetched fails before hours of training)."""
    return lambda label: (STAGES.index(tasks[label].attributes["stage"]), label)


@dataclass
class Running:
    task: LocalTask
    process: subprocess.Popen  # the task runner
    grant: Grant


@dataclass
class Outcome:
    executed: list[str]
    reused: list[str]
    failed: list[tuple[str, str, Path]]  # label, why (e.g. "exited 2"), log
    interrupted: signal.Signals | None = None  # the signal that stopped the run

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


class Executor:
    def __init__(self, tasks: dict[str, LocalTask], workdir: Path, experiment: str, jobs: int = 1,
                 rerun: set[str] = frozenset(), gpus: str = "", gpus_per_task: int | None = None):
        """`rerun`: labels to run again even when their result is stored; `gpus`, `gpus_per_task`:
        the GPU pool (as `GPUS` says it) and what one GPU task takes of it (default: all)."""
        self.tasks, self.experiment, self.rerun = tasks, experiment, rerun
        self.pool = Pool(jobs, gpus, gpus_per_task, visible=os.environ.get("CUDA_VISIBLE_DEVICES"))
        self.store = Store(workdir)
        self.on_change = lambda: None
        self.changed, self.reported_at = False, -REPORT_SECONDS

    def _refresh(self, progress: Progress) -> None:
        """Refresh what reads the store (the report) after tasks ended; its failure never stops the run."""
        if not self.changed or time.monotonic() - self.reported_at < REPORT_SECONDS:
            return
        self.changed, self.reported_at = False, time.monotonic()
        try:
            self.on_change()
        except Exception as error:  # noqa: BLE001 - a report bug must not cost hours of training
            progress.say(f"warning: the report could not be written: {type(error).__name__}: {error}")

    def run(self) -> Outcome:
        """Run the graph; Ctrl-C, SIGTERM and SIGHUP only set `stop` (handled between steps)."""
        self.stop: signal.Signals | None = None
        previous = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        try:
            with self.store.locked():
                return self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum, frame) -> None:
        self.stop = self.stop or signal.Signals(signum)

    def _run(self) -> Outcome:
        done = reusable(self.store, self.tasks, self.rerun, stopped=lambda: self.stop is not None)
        outcome = Outcome(executed=[], reused=sorted(done), failed=[])
        for label in done:
            self.store.link(self.experiment, label, self.tasks[label].digest)
        pending = sorted((label for label in self.tasks if label not in done), key=stage_order(self.tasks))
        running: dict[str, Running] = {}
        progress = Progress(total=len(self.tasks), reused=len(done))
        while ((pending and not outcome.failed) or running) and not self.stop:
            if not outcome.failed:
                self._start_ready(pending, done, running, outcome, progress)
            self._collect_finished(running, done, outcome, progress)
            self._refresh(progress)
            progress.show()
            time.sleep(0.2)
        if self.stop:
            outcome.interrupted = self.stop
            if running:
                progress.say(f"{self.stop.name} received: stopping {len(running)} running task(s) (SIGTERM: Marian saves a checkpoint)")
            self._stop_all(running)
            for label in running:
                progress.stopped(label)
        progress.close()
        return outcome

    def _start_ready(self, pending: list[str], done: set[str], running: dict, outcome: Outcome, progress: Progress) -> None:
        for label in [label for label in pending if all(dep in done for dep in self.tasks[label].dependencies)]:
            if outcome.failed:
                return
            grant = self.pool.take(self.tasks[label].attributes.get("resource", "cpu"))
            if grant is None:
                continue  # a later task may need less (a CPU task while the GPUs are taken)
            pending.remove(label)
            running[label] = self._start(self.tasks[label], grant)
            progress.started(label, self._log(label))

    def _collect_finished(self, running: dict, done: set[str], outcome: Outcome, progress: Progress) -> None:
        for label, job in list(running.items()):
            code = job.process.poll()
            if code is None:
                continue
            del running[label]
            self.pool.give_back(job.grant)
            ok = code == 0 and self.store.has(job.task.digest)
            if ok:
                self.store.link(self.experiment, label, job.task.digest)
                done.add(label)
                outcome.executed.append(label)
            else:
                reason = (failure(self.store.work_dir(job.task.digest)) or {}).get("reason", f"exited {code}")
                outcome.failed.append((label, reason, self._log(label)))
            progress.finished(label, ok=ok)
            self.changed = True

    def _log(self, label: str) -> Path:
        return self.store.work_dir(self.tasks[label].digest) / "log.txt"

    def _start(self, task: LocalTask, grant: Grant) -> Running:
        """The task runner, in its own process group (it passes signals on to the task)."""
        job = write_job(self.store, task, record(task, self.tasks), grant)
        with open(job.parent / "log.txt", "ab") as log:  # the runner's own complaints, if any
            process = subprocess.Popen(
                [sys.executable, "-m", "translations_taskgraph.local.runner", str(job)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        return Running(task, process, grant)

    def _stop_all(self, running: dict[str, Running]) -> None:
        processes = {job.process.pid: job.process for job in running.values()}
        stop_groups(list(processes), reap=lambda pgid: processes[pgid].poll(), grace=STOP_SECONDS)
