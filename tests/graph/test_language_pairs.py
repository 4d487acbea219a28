"""Every language pair: configs with script, ISO 639-3 and regional codes validate, and their
graphs carry the canonical tag in labels, attributes, commands, file names and index routes."""

import json
import re

import pytest

from pipeline.common.datasets import parse_key, sanitize
from pipeline.common.errors import UserError
from pipeline.data.importers import flores, hplt, news_crawl, opus, sacrebleu
from tests.artifacts import produced
from tests.conftest import REPO
from translations_taskgraph import config as config_schema
from translations_taskgraph.local import graph
from translations_taskgraph.local.task import from_graph_task

CONFIGS = REPO / "tests" / "data" / "configs"
# A Taskcluster index namespace part (the cache routes carry the label).
INDEX_PART = re.compile(r"[A-Za-z0-9_!~*'()%-]+")

# config file -> (src, trg) as the config reads them, and each dataset's upstream URL
PAIRS = {
    "en-zh-Hant.yml": ("en", "zh-Hant", {
        "opus_OpenSubtitles/v2018": "https://object.pouta.csc.fi/OPUS-OpenSubtitles/v2018/moses/en-zh_Hant.txt.zip",
        "flores_dev": flores.URL,
        "hplt_2.0": "https://data.hplt-project.org/two/cleaned/zho_Hant_map.txt",
    }),
    "en-ja.yml": ("en", "ja", {
        "opus_JParaCrawl/v3.0": "https://object.pouta.csc.fi/OPUS-JParaCrawl/v3.0/moses/en-ja.txt.zip",
        "flores_devtest": flores.URL,
        "news-crawl_news.2021": "https://data.statmt.org/news-crawl/ja/news.2021.ja.shuffled.deduped.gz",
    }),
    "en-fil.yml": ("en", "fil", {
        "opus_CCAligned/v1": "https://object.pouta.csc.fi/OPUS-CCAligned/v1/moses/en-tl.txt.zip",
        "hplt_2.0": "https://data.hplt-project.org/two/cleaned/tgl_Latn_map.txt",
    }),
    "pt-BR-en.yml": ("pt-BR", "en", {
        "opus_OpenSubtitles/v2018": "https://object.pouta.csc.fi/OPUS-OpenSubtitles/v2018/moses/en-pt_BR.txt.zip",
        "news-crawl_news.2021": "https://data.statmt.org/news-crawl/pt/news.2021.pt.shuffled.deduped.gz",
    }),
}


@pytest.fixture(scope="module", params=sorted(PAIRS))
def pair(request):
    config = config_schema.load(CONFIGS / request.param)
    return request.param, config, graph.generator(config).full_task_graph


def test_config_reads_the_canonical_tags(pair):
    name, config, _ = pair
    src, trg, _ = PAIRS[name]
    assert (config["experiment"]["src"], config["experiment"]["trg"]) == (src, trg)


def test_labels_attributes_and_routes_carry_the_tags(pair):
    name, config, full = pair
    src, trg, _ = PAIRS[name]
    tasks = {label: task for label, task in full.tasks.items() if task.kind != "docker-image"}
    assert f"train-vocab-{src}-{trg}" in tasks and f"merge-corpus-{src}-{trg}" in tasks
    assert f"evaluate-teacher-{src}-{trg}-flores_devtest-1" in tasks
    assert len(tasks) > 30
    routes = 0
    for label, task in tasks.items():
        assert (task.attributes["src_locale"], task.attributes["trg_locale"]) == (src, trg)
        assert label.startswith(f"{task.kind}-") and f"-{src}-{trg}" in label
        for route in (route for route in task.task["routes"] if route.startswith("index.")):
            assert all(INDEX_PART.fullmatch(part) for part in route.split(".")), route
            assert f".{task.kind}-{label.removeprefix(task.kind + '-')}." in route
            routes += 1
    assert routes >= len(tasks)
    targets = graph.target_graph(config).tasks
    assert f"all-{src}-{trg}" in targets


def test_steps_get_the_tags_and_file_names_have_them(pair):
    name, config, full = pair
    src, trg, _ = PAIRS[name]
    serialized = json.dumps([task.task for task in full.tasks.values()])
    assert "zh_hant" not in serialized
    languages = set()
    for task in full.tasks.values():
        if task.kind == "docker-image":
            continue
        command = from_graph_task(task).command[-1]
        languages |= set(re.findall(r"--(?:src|trg|lang|mono-lang) (\S+)", command))
        for fetch in from_graph_task(task).fetches:
            assert fetch.name in produced(full.tasks[fetch.upstream], chunks=2)
    assert languages == {src, trg}
    merge = from_graph_task(full.tasks[f"merge-corpus-{src}-{trg}"])
    corpora = {f"{sanitize(key)}.{lang}.zst" for key in config["datasets"]["train"] for lang in (src, trg)}
    assert corpora <= {fetch.name for fetch in merge.fetches}  # e.g. opus_OpenSubtitles_v2018.zh-Hant.zst
    train = from_graph_task(full.tasks[f"train-vocab-{src}-{trg}"])
    assert {fetch.name for fetch in train.fetches} >= {f"corpus.{src}.zst", f"corpus.{trg}.zst"}


def test_importers_name_each_upstream_code(pair):
    name, config, _ = pair
    src, trg, urls = PAIRS[name]
    modules = {"opus": opus, "flores": flores, "hplt": hplt, "news-crawl": news_crawl, "sacrebleu": sacrebleu}
    for key, url in urls.items():
        importer, dataset = parse_key(key)
        category = next(c for c, keys in config["datasets"].items() if key in keys)
        langs = [src] if category == "mono-src" else [trg] if category == "mono-trg" else [src, trg]
        assert modules[importer].urls(dataset, *langs)[0] == url


def test_flores_codes_of_the_pairs():
    languages = ("zh-Hant", "zh_hant", "ja", "fil", "tl", "pt-BR", "es-419", "yue", "ckb", "ast", "ko")
    codes = {lang: flores.flores_code("flores_dev", lang) for lang in languages}
    assert codes == {
        "zh-Hant": "zho_Hant", "zh_hant": "zho_Hant", "ja": "jpn_Jpan", "fil": "tgl_Latn", "tl": "tgl_Latn",
        "pt-BR": "por_Latn", "es-419": "spa_Latn", "yue": "yue_Hant", "ckb": "ckb_Arab", "ast": "ast_Latn", "ko": "kor_Hang",
    }
    missing = r"^dataset flores_dev: FLORES-200 has no srp_Latn for 'sr-Latn'; name its code in the key as flores_dev:sr-Latn=<code> "
    with pytest.raises(UserError, match=missing):
        flores.flores_code("flores_dev", "sr-Latn")
    _, overrides = flores._parse("flores_dev:sr-Latn=srp_Cyrl", "dev:sr-Latn=srp_Cyrl")
    assert flores.flores_code("flores_dev:sr-Latn=srp_Cyrl", "sr_latn", overrides) == "srp_Cyrl"  # any spelling


def test_sacrebleu_pairs_by_language_without_region():
    assert sacrebleu._langpair("sacrebleu_wmt20", sacrebleu._dataset("k", "wmt20"), "en", "ja") == ("en-ja", False)
    with pytest.raises(UserError, match=r"^dataset k: sacrebleu set wmt20 has no en-zh-Hant or zh-Hant-en; it has "):
        sacrebleu._langpair("k", sacrebleu._dataset("k", "wmt20"), "en", "zh-TW")
