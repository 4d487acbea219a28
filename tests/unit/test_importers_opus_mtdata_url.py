"""The opus_, mtdata_ and url_ (TSV, TMX, .xz) importers through the import_dataset step.

Upstream files are fixtures in the upstream's layout, served by the loopback `data_server`
(the mirror setting points at it), so the importers fetch their real upstream URLs.
"""

import bz2
import gzip
import lzma
import sys

import pytest
import zstandard

from pipeline.common.corpus import read_lines
from pipeline.common.errors import UserError
from pipeline.data import importers
from pipeline.data.importers import mtdata as mtdata_importer, opus, url as url_importer
from tests.importing import import_error, run_import, text, tgz_bytes, zip_bytes

EN = ["Health is wealth.", "The  hospital\tis open.", "Ünïcödé line"]
DE = ["Gesundheit ist Reichtum.", "Das Krankenhaus ist offen.", "Ünïcödé Zeile"]
EN_OUT = ["Health is wealth.", "The  hospital is open.", "Ünïcödé line"]  # tabs become spaces


def not_found(data_server, upstream: str) -> str:
    mirror = f"{data_server.url}/{upstream.split('://', 1)[1]}"
    return f"{upstream} via the mirror: {mirror}: HTTP 404 File not found"


# --- opus_ -------------------------------------------------------------------------------

OPUS_KEY = "opus_ELRC-3075-wikipedia_health/v1"
OPUS_URL = "https://object.pouta.csc.fi/OPUS-ELRC-3075-wikipedia_health/v1/moses/de-en.txt.zip"


def put_opus(data_server, links=()):
    data_server.put(OPUS_URL.split("://")[1], zip_bytes({
        "README": b"ELRC-3075-wikipedia_health\n",
        "LICENSE": b"CC-BY\n",
        "ELRC-3075-wikipedia_health.de-en.de": text(DE),
        "ELRC-3075-wikipedia_health.de-en.en": text(EN),
        "ELRC-3075-wikipedia_health.de-en.xml": b"<alignments/>\n",
    }, links))


def test_opus_both_directions_from_one_zip(data_server, tmp_path):
    put_opus(data_server)
    assert run_import(OPUS_KEY, tmp_path / "en-de") == (EN_OUT, DE)
    assert run_import(OPUS_KEY, tmp_path / "de-en", src="de", trg="en") == (DE, EN_OUT)
    assert data_server.requests == ["GET /object.pouta.csc.fi/OPUS-ELRC-3075-wikipedia_health/v1/moses/de-en.txt.zip"] * 2


def test_opus_urls_sort_the_languages():
    assert opus.urls("ELRC-3075-wikipedia_health/v1", "en", "de") == [OPUS_URL]
    assert opus.urls("ELRC-3075-wikipedia_health/v1", "de", "en") == [OPUS_URL]


def test_opus_404_is_one_line(data_server, tmp_path, capsys):
    error = import_error(OPUS_KEY, tmp_path / "out", capsys)
    assert error == f"error: dataset {OPUS_KEY}: {not_found(data_server, OPUS_URL)}"


def test_opus_missing_language_file(data_server, tmp_path, capsys):
    put_opus(data_server)
    data_server.put(OPUS_URL.split("://")[1].replace("de-en", "en-fr"), zip_bytes({"README": b"x\n"}))
    error = import_error(OPUS_KEY, tmp_path / "out", capsys, trg="fr")
    assert error == (
        f"error: dataset {OPUS_KEY}: {OPUS_URL.replace('de-en', 'en-fr')} has no single "
        "ELRC-3075-wikipedia_health.en-fr.en (found 0 candidates)"
    )


def test_opus_rejects_a_symlink_member(data_server, tmp_path, capsys):
    put_opus(data_server, links=("ELRC-3075-wikipedia_health.de-en.de",))
    error = import_error(OPUS_KEY, tmp_path / "out", capsys)
    assert error == f"error: dataset {OPUS_KEY}: {OPUS_URL}: ELRC-3075-wikipedia_health.de-en.de is a symbolic link"


@pytest.mark.parametrize("name", ["ELRC-3075", "a/b/c", "a/..", "../v1", "a b/v1", "a/v1?x=1", "/v1"])
def test_opus_rejects_bad_names(name, tmp_path, capsys):
    error = import_error(f"opus_{name}", tmp_path / "out", capsys)
    assert error == (
        f"error: dataset opus_{name}: expected opus_<corpus>/<version> with only A-Z a-z 0-9 . _ - in each, "
        "e.g. opus_ELRC-3075-wikipedia_health/v1"
    )


