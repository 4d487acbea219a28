"""Monolingual importers `news-crawl_` and `hplt_`, and `--max-lines` for monolingual imports.

Fixtures are generated at test time and served by the loopback `data_server` at their
upstream URLs (TRANSLATIONS_DATA_MIRROR points at it).
"""

import gzip
import json
import logging

import pytest
import zstandard

from pipeline.common import download
from pipeline.common.corpus import read_lines
from pipeline.common.datasets import sanitize
from pipeline.data.import_dataset import import_mono, main
from pipeline.data.importers import hplt, news_crawl

NEWS_PATH = "data.statmt.org/news-crawl/de/news.2021.de.shuffled.deduped.gz"
NEWS_URL = f"https://{NEWS_PATH}"
NEWS_LINES = ["Erster Satz.", "", "Zweiter\tSatz.", "Dritter Satz.", "   ", "Vierter Satz."]

HPLT_ROOT = "data.hplt-project.org/two/cleaned"
MAP_PATH = f"{HPLT_ROOT}/deu_Latn_map.txt"
MAP_URL = f"https://{MAP_PATH}"
SHARD_PATHS = [f"{HPLT_ROOT}/deu_Latn/{n}.jsonl.zst" for n in (1, 2, 3)]


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0)


def doc(text: str, lang: str = "deu_Latn", score: float = 9.0, seg_langs: list[str] | None = None) -> dict:
    """A document as HPLT 2.0 cleaned writes it (the fields we read, and a few others)."""
    if seg_langs is None:
        seg_langs = [lang] * len(text.split("\n"))
    return {
        "id": "x", "u": "https://example.org/", "ts": "2021-01-01T00:00:00Z", "collection": "cc",
        "lang": [lang, "eng_Latn", "fra_Latn"], "prob": [0.9, 0.05, 0.05], "filter": "keep",
        "doc_scores": [score, 10, 10, 9.9, 10, 10, 10, 4, 0], "seg_langs": seg_langs, "text": text,
    }


SHARDS = [
    [
        doc(
            "Erster Satz aus Shard eins.\n  Zweiter Satz aus Shard eins.  \nAn English sentence here.\nKurz",
            seg_langs=["deu_Latn", "deu_Latn", "eng_Latn", "deu_Latn"],
        ),
        doc("Ein deutscher Satz im englischen Dokument.", lang="eng_Latn", seg_langs=["deu_Latn"]),
        doc("Ein Satz mit schlechter Bewertung.", score=3.5),
        # seg_langs label only the non-empty segments; the first one is a duplicate
        doc("Erster Satz aus Shard eins.\n\nDritter Satz aus Shard eins.", score=7.0, seg_langs=["deu_Latn"] * 2),
    ],
    [
        doc("Satz eins aus Shard zwei.\nSatz zwei aus Shard zwei.\nSatz drei aus Shard zwei."),
        doc("Falsch ausgerichtetes Dokument.\nZweite Zeile davon.", seg_langs=["deu_Latn"] * 5),
    ],
    [
        doc("Satz eins aus Shard drei.\nSatz zwei aus Shard drei."),
        doc("Satz drei aus Shard drei.\nMit\tTabulator aus Shard drei."),
    ],
]
SHARD_LINES = [
    ["Erster Satz aus Shard eins.", "Zweiter Satz aus Shard eins.", "Dritter Satz aus Shard eins."],
    ["Satz eins aus Shard zwei.", "Satz zwei aus Shard zwei.", "Satz drei aus Shard zwei."],
    ["Satz eins aus Shard drei.", "Satz zwei aus Shard drei.", "Satz drei aus Shard drei.", "Mit Tabulator aus Shard drei."],
]
# The seeded shard order of hplt_2.0 in German (random.Random("hplt_2.0 deu_Latn")): 3, 2, 1.
ORDER = [3, 2, 1]


def put_news(data_server, lines=NEWS_LINES, path=NEWS_PATH):
    data_server.put(path, gzip.compress("".join(line + "\n" for line in lines).encode()))


def put_hplt(data_server):
    data_server.put(MAP_PATH, "".join(f"https://{path}\n" for path in SHARD_PATHS))
    for path, docs in zip(SHARD_PATHS, SHARDS):
        jsonl = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs) + "\n"
        data_server.put(path, zstandard.ZstdCompressor().compress(jsonl.encode()))


def run_mono(key: str, out, lang: str = "de", max_lines: int | None = None) -> list[str]:
    main(["--dataset", key, "--mono-lang", lang, "--output-dir", str(out)]
         + (["--max-lines", str(max_lines)] if max_lines else []))
    return list(read_lines(out / f"{sanitize(key)}.{lang}.zst"))


