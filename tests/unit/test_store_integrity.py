"""Stored results are checked before they are reused: each artifact's size and sha256 are
recorded when it is stored; a damaged result is set aside and its task runs again.

These drive the local executor with small shell tasks: they test the executor and the
store, not the pipeline's steps (tests/e2e does that with the real ones).
"""

import json
import os
import re
import signal
import stat
import threading
import time

import pytest

from tests.conftest import run_cli
from translations_taskgraph.local.executor import Executor
from translations_taskgraph.local.store import Store, sha256
from translations_taskgraph.local.task import Fetch, LocalTask

TEXT = "".join(f"line {number}\n" for number in range(1000))


def task(label: str, command: str, fetches=(), stage="dataset") -> LocalTask:
    return LocalTask(
        label=label, kind="k", digest=f"digest-{label}", command=["bash", "-c", command], env={},
        dependencies=sorted({fetch.upstream for fetch in fetches}), fetches=list(fetches), attributes={"stage": stage},
    )


def graph() -> dict[str, LocalTask]:
    """`make` writes data.txt; `copy` fetches it and copies it to its own artifacts."""
    return {
        "make": task("make", f"printf '{TEXT}' > $TASK_WORKDIR/artifacts/data.txt"),
        "copy": task("copy", "cp $MOZ_FETCHES_DIR/data.txt $TASK_WORKDIR/artifacts/copy.txt", [Fetch("make", "data.txt")], "clean-corpus"),
    }


def run(tmp_path, tasks, rerun=frozenset()):
    executor = Executor(tasks, tmp_path / "runs", "exp", rerun=set(rerun))
    return executor.run(), executor.store


def stored_file(store: Store, name: str) -> str:
    return str(store.artifacts(f"digest-{name.split('/')[0]}") / name.split("/")[1])


def damage(path: str, data: bytes | None) -> None:
    """Rewrite (or with None, delete) a read-only stored file, as an accident would."""
    os.chmod(path, 0o644)
    if data is None:
        os.unlink(path)
    else:
        with open(path, "wb") as file:
            file.write(data)


def test_a_stored_result_records_its_files_and_is_read_only(tmp_path):
    outcome, store = run(tmp_path, graph())
    assert outcome.executed == ["make", "copy"]
    record = store.record("digest-make")
    assert record["files"] == {"data.txt": {"size": len(TEXT), "sha256": sha256(store.artifacts("digest-make") / "data.txt")}}
    mode = (store.artifacts("digest-make") / "data.txt").stat().st_mode
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert store.damage("digest-make", hashes=True) is None


@pytest.mark.parametrize(
    "data, problem",
    [(TEXT[:100].encode(), f"data.txt: size 100, expected {len(TEXT)}"), (None, "data.txt: missing")],
    ids=["truncated", "deleted"],
)
def test_a_damaged_result_is_set_aside_and_its_task_runs_again(tmp_path, capsys, data, problem):
    run(tmp_path, graph())
    capsys.readouterr()
    damage(stored_file(Store(tmp_path / "runs"), "make/data.txt"), data)
    outcome, store = run(tmp_path, graph(), rerun={"copy"})
    aside = tmp_path / "runs" / "damaged" / "digest-make"
    assert f"make: stored result damaged ({problem}); running it again (the damaged one is in {aside})" in capsys.readouterr().err
    assert outcome.ok and outcome.executed == ["make", "copy"]
    assert (store.artifacts("digest-copy") / "copy.txt").read_text() == TEXT  # downstream gets the good file


def test_sizes_are_checked_even_when_nothing_fetches_the_result(tmp_path, capsys):
    run(tmp_path, graph())
    damage(stored_file(Store(tmp_path / "runs"), "copy/copy.txt"), b"short\n")
    outcome, _ = run(tmp_path, graph())
    assert f"copy: stored result damaged (copy.txt: size 6, expected {len(TEXT)}); running it again" in capsys.readouterr().err
    assert outcome.executed == ["copy"] and outcome.reused == ["make"]


def test_a_changed_byte_is_caught_by_its_hash_when_a_run_fetches_the_result(tmp_path, capsys):
    run(tmp_path, graph())
    path = stored_file(Store(tmp_path / "runs"), "make/data.txt")
    damage(path, TEXT.replace("line 500", "line 501").encode())  # same size
    outcome, _ = run(tmp_path, graph())
    assert outcome.executed == [] and "damaged" not in capsys.readouterr().err  # nothing fetches it: sizes only
    outcome, store = run(tmp_path, graph(), rerun={"copy"})
    assert re.search(r"make: stored result damaged \(data\.txt: sha256 \w{12}\.\.\., expected \w{12}\.\.\.\); running it again", capsys.readouterr().err)
    assert outcome.executed == ["make", "copy"]
    assert (store.artifacts("digest-copy") / "copy.txt").read_text() == TEXT


