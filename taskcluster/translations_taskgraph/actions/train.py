"""The Train action: run the pipeline up to `target-stage` for a config given in the UI.

Its input is the training config (its JSON Schema, from the one schema definition) plus
three rerun options:

- `previous-group-ids`: reuse the completed tasks of these earlier task groups (and
  the ancestors they reused) instead of running them again;
- `start-task-prefix`: run the tasks whose label starts with this, and everything
  downstream of them, again even if they could be reused;
- `existing-tasks`: `{label: taskId}` to reuse explicitly.

taskgraph does not validate action input, so it is checked here first, before any task
is created: input over `MAX_INPUT_CHARS` of JSON is refused as a whole; otherwise every
problem of the config and the options (their schema has sizes and patterns) is reported
at once, one line each. Then the datasets are looked up (pipeline/data/preflight.py): a
key its importer refuses, or one that is certainly missing, fails it.
"""

import json
import logging
from pathlib import Path

from taskgraph.actions.registry import register_callback_action
from taskgraph.decision import taskgraph_decision
from taskgraph.generator import TaskGraphGenerator
from taskgraph.parameters import Parameters

from translations_taskgraph import config as config_schema
from translations_taskgraph import continuation
from translations_taskgraph import rerun

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 1_000_000  # the whole input as JSON: 10,000 dataset keys of 100 characters fit
# A Taskcluster taskId (task group ids are taskIds): they end up in API URLs.
SLUGID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$"}
LABEL = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,256}$", "description": "A task label."}
RERUN_OPTIONS = {
    "previous-group-ids": {
        "type": "array",
        "items": {**SLUGID, "description": "A task group id."},
        "maxItems": 100,
        "description": "Task group ids whose completed tasks are reused (later groups win).",
    },
    "start-task-prefix": {
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{0,256}$",
        "description": "Rerun the tasks whose label starts with this, and everything downstream: a label prefix.",
    },
    "existing-tasks": {
        "type": "object",
        "propertyNames": LABEL,
        "additionalProperties": {**SLUGID, "description": "A taskId."},
        "maxProperties": 50_000,
        "description": "label -> taskId of tasks to reuse.",
    },
}


def action_schema(graph_config=None) -> dict:
    schema = config_schema.json_schema()
    schema["properties"] = {**schema["properties"], **RERUN_OPTIONS}
    return schema


def input_errors(input: dict) -> tuple[dict | None, dict, list[str]]:
    """(config with defaults, rerun options, []) or (None, {}, every problem); oversized input as a whole."""
    if not isinstance(input, dict):
        return None, {}, ["(top level): the input must be a mapping: a training config plus rerun options"]
    size = len(json.dumps(input))
    if size > MAX_INPUT_CHARS:
        return None, {}, [f"(top level): {size:,} characters of JSON; at most {MAX_INPUT_CHARS:,}"]
    options = {key: input[key] for key in RERUN_OPTIONS if key in input}
    config, errors = config_schema.check({key: value for key, value in input.items() if key not in RERUN_OPTIONS})
    errors = config_schema.bounded(config_schema.schema_errors({"properties": RERUN_OPTIONS}, options)) + errors
    errors += (_local_locations(config) or continuation.problems(config)) if config else []
    return (None if errors else config), options, errors


def _local_locations(config: dict) -> list[str]:
    """A worker sees neither this machine's files nor a local store: continuations come by URL."""
    return [
        f"{where}: {holder[key]!r} is on a local machine; on Taskcluster give the file's https:// URL"
        for where, holder, key in config_schema.locations(config["continuation"])
        if not holder[key].startswith("https://")
    ]


def unreachable_datasets(config: dict, checkout: Path) -> list[str]:
    """Datasets whose key its importer refuses, or certainly not there (404, missing file);
    unknown ones only warn."""
    from pipeline.data import preflight  # only the action runs it; every graph imports this module

    errors = []
    for check in preflight.check_all(config, checkout):
        if check.status == "invalid":
            errors.append(f"datasets: {check.detail}")
        elif check.status == "missing":
            errors.append(f"datasets: {check.key} is not there: {check.location} ({check.detail})")
        elif check.status == "unknown":
            logger.warning("dataset %s: could not check %s (%s)", check.key, check.location, check.detail)
    return errors


def can_train(parameters):
    return parameters["tasks_for"] in ("github-push", "github-release", "action", "cron")


def existing_tasks(parameters: Parameters, root_dir: str, options: dict) -> dict[str, str]:
    """The tasks to reuse: earlier groups' completed tasks and the explicit ones, minus reruns."""
    reuse = {**rerun.completed_tasks(options.get("previous-group-ids", [])), **options.get("existing-tasks", {})}
    prefix = options.get("start-task-prefix")
    if not prefix:
        return reuse
    full = TaskGraphGenerator(root_dir=root_dir, parameters=parameters).full_task_graph
    dependencies = {label: list(task.dependencies.values()) for label, task in full.tasks.items()}
    again = rerun.rerun_set(dependencies, prefix)
    return {label: task_id for label, task_id in reuse.items() if label not in again}


@register_callback_action(
    name="train",
    title="Train",
    symbol="train",
    description="Train a model from a training config, up to its `target-stage`.",
    order=500,
    context=[],
    available=can_train,
    schema=action_schema,
    permission="train",
    cb_name="train",
)
def train_action(parameters, graph_config, input, task_group_id, task_id):
    config, options, errors = input_errors(input)
    if not errors:
        errors = unreachable_datasets(config, Path(graph_config.root_dir).parent)
    if errors:
        raise config_schema.ConfigError("Train action input", errors)
    params = dict(parameters)
    params.update(
        training_config=config,
        target_tasks_method="train-target-stage",
        tasks_for="action",
        optimize_target_tasks=True,
    )
    params["existing_tasks"] = existing_tasks(Parameters(**params), graph_config.root_dir, options)
    parameters = Parameters(**params)
    parameters.check()
    taskgraph_decision({"root": graph_config.root_dir}, parameters=parameters)
