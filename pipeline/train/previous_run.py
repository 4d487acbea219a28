"""Continue a training task's previous run after a preemption (a Taskcluster rerun).

A spot worker that is reclaimed stops the task with SIGTERM: Marian saves its checkpoint
and exits 143, the worker uploads the artifacts, and Taskcluster runs the task again
(run id + 1). That new run downloads the checkpoint its previous run published —
model, optimizer state, training progress and the best models so far — into the
output directory, and Marian continues from the saved update count.

Locally there is nothing to download: a retried task reuses its own directory.
"""

import os
from pathlib import Path

from pipeline.common.download import download
from pipeline.common.errors import UserError
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

ARTIFACT_PREFIX = "public/build"
# Marian's resumable state; without these the run starts over.
REQUIRED = ("model.train.npz", "model.train.npz.optimizer.npz", "model.train.npz.progress.yml", "model.train.npz.yml")
OPTIONAL = tuple(f"model.train.npz.best-{metric}.npz" for metric in ("chrf", "bleu", "ce-mean-words")) + (
    "train.log",
    "valid.log",
)


def root_url(env=os.environ) -> str | None:
    url = env.get("TASKCLUSTER_PROXY_URL") or env.get("TASKCLUSTER_ROOT_URL")
    return url.rstrip("/") if url else None


def fetch_checkpoint(output_dir: Path, env=os.environ) -> bool:
    """On a task's rerun, download the previous run's checkpoint; True if one was found."""
    run_id, task_id, root = int(env.get("RUN_ID", "0") or 0), env.get("TASK_ID"), root_url(env)
    if run_id == 0 or not task_id or not root or (output_dir / REQUIRED[0]).exists():
        return False
    base = f"{root}/api/queue/v1/task/{task_id}/runs/{run_id - 1}/artifacts/{ARTIFACT_PREFIX}"
    try:
        for name in REQUIRED:
            download(f"{base}/{name}", output_dir / name, f"checkpoint of run {run_id - 1}")
    except UserError as error:
        logger.warning("no checkpoint to continue from (%s); training starts over", error)
        for name in REQUIRED:
            (output_dir / name).unlink(missing_ok=True)
        return False
    for name in OPTIONAL:
        try:
            download(f"{base}/{name}", output_dir / name, f"checkpoint of run {run_id - 1}")
        except UserError:
            (output_dir / name).unlink(missing_ok=True)
    logger.info("continuing from run %d's checkpoint", run_id - 1)
    return True
