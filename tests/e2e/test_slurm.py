"""The Slurm engine on a real one-node cluster (tests/slurm_cluster.py): the same tasks,
runner and store as the local engine, one batch job per task with `afterok` edges."""

import json
import re
import shutil
import subprocess
import time

import pytest
import yaml

from pipeline.common.datasets import sanitize
from tests import slurm_cluster
from tests.conftest import REPO, run_cli

CI = REPO / "configs" / "ci.yml"
MERGE = "merge-corpus-en-de"


@pytest.fixture(scope="module")
def cluster():
    was_running = slurm_cluster.running()
    problem = slurm_cluster.start()
    if problem:
        pytest.skip(f"no Slurm test cluster: {problem}")
    yield
    if not was_running:
        slurm_cluster.stop()


def states(config, workdir) -> dict[str, str]:
    out = run_cli("status", str(config), "--target-stage", "merge-corpus", "--workdir", str(workdir))
    assert out.returncode == 0, out.stderr
    return dict(line.split(None, 1) for line in out.stdout.splitlines()[:-1])


def submit(config, workdir, *extra) -> subprocess.CompletedProcess:
    return run_cli("run", str(config), "--engine", "slurm", "--target-stage", "merge-corpus", "--workdir", str(workdir), *extra)


def test_submit_wait_resubmit_and_share_the_store_with_the_local_engine(cluster, tmp_path):
    workdir = tmp_path / "runs"
    local = run_cli("run", str(CI), "--target-stage", "clean-corpus", "--workdir", str(workdir))
    assert local.returncode == 0, local.stderr
    assert "executed 4 task(s), reused 0" in local.stdout

    first = submit(CI, workdir, "--wait")
    assert first.returncode == 0, first.stderr
    # The local engine's 4 results are reused; only merge-corpus is left, as one job.
    assert "submitted 1 job(s), 0 already queued or running, reused 4" in first.stdout
    assert "5 of 5 task(s) stored" in first.stdout
    assert f"finished {MERGE}" in first.stderr and "5/5 done (4 reused), 0 running, 0 failed" in first.stderr  # progress
    assert set(states(CI, workdir).values()) == {"stored"}
    job_log = next((workdir / "store").glob("*/log.txt"))
    assert job_log.read_text().startswith("=== ")

    again = submit(CI, workdir)
    assert "submitted 0 job(s), 0 already queued or running, reused 5" in again.stdout

    # ... and what Slurm stored, the local engine reuses.
    vocab = run_cli("run", str(CI), "--target-stage", "train-vocab", "--workdir", str(workdir))
    assert "executed 1 task(s), reused 5" in vocab.stdout


def test_queued_jobs_are_not_submitted_twice(cluster, tmp_path):
    workdir = tmp_path / "runs"
    held = tmp_path / "held.yml"
    held.write_text("default: {sbatch-args: [--hold]}\n")  # queued until released: no race with the jobs
    first = submit(CI, workdir, "--profile", str(held))
    assert "submitted 5 job(s)" in first.stdout, first.stderr
    (workdir / "slurm" / next(p.name for p in (workdir / "slurm").iterdir() if p.is_file())).unlink()  # a lost record
    second = submit(CI, workdir)
    assert "submitted 0 job(s), 5 already queued or running, reused 0" in second.stdout, second.stdout
    assert set(states(CI, workdir).values()) == {"queued"}
    job_ids = sorted(job for job, _ in (line.split() for line in subprocess.run(
        ["squeue", "-h", "-o", "%i %k"], capture_output=True, text=True).stdout.splitlines()) if job)
    subprocess.run(["scontrol", "release", ",".join(job_ids)], check=True)
    wait = submit(CI, workdir, "--wait")
    assert "5 of 5 task(s) stored" in wait.stdout, wait.stderr


def test_a_failed_task_cancels_its_downstream_and_a_fixed_rerun_resumes(cluster, tmp_path):
    extra = tmp_path / "data"
    config = yaml.safe_load(CI.read_text())
    key = f"file_{extra}/more.[LANG].zst"  # not there yet
    config["datasets"]["train"].append(key)
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "runs"

    failed = submit(path, workdir, "--wait")
    assert failed.returncode == 1
    broken = f"dataset-en-de-{sanitize(key)}"
    state = states(path, workdir)
    assert state[broken].startswith("failed: exited 2; log: ")
    assert f"dataset {key}: {extra}/more.en.zst: file not found" in \
        open(state[broken].split("log: ")[1]).read()
    assert state[MERGE] == "cancelled"  # not left pending forever
    assert f"FAILED: {broken} exited 2; log: " in failed.stderr
    assert f"FAILED   {broken}" in failed.stderr and f"stopped  {MERGE}" in failed.stderr  # as they happened

    extra.mkdir()
    for lang in ("en", "de"):
        shutil.copy(REPO / "tests" / "data" / "ci" / f"devtest.{lang}.zst", extra / f"more.{lang}.zst")
    fixed = submit(path, workdir, "--wait")
    assert fixed.returncode == 0, fixed.stderr
    # The two cleaned datasets and the devset that finished are reused.
    assert "submitted 3 job(s), 0 already queued or running, reused" in fixed.stdout
    assert set(states(path, workdir).values()) == {"stored"}


def jobs_of(workdir) -> dict[str, str]:
    """{label: job id} of what the engine submitted."""
    return {label: job for job, label in (p.read_text().split() for p in (workdir / "slurm").iterdir() if p.is_file())}


