"""Depend on, and fetch artifacts from, the tasks of earlier kinds.

    upstreams:
      - kind: clean-corpus
        categories: [train]        # only upstream tasks of these dataset categories
        match: [dataset]           # upstream attributes that must equal this task's
        with-attributes: {side: trg}   # upstream attributes that must have these values
        artifacts: ["{dataset_file}.{src}.zst"]   # formatted per upstream task (its values
                                                  # first, then this task's)
        dest: "teacher-{member}"   # optional: fetch into $MOZ_FETCHES_DIR/<dest>/
        list-var: inputs           # optional: render context gets one list-item per upstream,
        list-item: "$MOZ_FETCHES_DIR/{dataset_file}"   # formatted like artifacts, space-separated
        arg: "--backtranslated $MOZ_FETCHES_DIR/mono-bt"   # with arg-var: render context gets
        arg-var: bt_args                                   # this when an upstream matched, else ""
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
    with_attributes: Optional[dict] = None
    dest: Optional[str] = None
    list_var: Optional[str] = None
    list_item: Optional[str] = None
    arg: Optional[str] = None
    arg_var: Optional[str] = None
    optional: bool = False


class UpstreamsSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    upstreams: Optional[list[Upstream]] = None


transforms = TransformSequence()
transforms.add_validate(UpstreamsSchema)


def artifact_context(attributes: dict) -> dict:
    """Values an artifact name may use: {src}, {trg}, {dataset_file}, {member}, {this_chunk}."""
    context = {"src": attributes["src_locale"], "trg": attributes["trg_locale"]}
    if "dataset" in attributes:
        context["dataset_file"] = sanitize(attributes["dataset"])
    for name in ("member", "this_chunk"):
        if name in attributes:
            context[name] = attributes[name]
    return context


class _Candidates:
    """The kind-dependency tasks, indexed by kind and by the attributes a `match` names,
    so each task finds its upstreams without scanning them all. A continuation task counts
    as a task of each kind it `replaces`."""

    def __init__(self, config):
        self.tasks = list(config.kind_dependencies_tasks.values())
        self.indexes: dict[tuple, dict[tuple, list]] = {}

    def find(self, kind: str, match: tuple[str, ...], attributes: dict) -> list:
        index = self.indexes.get((kind, match))
        if index is None:
            index = self.indexes[(kind, match)] = {}
            for dep in self.tasks:
                if kind == dep.kind or kind in dep.attributes.get("replaces", ()):
                    key = tuple(dep.attributes.get(name) for name in ("src_locale", "trg_locale", *match))
                    index.setdefault(key, []).append(dep)
        return index.get(tuple(attributes.get(name) for name in ("src_locale", "trg_locale", *match)), [])


def _matching(candidates: _Candidates, task: dict, upstream: dict) -> list:
    deps = candidates.find(upstream["kind"], tuple(upstream.get("match", [])), task["attributes"])
    categories, wanted = upstream.get("categories"), upstream.get("with-attributes") or {}
    return [
        dep
        for dep in deps
        if (not categories or dep.attributes.get("dataset-category") in categories)
        and all(dep.attributes.get(name) == value for name, value in wanted.items())
    ]


@transforms.add
def add_upstreams(config, tasks):
    candidates = _Candidates(config)
    for task in tasks:
        render_context = task.setdefault("render-context", {})
        for upstream in task.pop("upstreams", []):
            deps = sorted(_matching(candidates, task, upstream), key=lambda dep: dep.label)
            if not deps and not upstream.get("optional"):
                raise Exception(f"{config.kind}-{task['name']}: no upstream task of kind {upstream['kind']}")
            items = []
            for dep in deps:
                task.setdefault("dependencies", {})[dep.label] = dep.label
                # The upstream's values, else this task's (a chunk task fetches its own chunk).
                values = {**artifact_context(task["attributes"]), **artifact_context(dep.attributes)}
                dest = {"dest": upstream["dest"].format(**values)} if upstream.get("dest") else {}
                names = [name.format(**values) for name in upstream.get("artifacts", [])]
                if names:  # two entries may name the same task (a continuation standing in for two kinds)
                    task.setdefault("fetches", {}).setdefault(dep.label, []).extend(
                        {"artifact": name, "extract": False, **dest} for name in names
                    )
                if upstream.get("list-item"):
                    items.append(upstream["list-item"].format(**values))
            if upstream.get("list-var"):
                render_context[upstream["list-var"]] = " ".join(items)
            if upstream.get("arg-var"):
                render_context[upstream["arg-var"]] = upstream["arg"] if deps else ""
        yield task
