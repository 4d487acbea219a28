"""Every importer that downloads through pipeline.common.download survives a connection
that drops halfway: the import resumes with a Range request and yields the exact lines.
(sacrebleu_ and hf_ download with their own libraries; hplt_ is covered in test_importers_mono.)"""

import gzip

import pytest

from pipeline.common import download
from pipeline.data.import_dataset import import_mono
from tests.importing import run_import, text, tgz_bytes, zip_bytes

@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)


EN = [f"Sentence {i} of the corpus, long enough to be cut." for i in range(300)]
DE = [f"Satz {i} des Korpus, lang genug zum Abschneiden." for i in range(300)]


NC = "data.statmt.org/news-commentary/v16/training/news-commentary-v16.de-en.tsv.gz"
FLORES = "dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
PARALLEL = {
    "url_https://data.example.org/c.[LANG]": {
        "data.example.org/c.en": text(EN), "data.example.org/c.de": text(DE),
    },
    "opus_Books/v1": {"object.pouta.csc.fi/OPUS-Books/v1/moses/de-en.txt.zip": zip_bytes({
        "Books.de-en.de": text(DE), "Books.de-en.en": text(EN), "README": b"Books\n",
    })},
    "mtdata_Statmt-news_commentary-16-deu-eng": {
        NC: gzip.compress(text([f"{de}\t{en}" for de, en in zip(DE, EN)])),
    },
    "flores_dev": {FLORES: tgz_bytes({
        "flores200_dataset/dev/eng_Latn.dev": text(EN), "flores200_dataset/dev/deu_Latn.dev": text(DE),
    })},
}


@pytest.mark.parametrize("key", PARALLEL)
def test_parallel_import_resumes_a_dropped_download(key, data_server, tmp_path):
    for path, data in PARALLEL[key].items():
        data_server.put(path, data)
        data_server.faults.cut[f"/{path}"] = len(data) // 2
    assert run_import(key, tmp_path / "out") == (EN, DE)
    for path, data in PARALLEL[key].items():
        assert f"GET /{path} bytes={len(data) // 2}-" in data_server.requests


def test_news_crawl_import_resumes_a_dropped_stream(data_server, tmp_path):
    path = "data.statmt.org/news-crawl/de/news.2021.de.shuffled.deduped.gz"
    data = gzip.compress(text(DE))
    data_server.put(path, data)
    data_server.faults.cut[f"/{path}"] = len(data) // 2
    assert import_mono("news-crawl_news.2021", "de", tmp_path) == len(DE)
    assert data_server.requests == [f"GET /{path}", f"GET /{path} bytes={len(data) // 2}-"]
