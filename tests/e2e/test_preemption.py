"""Training on Taskcluster, against a loopback Queue and Object service: checkpoints are
published while Marian trains, and a rerun after a preemption continues from the
previous run's newest checkpoint."""

import json
import os
import re
import subprocess
import sys

import yaml

from tests.conftest import REPO, run_cli
from tests.fake_taskcluster import FakeTask, FakeTaskcluster
from pipeline.train.checkpoints import OPTIONAL, REQUIRED


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
    env = {"RUN_ID": "1", "TASK_ID": task.task_id, "TASKCLUSTER_ROOT_URL": fake.root_url}
    options = {**config["marian-args"]["training-teacher"], "after-batches": 200, "save-freq": 50, "valid-freq": 50}
    # The task's own curriculum, as in its command in the graph.
    curriculum = [
        "--curriculum", "two-stage", "--modifiers", json.dumps([{"UpperCase": 0.07}, {"TitleCase": 0.05}]),
        "--backtranslated", str(results / "collect-mono-trg-en-de" / "artifacts" / "mono-bt"),
    ]
    second = _train(results, out, env, options, curriculum)
    fake.close()
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"GET /api/queue/v1/task/{task.task_id}/runs/0/artifacts/public/build/model.train.npz" in fake.requests
    updates = [int(n) for n in re.findall(r"Up\. (\d+) :", second.stderr)]
    assert updates and min(updates) > 100 and max(updates) == 200, updates
    assert "continuing from run 0's checkpoint" in second.stderr
    assert (out / "model.npz").exists()


def _train(results, out, env: dict, options: dict, extra: list[str] = ()) -> subprocess.CompletedProcess:
    marian_args = [arg for key, value in options.items() for arg in (f"--{key}", str(value))]
    return subprocess.run(
        [sys.executable, "-m", "pipeline.train.train", "--model-type", "teacher", "--src", "en", "--trg", "de",
         "--corpus", str(results / "merge-corpus-en-de" / "artifacts" / "corpus"),
         "--devset", str(results / "merge-devset-en-de" / "artifacts" / "devset"),
         "--vocabs", *(str(results / "train-vocab-en-de" / "artifacts" / f"vocab.{lang}.spm") for lang in ("en", "de")),
         "--output-dir", str(out), *extra, "--", *marian_args],
        cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=600,
    )


def test_checkpoints_published_while_training_feed_the_next_run(tmp_path):
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    (tmp_path / "ci.yml").write_text(yaml.safe_dump(config))
    data = run_cli("run", str(tmp_path / "ci.yml"), "--target-stage", "train-vocab", "--workdir", str(tmp_path / "runs"))
    assert data.returncode == 0, data.stderr[-3000:]
    assert run_cli("run", str(tmp_path / "ci.yml"), "--target-stage", "merge-devset", "--workdir", str(tmp_path / "runs")).returncode == 0
    results = tmp_path / "runs" / "ci"

    fake = FakeTaskcluster()
    task = fake.add(FakeTask("TrainTask00000000000002", "train-teacher-en-de-1", "Group1"))
    env = {"TASK_ID": task.task_id, "TASKCLUSTER_ROOT_URL": fake.root_url, "CHECKPOINT_POLL_SECONDS": "0.1"}
    options = {**config["marian-args"]["training-teacher"], "after-batches": 300, "save-freq": 20, "valid-freq": 100}
    first = _train(results, tmp_path / "run0", {**env, "RUN_ID": "0"}, options)
    assert first.returncode == 0, first.stderr[-3000:]
    published = sorted({int(name.split("/")[2]) for run, name in task.artifacts if name.startswith("public/checkpoints/")})
    assert published and all(n % 20 == 0 for n in published), published
    newest = f"public/checkpoints/{published[-1]}"
    progress = yaml.safe_load(task.artifacts[(0, f"{newest}/model.train.npz.progress.yml")])
    assert progress["batches"] == published[-1]  # each folder holds the save of its update count
    assert len(task.artifacts[(0, f"{newest}/model.train.npz.optimizer.npz")]) > 0

    second = _train(results, tmp_path / "run1", {**env, "RUN_ID": "1"}, {**options, "after-batches": published[-1] + 40})
    fake.close()
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"continuing from run 0's checkpoint {newest}" in second.stderr
    updates = [int(n) for n in re.findall(r"Up\. (\d+) :", second.stderr)]
    assert updates and min(updates) > published[-1] and max(updates) == published[-1] + 40, updates

