"""Optional publication to trackers, as the config's `tracking` asks (docs/report.md):
a training's curves (from its Marian log) and an evaluation's scores.

The graph gives the settings to training and evaluation tasks in TRACKING_ENV (JSON:
`{"tensorboard": bool, "wandb": {"project", "entity", "group"}, "name": label, "config": the
training config}`), outside their cache
digests: turning a tracker on or off never reruns a task, and a reused result is not
published again. (This module is in those tasks' digests, as every module a step imports.) TensorBoard event files (tensorboardX) go into the task's artifacts,
`tensorboard/`, next to the model. Weights & Biases runs are grouped by experiment and
named after the task (`train-teacher-en-de-1`, `evaluate-student-en-de-<test set>`); with
WANDB_MODE=offline they are written to the artifacts' `wandb/`, to be uploaded later with
`wandb sync`. The libraries are imported only when a tracker is on.
"""

import json
import os
from pathlib import Path

from pipeline.common.contract import TRACKING_ENV
from pipeline.common.logs import get_logger
from pipeline.report import marian_log

logger = get_logger(__name__)


def settings() -> dict:
    return json.loads(os.environ.get(TRACKING_ENV) or "{}")


def publish_training(log: Path, output_dir: Path, config: dict) -> None:
    """The training's cost and validation curves, by update, to each tracker that is on.
    A tracker that fails is logged: the trained model stands."""
    tracking = settings()
    if not tracking.get("tensorboard") and not tracking.get("wandb"):
        return
    curves = marian_log.read(log)
    if tracking.get("tensorboard"):
        _tensorboard(curves, output_dir / "tensorboard")
    if tracking.get("wandb"):
        _wandb(tracking, output_dir, config, lambda run: _log_curves(run, curves))


def publish_scores(metrics: dict, output_dir: Path) -> None:
    """An evaluation's BLEU, chrF and chrF++ as a one-row table and the run's summary (W&B)."""
    tracking = settings()
    if not tracking.get("wandb"):
        return
    columns = ["model", "dataset", "lines", "bleu", "chrf", "chrfpp"]
    row = {**metrics, "model": tracking["name"]}

    def log(run):
        import wandb

        run.log({"scores": wandb.Table(columns=columns, data=[[row[key] for key in columns]])})
        run.summary.update({key: metrics[key] for key in ("bleu", "chrf", "chrfpp")})

    _wandb(tracking, output_dir, {"dataset": metrics["dataset"], "models": metrics["models"]}, log)


def _tensorboard(curves: dict, logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(logdir))
    for point in curves["train"]:
        writer.add_scalar("train/cost", point["cost"], point["update"])
        writer.add_scalar("train/words_per_second", point["words_per_second"], point["update"])
    for metric, points in curves["valid"].items():
        for point in points:
            writer.add_scalar(f"valid/{metric}", point["value"], point["update"])
    writer.close()
    logger.info("TensorBoard: %d training and %d validation points in %s", len(curves["train"]),
                sum(map(len, curves["valid"].values())), logdir)


def _log_curves(run, curves: dict) -> None:
    """One `log` call per update (W&B drops steps that go backwards)."""
    steps: dict[int, dict] = {}
    for point in curves["train"]:
        steps.setdefault(point["update"], {}).update({"train/cost": point["cost"], "train/words_per_second": point["words_per_second"]})
    for metric, points in curves["valid"].items():
        for point in points:
            steps.setdefault(point["update"], {})[f"valid/{metric}"] = point["value"]
    for update in sorted(steps):
        run.log(steps[update], step=update)
    for metric, points in curves["valid"].items():
        if best := marian_log.best(metric, points):
            run.summary[f"best/{metric}"] = best["value"]


def _wandb(tracking: dict, output_dir: Path, config: dict, log) -> None:
    import wandb

    options, name = tracking["wandb"], tracking["name"]
    directory = output_dir / "wandb"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        run = wandb.init(project=options["project"], entity=options.get("entity"), group=options["group"], name=name,
                         config={**tracking.get("config", {}), "task": config}, dir=str(directory))
        try:
            log(run)
        finally:
            run.finish()
    except Exception as error:  # noqa: BLE001 - no login, no network: the result stands, say so
        logger.warning("Weights & Biases: run %s not published: %s: %s (WANDB_MODE=offline keeps it for `wandb sync`)",
                       name, type(error).__name__, error)
        return
    logger.info("Weights & Biases: run %s in group %s (%s)", name, options["group"], os.environ.get("WANDB_MODE", "online"))
