"""The graph of `experiment.teacher-decoder` and `experiment.decoding`: which models are
converted for CTranslate2, who fetches the conversions, what each translation task runs."""

import copy

import yaml

from tests.artifacts import produced
from tests.conftest import REPO, run_cli
from tests.graph.test_graph import CI_LABELS, labels
from translations_taskgraph import config as config_schema
from translations_taskgraph.local import graph
from translations_taskgraph.local.task import from_graph_task

RAW_CI = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
CONVERTED = ["config.json", "model.bin", "source_vocabulary.json", "target_vocabulary.json"]


def ci_with(**experiment) -> dict:
    raw = copy.deepcopy(RAW_CI)
    raw["experiment"].update(experiment)
    return config_schema.normalize(raw)


def command(task) -> str:
    return task.task["payload"]["command"][-1]


def fetched(task) -> list[tuple[str, str, str]]:
    return sorted((fetch.upstream, fetch.dest, fetch.name) for fetch in from_graph_task(task).fetches)


def test_ctranslate2_converts_each_model_once_and_every_chunk_fetches_it():
    full = graph.generator(ci_with(**{"teacher-decoder": "ctranslate2"})).full_task_graph
    assert labels(full) == CI_LABELS | {"convert-teacher-en-de-1", "convert-backwards-en-de"}
    for chunk in ("translate-corpus-en-de-1", "translate-corpus-en-de-2", "translate-mono-src-en-de-1", "translate-mono-src-en-de-2"):
        task = full.tasks[chunk]
        assert "convert-teacher-en-de-1" in task.dependencies and "train-teacher-en-de-1" not in task.dependencies
        assert [name for upstream, dest, name in fetched(task) if upstream == "convert-teacher-en-de-1" and dest == "ctranslate2"] == CONVERTED
        assert " --models $MOZ_FETCHES_DIR/ctranslate2 " in command(task)
    for chunk in ("translate-mono-trg-en-de-1", "translate-mono-trg-en-de-2"):
        task = full.tasks[chunk]
        assert "convert-backwards-en-de" in task.dependencies and "train-backwards-en-de" not in task.dependencies
        assert " --models $MOZ_FETCHES_DIR/ctranslate2 " in command(task)
    convert = full.tasks["convert-teacher-en-de-1"]
    assert convert.attributes["stage"] == "translate-corpus" and convert.attributes["resource"] == "cpu"
    assert fetched(convert) == [
        ("train-teacher-en-de-1", "", "model.npz"), ("train-vocab-en-de", "", "vocab.de.spm"), ("train-vocab-en-de", "", "vocab.en.spm"),
    ]
    assert command(convert) == (
        "python3 -m pipeline.translate.ct2_convert --model $MOZ_FETCHES_DIR/model.npz "
        "--vocabs $MOZ_FETCHES_DIR/vocab.en.spm $MOZ_FETCHES_DIR/vocab.de.spm --output-dir $TASK_WORKDIR/artifacts"
    )
    # The backward model translates German into English: its vocabularies are swapped.
    assert "--vocabs $MOZ_FETCHES_DIR/vocab.de.spm $MOZ_FETCHES_DIR/vocab.en.spm " in command(full.tasks["convert-backwards-en-de"])
    for task in full.tasks.values():
        for fetch in from_graph_task(task).fetches if task.kind != "docker-image" else []:
            assert fetch.name in produced(full.tasks[fetch.upstream], chunks=2), f"{task.label} fetches {fetch.name}"


def test_an_ensemble_decodes_with_marian_and_validate_says_so(tmp_path):
    full = graph.generator(ci_with(**{"teacher-decoder": "ctranslate2", "teacher-ensemble": 2})).full_task_graph
    assert not any(label.startswith("convert-teacher") for label in full.tasks)
    assert "convert-backwards-en-de" in full.tasks  # the backward model is one transformer
    corpus = full.tasks["translate-corpus-en-de-1"]
    assert [(upstream, dest) for upstream, dest, name in fetched(corpus) if name == "model.npz"] == [
        ("train-teacher-en-de-1", "teacher-1"), ("train-teacher-en-de-2", "teacher-2"),
    ]
    config = tmp_path / "ensemble.yml"
    raw = copy.deepcopy(RAW_CI)
    raw["experiment"].update({"teacher-decoder": "ctranslate2", "teacher-ensemble": 2})
    config.write_text(yaml.safe_dump(raw))
    result = run_cli("validate", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        f"{config}: warning: experiment.teacher-decoder: ctranslate2: the 2-teacher ensemble decodes with Marian: "
        "CTranslate2 decodes one model and cannot average an ensemble's predictions",
        f"{config}: the backward model decodes with CTranslate2 (convert-backwards)",
    ]


def test_a_backward_model_that_is_not_a_transformer_decodes_with_marian():
    raw = copy.deepcopy(RAW_CI)
    raw["experiment"]["teacher-decoder"] = "ctranslate2"
    raw["marian-args"]["training-backward"] = {**raw["marian-args"]["training-backward"], "type": "s2s"}
    full = graph.generator(config_schema.normalize(raw)).full_task_graph
    assert {label for label in full.tasks if label.startswith("convert-")} == {"convert-teacher-en-de-1"}
    assert "--models $MOZ_FETCHES_DIR/model.npz " in command(full.tasks["translate-mono-trg-en-de-1"])


def test_target_stage_translate_mono_trg_converts_only_the_backward_model():
    targeted = labels(graph.target_graph(ci_with(**{"teacher-decoder": "ctranslate2"}), "translate-mono-trg"))
    assert {label for label in targeted if label.startswith("convert-")} == {"convert-backwards-en-de"}


def test_the_default_samples_back_translations_and_beam_searches_distillation():
    full = graph.generator(config_schema.normalize(RAW_CI)).full_task_graph
    assert command(full.tasks["translate-mono-trg-en-de-1"]).endswith(
        "--models $MOZ_FETCHES_DIR/model.npz --vocabs $MOZ_FETCHES_DIR/vocab.de.spm $MOZ_FETCHES_DIR/vocab.en.spm "
        "--output-prefix $TASK_WORKDIR/artifacts/mono-1 -- --beam-size 2 --output-sampling topk 10 1.0 --seed 1"
    )
    for label in ("translate-corpus-en-de-1", "translate-mono-src-en-de-2"):
        assert command(full.tasks[label]).endswith("-- --beam-size 2 "), "beam search: no sampling options"


def test_decoding_methods_per_purpose_reach_the_commands():
    decoding = {"backtranslation": {"method": "beam"}, "distillation": {"method": "sampling", "top-k": 0, "temperature": 0.7}}
    full = graph.generator(ci_with(decoding=decoding)).full_task_graph
    assert command(full.tasks["translate-mono-trg-en-de-2"]).endswith("-- --beam-size 2 ")
    for label in ("translate-corpus-en-de-1", "translate-mono-src-en-de-1"):
        assert command(full.tasks[label]).endswith("-- --beam-size 2 --output-sampling full 0.7 --seed 1")
