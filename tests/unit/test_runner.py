"""The task runner every store-sharing engine runs (`python -m translations_taskgraph.local.runner JOB`)."""

import json
import subprocess
import sys

from translations_taskgraph.local.runner import failure, write_job
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import Fetch, LocalTask


def job(store: Store, label: str, script: str, fetches=(), upstreams=None) -> subprocess.CompletedProcess:
    task = LocalTask(label=label, kind="k", digest=f"digest-{label}", command=["bash", "-c", script], env={},
                     dependencies=sorted(upstreams or {}), fetches=list(fetches))
    path = write_job(store, task, {"label": label, "command": task.command, "upstreams": upstreams or {}})
    return subprocess.run([sys.executable, "-m", "translations_taskgraph.local.runner", str(path)], capture_output=True, text=True)


def test_a_task_runs_in_its_directory_and_its_result_is_committed(tmp_path):
    store = Store(tmp_path / "runs")
    assert job(store, "make", 'echo made > "$TASK_WORKDIR/artifacts/out.txt"; echo working').returncode == 0
    assert (store.artifacts("digest-make") / "out.txt").read_text() == "made\n"
    assert "working" in (store.result("digest-make") / "log.txt").read_text()
    assert store.record("digest-make")["files"]["out.txt"]["size"] == 5
    assert not store.work_dir("digest-make").exists()

    use = job(store, "use", 'cat "$MOZ_FETCHES_DIR/out.txt" > "$TASK_WORKDIR/artifacts/copy.txt"',
              [Fetch("make", "out.txt")], {"make": "digest-make"})
    assert use.returncode == 0
    assert (store.artifacts("digest-use") / "copy.txt").read_text() == "made\n"


def test_a_failure_is_recorded_with_its_reason_and_nothing_is_stored(tmp_path):
    store = Store(tmp_path / "runs")
    assert job(store, "fail", "exit 3").returncode == 3
    assert failure(store.work_dir("digest-fail")) == {"code": 3, "reason": "exited 3"}
    assert not store.has("digest-fail")

    missing = job(store, "orphan", "true", [Fetch("gone", "x.txt")], {"gone": "digest-gone"})
    assert missing.returncode == 2
    reason = failure(store.work_dir("digest-orphan"))["reason"]
    assert reason.startswith("could not start: orphan fetches from gone, whose stored result is damaged")
    assert json.loads((store.work_dir("digest-orphan") / "exit.json").read_text())["code"] == 2