def mono_error(argv: list[str], out, capsys) -> str:
    """Run the step expecting a user error; returns its single stderr error line."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--output-dir", str(out)])
    assert exit_info.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, lines
    assert not list(out.glob("*.zst")) if out.exists() else True
    return lines[0]


def get(path: str, range_from: int | None = None) -> str:
    return f"GET /{path}" + (f" bytes={range_from}-" if range_from is not None else "")


# --- news-crawl_ -----------------------------------------------------------------------


def test_news_crawl_urls():
    assert news_crawl.urls("news.2021", "de") == [NEWS_URL]


def test_news_crawl_import(data_server, tmp_path):
    put_news(data_server)
    lines = run_mono("news-crawl_news.2021", tmp_path / "out")
    assert lines == ["Erster Satz.", "Zweiter Satz.", "Dritter Satz.", "Vierter Satz."]
    assert data_server.requests == [get(NEWS_PATH)]


def test_news_crawl_max_lines(data_server, tmp_path):
    put_news(data_server)
    assert run_mono("news-crawl_news.2021", tmp_path / "out", max_lines=2) == ["Erster Satz.", "Zweiter Satz."]
    assert run_mono("news-crawl_news.2021", tmp_path / "out3", max_lines=3) == [
        "Erster Satz.", "Zweiter Satz.", "Dritter Satz.",
    ]


def test_news_crawl_runs_out_before_max_lines_is_logged(data_server, tmp_path, caplog):
    put_news(data_server)
    caplog.set_level(logging.INFO)
    count = import_mono("news-crawl_news.2021", "de", tmp_path, max_lines=10)
    assert count == 4
    assert "dataset news-crawl_news.2021 ran out after 4 lines, fewer than the maximum of 10; imported all of it" in caplog.messages
    assert "wrote 4 lines to %s" % (tmp_path / "news-crawl_news_2021.de.zst") in caplog.messages


def test_news_crawl_404_is_one_line_naming_key_and_url(data_server, tmp_path, capsys):
    put_news(data_server)
    path = "data.statmt.org/news-crawl/de/news.2019.de.shuffled.deduped.gz"
    error = mono_error(["--dataset", "news-crawl_news.2019", "--mono-lang", "de"], tmp_path / "out", capsys)
    assert error == (
        f"error: dataset news-crawl_news.2019: https://{path} via the mirror: "
        f"{data_server.url}/{path}: HTTP 404 File not found"
    )


def test_news_crawl_bad_name(data_server, tmp_path, capsys):
    error = mono_error(["--dataset", "news-crawl_2021", "--mono-lang", "de"], tmp_path / "out", capsys)
    assert error == "error: dataset news-crawl_2021: expected news-crawl_news.<year>, e.g. news-crawl_news.2021"
    assert data_server.requests == []


def test_news_crawl_is_monolingual_only(data_server, tmp_path, capsys):
    error = mono_error(["--dataset", "news-crawl_news.2021", "--src", "en", "--trg", "de"], tmp_path / "out", capsys)
    assert error == (
        "error: dataset news-crawl_news.2021: the news-crawl_ importer has monolingual data only; "
        "list it under mono-src or mono-trg"
    )


# --- hplt_ -----------------------------------------------------------------------------


def test_hplt_urls_and_codes():
    assert hplt.urls("2.0", "de") == [MAP_URL]
    assert hplt.urls("2.0", "et") == [f"https://{HPLT_ROOT}/ekk_Latn_map.txt"]
    assert hplt.urls("2.0", "zho_Hant") == [f"https://{HPLT_ROOT}/zho_Hant_map.txt"]


def test_hplt_sample(data_server, tmp_path):
    put_hplt(data_server)
    lines = run_mono("hplt_2.0", tmp_path / "out", max_lines=5)
    first, second = (SHARD_LINES[n - 1] for n in ORDER[:2])
    assert lines == first + second[:1]
    assert lines == [
        "Satz eins aus Shard drei.", "Satz zwei aus Shard drei.", "Satz drei aus Shard drei.",
        "Mit Tabulator aus Shard drei.", "Satz eins aus Shard zwei.",
    ]
    # the map, then only as many shards as the sample needs: shard 1 is never fetched
    assert data_server.requests == [get(MAP_PATH), get(SHARD_PATHS[2]), get(SHARD_PATHS[1])]
    # a rerun gives the same sample
    assert run_mono("hplt_2.0", tmp_path / "again", max_lines=5) == lines


def test_hplt_all_lines_filtered_and_deduplicated(data_server, tmp_path):
    put_hplt(data_server)
    lines = run_mono("hplt_2.0", tmp_path / "out")
    assert lines == [line for n in ORDER for line in SHARD_LINES[n - 1]]
    assert len(lines) == 10


def test_hplt_max_lines_beyond_the_data(data_server, tmp_path, caplog):
    put_hplt(data_server)
    caplog.set_level(logging.INFO)
    assert import_mono("hplt_2.0", "de", tmp_path, max_lines=100) == 10
    assert "dataset hplt_2.0 ran out after 10 lines, fewer than the maximum of 100; imported all of it" in caplog.messages
    assert any(message.endswith("lines written 10, shards 3") for message in caplog.messages)


def test_hplt_interrupted_shard_download_resumes(data_server, tmp_path):
    put_hplt(data_server)
    first = SHARD_PATHS[ORDER[0] - 1]
    data_server.faults.cut[f"/{first}"] = 40
    lines = run_mono("hplt_2.0", tmp_path / "out", max_lines=4)
    assert lines == SHARD_LINES[ORDER[0] - 1]
    assert data_server.requests == [get(MAP_PATH), get(first), get(first, range_from=40)]


def test_hplt_map_404_is_one_line_naming_key_and_url(data_server, tmp_path, capsys):
    put_hplt(data_server)
    path = f"{HPLT_ROOT}/isl_Latn_map.txt"
    error = mono_error(["--dataset", "hplt_2.0", "--mono-lang", "is", "--max-lines", "5"], tmp_path / "out", capsys)
    assert error == f"error: dataset hplt_2.0: https://{path} via the mirror: {data_server.url}/{path}: HTTP 404 File not found"


def test_hplt_shard_404_is_one_line_naming_key_and_url(data_server, tmp_path, capsys):
    put_hplt(data_server)
    missing = SHARD_PATHS[ORDER[0] - 1]
    (data_server.root / missing).unlink()
    error = mono_error(["--dataset", "hplt_2.0", "--mono-lang", "de"], tmp_path / "out", capsys)
    assert error == f"error: dataset hplt_2.0: https://{missing} via the mirror: {data_server.url}/{missing}: HTTP 404 File not found"


def test_hplt_not_hplt_jsonl(data_server, tmp_path, capsys):
    put_hplt(data_server)
    first = SHARD_PATHS[ORDER[0] - 1]
    data_server.put(first, zstandard.ZstdCompressor().compress(b'{"content": "no text field"}\n'))
    error = mono_error(["--dataset", "hplt_2.0", "--mono-lang", "de"], tmp_path / "out", capsys)
    assert error == (
        f"error: dataset hplt_2.0: https://{first}:1: a document without a 'text' field; is this an HPLT 2.0 shard?"
    )


@pytest.mark.parametrize(
    ("key", "lang", "message"),
    [
        ("hplt_1.2", "de", "dataset hplt_1.2: unknown HPLT version '1.2'; use one of: hplt_2.0"),
        ("hplt_2.0", "xx", "dataset hplt_2.0: 'xx' is not a language code; use a BCP-47 tag, e.g. en, de, fil, pt-BR, zh-Hant"),
    ],
)
def test_hplt_bad_key_or_language(data_server, tmp_path, capsys, key, lang, message):
    error = mono_error(["--dataset", key, "--mono-lang", lang], tmp_path / "out", capsys)
    assert error.startswith(f"error: {message}")
    assert data_server.requests == []


def test_max_lines_cuts_a_file(tmp_path, caplog):
    corpus = tmp_path / "mono.de.txt"
    corpus.write_text("eins\nzwei\ndrei\nvier\n")
    key = f"file_{tmp_path}/mono.[LANG].txt"
    assert run_mono(key, tmp_path / "out", max_lines=2) == ["eins", "zwei"]
    caplog.set_level(logging.INFO)
    assert import_mono(key, "de", tmp_path / "out5", max_lines=5) == 4
    assert f"dataset {key} ran out after 4 lines, fewer than the maximum of 5; imported all of it" in caplog.messages


def test_max_lines_must_be_positive_and_mono(tmp_path, capsys):
    for argv in (
        ["--dataset", "news-crawl_news.2021", "--mono-lang", "de", "--max-lines", "0"],
        ["--dataset", "file_/x.[LANG]", "--src", "en", "--trg", "de", "--max-lines", "5"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv + ["--output-dir", str(tmp_path)])
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --max-lines: must be at least 1, not 0" in err
    assert "--max-lines applies to monolingual imports (--mono-lang) only" in err
