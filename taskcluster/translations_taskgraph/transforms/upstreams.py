"""Depend on, and fetch artifacts from, the tasks of earlier kinds.

    upstreams:
      - kind: clean-corpus
        categories: [train]        # only upstream tasks of these dataset categories
        match: [dataset]           # upstream attributes that must equal this task's
        artifacts: ["{dataset_file}.{src}.zst"]   # formatted per upstream task
        inputs-var: inputs         # optional: render context gets "$MOZ_FETCHES_DIR/<file> ..."
        optional: false            # true: no matching upstream task is fine

Artifacts are fetched unextracted into `$MOZ_FETCHES_DIR`, so names must be unique.
"""

from typing import Optional

from taskgraph.transforms.base import TransformSequence
from taskgraph.util.schema import Schema

from pipeline.common.datasets import sanitize


class Upstream(Schema):
    kind: str
    artifacts: list[str] = []
    categories: Optional[list[str]] = None
    match: list[str] = []
    inputs_var: Optional[str] = None
    optional: bool = False


class UpstreamsSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    upstreams: Optional[list[Upstream]] = None


transforms = TransformSequence()
transforms.add_validate(UpstreamsSchema)


def artifact_context(attributes: dict) -> dict:
    """Values an artifact name may use: {src}, {trg}, {dataset_file}, {member}."""
    context = {"src": attributes["src_locale"], "trg": attributes["trg_locale"]}
    if "dataset" in attributes:
        context["dataset_file"] = sanitize(attributes["dataset"])
    if "member" in attributes:
        context["member"] = attributes["member"]
    return context


def _matching(config, task, upstream: dict):
    mine = task["attributes"]
    for dep in config.kind_dependencies_tasks.values():
        theirs = dep.attributes
        if dep.kind != upstream["kind"]:
            continue
        if (theirs.get("src_locale"), theirs.get("trg_locale")) != (mine["src_locale"], mine["trg_locale"]):
            continue
        if upstream.get("categories") and theirs.get("dataset-category") not in upstream["categories"]:
            continue
        if all(theirs.get(name) == mine.get(name) for name in upstream.get("match", [])):
            yield dep


@transforms.add
def add_upstreams(config, tasks):
    for task in tasks:
        context = task.setdefault("render-context", {})
        for upstream in task.pop("upstreams", []):
            deps = sorted(_matching(config, task, upstream), key=lambda dep: dep.label)
            if not deps and not upstream.get("optional"):
                raise Exception(f"{config.kind}-{task['name']}: no upstream task of kind {upstream['kind']}")
            files = []
            for dep in deps:
                task.setdefault("dependencies", {})[dep.label] = dep.label
                names = [name.format(**artifact_context(dep.attributes)) for name in upstream.get("artifacts", [])]
                if names:
                    task.setdefault("fetches", {})[dep.label] = [
                        {"artifact": name, "extract": False} for name in names
                    ]
                if "dataset" in dep.attributes:
                    files.append(f"$MOZ_FETCHES_DIR/{sanitize(dep.attributes['dataset'])}")
            if upstream.get("inputs-var"):
                context[upstream["inputs-var"]] = " ".join(files)
        yield task
