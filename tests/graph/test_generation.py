"""How the graph is generated: register() has taskgraph load the kinds in one process
(TASKGRAPH_SERIAL) unless told otherwise, and the graph does not depend on it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

import translations_taskgraph
from tests.conftest import REPO

TASKGRAPH = str(Path(sys.executable).parent / "taskgraph")


def test_register_loads_the_kinds_in_one_process_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("TASKGRAPH_SERIAL", raising=False)
    monkeypatch.delenv("TASKGRAPH_USE_THREADS", raising=False)
    translations_taskgraph.register(None)
    assert os.environ["TASKGRAPH_SERIAL"] == "1"

    monkeypatch.setenv("TASKGRAPH_SERIAL", "")  # a process per kind again
    translations_taskgraph.register(None)
    assert os.environ["TASKGRAPH_SERIAL"] == ""

    monkeypatch.delenv("TASKGRAPH_SERIAL")
    monkeypatch.setenv("TASKGRAPH_USE_THREADS", "1")
    translations_taskgraph.register(None)
    assert "TASKGRAPH_SERIAL" not in os.environ


def test_one_process_and_a_process_per_kind_generate_the_same_graph(tmp_path):
    params = yaml.safe_load((REPO / "taskcluster" / "test" / "params" / "ci.yml").read_text())
    # A fixed build date: the cached tasks' index routes carry it.
    (tmp_path / "params.yml").write_text(yaml.safe_dump({**params, "build_date": 1_700_000_000}))
    graphs = {}
    for serial in ("1", ""):
        result = subprocess.run(
            [TASKGRAPH, "full", "--json", "-p", str(tmp_path / "params.yml")],
            cwd=REPO, env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TASKGRAPH_SERIAL": serial},
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        graphs[serial] = json.loads(result.stdout)
    assert len(graphs["1"]) == 43
    assert graphs["1"] == graphs[""]