def test_hashes_are_checked_once_per_run(tmp_path):
    run(tmp_path, graph())
    store = Store(tmp_path / "runs")
    assert store.damage("digest-make", hashes=True) is None
    damage(stored_file(store, "make/data.txt"), TEXT.replace("line 500", "line 501").encode())
    assert store.damage("digest-make", hashes=True) is None  # this run checked it already
    assert store.damage("digest-make", hashes=True) is None
    assert "sha256" in Store(tmp_path / "runs").damage("digest-make", hashes=True)  # the next run


def test_a_result_stored_without_records_runs_again(tmp_path, capsys):
    _, store = run(tmp_path, graph())
    record = store.record("digest-copy")
    del record["files"]
    damage(str(store.result("digest-copy") / "task.json"), json.dumps(record).encode())
    outcome, _ = run(tmp_path, graph())
    assert "copy: stored result damaged (no record of its files' sizes and hashes (stored by an older version)); running it again" in capsys.readouterr().err
    assert outcome.executed == ["copy"]


def test_a_step_writing_to_its_input_fails_and_the_store_is_not_fooled(tmp_path, capsys):
    tasks = graph()
    tasks["copy"].command = ["bash", "-c", "echo more >> $MOZ_FETCHES_DIR/data.txt && touch $TASK_WORKDIR/artifacts/copy.txt"]
    outcome, store = run(tmp_path, tasks)
    log = store.work_dir("digest-copy") / "log.txt"
    if os.geteuid() == 0:  # root ignores the read-only mode: the write lands, and is caught after the task
        reason = "modified its input make/data.txt (a stored result, shared by hard link): a step must write only to its artifacts"
        assert outcome.failed == [("copy", reason, log)]
        outcome, store = run(tmp_path, graph())  # the next run finds the damage and redoes it
        assert f"make: stored result damaged (data.txt: size {len(TEXT) + 5}, expected {len(TEXT)})" in capsys.readouterr().err
        assert outcome.executed == ["make", "copy"] and (store.artifacts("digest-copy") / "copy.txt").read_text() == TEXT
    else:  # the read-only mode stops the write
        assert outcome.failed == [("copy", "exited 1", log)] and "Permission denied" in log.read_text()
        assert store.damage("digest-make", hashes=True) is None


def test_sighup_stops_running_tasks_like_ctrl_c(tmp_path):
    tasks = {"wait": task("wait", "trap 'echo saved > $TASK_WORKDIR/artifacts/state; exit 143' TERM; sleep 300 & wait")}
    executor = Executor(tasks, tmp_path / "runs", "exp")
    started = threading.Event()

    def hang_up():
        deadline = time.monotonic() + 30
        while not (executor.store.work_dir("digest-wait") / "pgid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let bash set its trap
        started.set()
        os.kill(os.getpid(), signal.SIGHUP)

    threading.Thread(target=hang_up, daemon=True).start()
    before = signal.getsignal(signal.SIGHUP)  # SIG_IGN under nohup
    outcome = executor.run()
    assert started.is_set()
    assert outcome.interrupted == signal.SIGHUP and outcome.executed == [] and not outcome.ok
    work = executor.store.work_dir("digest-wait")
    assert (work / "artifacts" / "state").read_text() == "saved\n"  # the task got SIGTERM and saved
    with pytest.raises(ProcessLookupError):
        os.killpg(int((work / "pgid").read_text()), 0)  # nothing of it is left running
    assert signal.getsignal(signal.SIGHUP) is before  # the run's handler is gone


def test_verify_reports_each_damaged_result_and_sets_it_aside(tmp_path):
    workdir = str(tmp_path / "runs")
    first = run_cli("run", "configs/ci.yml", "--target-stage", "clean-corpus", "--workdir", workdir)
    assert first.returncode == 0, first.stderr[-2000:]
    clean = "clean-corpus-en-de-file_tests_data_ci_train-a_LANG_zst"
    artifacts = tmp_path / "runs" / "ci" / clean / "artifacts"
    corpus = artifacts / "file_tests_data_ci_train-a_LANG_zst.de.zst"
    data = bytearray(corpus.read_bytes())
    data[100] ^= 0x01
    damage(str(corpus), bytes(data))
    digest = os.path.basename(os.readlink(tmp_path / "runs" / "ci" / clean))

    verify = run_cli("verify", "configs/ci.yml", "--workdir", workdir)
    assert verify.returncode == 1
    lines = verify.stdout.splitlines()
    assert re.fullmatch(
        rf"{clean}: damaged: file_tests_data_ci_train-a_LANG_zst\.de\.zst: sha256 \w{{12}}\.\.\., expected \w{{12}}\.\.\.; "
        rf"set aside in {tmp_path}/runs/damaged/{digest}, the next run redoes it",
        lines[0],
    )
    assert lines[1:] == [f"verified 4 stored result(s) of configs/ci.yml in {tmp_path}/runs: 1 damaged"]

    again = run_cli("run", "configs/ci.yml", "--target-stage", "clean-corpus", "--workdir", workdir)
    assert again.returncode == 0 and re.findall(r"started  (\S+)", again.stderr) == [clean]
    assert run_cli("verify", "configs/ci.yml", "--workdir", workdir).returncode == 0
