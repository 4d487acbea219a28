"""The decision and action tasks run in taskgraph's decision image with only
`taskcluster/requirements.txt` added: graph generation, the Train action and its
preflight must work with exactly those packages.

Nothing is installed (tests stay offline): a `sitecustomize` first on PYTHONPATH puts a
finder first on `sys.meta_path` that refuses every top-level module other than the
standard library, our own packages and the distributions of the requirements file with
their dependencies, as `ModuleNotFoundError`, like a package that is not installed.
"""

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

from tests.conftest import REPO
from tests.graph.helpers import TRAIN_INPUT, TRAIN_INPUT_LABELS, copy_repo
from tests.graph.test_graph import CI_LABELS

SITECUSTOMIZE = """
import sys

ALLOWED = frozenset({allowed!r})


class OnlyDecisionRequirements:
    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top not in ALLOWED:
            raise ModuleNotFoundError(
                f"No module named {{top!r}} (not in taskcluster/requirements.txt)", name=top
            )
        return None


sys.meta_path.insert(0, OnlyDecisionRequirements())
"""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def decision_distributions() -> set[str]:
    """The distributions of taskcluster/requirements.in and everything they require."""
    lines = (REPO / "taskcluster" / "requirements.in").read_text().splitlines()
    todo = [Requirement(line).name for line in lines if line.strip() and not line.startswith("#")]
    found: set[str] = set()
    while todo:
        name = _normalize(todo.pop())
        if name in found:
            continue
        found.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if not requirement.marker or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def allowed_modules() -> set[str]:
    distributions = decision_distributions()
    third_party = {
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if any(_normalize(dist) in distributions for dist in dists)
    }
    return set(sys.stdlib_module_names) | third_party | {"pipeline", "translations_taskgraph"}


def decision_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "decision-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(allowed=sorted(allowed_modules())))
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(site)}


def test_the_blocker_refuses_what_the_requirements_lack(tmp_path):
    probe = "import yaml, msgspec, jsonschema, langcodes, taskgraph, requests\nimport zstandard"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=decision_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: No module named 'zstandard' (not in taskcluster/requirements.txt)"
    )


def test_taskgraph_full_with_only_the_decision_requirements(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "taskgraph"), "full", "-p", "taskcluster/test/params/ci.yml"],
        cwd=REPO, env=decision_env(tmp_path), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(result.stdout.split()) == CI_LABELS | {"docker-image-train"}


def test_train_action_with_only_the_decision_requirements(tmp_path, data_server):
    """The action checks every dataset (a file in the checkout, a URL on loopback), then creates the graph."""
    data_server.put("corpus.en", "Hello\n")
    data_server.put("corpus.de", "Hallo\n")
    url_key = f"url_{data_server.url}/corpus.[LANG]"
    action_input = {**TRAIN_INPUT, "datasets": {**TRAIN_INPUT["datasets"], "test": [url_key]}}
    root = copy_repo(tmp_path)
    (tmp_path / "input.yml").write_text(json.dumps(action_input))
    env = {
        **decision_env(tmp_path),
        "TASK_ID": "fakeActionTaskId000000",
        "TASKGRAPH_OPTIMIZE_STRATEGIES": "translations_taskgraph.optimize:OFFLINE",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "taskgraph"), "test-action-callback",
         "-p", "taskcluster/test/params/ci.yml", "--task-group-id", "fakeDecisionTaskId0000",
         "--input", str(tmp_path / "input.yml"), "train"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(data_server.requests) == ["HEAD /corpus.de", "HEAD /corpus.en"]
    labels = set(re.findall(r'"label": "([^"]+)"', result.stdout))
    assert labels == TRAIN_INPUT_LABELS
