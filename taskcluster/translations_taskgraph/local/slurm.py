"""The Slurm engine: every task that is not stored becomes one batch job that runs the
task runner (`runner.py`, as the local executor does), with `afterok` dependencies on
its upstream jobs. Submitting returns; nothing has to stay running on the login node.

The store lives on a filesystem the nodes share (`--workdir`). Each job carries
`--comment=translations:<store id>:<digest>`, so submitting again finds the jobs still
queued or running for this store, even one a killed run submitted but never recorded,
reuses them as dependencies and submits only what is neither stored nor queued. Job ids
are also written to `<workdir>/slurm/<digest>` for people; Slurm's own output goes to
`<workdir>/slurm/out/<job id>.out`. A job
that fails leaves `exit.json` in its task's directory; its downstream jobs are cancelled
by Slurm (`--kill-on-invalid-dep=yes`), never left pending.

Resources come from the cluster profile (`profile.py`); training jobs are requeueable
and get SIGTERM before their time limit (see `job_script`).
"""

import getpass
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.common.errors import UserError
from pipeline.common.contract import EXIT_INTERRUPTED
from translations_taskgraph.local.executor import reusable, stage_order
from translations_taskgraph.local.profile import Profile
from translations_taskgraph.local.progress import Progress
from translations_taskgraph.local.runner import failure, write_job
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import LocalTask, record

# Training resumes from the checkpoint in its task directory: its jobs are requeueable.
RESUMABLE_KINDS = ("train-backwards", "train-teacher", "train-student", "finetune-student")
COMMENT = "translations"  # jobs carry --comment=translations:<store id>:<digest>
ACTIVE = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED"}


