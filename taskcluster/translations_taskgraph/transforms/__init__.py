"""The transform sequence every pipeline kind uses, as one entry in kind.yml:

    transforms:
      - translations_taskgraph.transforms:pipeline

Our small transforms first (each one concern), then taskgraph's run, cached_tasks and
task transforms, in the order taskgraph needs: `cache` is set before `run`, and
`cached_tasks` must run after `run` (fetch dependencies exist) and before `task`;
`interactive` edits the final task definitions.
"""

from taskgraph.transforms import cached_tasks, run, task
from taskgraph.transforms.base import TransformSequence

from translations_taskgraph.transforms import cache, continuation, fan_out, interactive, render, upstreams, worker

pipeline = TransformSequence()
for sequence in (
    fan_out.transforms,
    continuation.transforms,
    upstreams.transforms,
    render.transforms,
    worker.transforms,
    cache.transforms,
    run.transforms,
    cached_tasks.transforms,
    task.transforms,
    interactive.transforms,
):
    pipeline.add(sequence)
