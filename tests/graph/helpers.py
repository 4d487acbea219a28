"""Shared by the graph tests: a copy of the repository, and the Train action run offline."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("taskcluster", "pipeline", "configs", "docs"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "tests" / "data" / "ci", root / "tests" / "data" / "ci")
    for name in ("pyproject.toml", "requirements.lock", ".taskcluster.yml"):
        shutil.copy(REPO / name, root)
    return root


TRAIN_INPUT = {
    "experiment": {"name": "action", "src": "en", "trg": "de", "vocab-size": 1000},
    "datasets": {
        "train": ["file_tests/data/ci/train-a.[LANG].zst"],
        "devtest": ["file_tests/data/ci/devtest.[LANG].zst"],
        "test": ["file_tests/data/ci/test.[LANG].zst"],
    },
    "target-stage": "train-vocab",
}
# The tasks the Train action creates for TRAIN_INPUT.
TRAIN_INPUT_LABELS = {
    "docker-image-train",
    "dataset-en-de-file_tests_data_ci_train-a_LANG_zst",
    "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst",
    "merge-corpus-en-de",
    "train-vocab-en-de",
}


def train_action(tmp_path: Path, action_input: dict, root_url: str | None = None) -> subprocess.CompletedProcess:
    """`taskgraph test-action-callback` in a copy of the repo (it writes artifacts/ there).

    With `root_url` (a loopback fake), Queue and Index calls go there; without it, the
    index lookups of cached tasks are switched off.
    """
    root = copy_repo(tmp_path)
    (tmp_path / "input.yml").write_text(json.dumps(action_input))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TASK_ID": "fakeActionTaskId000000",
        **({"TASKCLUSTER_ROOT_URL": root_url} if root_url else {"TASKGRAPH_OPTIMIZE_STRATEGIES": "translations_taskgraph.optimize:OFFLINE"}),
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "taskgraph"), "test-action-callback",
         "-p", "taskcluster/test/params/ci.yml", "--task-group-id", "fakeDecisionTaskId0000",
         "--input", str(tmp_path / "input.yml"), "train"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
