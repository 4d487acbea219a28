"""A local task's fetches: hard links to upstream artifacts, into subfolders when asked."""

import os

import pytest

from pipeline.common.errors import UserError
from translations_taskgraph.local.prepare import link_fetches
from translations_taskgraph.local.store import Store
from translations_taskgraph.local.task import Fetch, LocalTask


def task(label: str, digest: str, fetches=()) -> LocalTask:
    return LocalTask(label=label, kind="k", digest=digest, command=["true"], env={}, dependencies=[], fetches=list(fetches))


def test_fetches_are_linked_into_their_dest(tmp_path):
    store = Store(tmp_path / "runs")
    for label, digest in (("teacher-1", "d1"), ("teacher-2", "d2")):
        (store.artifacts(digest)).mkdir(parents=True)
        (store.artifacts(digest) / "model.npz").write_text(label)
    tasks = {"teacher-1": task("teacher-1", "d1"), "teacher-2": task("teacher-2", "d2")}
    consumer = task("eval", "d3", [Fetch("teacher-1", "model.npz", "teacher-1"), Fetch("teacher-2", "model.npz", "teacher-2")])
    link_fetches(store, consumer, tasks, tmp_path / "fetches")
    assert (tmp_path / "fetches" / "teacher-2" / "model.npz").read_text() == "teacher-2"
    assert os.path.samefile(tmp_path / "fetches" / "teacher-1" / "model.npz", store.artifacts("d1") / "model.npz")

    missing = task("eval", "d4", [Fetch("teacher-1", "vocab.spm")])
    with pytest.raises(UserError, match="eval fetches vocab.spm but teacher-1 did not produce it"):
        link_fetches(store, missing, tasks, tmp_path / "fetches2")
