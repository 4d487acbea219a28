"""Mark the tasks named in `taskcluster.interactive` as docker-worker interactive tasks.

taskgraph's docker-worker payload has no `interactive` key (unknown worker keys are
dropped), so this runs after the task transforms, on the final task definition.
"""

from taskgraph.transforms.base import TransformSequence

from translations_taskgraph import training_config

SCOPE = "docker-worker:feature:interactive"

transforms = TransformSequence()


@transforms.add
def interactive(config, tasks):
    prefixes = tuple(training_config.get(config.params)["taskcluster"]["interactive"])
    for task in tasks:
        if prefixes and task["label"].startswith(prefixes):
            task["task"]["payload"].setdefault("features", {})["interactive"] = True
            task["task"]["scopes"].append(SCOPE)
            task["attributes"]["interactive"] = True
        yield task
