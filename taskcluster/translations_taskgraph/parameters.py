"""The `training_config` parameter: the training config, validated by its one schema."""

from pathlib import Path

import msgspec
from taskgraph.parameters import extend_parameters_schema

from translations_taskgraph import config as config_schema

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "ci.yml"


class TranslationsParameters(msgspec.Struct, kw_only=True):
    training_config: config_schema.TrainingConfig


def get_defaults(repo_root=None):
    """Used when parameters are loaded non-strictly (`taskgraph full` without a config)."""
    return {"training_config": config_schema.read_yaml(DEFAULT_CONFIG)}


extend_parameters_schema(TranslationsParameters, defaults_fn=get_defaults)


def decision_parameters(graph_config, parameters):
    """Pushes and pull requests build the images only; training starts with the Train action."""
    parameters.setdefault("training_config", get_defaults()["training_config"])
    if parameters["tasks_for"] != "action":
        parameters["target_tasks_method"] = "nothing"
