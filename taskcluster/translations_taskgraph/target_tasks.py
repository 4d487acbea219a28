"""Target tasks: the tasks of `target-stage` for the config's language pair.

taskgraph then adds every ancestor, so the graph runs up to that stage.
"""

from taskgraph.target_tasks import register_target_task

from translations_taskgraph import training_config


@register_target_task("train-target-stage")
def target_stage(full_task_graph, parameters, graph_config):
    tc = training_config.get(parameters)
    wanted = (tc["target-stage"], tc["experiment"]["src"], tc["experiment"]["trg"])
    return [
        label
        for label, task in full_task_graph.tasks.items()
        if (task.attributes.get("stage"), task.attributes.get("src_locale"), task.attributes.get("trg_locale"))
        == wanted
    ]
