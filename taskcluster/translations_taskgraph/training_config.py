"""The training config as the transforms see it: validated, with defaults filled."""

import functools
import json

from translations_taskgraph import config as config_schema


@functools.lru_cache(maxsize=8)
def _normalize(serialized: str) -> dict:
    return config_schema.normalize(json.loads(serialized))


def get(params) -> dict:
    """`params["training_config"]` with defaults (parameters only validate, never fill)."""
    return _normalize(json.dumps(params["training_config"], sort_keys=True))
