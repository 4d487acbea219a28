"""The continuation task's step: files that exist, checked against the identity the graph
gave them (a local file's hash; a URL's pinned sha256 or its ETag), through the mirror."""

import copy
import json
import os
import subprocess
import sys

import pytest

from pipeline.common.contract import CONTINUATION_ENV
from tests.graph.test_graph import CI
from tests.http_fixture import data_server  # noqa: F401 (a fixture)
from translations_taskgraph import config as config_schema
from translations_taskgraph import continuation

URL = "https://models.example.org/en-de/model.npz"
PATH = "/models.example.org/en-de/model.npz"


def fetch(tmp_path, locations: dict, expected: dict, env=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline.continuation.fetch", "--output-dir", str(tmp_path / "out")]
    for name, identity in expected.items():
        command += ["--expect", f"{name}={identity}"]
    return subprocess.run(command, env={**os.environ, **(env or {}), CONTINUATION_ENV: json.dumps(locations)},
                          capture_output=True, text=True)


def test_a_local_file_or_folder_is_copied_when_it_is_what_the_graph_saw(tmp_path):
    model = tmp_path / "model.npz"
    model.write_bytes(b"weights")
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "source.spm").write_text("spm")
    identities = {"model.npz": continuation.identity(str(model)), "folder": continuation.identity(str(folder))}
    out = fetch(tmp_path, {"model.npz": str(model), "folder": str(folder)}, identities)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "out" / "model.npz").read_bytes() == b"weights"
    assert (tmp_path / "out" / "folder" / "sub" / "source.spm").read_text() == "spm"

    model.write_bytes(b"retrained")  # after the graph was made
    (tmp_path / "out").rename(tmp_path / "first")
    again = fetch(tmp_path, {"model.npz": str(model)}, {"model.npz": identities["model.npz"]})
    assert again.returncode == 2
    actual = continuation.identity(str(model)).removeprefix("sha256:")
    assert again.stderr.strip() == (
        f"error: {model}: changed since the graph was made (sha256 {actual}, the digest holds "
        f"{identities['model.npz'].removeprefix('sha256:')}); run again to use it as it is now")
    assert not (tmp_path / "out" / "model.npz").exists()


def test_a_url_is_downloaded_through_the_mirror_and_checked(tmp_path, data_server):
    data_server.put(PATH.lstrip("/"), b"weights")
    pinned = continuation.identity(f"{URL}#sha256={'0' * 64}")
    assert pinned == f"sha256:{'0' * 64}"
    wrong = fetch(tmp_path, {"model.npz": URL}, {"model.npz": pinned})
    assert wrong.returncode == 2
    assert "does not match the published " + "0" * 64 in wrong.stderr

    data_server.faults.etags[PATH] = '"v1"'
    identity = continuation.identity(URL, data_server.url)
    assert identity == f'{URL} etag="v1"'
    assert fetch(tmp_path, {"model.npz": URL}, {"model.npz": identity}).returncode == 0
    assert (tmp_path / "out" / "model.npz").read_bytes() == b"weights"

    data_server.faults.etags[PATH] = '"v2"'  # a new upload at the same URL
    changed = fetch(tmp_path, {"model.npz": URL}, {"model.npz": identity})
    assert changed.returncode == 2
    assert changed.stderr.strip() == (
        f"error: continuation model.npz: {URL} changed since the graph was made (ETag '\"v2\"', the digest holds "
        "'\"v1\"'); run again to use it as it is now")


def test_a_url_without_an_etag_is_known_by_its_date_and_size_or_its_version(data_server):
    data_server.put(PATH.lstrip("/"), b"weights")
    assert continuation.identity(URL, data_server.url) == f"{URL} content-length=7"
    assert continuation.identity(f"{URL}#version=2024-01") == f"{URL} version=2024-01"
    assert continuation.identity("https://unreachable.invalid/model.npz", "http://127.0.0.1:9") == "https://unreachable.invalid/model.npz"


@pytest.mark.parametrize("location, beside", [
    ("/m/model.npz", "/m/vocab.spm"),
    ("https://h/a/model.npz#sha256=" + "1" * 64, "https://h/a/vocab.spm"),
])
def test_the_vocabulary_beside_a_model(location, beside):
    assert continuation.sibling(location, "vocab.spm") == beside


def test_a_url_that_is_not_there_is_said_before_anything_runs(data_server):
    config = copy.deepcopy(CI)
    config["continuation"] = {"models": {"teacher": {"mode": "use", "type": "opus-mt", "locations": [URL]}}}
    assert continuation.problems(config_schema.normalize(config)) == [
        f"continuation.models.teacher.locations[0]: {URL}: HTTP 404 (via the mirror: {data_server.url}{PATH}); check the URL"]
    data_server.put(PATH.lstrip("/"), b"weights")
    continuation._head.cache_clear()
    assert continuation.problems(config_schema.normalize(config)) == []
