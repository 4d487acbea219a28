"""Make every pipeline task a cached task whose digest covers exactly its inputs.

taskgraph's cached_tasks hashes `cache.digest-data` literally, plus the digests of the
task's dependencies. We put in it: the rendered command, the env the kind sets, the
contents of the files the step uses (`cache-resources` globs, relative to the repo
root) and the docker image's digest. Unrelated files do not count, and neither does the
revision, so a task is reused across commits until one of its inputs changes.
The local executor's store uses the same digests.
"""

import functools
import hashlib
import json
from pathlib import Path
from typing import Optional

from taskgraph.transforms.base import TransformSequence
from taskgraph.util.schema import Schema

from pipeline.common.contract import CONTINUATION_ENV, MIRROR_ENV, TRACKING_ENV

CACHE_TYPE = "translations-v1"
# A mirror serves the upstream's bytes: switching to one must not rerun the pipeline; a
# continuation's files are digested by their identities (in the command), not their places;
# where curves and scores are published changes no result.
NOT_DIGESTED = (MIRROR_ENV, CONTINUATION_ENV, TRACKING_ENV)
# Every step uses pipeline/common and the locked libraries; kinds list their own step's files.
COMMON_RESOURCES = ("pipeline/common/*.py", "requirements.lock")


class CacheSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    cache_resources: Optional[list[str]] = None


transforms = TransformSequence()
transforms.add_validate(CacheSchema)


@functools.lru_cache(maxsize=None)
def _matches(root: str, pattern: str) -> tuple[Path, ...]:
    return tuple(path for path in Path(root).glob(pattern) if path.is_file() and "__pycache__" not in path.parts)


@functools.lru_cache(maxsize=None)
def _sha256(path: Path) -> str:
    """Every kind lists the common files: each is read once per process."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=None)
def _file_hashes(root: str, patterns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    files = sorted({path for pattern in patterns for path in _matches(root, pattern)})
    if not files:
        raise Exception(f"cache-resources {list(patterns)} match no file under {root}")
    return tuple((str(path.relative_to(root)), _sha256(path)) for path in files)


def file_hashes(root: str, patterns: tuple[str, ...]) -> dict[str, str]:
    """{path relative to the repo root: sha256} of the files matching the globs."""
    return dict(_file_hashes(root, patterns))


def _image_digests(config) -> dict[str, str]:
    return {
        task.attributes["image_name"]: task.attributes["cached_task"]["digest"]
        for task in config.kind_dependencies_tasks.values()
        if task.kind == "docker-image"
    }


@transforms.add
def add_cache(config, tasks):
    root = str(Path(config.graph_config.root_dir).resolve().parent)
    images = _image_digests(config)
    for task in tasks:
        inputs = {
            "command": task["run"]["command"],
            "env": {name: value for name, value in task["worker"].get("env", {}).items() if name not in NOT_DIGESTED},
            "files": file_hashes(root, COMMON_RESOURCES + tuple(task.pop("cache-resources", []))),
            "docker-image": images[task["worker"]["docker-image"]["in-tree"]],
        }
        # Kept on the task so `translations cache explain` can say which input changed.
        task["attributes"]["cache-inputs"] = inputs
        task["cache"] = {
            "type": CACHE_TYPE,
            "name": f"{config.kind}-{task['name']}",
            "digest-data": [json.dumps(inputs, sort_keys=True)],
        }
        yield task
