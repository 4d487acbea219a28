"""Fill each task's command and description from the training config, set its stage,
and give it the defaults every pipeline task shares (image, artifacts, run-task).

Commands use Python format fields: {src}, {trg}, {vocab_size}, {best_model},
{student_model}, {cefilter_drop}, {chunks}, {config_json} (the whole training config),
{dataset}, {dataset_file}, {member}, {marian_args[<purpose>]} (shell-quoted options)
and whatever `upstreams` added. Shell variables are written `$VAR`, never `${VAR}`.
"""

import json
import shlex
from typing import Optional

from taskgraph.transforms.base import TransformSequence
from taskgraph.util.schema import Schema

from pipeline.common.contract import options_to_args
from translations_taskgraph import config as config_schema
from translations_taskgraph import continuation, training_config
from translations_taskgraph.transforms.upstreams import artifact_context

ARTIFACTS_DIR = "/builds/worker/artifacts"


class RenderSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    stage: str
    render_context: Optional[dict] = None


transforms = TransformSequence()
transforms.add_validate(RenderSchema)


def _config_context(tc: dict) -> dict:
    """The values every task of a kind shares (the config's, rendered once per kind)."""
    return {
        "vocab_size": tc["experiment"]["vocab-size"],
        "best_model": tc["experiment"]["best-model"],
        "teacher_mode": tc["experiment"]["teacher-mode"],
        "teacher_modifiers": shlex.quote(json.dumps(tc["experiment"]["teacher-modifiers"])),
        "student_model": tc["experiment"]["student-model"],
        "cefilter_drop": tc["experiment"]["cefilter-drop"],
        "config_json": shlex.quote(json.dumps(config_schema.without_run_sections(continuation.identified(tc)), sort_keys=True)),
        "chunks": tc["taskcluster"]["split-chunks"],
        "corpus_max_sentences": tc["experiment"]["corpus-max-sentences"],
        "cleaning_filters": tc["experiment"]["cleaning-filters"],
        "mono_max_sentences_src": tc["experiment"]["mono-max-sentences-src"],
        "mono_max_sentences_trg": tc["experiment"]["mono-max-sentences-trg"],
        "marian_args": {
            purpose: shlex.join(options_to_args(options)) for purpose, options in tc["marian-args"].items()
        },
    }


def _context(config_context: dict, task: dict) -> dict:
    attributes = task["attributes"]
    context = {**artifact_context(attributes), **config_context, **task.pop("render-context", {})}
    if "dataset" in attributes:
        context["dataset"] = attributes["dataset"]
    return context


def _shell_quoted(context: dict) -> dict:
    """Values from the user (dataset keys) are quoted before they enter a command."""
    return {**context, "dataset": shlex.quote(context["dataset"])} if "dataset" in context else context


@transforms.add
def render(config, tasks):
    config_context = _config_context(training_config.get(config.params))
    for task in tasks:
        stage = task.pop("stage")
        if stage not in config_schema.STAGES:
            raise Exception(f"{config.kind}-{task['name']}: stage {stage!r} is not one of {config_schema.STAGES}")
        task["attributes"]["stage"] = stage
        context = _context(config_context, task)
        task["description"] = task["description"].format(**context)
        run = task["run"]
        run["command"] = " ".join(run["command"].split()).format(**_shell_quoted(context))
        run.setdefault("using", "run-task")
        run.setdefault("cwd", "{checkout}")
        worker = task.setdefault("worker", {})
        worker.setdefault("docker-image", {"in-tree": "train"})
        worker.setdefault("artifacts", [{"name": "public/build", "path": ARTIFACTS_DIR, "type": "directory"}])
        yield task