# --- mtdata_ -----------------------------------------------------------------------------

NC_KEY = "mtdata_Statmt-news_commentary-16-deu-eng"
NC_URL = "http://data.statmt.org/news-commentary/v16/training/news-commentary-v16.de-en.tsv.gz"


def test_mtdata_tsv_both_directions(data_server, tmp_path):
    rows = [f"{de}\t{en}" for de, en in zip(DE, ["Health is wealth.", "The  hospital is open.", "Ünïcödé line"])]
    data_server.put(NC_URL.split("://")[1], gzip.compress(text(rows)))
    assert run_import(NC_KEY, tmp_path / "en-de") == (EN_OUT, DE)
    assert run_import(NC_KEY, tmp_path / "de-en", src="de", trg="en") == (DE, EN_OUT)
    assert data_server.requests == ["GET /data.statmt.org/news-commentary/v16/training/news-commentary-v16.de-en.tsv.gz"] * 2


TILDE_KEY = "mtdata_Tilde-eesc-2017-deu-eng"
TILDE_URL = "https://tilde-model.s3-eu-west-1.amazonaws.com/EESC2017.de-en.tmx.zip"
TMX = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
<header creationtool="test" srclang="de" adminlang="en" datatype="plaintext" o-tmf="x" segtype="sentence"/>
<body>
<tu><tuv xml:lang="de-DE"><seg>Gesundheit ist
   Reichtum.</seg></tuv><tuv xml:lang="EN-GB"><seg>Health is wealth.</seg></tuv></tu>
<tu><tuv xml:lang="de"><seg>Nur Deutsch.</seg></tuv><tuv xml:lang="fr"><seg>Seulement allemand.</seg></tuv></tu>
<tu><tuv lang="en"><seg>The <ph>&lt;b&gt;</ph>hospital<ph>&lt;/b&gt;</ph> is open.</seg></tuv>
    <tuv lang="de_AT"><seg>Das Krankenhaus ist offen.</seg></tuv></tu>
