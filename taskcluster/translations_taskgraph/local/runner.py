"""The one task runner of the engines that share a store (the local executor; a Slurm job):
prepare the task's directory, run its command, commit the result.

    python -m translations_taskgraph.local.runner <workdir>/work/<digest>/job.json

`job.json` holds the task (command, environment, fetches), its digest record (with
the digests of its upstream results) and, from the local executor, the cores and GPUs
the task may use (`resources.py`; a Slurm job has its own); the engine writes it. The runner links the fetches,
runs the command in its own process group with the log in `log.txt`, and on exit 0
commits the artifacts into the store by one rename. SIGTERM, SIGHUP and SIGINT are
passed on to the command (Marian saves a checkpoint); the runner waits for the command's
whole group before it ends, so a requeued or resumed attempt never meets a live one.

The stored record (`task.json`) gets the task's usage: `started` (epoch seconds),
`seconds` (wall), `cpu_seconds` (user + system of the command and everything it waited
for), `peak_rss_mb` (the largest process's peak resident memory), `cores` and `gpus`.

Exit code: the command's; 2 when the task could not start (a fetch missing or damaged)
or wrote to its fetched inputs. A failed attempt leaves `exit.json` (`code`, `reason`)
in its directory, which `status` and the engines read.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from pipeline.common.errors import EXIT_USER_ERROR, UserError
from translations_taskgraph.local.prepare import GRACE_SECONDS, input_stamps, modified_inputs, prepare, stop_groups
from translations_taskgraph.local.resources import Grant
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import Fetch, LocalTask

FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
JOB_FILE = "job.json"
EXIT_FILE = "exit.json"
# How long an engine waits for a runner it stops: the runner's own wait for its command, and a margin.
STOP_SECONDS = GRACE_SECONDS + 10


def write_job(store: Store, task: LocalTask, record: dict, grant: Grant | None = None) -> Path:
    """The job file the runner reads, in the task's attempt directory."""
    path = store.work_dir(task.digest) / JOB_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{JOB_FILE}.tmp")
    job = {"task": asdict(task), "record": record, "grant": asdict(grant) if grant else None}
    tmp.write_text(json.dumps(job, indent=2))
    tmp.replace(path)
    return path


def read_job(path: Path) -> tuple[LocalTask, dict, Grant | None]:
    job = json.loads(path.read_text())
    task, grant = job["task"], job.get("grant")
    task = LocalTask(**{**task, "fetches": [Fetch(**fetch) for fetch in task["fetches"]]})
    return task, job["record"], Grant(tuple(grant["cores"]), tuple(grant["gpus"])) if grant else None


def failure(work: Path) -> dict | None:
    """The `exit.json` of a failed attempt, if any."""
    path = work / EXIT_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _fail(work: Path, code: int, reason: str) -> int:
    (work / EXIT_FILE).write_text(json.dumps({"code": code, "reason": reason}) + "\n")
    with open(work / "log.txt", "a") as log:
        log.write(f"=== {reason}\n")
    return code


def run(store: Store, task: LocalTask, record: dict, grant: Grant | None = None) -> int:
    upstreams = record["upstreams"]
    work = store.work_dir(task.digest)
    try:
        work, env = prepare(store, task, upstreams)
    except UserError as error:
        return _fail(work, EXIT_USER_ERROR, f"could not start: {error}")
    if grant:
        os.sched_setaffinity(0, grant.cores)  # the command inherits it
        grant.apply(env)
    (work / EXIT_FILE).unlink(missing_ok=True)
    (work / "runner.pid").write_text(str(os.getpid()))
    stamps = input_stamps(store, task, upstreams)
    started, clock = time.time(), time.monotonic()
    with open(work / "log.txt", "ab") as log:
        log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {task.label}\n".encode())
        log.flush()
        process = subprocess.Popen(
            task.command, cwd=env["VCS_PATH"], env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    (work / "pgid").write_text(str(process.pid))
    for signum in FORWARDED:
        signal.signal(signum, lambda signum, frame: _signal_group(process.pid, signum))
    code, usage = _wait(process)
    stop_groups([process.pid])  # what the command left in its group (Marian saving) ends first
    modified = modified_inputs(store, task, upstreams, stamps)
    if modified:
        return _fail(work, EXIT_USER_ERROR, f"modified its input {modified[0]} (a stored result, shared by hard link): "
                     "a step must write only to its artifacts")
    if code != 0:
        return _fail(work, code, f"exited {code}")
    cores = len(grant.cores) if grant else len(os.sched_getaffinity(0))
    gpus = len(grant.gpus) if grant else len(env.get("GPUS", "").split())
    store.commit(task.digest, record, {
        "started": round(started, 1), "seconds": round(time.monotonic() - clock, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cores": cores, "gpus": gpus,
    })
    return 0


def _wait(process: subprocess.Popen) -> tuple[int, "os.struct_rusage"]:
    """The command's exit code and resource usage (its own and its reaped descendants')."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(f"usage: python -m {__spec__.name} <workdir>/work/<digest>/{JOB_FILE}", file=sys.stderr)
        return EXIT_USER_ERROR
    job = Path(argv[0]).resolve()
    return run(Store(job.parents[2]), *read_job(job))


if __name__ == "__main__":
    sys.exit(main())
