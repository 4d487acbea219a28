"""Pick the worker alias `<resource>-<class>` and give GPU tasks GPUS and WORKSPACE,
and the exit codes that retry them (no GPU visible; training interrupted and saved);
give import and continuation tasks the config's dataset mirror, and training and
evaluation tasks its `tracking` (pipeline/report/tracking.py).

Kinds say `worker-type: cpu|gpu|largegpu`; the class (`standard` or `spot`) comes from
the config's `taskcluster.worker-classes`, per kind or `default`.
"""

from taskgraph.transforms.base import TransformSequence

import json

from pipeline.common.contract import EXIT_INTERRUPTED, EXIT_NO_GPU, MIRROR_ENV, TRACKING_ENV
from translations_taskgraph import config as config_schema
from translations_taskgraph import training_config

MAX_RUN_TIME = {"cpu": 3 * 3600, "gpu": 24 * 3600, "largegpu": 24 * 3600}
TRACKED_KINDS = ("train-backwards", "train-teacher", "train-student", "finetune-student", "evaluate")


def tracking_env(tc: dict) -> dict | None:
    """The config's trackers as the steps read them (with each task's label); None when none is on."""
    tracking = tc["tracking"]
    if not tracking["tensorboard"] and not tracking["wandb"]:
        return None
    wandb = tracking["wandb"] and {**tracking["wandb"], "group": tc["experiment"]["name"]}
    return {"tensorboard": tracking["tensorboard"], "wandb": wandb, "config": config_schema.without_run_sections(tc)}

transforms = TransformSequence()


@transforms.add
def worker_class(config, tasks):
    tc = training_config.get(config.params)
    settings = tc["taskcluster"]
    tracking = tracking_env(tc) if config.kind in TRACKED_KINDS else None
    classes = settings["worker-classes"]
    worker_class = classes.get(config.kind, classes["default"])
    gpu_env = config.graph_config["worker-gpus"]
    for task in tasks:
        resource = task["worker-type"]
        task["worker-type"] = f"{resource}-{worker_class}"
        task.setdefault("attributes", {})["resource"] = resource  # what the Slurm engine requests
        worker = task.setdefault("worker", {})
        worker.setdefault("max-run-time", MAX_RUN_TIME[resource])
        worker.setdefault("env", {}).update(gpu_env.get(resource, {}))
        if config.kind in ("dataset", "continuation") and settings["data-mirror"]:
            worker["env"][MIRROR_ENV] = settings["data-mirror"]
        if tracking:
            label = task.get("label") or f"{config.kind}-{task['name']}"
            worker["env"][TRACKING_ENV] = json.dumps({**tracking, "name": label}, sort_keys=True)
        if resource in gpu_env:
            # No GPU on this machine, or Marian saved and stopped on SIGTERM: run again.
            worker["retry-exit-status"] = [EXIT_NO_GPU, EXIT_INTERRUPTED]
        yield task
