"""Task results on disk, addressed by cache digest.

    <workdir>/store/<digest>/      a completed task: artifacts/, log.txt, task.json
    <workdir>/work/<digest>/       an attempt in progress (kept on failure: a rerun of
                                   the same digest continues in it, e.g. resumes training)
    <workdir>/<experiment>/<label> a link to the result, for people
    <workdir>/damaged/<digest>/    a result found damaged, set aside (its task runs again)

A result enters the store by one rename, so a killed run never leaves a half result
that looks complete. The same digest is the task's Taskcluster index key.

Its task.json records each artifact's size and sha256 (`files`), and its files are made
read-only: fetches are hard links to them, so a step writing to its input would damage
the stored result. `damage` checks a result against its record before it is reused.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import time
from pathlib import Path

from pipeline.common.errors import UserError


def file_records(artifacts: Path) -> dict[str, dict]:
    """{path relative to `artifacts`: {size, sha256}} of every file under it."""
    return {
        path.relative_to(artifacts).as_posix(): {"size": path.stat().st_size, "sha256": sha256(path)}
        for path in sorted(artifacts.rglob("*"))
        if path.is_file()
    }


def sha256(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def make_read_only(directory: Path) -> None:
    """Files only: the directories stay writable, so a rerun can still replace the result."""
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


class Store:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()  # tasks run in other directories: no relative paths
        (root / "store").mkdir(parents=True, exist_ok=True)
        (root / "work").mkdir(parents=True, exist_ok=True)
        self.hashed: set[str] = set()  # digests whose hashes were checked by this process

    @contextlib.contextmanager
    def locked(self):
        """Hold the workdir: one `translations run` (or `verify`) at a time."""
        with open(self.root / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(f"{self.root} is in use by another `translations run`; wait for it or use --workdir") from None
            yield

    def result(self, digest: str) -> Path:
        return self.root / "store" / digest

    def has(self, digest: str) -> bool:
        return (self.result(digest) / "task.json").exists()

    def artifacts(self, digest: str) -> Path:
        return self.result(digest) / "artifacts"

    def work_dir(self, digest: str) -> Path:
        return self.root / "work" / digest

    def commit(self, digest: str, record: dict, usage: dict) -> Path:
        """Move a finished attempt's artifacts and log into the store, with its record
        (label, command, cache inputs, upstream digests: what `cache explain` compares) and
        its usage (`seconds` of wall time and what else the runner measured)."""
        work, final = self.work_dir(digest), self.result(digest)
        staging = self.root / "store" / f".{digest}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        (work / "artifacts").rename(staging / "artifacts")
        (work / "log.txt").rename(staging / "log.txt")
        files = file_records(staging / "artifacts")
        info = {**record, "digest": digest, **usage, "finished": time.time(), "files": files}
        (staging / "task.json").write_text(json.dumps(info, indent=2) + "\n")
        make_read_only(staging / "artifacts")
        if final.exists():  # a rerun of a stored result replaces it
            replaced = self.root / "store" / f".{digest}.replaced"
            final.rename(replaced)
            shutil.rmtree(replaced)
        staging.rename(final)
        shutil.rmtree(work, ignore_errors=True)
        return final

    def record(self, digest: str) -> dict:
        return json.loads((self.result(digest) / "task.json").read_text())

    def damage(self, digest: str, hashes: bool = False) -> str | None:
        """What differs between a stored result's artifacts and their record (sizes; with
        `hashes`, sha256 too, once per process), or None when it is intact. A result
        without a record (stored before records were kept) cannot be trusted: damaged."""
        try:
            files = self.record(digest).get("files")
        except (OSError, ValueError) as error:
            return f"task.json unreadable: {error}"
        if files is None:
            return "no record of its files' sizes and hashes (stored by an older version)"
        hashes = hashes and digest not in self.hashed
        for name, expected in files.items():
            path = self.artifacts(digest) / name
            if not path.is_file():
                return f"{name}: missing"
            if path.stat().st_size != expected["size"]:
                return f"{name}: size {path.stat().st_size}, expected {expected['size']}"
            if hashes and (actual := sha256(path)) != expected["sha256"]:
                return f"{name}: sha256 {actual[:12]}..., expected {expected['sha256'][:12]}..."
        if hashes:
            self.hashed.add(digest)
        return None

    def set_aside(self, digest: str) -> Path:
        """Move a damaged result out of the store (its task runs again); returns where it went."""
        aside = self.root / "damaged" / digest
        aside.parent.mkdir(exist_ok=True)
        shutil.rmtree(aside, ignore_errors=True)
        self.result(digest).rename(aside)
        return aside

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
