"""`.taskcluster.yml` rendered with JSON-e for each context Taskcluster renders it in."""

import json

import jsone
import jsonschema
import pytest
import slugid
import yaml

from tests.conftest import REPO

TC_YML = yaml.safe_load((REPO / ".taskcluster.yml").read_text())
SCHEMA = yaml.safe_load((REPO / "tests" / "data" / "schemas" / "taskcluster-github-config.v1.yml").read_text())
REQUIRED = {"taskGroupId", "schedulerId", "provisionerId", "workerType", "created", "deadline", "expires", "metadata", "payload", "scopes", "routes"}
REPO_URL = "https://github.com/acme/translations"
SHA = "a" * 40


def render(context: dict) -> list[dict]:
    slugs: dict[str, str] = {}
    context = {
        "taskcluster_root_url": "https://tc.example.org",
        "as_slugid": lambda name: slugs.setdefault(name, slugid.nice()),
        **context,
    }
    return [task for task in jsone.render(TC_YML, context)["tasks"] if task]


def push(ref: str = "refs/heads/main") -> dict:
    return {
        "tasks_for": "github-push",
        "event": {
            "ref": ref, "before": "b" * 40, "after": SHA, "pusher": {"email": "dev@example.org"},
            "repository": {"html_url": REPO_URL, "name": "translations"},
        },
    }


def pull_request(action: str = "opened") -> dict:
    repo = {"html_url": REPO_URL, "name": "translations", "full_name": "acme/translations"}
    return {
        "tasks_for": "github-pull-request",
        "event": {
            "action": action,
            "pull_request": {
                "number": 7, "user": {"login": "dev"},
                "base": {"ref": "main", "sha": "b" * 40, "repo": repo},
                "head": {"ref": "feature", "sha": SHA, "repo": repo},
            },
        },
    }


def action(level: str = "3") -> dict:
    return {
        "tasks_for": "action",
        "action": {
            "name": "train", "title": "Train", "description": "Train a model", "taskGroupId": "DECISION_GROUP",
            "symbol": "train", "cb_name": "train", "repo_scope": "assume:repo:github.com/acme/translations:action:train",
            "action_perm": "train",
        },
        "push": {"branch": "main", "revision": SHA, "owner": "dev@example.org", "pushlog_id": "0"},
        "repository": {"url": REPO_URL, "project": "translations", "level": level},
        "input": {"target-stage": "train-teacher"},
        "parameters": {},
        "taskId": None,
        "taskGroupId": "DECISION_GROUP",
        "ownTaskId": "ACTION_TASK",
        "clientId": "static/taskcluster/github",
    }


def test_file_matches_the_github_config_schema():
    jsonschema.validate(TC_YML, SCHEMA)


@pytest.mark.parametrize("context", [push(), pull_request(), action()], ids=["push", "pull-request", "action"])
def test_each_context_renders_one_complete_decision_task(context):
    (task,) = render(context)
    assert REQUIRED <= set(task)
    assert task["payload"]["command"][:3] == ["run-task", "--translations-checkout=/builds/worker/checkouts/src", "--"]
    env = task["payload"]["env"]
    assert env["TRANSLATIONS_HEAD_REV"] == SHA and env["TRANSLATIONS_HEAD_REPOSITORY"] == REPO_URL
    assert env["TRANSLATIONS_PIP_REQUIREMENTS"] == "taskcluster/requirements.txt"
    json.dumps(task)  # nothing unrendered or unserializable is left


def test_push_decision_task():
    (task,) = render(push())
    assert task["taskId"] == task["taskGroupId"]
    assert task["schedulerId"] == "translations-level-3" and task["provisionerId"] == "translations-3"
    assert task["scopes"] == ["assume:repo:github.com/acme/translations:branch:main"]
    assert "index.translations.v2.translations.latest.taskgraph.decision" in task["routes"]
    command = task["payload"]["command"][-1]
    assert "taskgraph decision" in command and "--tasks-for='github-push'" in command and "--level='3'" in command


def test_pushes_to_other_branches_create_nothing():
    assert render(push("refs/heads/feature")) == []


def test_pull_request_runs_untrusted():
    (task,) = render(pull_request())
    assert task["schedulerId"] == "translations-level-1"
    assert task["scopes"] == ["assume:repo:github.com/acme/translations:pull-request"]
    assert render(pull_request("closed")) == []


@pytest.mark.parametrize("level", ["1", "3"])
def test_action_task_takes_its_level_from_the_repository(level):
    (task,) = render(action(level))
    assert "taskId" not in task and task["taskGroupId"] == "DECISION_GROUP"
    assert task["provisionerId"] == f"translations-{level}"
    assert task["scopes"] == ["assume:repo:github.com/acme/translations:action:train"]
    env = task["payload"]["env"]
    assert env["ACTION_CALLBACK"] == "train" and json.loads(env["ACTION_INPUT"]) == {"target-stage": "train-teacher"}
    assert task["payload"]["command"][-1].endswith("taskgraph action-callback")
    assert task["extra"]["action"]["name"] == "train"
