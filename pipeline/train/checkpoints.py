"""Training checkpoints on Taskcluster: published while training runs, fetched by a rerun.

A preemptible (spot) worker can be reclaimed at any time. While Marian trains, every
checkpoint it saves (every `save-freq` updates, and on SIGTERM) is uploaded as
artifacts of the current run, `public/checkpoints/<updates>/<file>`: artifacts cannot be
replaced within a run, so each save gets its own folder. When the task runs again (run
id > 0), it downloads the newest checkpoint of the previous run, the one in
`public/build/` that the worker publishes when the task ends, else the highest-numbered
`public/checkpoints/<n>/`, and Marian continues from the saved update count.

Off Taskcluster (no TASK_ID) none of this runs: a local retry reuses its own directory.
"""

import os
import re
import shutil
import threading
from pathlib import Path

import taskcluster
import taskcluster.upload
import yaml

from pipeline.common.download import download
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

BUILD_PREFIX = "public/build"
CHECKPOINT_PREFIX = "public/checkpoints"
PROGRESS = "model.train.npz.progress.yml"
# Marian's resumable state; without these the run starts over.
REQUIRED = ("model.train.npz", "model.train.npz.optimizer.npz", PROGRESS, "model.train.npz.yml")
OPTIONAL = tuple(f"model.train.npz.best-{metric}.npz" for metric in ("chrf", "bleu", "ce-mean-words")) + (
    "opustrainer.state",
    "train.log",
    "valid.log",
)


class TaskRun:
    """This task's run on Taskcluster, from the environment the worker gives it."""

    def __init__(self, env=os.environ):
        self.task_id = env.get("TASK_ID")
        self.run_id = int(env.get("RUN_ID", "0") or 0)
        self.root_url = (env.get("TASKCLUSTER_ROOT_URL") or "").rstrip("/")
        self.api_url = (env.get("TASKCLUSTER_PROXY_URL") or self.root_url).rstrip("/")

    @property
    def active(self) -> bool:
        return bool(self.task_id and self.api_url)

    def queue(self) -> taskcluster.Queue:
        return taskcluster.Queue(taskcluster.optionsFromEnvironment({"rootUrl": self.api_url}))

    def artifact_url(self, run_id: int, name: str) -> str:
        return f"{self.api_url}/api/queue/v1/task/{self.task_id}/runs/{run_id}/artifacts/{name}"


# --- fetching, at the start of a rerun -------------------------------------------------


def fetch_checkpoint(output_dir: Path, env=os.environ) -> bool:
    """On a task's rerun, download the previous run's newest checkpoint; True if found."""
    run = TaskRun(env)
    if not run.active or run.run_id == 0 or (output_dir / REQUIRED[0]).exists():
        return False
    previous = run.run_id - 1
    for prefix in (BUILD_PREFIX, *_checkpoint_prefixes(run, previous)):
        if _download_all(run, previous, prefix, output_dir):
            logger.info("continuing from run %d's checkpoint %s", previous, prefix)
            return True
    logger.warning("run %d left no checkpoint; training starts over", previous)
    return False


def _checkpoint_prefixes(run: TaskRun, run_id: int) -> list[str]:
    """`public/checkpoints/<n>` folders of a run that hold every required file, newest first."""
    names: list[str] = []

    def collect(response):
        names.extend(artifact["name"] for artifact in response["artifacts"])

    run.queue().listArtifacts(run.task_id, str(run_id), paginationHandler=collect)
    folders: dict[int, set[str]] = {}
    for name in names:
        if match := re.fullmatch(rf"{CHECKPOINT_PREFIX}/(\d+)/(.+)", name):
            folders.setdefault(int(match.group(1)), set()).add(match.group(2))
    return [f"{CHECKPOINT_PREFIX}/{n}" for n in sorted(folders, reverse=True) if set(REQUIRED) <= folders[n]]


