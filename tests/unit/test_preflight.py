"""`translations datasets`: each dataset's location and whether it is there, checked
against loopback servers (a file host and a PyPI JSON API)."""

import http.server
import os
import subprocess

import pytest
import yaml

from tests.conftest import REPO, TRANSLATIONS
from tests.http_fixture import serve


class Handler(http.server.BaseHTTPRequestHandler):
    present = {"/data/c.en.gz", "/data/c.de.gz", "/pypi/indico/3.3.14/json", "/pypi/weblate/json"}

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response(200 if self.path in self.present else 404)
        self.end_headers()


@pytest.fixture
def server():
    with serve(Handler) as url:
        yield url


def test_datasets_lists_locations_and_fails_on_missing_ones(tmp_path, server):
    config = {
        "experiment": {"name": "x", "src": "en", "trg": "de"},
        "datasets": {
            "train": [f"url_{server}/data/c.[LANG].gz", "po_indico==3.3.14", "po_weblate", "po_/opt/catalogs"],
            "devtest": ["file_tests/data/ci/devtest.[LANG].zst"],
            "test": [f"url_{server}/data/gone.[LANG].gz", "po_nonexistent==1.0", "url_http://127.0.0.1:1/x.[LANG]"],
        },
    }
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [TRANSLATIONS, "datasets", str(path)], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "PYPI_JSON_URL": f"{server}/pypi"},
    )
    status = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert status == {
        f"url_{server}/data/c.[LANG].gz": "ok",
        "po_indico==3.3.14": "ok",
        "po_weblate": "ok",
        "po_/opt/catalogs": "not",  # "not checked": a path on the machine that runs the task
        "file_tests/data/ci/devtest.[LANG].zst": "ok",
        f"url_{server}/data/gone.[LANG].gz": "missing",
        "po_nonexistent==1.0": "missing",
        "url_http://127.0.0.1:1/x.[LANG]": "unknown",  # unreachable: not an error
    }
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {path}: dataset url_{server}/data/gone.[LANG].gz is not there: ")
    assert errors[1] == f"error: {path}: dataset po_nonexistent==1.0 is not there: {server}/pypi/nonexistent/1.0/json HTTP 404"


def test_datasets_resolves_importer_urls_through_the_mirror(tmp_path, server):
    Handler.present = Handler.present | {
        "/object.pouta.csc.fi/OPUS-Books/v1/moses/de-en.txt.zip",
        "/data.statmt.org/news-crawl/en/news.2021.en.shuffled.deduped.gz",
    }
    config = {
        "experiment": {"name": "x", "src": "en", "trg": "de"},
        "datasets": {
            "train": ["opus_Books/v1", "opus_Gone/v2"],
            "devtest": ["sacrebleu_no-such-set"],
            "test": ["flores_devtest"],
            "mono-src": ["news-crawl_news.2021"],
            "mono-trg": ["news-crawl_news.2021"],
        },
        "taskcluster": {"data-mirror": server},
    }
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [TRANSLATIONS, "datasets", str(path)], cwd=REPO, capture_output=True, text=True,
    )
    rows = [line.split()[:3] for line in result.stdout.splitlines()]
    assert rows == [
        ["opus_Books/v1", "ok", "https://object.pouta.csc.fi/OPUS-Books/v1/moses/de-en.txt.zip"],
        ["opus_Gone/v2", "missing", "https://object.pouta.csc.fi/OPUS-Gone/v2/moses/de-en.txt.zip"],
        ["sacrebleu_no-such-set", "invalid", "no-such-set"],
        ["flores_devtest", "missing", "https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"],
        ["news-crawl_news.2021", "ok", "https://data.statmt.org/news-crawl/en/news.2021.en.shuffled.deduped.gz"],
        ["news-crawl_news.2021", "missing", "https://data.statmt.org/news-crawl/de/news.2021.de.shuffled.deduped.gz"],
    ]
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 4
    assert f"error: {path}: dataset sacrebleu_no-such-set: 'no-such-set' is not a sacrebleu test set; " in result.stderr


def test_a_key_whose_index_library_is_absent_is_not_checked(monkeypatch):
    """The decision image lacks sacrebleu and mtdata: their keys cannot be looked up there."""
    import types

    from pipeline.data import importers, preflight

    def urls(name, *langs):
        raise ModuleNotFoundError("No module named 'sacrebleu'", name="sacrebleu")

    monkeypatch.setattr(importers, "load", lambda importer: types.SimpleNamespace(urls=urls))
    check = preflight.check("sacrebleu_wmt19", ("en", "de"), REPO)
    assert (check.status, check.location, check.detail) == ("not checked", "wmt19", "needs sacrebleu, not installed here")