def test_gpu_tasks_get_their_gpus_and_cpu_tasks_none(cluster, tmp_path):
    profile = tmp_path / "profile.yml"
    profile.write_text("worker-types:\n  gpu: {gpus: 1}\n  cpu: {gpus: 1}\n")  # CPU tasks never get GPUs
    workdir = tmp_path / "runs"
    run = run_cli("run", str(CI), "--engine", "slurm", "--target-stage", "train-backwards", "--workdir", str(workdir),
                  "--profile", str(profile), "--wait")
    # The pretend GPUs cannot run Marian: training exits 75 (no GPU visible), as on a broken GPU node.
    assert run.returncode == 1
    assert "FAILED: train-backwards-en-de exited 75; log: " in run.stderr
    jobs = jobs_of(workdir)
    for label, job in jobs.items():
        shown = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True).stdout
        assert ("TresPerNode=gres:gpu:1" in shown) == (label == "train-backwards-en-de"), (label, shown)
    log = (workdir / "work" / jobs_log_digest(workdir, "train-backwards-en-de") / "log.txt").read_text()
    assert re.search(r"attempt 1, on \S+, CUDA_VISIBLE_DEVICES=[01]\n", log), log
    for label in jobs.keys() - {"train-backwards-en-de"}:
        assert "CUDA_VISIBLE_DEVICES=\n" in (workdir / "ci" / label / "log.txt").read_text()
    assert "GPUS='0' asks for 1 GPU(s) but 0 are visible; exiting 75" in log


def jobs_log_digest(workdir, label: str) -> str:
    return next(p.name for p in (workdir / "slurm").iterdir() if p.is_file() and p.read_text().split()[1] == label)


def test_a_requeued_training_job_continues_from_its_checkpoint(cluster, tmp_path):
    config = yaml.safe_load(CI.read_text())
    # Long enough to requeue it mid-training; saved only on the signal.
    never = {"after-batches": 300, "save-freq": 100000, "valid-freq": 100000, "disp-freq": 10}
    config["marian-args"]["training-backward"] = {**config["marian-args"]["training-backward"], **never}
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    workdir = tmp_path / "runs"
    first = run_cli("run", str(path), "--engine", "slurm", "--target-stage", "train-backwards", "--workdir", str(workdir))
    assert "submitted 9 job(s)" in first.stdout, first.stderr
    label = "train-backwards-en-de"
    log = workdir / "work" / jobs_log_digest(workdir, label) / "log.txt"
    wait_until(lambda: log.exists() and " : Up. 40 : " in log.read_text(), 300)

    job = jobs_of(workdir)[label]
    subprocess.run(["scontrol", "requeue", job], check=True)
    wait_until(lambda: "Saving Adam parameters" in log.read_text() and job_state(job) == "PENDING", 120)
    subprocess.run(["scontrol", "update", f"jobid={job}", "StartTime=now"], check=True)  # skip the requeue delay

    again = run_cli("run", str(path), "--engine", "slurm", "--target-stage", "train-backwards", "--workdir", str(workdir), "--wait")
    assert "submitted 0 job(s), 1 already queued or running, reused 8" in again.stdout, again.stdout
    assert again.returncode == 0, again.stderr
    text = (workdir / "ci" / label / "log.txt").read_text()
    first_attempt, second_attempt = text.split(f"=== Slurm job {job}, attempt 2,")
    before = [int(n) for n in re.findall(r" : Up\. (\d+) : ", first_attempt)]
    after = [int(n) for n in re.findall(r" : Up\. (\d+) : ", second_attempt)]
    assert "Training interrupted (via signal)." in first_attempt
    assert before and after and min(after) > max(before) and max(after) == 300, (before, after)


def job_state(job: str) -> str:
    return subprocess.run(["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"], capture_output=True, text=True).stdout.strip()


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def score_table(stdout: str) -> list[list[str]]:
    """The rows of the score table a run prints (model, test set, lines, BLEU, chrF, chrF++)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["model", "test"])
    return [line.split() for line in lines[start + 2:] if line.strip() and not line.startswith("report: ")]


def test_the_whole_ci_pipeline_on_slurm_matches_the_local_engine(cluster, tmp_path):
    local = run_cli("run", str(CI), "--workdir", str(tmp_path / "local"), timeout=1800)
    assert local.returncode == 0, local.stderr[-3000:]
    slurm = run_cli("run", str(CI), "--engine", "slurm", "--wait", "--workdir", str(tmp_path / "slurm"), timeout=1800)
    assert slurm.returncode == 0, slurm.stderr[-3000:]
    assert "submitted 42 job(s), 0 already queued or running, reused 0" in slurm.stdout
    assert "42/42 done (0 reused), 0 running, 0 failed" in slurm.stderr
    stored = {engine: {p.name for p in (tmp_path / engine / "store").iterdir() if not p.name.startswith(".")}
              for engine in ("local", "slurm")}
    assert len(stored["local"]) == 42 and stored["slurm"] == stored["local"]  # the same digests
    local_rows, slurm_rows = score_table(local.stdout), score_table(slurm.stdout)
    assert [row[:-3] for row in slurm_rows] == [row[:-3] for row in local_rows]  # models, test sets, lines
    for local_row, slurm_row in zip(local_rows, slurm_rows):
        assert abs(float(slurm_row[-2]) - float(local_row[-2])) < 5, (local_row, slurm_row)  # chrF: the same training
    report = json.loads((tmp_path / "slurm" / "ci" / "results.json").read_text())  # every job's usage, as locally
    assert len(report["tasks"]) == 42 and all(
        task["state"] == "stored" and task["cpu_seconds"] >= 0 and task["peak_rss_mb"] > 0 for task in report["tasks"])
    assert "submitted 0 job(s), 0 already queued or running, reused 42" in \
        run_cli("run", str(CI), "--engine", "slurm", "--workdir", str(tmp_path / "slurm")).stdout