def _download_all(run: TaskRun, run_id: int, prefix: str, output_dir: Path) -> bool:
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name in REQUIRED:
            download(run.artifact_url(run_id, f"{prefix}/{name}"), output_dir / name, f"checkpoint {prefix}")
    except UserError:
        for name in REQUIRED:
            (output_dir / name).unlink(missing_ok=True)
        return False
    for name in OPTIONAL:
        try:
            download(run.artifact_url(run_id, f"{prefix}/{name}"), output_dir / name, f"checkpoint {prefix}")
        except UserError:
            (output_dir / name).unlink(missing_ok=True)
    return True


# --- publishing, while Marian trains ---------------------------------------------------


def _state(folder: Path):
    """(updates, sizes and times of the files): equal on two polls means the save is done."""
    try:
        updates = int(yaml.safe_load((folder / PROGRESS).read_text())["batches"])
        stats = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in map(folder.joinpath, REQUIRED))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None
    return updates, stats


class Publisher(threading.Thread):
    """Uploads each new checkpoint once Marian has finished writing it."""

    def __init__(self, output_dir: Path, env=os.environ):
        super().__init__(daemon=True, name="checkpoint-publisher")
        self.output_dir, self.task_run = output_dir, TaskRun(env)
        self.interval = float(env.get("CHECKPOINT_POLL_SECONDS", "60"))
        self.stopping = threading.Event()
        self.published: set[int] = set()

    def __enter__(self) -> "Publisher":
        if self.task_run.active:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join()

    def run(self) -> None:  # the thread's body
        seen = None
        while not self.stopping.wait(self.interval):
            state = _state(self.output_dir)
            if state and state == seen and state[0] not in self.published:
                snapshot = self._snapshot(state)
                if snapshot:
                    self._publish(state[0], snapshot)
            seen = state

    def _snapshot(self, state) -> Path | None:
        """A copy of the checkpoint, so Marian's next save cannot change it during upload;
        None if Marian saved again while it was copied."""
        snapshot = self.output_dir.parent / "checkpoint-snapshot"
        shutil.rmtree(snapshot, ignore_errors=True)
        snapshot.mkdir(parents=True)
        for name in REQUIRED + OPTIONAL:
            if (self.output_dir / name).exists():
                shutil.copy2(self.output_dir / name, snapshot / name)
        # copy2 keeps the times, so an intact copy has the same state as the original.
        return snapshot if _state(self.output_dir) == state == _state(snapshot) else None

    def _publish(self, updates: int, snapshot: Path) -> None:
        queue = self.task_run.queue()
        expires = queue.task(self.task_run.task_id)["expires"]
        try:
            for name in REQUIRED + OPTIONAL:
                path = snapshot / name
                if path.exists():
                    self._upload(queue, path, f"{CHECKPOINT_PREFIX}/{updates}/{name}", expires)
        except Exception as error:  # a failed upload must not stop training
            logger.warning("could not publish checkpoint %d: %s", updates, error)
            return
        self.published.add(updates)
        logger.info("published checkpoint %s/%d", CHECKPOINT_PREFIX, updates)

    def _upload(self, queue, path: Path, name: str, expires: str) -> None:
        content_type = "application/octet-stream"
        answer = queue.createArtifact(
            self.task_run.task_id, str(self.task_run.run_id), name,
            {"storageType": "object", "expires": expires, "contentType": content_type},
        )
        service = taskcluster.Object({"rootUrl": self.task_run.root_url, "credentials": answer["credentials"]})
        with open(path, "rb") as file:
            taskcluster.upload.uploadFromFile(
                projectId=answer["projectId"], name=answer["name"], contentType=content_type,
                contentLength=path.stat().st_size, expires=answer["expires"], uploadId=answer["uploadId"],
                objectService=service, file=file,
            )
        queue.finishArtifact(self.task_run.task_id, str(self.task_run.run_id), name, {"uploadId": answer["uploadId"]})
