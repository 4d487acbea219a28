"""One task per dataset (`per-dataset: [categories]`), per teacher (`per-member`) and/or
per chunk (`per-chunk`, `taskcluster.split-chunks` of them);
with `if-datasets: [categories]`, no task when the config has no dataset in them; with
`if-ensemble`, no task for a single teacher. No task either for a stage that the config's
`continuation` replaces (`continuation.skipped_stages`).

Sets the task's name, `<prefix->src-trg[-dataset][-member][-chunk]`, and the attributes
`src_locale`, `trg_locale`, `dataset`, `provider`, `dataset-category`, `member`,
`this_chunk`.
"""

import copy
import itertools
from typing import Optional

from taskgraph.transforms.base import TransformSequence
from taskgraph.util.schema import Schema

from pipeline.common.datasets import parse_key, sanitize
from translations_taskgraph import continuation, training_config


class FanOutSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    per_dataset: Optional[list[str]] = None
    per_member: Optional[bool] = None
    per_chunk: Optional[bool] = None
    # Only create the task when the config has datasets in one of these categories.
    if_datasets: Optional[list[str]] = None
    # Only create the task when the config trains more than one teacher.
    if_ensemble: Optional[bool] = None


transforms = TransformSequence()
transforms.add_validate(FanOutSchema)


def _datasets(datasets: dict, categories: list[str]) -> dict[str, str]:
    """Unique dataset keys of the categories, in config order, mapped to their first category."""
    found: dict[str, str] = {}
    for category in categories:
        for key in datasets[category]:
            found.setdefault(key, category)
    return found


@transforms.add
def fan_out(config, tasks):
    tc = training_config.get(config.params)
    src, trg = tc["experiment"]["src"], tc["experiment"]["trg"]
    skipped = continuation.skipped_stages(tc)
    for task in tasks:
        if task["stage"] in skipped and "continuation" not in task:
            continue
        categories = task.pop("per-dataset", None)
        per_member = task.pop("per-member", False)
        chunks = range(1, tc["taskcluster"]["split-chunks"] + 1) if task.pop("per-chunk", False) else [None]
        required = task.pop("if-datasets", None)
        if required and not any(tc["datasets"][category] for category in required):
            continue
        if task.pop("if-ensemble", False) and tc["experiment"]["teacher-ensemble"] == 1:
            continue
        datasets = _datasets(tc["datasets"], categories) if categories else {None: None}
        members = range(1, tc["experiment"]["teacher-ensemble"] + 1) if per_member else [None]
        prefix = task["name"] if task["name"] != config.kind else None
        for (key, category), member, chunk in itertools.product(datasets.items(), members, chunks):
            new = copy.deepcopy(task)
            attributes = new.setdefault("attributes", {})
            attributes.update(src_locale=src, trg_locale=trg)
            if key:
                attributes.update({"dataset": key, "provider": parse_key(key)[0], "dataset-category": category})
            if member:
                attributes["member"] = member
            if chunk:
                attributes["this_chunk"] = chunk
            parts = [prefix, src, trg, key and sanitize(key), member and str(member), chunk and str(chunk)]
            new["name"] = "-".join(part for part in parts if part)
            yield new
