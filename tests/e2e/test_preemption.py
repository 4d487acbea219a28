"""A training task rerun after a preemption continues from its previous run's checkpoint,
downloaded from a loopback Queue that serves the first run's artifacts."""

import os
import re
import subprocess
import sys

import yaml

from tests.conftest import REPO, run_cli
from tests.fake_taskcluster import FakeTask, FakeTaskcluster
from pipeline.train.previous_run import OPTIONAL, REQUIRED


def test_rerun_continues_from_the_previous_runs_checkpoint(tmp_path):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["marian-args"]["training-teacher"].update({"after-batches": 100, "save-freq": 50, "valid-freq": 50})
    (tmp_path / "ci.yml").write_text(yaml.safe_dump(config))
    first = run_cli("run", str(tmp_path / "ci.yml"), "--target-stage", "train-teacher", "--workdir", str(tmp_path / "runs"))
    assert first.returncode == 0, first.stderr[-3000:]
    results = tmp_path / "runs" / "ci"
    run0 = results / "train-teacher-en-de-1" / "artifacts"
    assert "Up. 100" in (run0 / "train.log").read_text()

    fake = FakeTaskcluster()
    task = fake.add(FakeTask("TrainTask00000000000001", "train-teacher-en-de-1", "Group1"))
    for name in REQUIRED + OPTIONAL:
        if (run0 / name).exists():
            task.artifacts[(0, f"public/build/{name}")] = (run0 / name).read_bytes()
    out = tmp_path / "run1" / "artifacts"
    env = {**os.environ, "RUN_ID": "1", "TASK_ID": task.task_id, "TASKCLUSTER_ROOT_URL": fake.root_url}
    options = {**config["marian-args"]["training-teacher"], "after-batches": 200, "save-freq": 50, "valid-freq": 50}
    marian_args = [arg for key, value in options.items() for arg in (f"--{key}", str(value))]
    second = subprocess.run(
        [sys.executable, "-m", "pipeline.train.train", "--model-type", "teacher", "--src", "en", "--trg", "de",
         "--corpus", str(results / "merge-corpus-en-de" / "artifacts" / "corpus"),
         "--devset", str(results / "merge-devset-en-de" / "artifacts" / "devset"),
         "--vocab", str(results / "train-vocab-en-de" / "artifacts" / "vocab.spm"),
         "--output-dir", str(out), "--", *marian_args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    fake.close()
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"GET /api/queue/v1/task/{task.task_id}/runs/0/artifacts/public/build/model.train.npz" in fake.requests
    updates = [int(n) for n in re.findall(r"Up\. (\d+) :", second.stderr)]
    assert updates and min(updates) > 100 and max(updates) == 200, updates
    assert "continuing from run 0's checkpoint" in second.stderr
    assert (out / "model.npz").exists()
