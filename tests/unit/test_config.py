"""The training-config schema: defaults, every error at once, one schema for all uses."""

import copy

import pytest
import yaml

from tests.conftest import REPO, run_cli
from translations_taskgraph import config as config_schema
from translations_taskgraph.config_docs import render

MINIMAL = {
    "experiment": {"name": "x", "src": "en", "trg": "de"},
    "datasets": {"train": ["po_pretix==2026.8.0"], "devtest": ["po_trytond==8.2.1"]},
}


def errors_of(**changes) -> list[str]:
    raw = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        *parents, key = path.split("__")
        node = raw
        for parent in parents:
            node = node[parent]
        node[key] = value
    config, errors = config_schema.check(raw)
    assert config is None
    return errors


def test_defaults_are_filled():
    config, errors = config_schema.check(MINIMAL)
    assert errors == []
    assert config["experiment"]["vocab-size"] == 32000
    assert config["experiment"]["best-model"] == "chrf"
    assert config["datasets"]["test"] == []
    assert config["target-stage"] == "all"
    assert (config["experiment"]["student-model"], config["experiment"]["cefilter-drop"]) == ("tiny", 0.05)
    assert config["marian-args"] == {
        "training-backward": {}, "decoding-backward": {}, "training-teacher": {}, "decoding-teacher": {},
        "training-student": {}, "training-student-finetuned": {}, "decoding-student": {},
    }
    assert config["taskcluster"] == {
        "worker-classes": {"default": "standard"}, "split-chunks": 10, "data-mirror": "", "interactive": [],
    }


@pytest.mark.parametrize("name", ["quickstart.yml", "ci.yml"])
def test_shipped_configs_are_valid(name):
    config_schema.load(REPO / "configs" / name)


def test_unknown_key():
    assert errors_of(experiment__colour="blue") == [
        "experiment: unknown key 'colour' (known keys: name, src, trg, vocab-size, teacher-ensemble, "
        "teacher-mode, teacher-modifiers, cleaning-filters, corpus-max-sentences, mono-max-sentences-src, mono-max-sentences-trg, best-model, "
        "student-model, cefilter-drop, teacher-decoder, decoding)"
    ]


def test_unknown_stage():
    (error,) = errors_of(**{"target-stage": "train-everything"})
    assert error.startswith("target-stage: 'train-everything' is not valid; use one of: ")
    assert "merge-corpus" in error and "evaluate-teacher" in error


def test_bad_language_code():
    assert errors_of(experiment__trg="german") == [
        "experiment.trg: 'german' is not a language code; use a BCP-47 tag, e.g. en, de, fil, pt-BR, zh-Hant"
    ]


def test_malformed_dataset_keys():
    assert errors_of(datasets__train=["pretix", "zz_corpus"]) == [
        "datasets.train[0]: dataset key 'pretix' is malformed: expected <importer>_<name>, e.g. po_indico==3.3.14",
        "datasets.train[1]: dataset key 'zz_corpus' has unknown importer 'zz': use one of file, url, po, opus, mtdata, sacrebleu, flores, hf, news-crawl, hplt",
    ]


def test_monolingual_datasets_need_a_mono_importer():
    assert errors_of(**{"datasets__mono-trg": ["opus_ELRC-3075-wikipedia_health/v1"]}) == [
        "datasets.mono-trg[0]: 'opus_ELRC-3075-wikipedia_health/v1': the opus_ importer has parallel data only; "
        "monolingual datasets use one of file, url, po, hf, news-crawl, hplt"
    ]


def test_gettext_monolingual_data_is_not_english():
    assert errors_of(**{"datasets__mono-src": ["po_indico==3.3.14"], "datasets__mono-trg": ["po_pretix==2025.1.0"]}) == [
        "datasets.mono-src[0]: 'po_indico==3.3.14': gettext catalogs give monolingual text in the "
        "language they translate into, not en; list the catalogs under train instead"
    ]


def test_student_settings():
    assert errors_of(**{"experiment__cefilter-drop": 1.0, "experiment__student-model": "huge"}) == [
        "experiment.cefilter-drop: 1.0 is greater than or equal to the maximum of 1",
        "experiment.student-model: 'huge' is not valid; use one of: base, tiny",
    ]


