"""Fill each `continuation` task from the config, or drop it when its item is not set:
its files' locations go in the environment (not digested), their identities in the
command (digested), and `replaces` names the kinds it stands in for."""

import json
import shlex

from taskgraph.transforms.base import TransformSequence

from pipeline.common.contract import CONTINUATION_ENV
from pipeline.common.errors import UserError
from translations_taskgraph import continuation, training_config

transforms = TransformSequence()


@transforms.add
def fill_continuation(config, tasks):
    tc = training_config.get(config.params)
    configured = continuation.items(tc)
    if config.kind == "continuation" and (problems := continuation.problems(tc)):
        raise UserError("\n".join(problems))  # `translations` and the Train action say so before the graph
    for task in tasks:
        name = task.pop("continuation", None)
        if name is None:
            yield task
            continue
        if name not in configured:
            continue
        item = configured[name]
        found = continuation.files(name, item, tc, task["attributes"].get("member"))
        task["attributes"].update(continuation=name, replaces=continuation.replaces(name, item))
        if isinstance(item, dict) and "mode" in item:
            task["attributes"].update({"continuation-mode": item["mode"], "model-type": item["type"]})
        task.setdefault("worker", {}).setdefault("env", {})[CONTINUATION_ENV] = json.dumps(found, sort_keys=True)
        mirror = tc["taskcluster"]["data-mirror"]
        expected = [f"{artifact}={continuation.identity(location, mirror)}" for artifact, location in sorted(found.items())]
        task.setdefault("render-context", {})["expected"] = " ".join(f"--expect {shlex.quote(line)}" for line in expected)
        yield task
