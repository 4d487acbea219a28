"""The Train action against a loopback Queue/Index/Hooks: reruns, and triggering it."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TRANSLATIONS
from tests.fake_taskcluster import FakeTask, FakeTaskcluster
from tests.graph.helpers import TRAIN_INPUT, train_action

DATASET = "dataset-en-de-file_tests_data_ci_train-a_LANG_zst"
CLEAN = "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst"
MERGE = "merge-corpus-en-de"
VOCAB = "train-vocab-en-de"


@pytest.fixture
def taskcluster():
    fake = FakeTaskcluster()
    yield fake
    fake.close()


def created_labels(stdout: str) -> set[str]:
    return set(re.findall(r'"label": "([^"]+)"', stdout))


def label_to_taskid(tmp_path) -> dict[str, str]:
    return json.loads((tmp_path / "repo" / "artifacts" / "label-to-taskid.json").read_text())


def first_group(fake: FakeTaskcluster) -> None:
    """An earlier run: the image and data tasks completed, the vocabulary failed.

    (A task is only replaced when all its ancestors are, the docker image included.)
    """
    fake.add(FakeTask("ImageTask00000000000001", "docker-image-train", "Group1xxQ0C0000000001A", dependencies=["Decision0000000000000001"]))
    fake.add(FakeTask("DatasetTask000000000001", DATASET, "Group1xxQ0C0000000001A", dependencies=["ImageTask00000000000001"]))
    fake.add(FakeTask("CleanTask00000000000001", CLEAN, "Group1xxQ0C0000000001A", dependencies=["DatasetTask000000000001"]))
    fake.add(FakeTask("MergeTask00000000000001", MERGE, "Group1xxQ0C0000000001A", dependencies=["CleanTask00000000000001"]))
    fake.add(FakeTask("VocabTask00000000000001", VOCAB, "Group1xxQ0C0000000001A", state="failed", dependencies=["MergeTask00000000000001"]))
    fake.add(FakeTask("Decision0000000000000001", "Decision Task", "Group1xxQ0C0000000001A"))


def test_previous_group_ids_reuse_completed_tasks(tmp_path, taskcluster):
    first_group(taskcluster)
    result = train_action(tmp_path, {**TRAIN_INPUT, "previous-group-ids": ["Group1xxQ0C0000000001A"]}, root_url=taskcluster.root_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert created_labels(result.stdout) == {VOCAB}
    mapping = label_to_taskid(tmp_path)
    assert (mapping[DATASET], mapping[CLEAN], mapping[MERGE]) == (
        "DatasetTask000000000001", "CleanTask00000000000001", "MergeTask00000000000001",
    )
    assert "GET /api/queue/v1/task-group/Group1xxQ0C0000000001A/list" in taskcluster.requests
    assert "POST /api/index/v1/tasks/indexes" in taskcluster.requests  # cached tasks were looked up too


def test_a_later_group_brings_the_ancestors_it_reused(tmp_path, taskcluster):
    first_group(taskcluster)
    taskcluster.add(FakeTask("VocabTask00000000000002", VOCAB, "Group2xxQ0C0000000002A", dependencies=["MergeTask00000000000001"]))
    result = train_action(tmp_path, {**TRAIN_INPUT, "previous-group-ids": ["Group2xxQ0C0000000002A"]}, root_url=taskcluster.root_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert created_labels(result.stdout) == set()
    assert label_to_taskid(tmp_path)[VOCAB] == "VocabTask00000000000002"
    assert label_to_taskid(tmp_path)[DATASET] == "DatasetTask000000000001"


def test_start_task_prefix_reruns_it_and_everything_downstream(tmp_path, taskcluster):
    first_group(taskcluster)
    action_input = {**TRAIN_INPUT, "previous-group-ids": ["Group1xxQ0C0000000001A"], "start-task-prefix": "clean-corpus-"}
    result = train_action(tmp_path, action_input, root_url=taskcluster.root_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert created_labels(result.stdout) == {CLEAN, MERGE, VOCAB}
    assert label_to_taskid(tmp_path)[DATASET] == "DatasetTask000000000001"


def test_existing_tasks_are_reused_only_with_their_ancestors(tmp_path):
    given = {DATASET: "GivenTskQ0C0000000001A", MERGE: "GivenTskQ0C0000000002A"}
    result = train_action(tmp_path, {**TRAIN_INPUT, "existing-tasks": {**given, "docker-image-train": "GivenImgQ0C0000000001A"}})
    assert result.returncode == 0, result.stderr[-3000:]
    # merge-corpus is not replaced: its upstream clean-corpus was not.
    assert created_labels(result.stdout) == {CLEAN, MERGE, VOCAB}
    assert label_to_taskid(tmp_path)[DATASET] == "GivenTskQ0C0000000001A"


def test_translations_train_triggers_the_train_hook(tmp_path, taskcluster):
    actions = subprocess.run(
        [str(Path(sys.executable).parent / "taskgraph"), "actions", "-p", "taskcluster/test/params/ci.yml"],
        cwd=REPO, capture_output=True, text=True, env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )
    assert actions.returncode == 0, actions.stderr[-2000:]
    decision = taskcluster.add(FakeTask("DecisionTask0000000001", "Decision Task", "DecisionTask0000000001"))
    decision.artifacts[(0, "public/actions.json")] = actions.stdout.encode()
    env = {"TASKCLUSTER_ROOT_URL": taskcluster.root_url, "TASKCLUSTER_CLIENT_ID": "tester", "TASKCLUSTER_ACCESS_TOKEN": "x"}
    result = subprocess.run(
        [TRANSLATIONS, "train", "configs/ci.yml", "--task-group", decision.task_id, "--previous-group-ids", "Group1xxQ0C0000000001A"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == f"triggered the Train action: task ActionTask000000000001 in group {decision.task_id}\n"
    ((group, hook, payload),) = taskcluster.triggered
    tc_yml_hash = hashlib.sha256((REPO / ".taskcluster.yml").read_bytes()).hexdigest()[:10]
    assert (group, hook) == ("project-translations", f"in-tree-action-1-train/{tc_yml_hash}")
    assert payload["user"]["taskGroupId"] == decision.task_id
    assert payload["user"]["input"]["previous-group-ids"] == ["Group1xxQ0C0000000001A"]
    assert payload["user"]["input"]["experiment"]["name"] == "ci"
    assert payload["decision"]["action"]["cb_name"] == "train"
