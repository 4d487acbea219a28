"""The Slurm engine on a real one-node cluster (tests/slurm_cluster.py): the same tasks,
runner and store as the local engine, one batch job per task with `afterok` edges."""

import shutil
import subprocess

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
    first = submit(CI, workdir)
    assert "submitted 5 job(s)" in first.stdout
    job_ids = sorted(path.read_text().split()[0] for path in (workdir / "slurm").iterdir())
    subprocess.run(["scontrol", "hold", ",".join(job_ids)], check=False)  # keep them queued
    try:
        second = submit(CI, workdir)
        assert "submitted 0 job(s), 5 already queued or running, reused 0" in second.stdout, second.stdout
        assert set(states(CI, workdir).values()) <= {"queued", "running", "stored"}
    finally:
        subprocess.run(["scontrol", "release", ",".join(job_ids)], check=False)
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

    extra.mkdir()
    for lang in ("en", "de"):
        shutil.copy(REPO / "tests" / "data" / "ci" / f"devtest.{lang}.zst", extra / f"more.{lang}.zst")
    fixed = submit(path, workdir, "--wait")
    assert fixed.returncode == 0, fixed.stderr
    # The two cleaned datasets and the devset that finished are reused.
    assert "submitted 3 job(s), 0 already queued or running, reused" in fixed.stdout
    assert set(states(path, workdir).values()) == {"stored"}
