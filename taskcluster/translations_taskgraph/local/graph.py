"""Generate the task graph for a training config in-process, with our own parameters.

`translations graph|run` never need a GitHub remote or environment variables: the
parameters are built here, with the real remote when it is on GitHub and a placeholder
otherwise (taskgraph only uses it for task metadata).
"""

import subprocess
import time
from pathlib import Path

from taskgraph.generator import TaskGraphGenerator
from taskgraph.parameters import Parameters

REPO_ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER_REPOSITORY = "https://github.com/translations-pipeline/translations"


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return ""


def _repository_url() -> str:
    url = _git("remote", "get-url", "origin")
    if url.startswith("git@github.com:"):
        url = "https://github.com/" + url.split(":", 1)[1]
    return url.removesuffix(".git") if url.startswith("https://github.com/") else PLACEHOLDER_REPOSITORY


def parameters(config: dict, target_stage: str | None = None) -> Parameters:
    if target_stage:
        config = {**config, "target-stage": target_stage}
    repository = _repository_url()
    revision = _git("rev-parse", "HEAD") or "0" * 40
    now = time.time()
    return Parameters(
        base_repository=repository,
        head_repository=repository,
        base_rev=revision,
        head_rev=revision,
        head_ref=_git("rev-parse", "--abbrev-ref", "HEAD") or "local",
        base_ref="",
        files_changed=[],
        build_date=int(now),
        build_number=1,
        do_not_optimize=[],
        enable_always_target=True,
        existing_tasks={},
        filters=["target_tasks_method"],
        head_tag="",
        moz_build_date=time.strftime("%Y%m%d%H%M%S", time.gmtime(now)),
        next_version=None,
        optimize_strategies=None,
        optimize_target_tasks=True,
        pushdate=int(now),
        pushlog_id="0",
        version=None,
        level="1",
        project="translations",
        owner="local@localhost",
        tasks_for="local",
        repository_type="git",
        target_tasks_method="train-target-stage",
        training_config=config,
    )


def generator(config: dict, target_stage: str | None = None, root: Path = REPO_ROOT) -> TaskGraphGenerator:
    return TaskGraphGenerator(root_dir=str(root / "taskcluster"), parameters=parameters(config, target_stage))


def target_graph(config: dict, target_stage: str | None = None):
    """The tasks of `target-stage` plus all their ancestors (a taskgraph TaskGraph)."""
    return generator(config, target_stage).target_task_graph