<tu><tuv xml:lang="en-US"><seg>Fish &amp; chips</seg></tuv><tuv xml:lang="de-CH"><seg>Fisch &amp; Pommes</seg></tuv></tu>
</body>
</tmx>
"""
TMX_EN = ["Health is wealth.", "The <b>hospital</b> is open.", "Fish & chips"]
TMX_DE = ["Gesundheit ist Reichtum.", "Das Krankenhaus ist offen.", "Fisch & Pommes"]


def test_mtdata_tmx_in_a_zip_both_directions(data_server, tmp_path):
    data_server.put(TILDE_URL.split("://")[1], zip_bytes({"EESC2017.de-en.tmx": TMX.encode(), "README.txt": b"x\n"}))
    assert run_import(TILDE_KEY, tmp_path / "en-de") == (TMX_EN, TMX_DE)
    assert run_import(TILDE_KEY, tmp_path / "de-en", src="de", trg="en") == (TMX_DE, TMX_EN)


SGM_KEY = "mtdata_Statmt-newstest_deen-2014-deu-eng"
SGM_URL = "http://data.statmt.org/wmt20/translation-task/dev.tgz"


def sgm(lang: str, lines: list[str]) -> bytes:
    segs = "".join(f'<seg id="{number}">{line}</seg>\n' for number, line in enumerate(lines, 1))
    doc = f'<doc docid="1" origlang="{lang}">\n{segs}</doc>\n'
    return f'<srcset setid="newstest2014" srclang="any">\n{doc}</srcset>\n'.encode()


def test_mtdata_paired_sgm_files_in_a_tgz(data_server, tmp_path):
    data_server.put(SGM_URL.split("://")[1], tgz_bytes({
        "dev/newstest2013.de": b"other\n",
        "dev/newstest2014-deen-ref.en.sgm": sgm("en", ["Fish &amp; chips", "The  hospital is open."]),
        "dev/newstest2014-deen-src.de.sgm": sgm("de", ["Fisch &amp; Pommes", "Das Krankenhaus ist offen."]),
    }))
    assert run_import(SGM_KEY, tmp_path / "en-de") == (
        ["Fish & chips", "The hospital is open."], ["Fisch & Pommes", "Das Krankenhaus ist offen."]
    )


def test_mtdata_rejects_a_link_in_the_archive(data_server, tmp_path, capsys):
    data_server.put(SGM_URL.split("://")[1], tgz_bytes(
        {"dev/newstest2014-deen-src.de.sgm": sgm("de", ["a"])},
        links={"dev/newstest2014-deen-ref.en.sgm": "/etc/passwd"},
    ))
    error = import_error(SGM_KEY, tmp_path / "out", capsys)
    assert error == (
        f"error: dataset {SGM_KEY}: {SGM_URL}: dev/newstest2014-deen-ref.en.sgm is a link or special file, "
        "not a regular file"
    )


def test_mtdata_one_url_per_side(data_server, tmp_path):
    base = "data.statmt.org/wmt19/translation-task/fr-de/bitexts"
    data_server.put(f"{base}/commoncrawl.fr.gz", gzip.compress(text(["Bonjour", "Merci"])))
    data_server.put(f"{base}/commoncrawl.de.gz", gzip.compress(text(["Hallo", "Danke"])))
    key = "mtdata_Statmt-commoncrawl-wmt19-fra-deu"
    assert run_import(key, tmp_path / "out", src="de", trg="fr") == (["Hallo", "Danke"], ["Bonjour", "Merci"])
    assert mtdata_importer.urls("Statmt-commoncrawl-wmt19-fra-deu", "de", "fr") == [
        f"https://{base}/commoncrawl.fr.gz", f"https://{base}/commoncrawl.de.gz"
    ]


def test_mtdata_404_is_one_line(data_server, tmp_path, capsys):
    error = import_error(NC_KEY, tmp_path / "out", capsys)
    assert error == f"error: dataset {NC_KEY}: {not_found(data_server, NC_URL)}"


def test_mtdata_unknown_and_malformed_ids(tmp_path, capsys):
    assert import_error("mtdata_Statmt-no_such_corpus-16-deu-eng", tmp_path / "a", capsys) == (
        "error: dataset mtdata_Statmt-no_such_corpus-16-deu-eng: no such mtdata entry; "
        "find ids with `mtdata list -id -l deu-eng`"
    )
    assert import_error("mtdata_news_commentary", tmp_path / "b", capsys) == (
        "error: dataset mtdata_news_commentary: not an mtdata id <group>-<name>-<version>-<l1>-<l2> "
        "(e.g. Statmt-news_commentary-16-deu-eng)"
    )
    assert import_error(NC_KEY, tmp_path / "c", capsys, trg="fr") == (
        f"error: dataset {NC_KEY}: the entry's languages are deu-eng, not en-fr"
    )


def test_mtdata_loads_only_the_groups_index_module():
    """A Statmt id loads mtdata's statmt module only: not its whole index, nor its ~/.mtdata cache."""
    mtdata_importer._entries.clear()
    mtdata_importer._loaded.clear()
    assert mtdata_importer.urls("Statmt-news_commentary-16-deu-eng", "en", "de") == [NC_URL]
    assert mtdata_importer._loaded == {"statmt"}
    assert "mtdata.index" not in sys.modules


# --- url_: .xz, TSV, TMX -------------------------------------------------------------------


def compress(data: bytes, suffix: str) -> bytes:
    return {
        "": lambda: data, ".gz": lambda: gzip.compress(data), ".xz": lambda: lzma.compress(data),
        ".zst": lambda: zstandard.ZstdCompressor().compress(data), ".bz2": lambda: bz2.compress(data),
    }[suffix]()


def test_url_xz_per_side(data_server, tmp_path):
    data_server.put("example.org/c/corpus.en.xz", lzma.compress(text(EN)))
    data_server.put("example.org/c/corpus.de.xz", lzma.compress(text(DE)))
    assert run_import("url_https://example.org/c/corpus.[LANG].xz", tmp_path / "out") == (EN_OUT, DE)


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst", ".xz"])
def test_url_tsv(data_server, tmp_path, suffix):
    rows = [f"{en}\t{de}" for en, de in zip(["Health is wealth.", "The  hospital is open.", "Ünïcödé line"], DE)]
    data_server.put(f"example.org/c/corpus.en-de.tsv{suffix}", compress(text(rows), suffix))
    key = f"url_https://example.org/c/corpus.en-de.tsv{suffix}"
    assert run_import(key, tmp_path / "out") == (EN_OUT, DE)
    assert url_importer.urls(key[4:], "en", "de") == [key[4:]]


def test_url_tsv_column_count_names_the_line(data_server, tmp_path, capsys):
    data_server.put("example.org/c/bad.tsv.gz", gzip.compress(text(["a\tb", "c\td", "only one column", "e\tf"])))
    key = "url_https://example.org/c/bad.tsv.gz"
    assert import_error(key, tmp_path / "out", capsys) == (
        f"error: dataset {key}: https://example.org/c/bad.tsv.gz:3: "
        "expected 2 tab-separated columns (source, target), found 1"
    )