def test_cleaning_filters_name_a_shipped_filter_file():
    filters = REPO / "pipeline" / "clean" / "filters"
    assert errors_of(**{"experiment__cleaning-filters": "nope"}) == [
        f"experiment.cleaning-filters: {filters}/nope.yml: filter file not found"
    ]
    assert errors_of(**{"experiment__cleaning-filters": "/tmp/mine.yml"}) == [
        "experiment.cleaning-filters: '/tmp/mine.yml': name a file of pipeline/clean/filters/ without .yml, e.g. default"
    ]


def test_data_mirror_is_an_http_url():
    assert errors_of(taskcluster={"data-mirror": "/srv/mirror"}) == [
        "taskcluster.data-mirror: '/srv/mirror' is not an http(s) URL, e.g. https://mirror.example.org/data"
    ]


def test_empty_train_list():
    assert errors_of(datasets__train=[]) == ["datasets.train: empty; list at least one training dataset"]


def test_file_name_collision():
    (error,) = errors_of(datasets__train=["po_a.b", "po_a_b"])
    assert error == "datasets.train[1]: 'po_a_b' and 'po_a.b' have the same file name 'po_a_b'; rename one"


def test_every_problem_at_once():
    raw = {
        "experiment": {"name": "x", "src": "english", "trg": "de", "size": 3},
        "datasets": {"train": [], "devtest": ["bad"]},
        "target-stage": "nope",
        "taskcluster": {"worker-classes": {"train-techer": "spot"}},
    }
    config, errors = config_schema.check(raw)
    assert config is None
    assert [e.split(":")[0] for e in errors] == [
        "experiment",
        "target-stage",
        "experiment.src",
        "datasets.train",
        "datasets.devtest[0]",
        "taskcluster.worker-classes",
    ]


def test_validate_cli_reports_each_error_on_one_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump({**MINIMAL, "target-stage": "nope", "bogus": 1}))
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"error: {path}: (top level): unknown key 'bogus'")
    assert lines[1].startswith(f"error: {path}: target-stage: 'nope' is not valid")


def test_validate_cli_summary():
    result = run_cli("validate", "configs/quickstart.yml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "configs/quickstart.yml: OK: quickstart en->de, 6 train, 1 devtest, 1 test dataset(s), "
        "target-stage all\n"
        "configs/quickstart.yml: the teacher decodes with CTranslate2 (convert-teacher)\n"
    )


def test_invalid_config_runs_nothing(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(dict(MINIMAL, datasets={"train": [], "devtest": ["po_x"]})))
    result = run_cli("run", str(path), "--workdir", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert result.stderr == f"error: {path}: datasets.train: empty; list at least one training dataset\n"
    assert not (tmp_path / "runs").exists()


def test_json_schema_is_inlined_and_complete():
    schema = config_schema.json_schema()
    assert "$ref" not in str(schema)
    assert set(schema["properties"]) == {"experiment", "datasets", "target-stage", "marian-args", "taskcluster", "continuation", "report", "tracking"}
    assert schema["properties"]["target-stage"]["enum"] == sorted(config_schema.STAGES)
    assert schema["properties"]["experiment"]["additionalProperties"] is False


def test_config_docs_are_generated_from_the_schema():
    assert (REPO / "docs" / "config.md").read_text() == render(), "regenerate: translations config-docs > docs/config.md"


def test_keys_the_import_would_refuse_are_refused_at_validation():
    assert errors_of(datasets__train=[
        "file_../../etc/passwd.[LANG]", "url_file:///etc/passwd.[LANG]", "po_--index-url=http://x", "file_/data/c.zst",
    ], **{"datasets__mono-trg": ["url_https://host/mono.tsv"]}) == [
        "datasets.train[0]: dataset file_../../etc/passwd.[LANG]: ../../etc/passwd.[LANG] climbs out of the "
        "checkout with '..'; use a path inside it or an absolute one",
        "datasets.train[1]: dataset url_file:///etc/passwd.[LANG]: only http:// and https:// URLs can be "
        "imported, not 'file'",
        "datasets.train[2]: dataset po_--index-url=http://x: '--index-url=http://x' is neither an absolute path "
        "nor a PyPI requirement such as indico==3.3.14",
        "datasets.train[3]: dataset file_/data/c.zst: the path must contain [LANG], e.g. file_/data/corpus.[LANG].zst",
        "datasets.mono-trg[0]: dataset url_https://host/mono.tsv: a .tsv file holds parallel data; "
        "list it under train, devtest or test",
    ]