def _slurm(*command: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise UserError(f"{command[0]} not found: the Slurm engine runs where Slurm's commands are (a login node)") from None
    if result.returncode:
        raise UserError(f"`{shlex.join(command)}` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def queue(store_id: str) -> dict[str, tuple[str, str]]:
    """{digest: (job id, state)} of this user's jobs for the store `store_id` that Slurm
    still knows (queued, running or lately ended), found by their `--comment`: a job
    submitted by a run killed before it recorded the job is found too. Of several jobs of
    one digest, a queued or running one wins, else the newest."""
    out = _slurm("squeue", "-h", "-t", "all", "-u", getpass.getuser(), "-o", "%i %T %k")
    found: dict[str, tuple[str, str]] = {}
    for line in sorted(out.splitlines(), key=lambda line: int(line.split()[0].split("_")[0])):
        job, state, comment = (line.split() + ["", ""])[:3]
        prefix, _, digest = comment.rpartition(":")
        if prefix == f"{COMMENT}:{store_id}" and not (found.get(digest, ("", ""))[1] in ACTIVE and state not in ACTIVE):
            found[digest] = (job, state)
    return found


def sbatch_options(resources: dict) -> list[str]:
    flags = {"partition": "--partition", "account": "--account", "qos": "--qos", "cpus": "--cpus-per-task",
             "mem": "--mem", "time": "--time"}
    options = [f"{flag}={resources[key]}" for key, flag in flags.items() if key in resources]
    if resources.get("gpus"):
        options.append(f"--gres=gpu:{resources['gpus']}")
    return options + resources.get("sbatch-args", [])


def job_script(job: Path, root: Path, resources: dict, resumable: bool, max_requeues: int) -> str:
    """The batch script: the profile's setup lines, GPUS for the GPUs Slurm gave (CUDA numbers
    them from 0), then the task runner. A training job that Marian stopped on SIGTERM before
    the time limit (exit 143) requeues itself, up to `max_requeues` times; one requeued by
    Slurm (`scontrol requeue`, preemption) comes back by itself. Either resumes from the
    checkpoint in the task's directory."""
    gpus = resources.get("gpus", 0)
    runner = f"{resources.get('command-prefix', '')} {shlex.quote(sys.executable)} -m translations_taskgraph.local.runner {shlex.quote(str(job))}".strip()
    lines = ["#!/bin/bash", f"cd {shlex.quote(str(root))}", *resources.get("setup", [])]
    lines.append(f'export GPUS="{" ".join(map(str, range(gpus)))}"' if gpus else "unset GPUS")
    log = shlex.quote(str(job.parent / "log.txt"))
    lines.append(f'echo "=== Slurm job $SLURM_JOB_ID, attempt $((${{SLURM_RESTART_COUNT:-0}} + 1)), on $(hostname -s), '
                 f'CUDA_VISIBLE_DEVICES=${{CUDA_VISIBLE_DEVICES:-}}" >> {log}')
    if not resumable:
        return "\n".join([*lines, f"exec {runner}", ""])
    return "\n".join([
        *lines,
        f"{runner} &",
        "runner=$!",
        'trap \'kill -TERM "$runner"\' TERM',  # the signal before the time limit goes to the batch shell
        # `wait` returns early when the trap runs: wait again until the runner is gone.
        'code=0; while kill -0 "$runner" 2>/dev/null; do wait "$runner"; code=$?; done',
        f'if [ "$code" = {EXIT_INTERRUPTED} ] && [ "${{SLURM_RESTART_COUNT:-0}}" -lt {max_requeues} ]; then',
        f'  echo "=== saved on SIGTERM: requeueing" >> {log}; scontrol requeue "$SLURM_JOB_ID"',
        "fi",
        'exit "$code"',
        "",
    ])


def runner_alive(work: Path) -> bool:
    """Whether the task runner of this attempt directory runs on this machine."""
    try:
        os.kill(int((work / "runner.pid").read_text()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process of that number
        return False
    return True


@dataclass
class Submission:
    reused: list[str] = field(default_factory=list)  # stored results
    queued: dict[str, str] = field(default_factory=dict)  # label -> job id already queued or running
    submitted: dict[str, str] = field(default_factory=dict)  # label -> new job id


class SlurmEngine:
    def __init__(self, tasks: dict[str, LocalTask], workdir: Path, experiment: str, rerun=frozenset(), profile: Profile = Profile()):
        self.tasks, self.experiment, self.rerun, self.profile = tasks, experiment, rerun, profile
        self.store = Store(workdir)
        self.jobs_dir = self.store.root / "slurm"  # job ids by digest, for people; Slurm's own output
        self.store_id = hashlib.sha256(str(self.store.root).encode()).hexdigest()[:12]

    def active_jobs(self) -> dict[str, str]:
        """{label: job id} of this graph's jobs that are queued or running."""
        jobs = queue(self.store_id)
        return {label: jobs[task.digest][0] for label, task in self.tasks.items() if jobs.get(task.digest, ("", ""))[1] in ACTIVE}

    def submit(self) -> Submission:
        with self.store.locked():
            done = reusable(self.store, self.tasks, self.rerun)
            outcome = Submission(reused=sorted(done))
            for label in done:
                self.store.link(self.experiment, label, self.tasks[label].digest)
            active = self.active_jobs()
            for label in self._upstreams_first(self.tasks.keys() - done):
                if label in active:
                    outcome.queued[label] = active[label]
                    continue
                upstream_jobs = [active.get(dep) or outcome.submitted[dep] for dep in self.tasks[label].dependencies if dep not in done]
                outcome.submitted[label] = self._submit(self.tasks[label], upstream_jobs)
                active[label] = outcome.submitted[label]
        return outcome

    def _upstreams_first(self, labels: set[str]) -> list[str]:
        """`labels` with each one's upstreams before it; earlier stages first otherwise."""
        ordered, seen = [], set()

        def visit(label: str) -> None:
            if label in seen:
                return
            seen.add(label)
            for dep in sorted(self.tasks[label].dependencies):
                if dep in labels:
                    visit(dep)
            ordered.append(label)

        for label in sorted(labels, key=stage_order(self.tasks)):
            visit(label)
        return ordered

    def _submit(self, task: LocalTask, upstream_jobs: list[str]) -> str:
        job = write_job(self.store, task, record(task, self.tasks))
        resources = self.profile.resources(task.kind, task.attributes.get("resource", "cpu"))
        resumable = task.kind in RESUMABLE_KINDS
        script = job.parent / "job.sh"
        script.write_text(job_script(job, self.store.root, resources, resumable, self.profile.max_requeues))
        (self.jobs_dir / "out").mkdir(parents=True, exist_ok=True)  # Slurm's own output, apart from the result
        options = [f"--job-name={task.label}", f"--output={self.jobs_dir / 'out' / '%j.out'}", "--open-mode=append",
                   f"--comment={COMMENT}:{self.store_id}:{task.digest}", "--parsable"]
        options += sbatch_options(resources)
        if resumable:
            options += ["--requeue", f"--signal=B:TERM@{self.profile.signal_seconds}"]
        if upstream_jobs:
            options += [f"--dependency=afterok:{':'.join(upstream_jobs)}", "--kill-on-invalid-dep=yes"]
        job_id = _slurm("sbatch", *options, str(script)).strip().split(";")[0]
        (self.jobs_dir / task.digest).write_text(f"{job_id} {task.label}\n")
        return job_id

    def states(self) -> dict[str, str]:
        """Each task's state: stored, queued, running, failed (with its reason) or not run."""
        jobs = self._queue_if_any()
        result = {}
        for label, task in self.tasks.items():
            slurm_state = jobs.get(task.digest, ("", ""))[1]
            if self.store.has(task.digest):
                result[label] = "stored"
            elif slurm_state in ACTIVE:
                result[label] = "running" if slurm_state in ("RUNNING", "COMPLETING") else "queued"
            elif exit_info := failure(self.store.work_dir(task.digest)):
                result[label] = f"failed: {exit_info['reason']}; log: {self.store.work_dir(task.digest) / 'log.txt'}"
            elif runner_alive(self.store.work_dir(task.digest)):  # a local run's task
                result[label] = "running"
            elif slurm_state == "CANCELLED" or slurm_state.startswith("CANCELLED"):
                result[label] = "cancelled"
            else:
                result[label] = "not run"
        return result

    def _queue_if_any(self) -> dict[str, tuple[str, str]]:
        """The Slurm queue, where there is one: `status` also serves the local engine."""
        if not shutil.which("squeue"):
            return {}
        try:
            return queue(self.store_id)
        except UserError:
            return {}

    def cancel(self) -> list[str]:
        active = self.active_jobs()
        if active:
            _slurm("scancel", *sorted(set(active.values())))
        return sorted(active)

    def wait(self, poll: float = 5.0, stream=sys.stderr) -> dict[str, str]:
        """Until every task is stored, or nothing is queued or running any more; the final
        states. Shows what a local run shows: tasks as they start and end, and the running
        ones' latest log lines."""
        states = self.states()
        progress = Progress(total=len(states), reused=sum(state == "stored" for state in states.values()), stream=stream)
        while any(state in ("queued", "running") for state in states.values()):
            time.sleep(poll)
            states, before = self.states(), states
            for label in (label for label, state in states.items() if state != before[label]):
                self._show_change(progress, label, states[label])
            progress.show()
        progress.close()
        return states

    def _show_change(self, progress: Progress, label: str, state: str) -> None:
        if state == "running":
            progress.started(label, self.store.work_dir(self.tasks[label].digest) / "log.txt")
        elif state == "stored" or state.startswith("failed"):
            progress.finished(label, ok=state == "stored")
        elif state == "cancelled":
            progress.stopped(label)