@pytest.mark.parametrize("suffix", ["", ".gz", ".xz"])
def test_url_tmx_both_directions(data_server, tmp_path, suffix):
    data_server.put(f"example.org/tm/memory.tmx{suffix}", compress(TMX.encode(), suffix))
    key = f"url_https://example.org/tm/memory.tmx{suffix}"
    assert run_import(key, tmp_path / "en-de") == (TMX_EN, TMX_DE)
    assert run_import(key, tmp_path / "de-en", src="de", trg="en") == (TMX_DE, TMX_EN)


def test_url_tmx_without_the_languages(data_server, tmp_path, capsys):
    data_server.put("example.org/tm/memory.tmx", TMX.encode())
    key = "url_https://example.org/tm/memory.tmx"
    assert import_error(key, tmp_path / "out", capsys, trg="cs") == (
        f"error: dataset {key}: https://example.org/tm/memory.tmx: no translation unit has both en and cs "
        "(languages found: EN-GB, de, de-CH, de-DE, de_AT, en, en-US, fr)"
    )


def test_url_404_of_a_tsv(data_server, tmp_path, capsys):
    key = "url_https://example.org/c/missing.tsv"
    error = import_error(key, tmp_path / "out", capsys)
    assert error == f"error: dataset {key}: {not_found(data_server, 'https://example.org/c/missing.tsv')}"


def test_url_single_file_mistakes(tmp_path, capsys):
    key = "url_https://example.org/c/corpus.[LANG].tsv"
    assert import_error(key, tmp_path / "a", capsys) == (
        f"error: dataset {key}: a .tsv file holds both languages; remove [LANG] from the URL"
    )
    key = "url_https://example.org/c/corpus.txt"
    assert import_error(key, tmp_path / "b", capsys) == (
        f"error: dataset {key}: the URL must contain [LANG] (url_https://host/corpus.[LANG].zst) "
        "or name a .tsv or .tmx file"
    )
    with pytest.raises(UserError, match=r"^dataset url_x: a \.tmx file holds parallel data; list it under train"):
        url_importer.lines("url_x", "https://example.org/tm/memory.tmx.gz", "de")
    assert url_importer.urls("https://h/c.[LANG].gz", "en", "de") == ["https://h/c.en.gz", "https://h/c.de.gz"]
    assert url_importer.urls("https://h/news.[LANG].gz", "de") == ["https://h/news.de.gz"]  # mono: one language
    with pytest.raises(UserError, match=r"^dataset opus_X/v1: OPUS corpora are parallel data; list it under train"):
        opus.urls("X/v1", "de")


# --- read_lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst", ".xz", ".bz2"])
def test_read_lines_by_suffix(tmp_path, suffix):
    path = tmp_path / f"corpus.de{suffix}"
    path.write_bytes(compress(b"eins\r\nzwei\n\ndrei", suffix))
    assert list(read_lines(path)) == ["eins", "zwei", "", "drei"]


def test_read_lines_errors_name_the_label(tmp_path):
    with pytest.raises(UserError, match=r"^https://h/x\.de\.gz: file not found$"):
        list(read_lines(tmp_path / "x.de.gz", "https://h/x.de.gz"))
    (tmp_path / "bad.xz").write_bytes(lzma.compress(b"a\n" * 1000)[:-20])
    with pytest.raises(UserError, match=r"^https://h/bad\.xz: cannot decompress \(.*\); is the file complete"):
        list(read_lines(tmp_path / "bad.xz", "https://h/bad.xz"))
    (tmp_path / "latin1.gz").write_bytes(gzip.compress(b"ok\nd\xe9j\xe0\n"))
    with pytest.raises(UserError, match=r"^https://h/l\.gz:2: invalid UTF-8 \(invalid continuation byte\)"):
        list(read_lines(tmp_path / "latin1.gz", "https://h/l.gz"))


def test_importer_modules_have_urls():
    for name in ("url", "opus", "mtdata"):
        assert callable(importers.load(name).urls)


def test_mtdata_one_tsv_member_streams_from_a_tar_gz(data_server, tmp_path):
    data_server.put("nlp.stanford.edu/projects/jesc/data/split.tar.gz", tgz_bytes({
        "split/dev": b"x\ty\n",
        "split/train": text(["you are back\tおかえり", "thank you\tありがとう"]),
    }))
    key = "mtdata_StanfordNLP-jesc_train-1-eng-jpn"
    assert run_import(key, tmp_path / "ja-en", src="ja", trg="en") == (
        ["おかえり", "ありがとう"], ["you are back", "thank you"]
    )
