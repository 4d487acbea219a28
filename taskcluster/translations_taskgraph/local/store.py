"""Task results on disk, addressed by cache digest.

    <workdir>/store/<digest>/      a completed task: artifacts/, log.txt, task.json
    <workdir>/work/<digest>/       an attempt in progress (kept on failure: a rerun of
                                   the same digest continues in it, e.g. resumes training)
    <workdir>/<experiment>/<label> a link to the result, for people

A result enters the store by one rename, so a killed run never leaves a half result
that looks complete. The same digest is the task's Taskcluster index key.
"""

import json
import os
import shutil
import time
from pathlib import Path


class Store:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()  # tasks run in other directories: no relative paths
        (root / "store").mkdir(parents=True, exist_ok=True)
        (root / "work").mkdir(parents=True, exist_ok=True)

    def result(self, digest: str) -> Path:
        return self.root / "store" / digest

    def has(self, digest: str) -> bool:
        return (self.result(digest) / "task.json").exists()

    def artifacts(self, digest: str) -> Path:
        return self.result(digest) / "artifacts"

    def work_dir(self, digest: str) -> Path:
        return self.root / "work" / digest

    def commit(self, digest: str, record: dict, seconds: float) -> Path:
        """Move a finished attempt's artifacts and log into the store, with its record
        (label, command, cache inputs, upstream digests: what `cache explain` compares)."""
        work, final = self.work_dir(digest), self.result(digest)
        staging = self.root / "store" / f".{digest}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        (work / "artifacts").rename(staging / "artifacts")
        (work / "log.txt").rename(staging / "log.txt")
        info = {**record, "digest": digest, "seconds": round(seconds, 1), "finished": time.time()}
        (staging / "task.json").write_text(json.dumps(info, indent=2) + "\n")
        if final.exists():  # a rerun of a stored result replaces it
            replaced = self.root / "store" / f".{digest}.replaced"
            final.rename(replaced)
            shutil.rmtree(replaced)
        staging.rename(final)
        shutil.rmtree(work, ignore_errors=True)
        return final

    def record(self, digest: str) -> dict:
        return json.loads((self.result(digest) / "task.json").read_text())

    def latest(self, experiment: str, label: str) -> dict | None:
        """The record of the result last linked for this label, if any."""
        link = self.root / experiment / label
        return json.loads((link / "task.json").read_text()) if (link / "task.json").exists() else None

    def link(self, experiment: str, label: str, digest: str) -> None:
        links = self.root / experiment
        links.mkdir(exist_ok=True)
        link = links / label
        tmp = links / f".{label}.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.path.relpath(self.result(digest), links))
        tmp.replace(link)
