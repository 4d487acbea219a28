"""A local task's fetches: hard links to upstream artifacts, into subfolders when asked, from intact results only."""

import os

import pytest

from pipeline.common.errors import UserError
from translations_taskgraph.local.prepare import link_fetches
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import Fetch, LocalTask


def task(label: str, digest: str, fetches=()) -> LocalTask:
    return LocalTask(label=label, kind="k", digest=digest, command=["true"], env={}, dependencies=[], fetches=list(fetches))


def stored(store: Store, digest: str, files: dict[str, str]) -> None:
    """A result in the store, as the executor commits it."""
    work = store.work_dir(digest)
    (work / "artifacts").mkdir(parents=True)
    for name, text in files.items():
        (work / "artifacts" / name).write_text(text)
    (work / "log.txt").write_text("")
    store.commit(digest, {"label": digest}, {"seconds": 0})


def test_fetches_are_linked_into_their_dest(tmp_path):
    store = Store(tmp_path / "runs")
    for label, digest in (("teacher-1", "d1"), ("teacher-2", "d2")):
        stored(store, digest, {"model.npz": label})
    upstreams = {"teacher-1": "d1", "teacher-2": "d2"}
    consumer = task("eval", "d3", [Fetch("teacher-1", "model.npz", "teacher-1"), Fetch("teacher-2", "model.npz", "teacher-2")])
    link_fetches(store, consumer, upstreams, tmp_path / "fetches")
    assert (tmp_path / "fetches" / "teacher-2" / "model.npz").read_text() == "teacher-2"
    assert os.path.samefile(tmp_path / "fetches" / "teacher-1" / "model.npz", store.artifacts("d1") / "model.npz")

    missing = task("eval", "d4", [Fetch("teacher-1", "vocab.spm")])
    with pytest.raises(UserError, match="eval fetches vocab.spm but teacher-1 did not produce it"):
        link_fetches(store, missing, upstreams, tmp_path / "fetches2")


def test_a_fetch_from_a_damaged_result_is_refused(tmp_path):
    store = Store(tmp_path / "runs")
    stored(store, "d1", {"model.npz": "weights"})
    (store.artifacts("d1") / "model.npz").unlink()
    consumer = task("eval", "d3", [Fetch("teacher-1", "model.npz")])
    with pytest.raises(UserError) as error:
        link_fetches(store, consumer, {"teacher-1": "d1"}, tmp_path / "fetches")
    assert str(error.value) == "eval fetches from teacher-1, whose stored result is damaged (model.npz: missing); run again to redo it"
