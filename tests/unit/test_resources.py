"""What a local task may use: its own cores (`--jobs` never oversubscribes them) and, for
a GPU task, its own GPUs from the pool in GPUS; a CPU task sees none."""

import json
import os

import pytest

from pipeline.common.errors import UserError
from tests.unit.test_store_integrity import task
from translations_taskgraph.local.executor import Executor
from translations_taskgraph.local.resources import Grant, Pool


def test_jobs_share_the_cores_and_gpu_tasks_take_their_own_gpus():
    pool = Pool(jobs=3, gpus="0 1", gpus_per_task=1, cores=range(7))
    assert pool.jobs == 3
    first, second = pool.take("gpu"), pool.take("largegpu")
    assert (first, second) == (Grant((0, 1, 2), ("0",)), Grant((3, 4), ("1",)))
    assert pool.take("gpu") is None  # both GPUs are taken: a GPU task waits ...
    assert pool.take("cpu") == Grant((5, 6), ())  # ... while a CPU task may start
    assert pool.take("cpu") is None  # every core is taken
    pool.give_back(first)
    assert pool.take("gpu") == Grant((0, 1, 2), ("0",))


def test_more_jobs_than_cores_run_one_task_per_core():
    pool = Pool(jobs=8, cores=[0, 1])
    assert pool.jobs == 2
    assert [pool.take("cpu"), pool.take("gpu"), pool.take("cpu")] == [Grant((0,)), Grant((1,)), None]


def test_without_a_pool_gpu_tasks_run_on_cpu_and_by_default_a_gpu_task_takes_the_whole_pool():
    assert Pool(jobs=1, cores=[0]).take("gpu") == Grant((0,), ())
    assert Pool(jobs=2, gpus="0 1 2 3", cores=[0, 1]).take("gpu").gpus == ("0", "1", "2", "3")


def test_the_pool_is_numbered_within_cuda_visible_devices():
    assert Pool(jobs=1, gpus="1 0", cores=[0], visible="4,5").take("gpu").gpus == ("5", "4")


@pytest.mark.parametrize("gpus, per_task, visible, message", [
    ("0 1", 3, None, "--gpus-per-task 3: GPUS='0 1' has 2 GPU(s); set GPUS to the GPUs this run may use, and ask for 1 to that many per task"),
    ("", 1, None, "--gpus-per-task 1: GPUS='' has 0 GPU(s); set GPUS to the GPUs this run may use, and ask for 1 to that many per task"),
    ("0 gpu1", None, None, "GPUS='0 gpu1': 'gpu1' is not a GPU number; set GPUS to numbers such as \"0 1\""),
    ("0 2", None, "4,5", "GPUS='0 2': GPU 2 is not among CUDA_VISIBLE_DEVICES='4,5'"),
])
def test_a_pool_that_cannot_work_is_refused(gpus, per_task, visible, message):
    with pytest.raises(UserError) as error:
        Pool(jobs=1, gpus=gpus, gpus_per_task=per_task, cores=[0], visible=visible)
    assert str(error.value) == message


def test_a_grant_sets_the_task_environment():
    env = {"GPUS": "0 1 2 3", "CUDA_VISIBLE_DEVICES": "0,1,2,3"}
    Grant((0,), ("2", "3")).apply(env)
    assert env == {"GPUS": "0 1", "CUDA_VISIBLE_DEVICES": "2,3"}
    Grant((0,)).apply(env)
    assert env == {"CUDA_VISIBLE_DEVICES": ""}


REPORT = ('echo "${CUDA_VISIBLE_DEVICES-unset}|${GPUS-unset}|$(python -c "import os; print(sorted(os.sched_getaffinity(0)))")"'
          ' > "$TASK_WORKDIR/artifacts/seen.txt"')


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores: two tasks run at once")
def test_the_executor_gives_each_task_its_cores_and_gpus(tmp_path, monkeypatch):
    """Two GPU tasks run at once, each waiting until the other has started, so the pool
    must have given them different GPUs; CPU tasks see none; nobody shares a core."""
    monkeypatch.setenv("GPUS", "0 1 2 3")  # what the run was started with must not leak into a task
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    both = f'touch {tmp_path}/started-$0; for i in $(seq 200); do [ -e {tmp_path}/started-a ] && [ -e {tmp_path}/started-b ] && break; sleep 0.1; done; '
    tasks = {label: task(label, both + REPORT) for label in ("a", "b")}
    tasks.update({label: task(label, REPORT) for label in ("c", "d")})
    for label in tasks:
        tasks[label].command.append(label)  # $0 of `bash -c`
        tasks[label].attributes["resource"] = "gpu" if label in ("a", "b") else "cpu"
    executor = Executor(tasks, tmp_path / "runs", "exp", jobs=2, gpus="0 1", gpus_per_task=1)
    outcome = executor.run()
    assert outcome.ok, outcome.failed
    seen = {label: (executor.store.artifacts(f"digest-{label}") / "seen.txt").read_text().strip().split("|") for label in tasks}
    assert sorted(seen[label][0] for label in "ab") == ["0", "1"]
    assert [seen[label][1] for label in "ab"] == ["0", "0"]
    assert [seen[label][:2] for label in "cd"] == [["", "unset"], ["", "unset"]]
    share = len(os.sched_getaffinity(0)) // 2
    cores = [json.loads(seen[label][2]) for label in "ab"]  # the two that ran together
    assert len(cores[0]) == len(cores[1]) == share and not set(cores[0]) & set(cores[1])
