"""The Train action: run the pipeline up to `target-stage` for a config given in the UI.

Its input form is the training config's JSON Schema, from the one schema definition.
taskgraph does not validate action input, so the whole config is checked here first
and every problem is reported at once, before any task is created.
"""

from taskgraph.actions.registry import register_callback_action
from taskgraph.decision import taskgraph_decision
from taskgraph.parameters import Parameters

from translations_taskgraph import config as config_schema


def can_train(parameters):
    return parameters["head_repository"] != "" and parameters["tasks_for"] in (
        "github-push",
        "github-release",
        "action",
        "cron",
    )


@register_callback_action(
    name="train",
    title="Train",
    symbol="train",
    description="Train a model from a training config, up to its `target-stage`.",
    order=500,
    context=[],
    available=can_train,
    schema=lambda graph_config: config_schema.json_schema(),
    permission="train",
    cb_name="train",
)
def train_action(parameters, graph_config, input, task_group_id, task_id):
    config, errors = config_schema.check(input)
    if errors:
        raise config_schema.ConfigError("Train action input", errors)
    params = dict(parameters)
    params.update(
        training_config=config,
        target_tasks_method="train-target-stage",
        tasks_for="action",
        optimize_target_tasks=True,
    )
    parameters = Parameters(**params)
    parameters.check()
    taskgraph_decision({"root": graph_config.root_dir}, parameters=parameters)
