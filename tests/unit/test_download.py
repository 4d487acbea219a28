import hashlib

import pytest

from pipeline.common import download
from pipeline.common.download import fetch, open_stream
from pipeline.common.errors import UserError

UPSTREAM = "https://data.example.org/corpus/big.en.gz"
PATH = "/data.example.org/corpus/big.en.gz"
DATA = bytes(range(256)) * 400  # 102,400 bytes


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)


def test_mirror_serves_the_upstream_layout(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    assert fetch(UPSTREAM, tmp_path / "f", "dataset x") == len(DATA)
    assert (tmp_path / "f").read_bytes() == DATA
    assert data_server.requests == [f"GET {PATH}"]


def test_interrupted_download_resumes_with_range(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    data_server.faults.cut[PATH] = 30_000
    fetch(UPSTREAM, tmp_path / "f", "dataset x")
    assert (tmp_path / "f").read_bytes() == DATA
    assert data_server.requests == [f"GET {PATH}", f"GET {PATH} bytes=30000-"]
    assert not (tmp_path / "f.part").exists()


def test_server_without_range_support_restarts(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    data_server.faults.cut[PATH] = 30_000
    data_server.faults.no_range.add(PATH)
    fetch(UPSTREAM, tmp_path / "f", "dataset x")
    assert (tmp_path / "f").read_bytes() == DATA


def test_5xx_is_retried_then_reported(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    data_server.faults.errors[PATH] = [503, 502]
    fetch(UPSTREAM, tmp_path / "f", "dataset x")
    assert (tmp_path / "f").read_bytes() == DATA
    data_server.faults.errors[PATH] = [503] * 4
    with pytest.raises(UserError) as error:
        fetch(UPSTREAM, tmp_path / "g", "dataset x")
    assert str(error.value) == (
        f"dataset x: {UPSTREAM} via the mirror: {data_server.url}{PATH}: "
        "HTTP 503 Service Unavailable (after 4 attempts)"
    )
    assert not (tmp_path / "g").exists() and not (tmp_path / "g.part").exists()


def test_404_is_one_line_naming_what_and_url(data_server, tmp_path):
    with pytest.raises(UserError) as error:
        fetch(UPSTREAM, tmp_path / "f", "dataset url_x")
    assert str(error.value) == f"dataset url_x: {UPSTREAM} via the mirror: {data_server.url}{PATH}: HTTP 404 File not found"
    assert list(tmp_path.iterdir()) == [data_server.root]


def test_checksum(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    good = hashlib.sha256(DATA).hexdigest()
    fetch(UPSTREAM, tmp_path / "f", "dataset x", sha256=good)
    with pytest.raises(UserError, match=f"sha256 {good} does not match the published 00ff"):
        fetch(UPSTREAM, tmp_path / "g", "dataset x", sha256="00ff")
    assert not (tmp_path / "g").exists()


def test_cache_is_read_first_and_filled(data_server, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRANSLATIONS_DATA_CACHE", str(cache))
    data_server.put(PATH[1:], DATA)
    fetch(UPSTREAM, tmp_path / "a", "dataset x")
    assert (cache / PATH[1:]).read_bytes() == DATA
    (cache / PATH[1:]).write_bytes(b"pre-staged")
    fetch(UPSTREAM, tmp_path / "b", "dataset x")
    assert (tmp_path / "b").read_bytes() == b"pre-staged"
    assert len(data_server.requests) == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x"])
def test_only_http_urls(url, tmp_path):
    with pytest.raises(UserError, match="only http:// and https:// URLs"):
        fetch(url, tmp_path / "f", "dataset x")


def test_url_cannot_climb_out_of_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATIONS_DATA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(UserError, match="may not contain '..'"):
        fetch("https://host/a/%2e%2e/%2e%2e/escape", tmp_path / "f", "dataset x")


def test_stream_resumes_where_the_connection_dropped(data_server, tmp_path):
    data_server.put(PATH[1:], DATA)
    data_server.faults.cut[PATH] = 30_000
    with open_stream(UPSTREAM, "dataset x") as stream:
        assert stream.read() == DATA
    assert data_server.requests == [f"GET {PATH}", f"GET {PATH} bytes=30000-"]


def test_stream_reads_only_what_is_needed_and_names_a_missing_file(data_server):
    data_server.put(PATH[1:], DATA)
    with open_stream(UPSTREAM, "dataset x") as stream:
        assert stream.read(10) == DATA[:10]
    with pytest.raises(UserError) as error:
        open_stream(UPSTREAM + ".gone", "dataset x")
    assert str(error.value) == f"dataset x: {UPSTREAM}.gone via the mirror: {data_server.url}{PATH}.gone: HTTP 404 File not found"


def test_stream_without_range_support_skips_what_it_has_read(data_server):
    data_server.put(PATH[1:], DATA)
    data_server.faults.cut[PATH] = 30_000
    data_server.faults.no_range.add(PATH)
    with open_stream(UPSTREAM, "dataset x") as stream:
        assert stream.read() == DATA
