"""The config's `continuation`: which tasks the graph has instead, what they fetch, and
digests that follow a file's content, not its place."""

import copy
import json
import shutil

import pytest

from pipeline.common.contract import CONTINUATION_ENV
from tests.artifacts import produced
from tests.conftest import REPO, run_cli
from tests.graph.test_graph import CI, CI_LABELS, labels
from translations_taskgraph import config as config_schema
from translations_taskgraph import continuation
from translations_taskgraph.local import graph
from translations_taskgraph.local.task import from_graph_task

TEACHER = {"train-teacher-en-de-1"}
STUDENT_ONLY = {  # what a distilled corpus leaves: the devset, the test set, the student's stages
    "continuation-corpus-distillation-en-de", "continuation-vocab-en-de",
    "dataset-en-de-file_tests_data_ci_devtest_LANG_zst", "dataset-en-de-file_tests_data_ci_test_LANG_zst",
    "merge-devset-en-de", "alignments-en-de", "shortlist-en-de", "train-student-en-de",
    "evaluate-student-en-de-file_tests_data_ci_test_LANG_zst", "finetune-student-en-de",
    "evaluate-finetuned-student-en-de-file_tests_data_ci_test_LANG_zst", "quantize-en-de",
    "evaluate-quantized-en-de-file_tests_data_ci_test_LANG_zst", "export-en-de", "all-en-de",
}


@pytest.fixture
def files(tmp_path):
    """A trained model's files as a user has them: the model, its checkpoint, its vocab."""
    model = tmp_path / "teacher"
    model.mkdir()
    for name in ("model.npz", "model.npz.optimizer.npz", "model.npz.progress.yml", "model.npz.yml", "vocab.spm"):
        (model / name).write_text(f"{name}\n")
    for lang in ("en", "de"):
        shutil.copy(REPO / "tests" / "data" / "ci" / f"devtest.{lang}.zst", tmp_path / f"distilled.{lang}.zst")
    return tmp_path


def with_continuation(section: dict, **datasets) -> dict:
    config = copy.deepcopy(CI)
    config["continuation"] = section
    config["datasets"].update(datasets)
    return config_schema.normalize(config)


def target(config: dict):
    assert continuation.problems(config) == []
    return graph.target_graph(config)


def test_a_used_teacher_replaces_its_training_and_brings_its_vocabulary(files):
    config = with_continuation({"models": {"teacher": {"mode": "use", "locations": [f"{files}/teacher/model.npz"]}}})
    task_graph = target(config)
    assert labels(task_graph) == CI_LABELS - TEACHER - {"train-vocab-en-de"} | {
        "continuation-teacher-en-de-1", "continuation-vocab-en-de"}
    tasks = task_graph.tasks
    evaluate = from_graph_task(tasks["evaluate-teacher-en-de-file_tests_data_ci_test_LANG_zst-1"])
    assert ("continuation-teacher-en-de-1", "model.npz") in {(f.upstream, f.name) for f in evaluate.fetches}
    assert {("continuation-vocab-en-de", "vocab.en.spm"), ("continuation-vocab-en-de", "vocab.de.spm")} <= {
        (f.upstream, f.name) for f in evaluate.fetches}
    vocab = tasks["continuation-vocab-en-de"].task["payload"]
    assert json.loads(vocab["env"][CONTINUATION_ENV]) == {"vocab.en.spm": f"{files}/teacher/vocab.spm", "vocab.de.spm": f"{files}/teacher/vocab.spm"}
    teacher = tasks["continuation-teacher-en-de-1"].task["payload"]
    assert json.loads(teacher["env"][CONTINUATION_ENV]) == {"model.npz": f"{files}/teacher/model.npz"}
    sha = continuation.identity(f"{files}/teacher/model.npz")
    assert teacher["command"][-1].endswith(f"--output-dir $TASK_WORKDIR/artifacts --expect model.npz={sha}")
    assert set(tasks["all-en-de"].dependencies.values()) >= {"continuation-teacher-en-de-1", "train-backwards-en-de"}


@pytest.mark.parametrize("mode, fetched", [
    ("init", ["init/model.npz"]),
    ("continue", ["continue/model.npz", "continue/model.npz.optimizer.npz", "continue/model.npz.progress.yml", "continue/model.npz.yml"]),
])
def test_an_init_or_continued_teacher_still_trains_from_the_model(files, mode, fetched):
    config = with_continuation({"models": {"teacher": {"mode": mode, "locations": [f"{files}/teacher/model.npz"]}}})
    task_graph = target(config)
    assert labels(task_graph) == CI_LABELS - {"train-vocab-en-de"} | {"continuation-teacher-en-de-1", "continuation-vocab-en-de"}
    train = from_graph_task(task_graph.tasks["train-teacher-en-de-1"])
    assert sorted(f"{f.dest}/{f.name}" for f in train.fetches if f.upstream == "continuation-teacher-en-de-1") == fetched
    assert f"--{mode}-from $MOZ_FETCHES_DIR/{mode}/model.npz" in train.command[-1]
    backward = from_graph_task(task_graph.tasks["train-backwards-en-de"]).command[-1]
    assert "-from $MOZ_FETCHES_DIR" not in backward


def test_a_distilled_corpus_leaves_a_student_only_pipeline(files):
    config = with_continuation(
        {"vocab": f"{files}/teacher/vocab.spm",
         "corpora": {"distillation": {"src": f"{files}/distilled.en.zst", "trg": f"{files}/distilled.de.zst"}}},
        train=[], **{"mono-src": [], "mono-trg": []},
    )
    task_graph = target(config)
    assert labels(task_graph) == STUDENT_ONLY
    student = from_graph_task(task_graph.tasks["train-student-en-de"])
    assert {(f.upstream, f.name) for f in student.fetches} >= {
        ("continuation-corpus-distillation-en-de", "corpus.en.zst"), ("continuation-corpus-distillation-en-de", "corpus.de.zst"),
        ("alignments-en-de", "corpus.aln.zst"), ("continuation-vocab-en-de", "vocab.en.spm"), ("continuation-vocab-en-de", "vocab.de.spm")}


def test_a_vocabulary_per_side_goes_to_each_model_in_its_direction(files):
    for lang in ("en", "de"):
        (files / f"vocab.{lang}.spm").write_text(f"{lang} pieces\n")
    config = with_continuation({"vocab": {"src": f"{files}/vocab.en.spm", "trg": f"{files}/vocab.de.spm"}})
    task_graph = target(config)
    assert labels(task_graph) == CI_LABELS - {"train-vocab-en-de"} | {"continuation-vocab-en-de"}
    vocab = task_graph.tasks["continuation-vocab-en-de"].task["payload"]
    assert json.loads(vocab["env"][CONTINUATION_ENV]) == {"vocab.en.spm": f"{files}/vocab.en.spm", "vocab.de.spm": f"{files}/vocab.de.spm"}
    commands = {label: from_graph_task(task_graph.tasks[label]).command[-1] for label in (
        "train-teacher-en-de-1", "train-backwards-en-de", "translate-mono-trg-en-de-1", "score-en-de", "alignments-en-de", "export-en-de")}
    forward, backward = ("--vocabs $MOZ_FETCHES_DIR/vocab.en.spm $MOZ_FETCHES_DIR/vocab.de.spm",
                         "--vocabs $MOZ_FETCHES_DIR/vocab.de.spm $MOZ_FETCHES_DIR/vocab.en.spm")
    assert {label: forward in command for label, command in commands.items()} == {
        "train-teacher-en-de-1": True, "train-backwards-en-de": False, "translate-mono-trg-en-de-1": False, "score-en-de": False,
        "alignments-en-de": True, "export-en-de": True}
    assert all(backward in commands[label] for label in ("train-backwards-en-de", "translate-mono-trg-en-de-1", "score-en-de"))

    # A model trained with another target vocabulary is refused, naming the side.
    (files / "teacher" / "vocab.spm").unlink()
    shutil.copy(files / "vocab.en.spm", files / "teacher" / "vocab.en.spm")
    (files / "teacher" / "vocab.de.spm").write_text("other pieces\n")
    config = with_continuation({"vocab": {"src": f"{files}/vocab.en.spm", "trg": f"{files}/vocab.de.spm"},
                                "models": {"teacher": {"mode": "use", "locations": [f"{files}/teacher/model.npz"]}}})
    assert continuation.problems(config) == [
        f"continuation.models.teacher: {files}/teacher/vocab.de.spm differs from the pipeline's trg vocabulary {files}/vocab.de.spm; "
        "a Marian model only works with the vocabulary it was trained with"]
    # Without a vocab, the per-side files beside the model are the pipeline's.
    config = with_continuation({"models": {"teacher": {"mode": "use", "locations": [f"{files}/teacher/model.npz"]}}})
    assert continuation.items(config)["vocab"] == {"src": f"{files}/teacher/vocab.en.spm", "trg": f"{files}/teacher/vocab.de.spm"}


def test_corpora_and_a_vocabulary_replace_the_stages_that_make_them(files):
    corpus = {"src": f"{files}/distilled.en.zst", "trg": f"{files}/distilled.de.zst"}
    config = with_continuation({"vocab": f"{files}/teacher/vocab.spm", "corpora": {"parallel": corpus, "backtranslations": corpus}},
                               train=[], **{"mono-trg": []})
    found = labels(target(config))
    made = {"train-vocab-en-de", "merge-corpus-en-de", "split-mono-trg-en-de", "translate-mono-trg-en-de-1",
            "translate-mono-trg-en-de-2", "collect-mono-trg-en-de"}
    inputs = {label for label in CI_LABELS if "train-" in label and "file_tests" in label} | {
        label for label in CI_LABELS if "mono-trg" in label}
    assert found == CI_LABELS - made - inputs | {
        "continuation-vocab-en-de", "continuation-corpus-parallel-en-de", "continuation-corpus-backtranslations-en-de"}


def test_every_fetch_is_a_file_its_upstream_writes(files):
    config = with_continuation({"models": {
        "teacher": {"mode": "continue", "locations": [f"{files}/teacher/model.npz"]},
        "backwards": {"mode": "use", "location": f"{files}/teacher/model.npz"}}})
    task_graph = target(config)
    checked = 0
    for task in task_graph.tasks.values():
        for fetch in from_graph_task(task).fetches if task.kind != "docker-image" else []:
            assert fetch.name in produced(task_graph.tasks[fetch.upstream], chunks=2), (task.label, fetch.name)
            checked += 1
    assert checked > 100


def test_digests_follow_the_files_content_not_their_place(files):
    def digests(location: str) -> dict[str, str]:
        config = with_continuation({"models": {"teacher": {"mode": "use", "locations": [location]}}})
        return {label: task.attributes["cached_task"]["digest"] for label, task in target(config).tasks.items()}

    before = digests(f"{files}/teacher/model.npz")
    shutil.copytree(files / "teacher", files / "moved")
    assert digests(f"{files}/moved/model.npz") == before
    (files / "moved" / "model.npz").write_text("retrained\n")
    after = digests(f"{files}/moved/model.npz")
    changed = {label for label in before if before[label] != after[label]}
    assert changed == {"continuation-teacher-en-de-1"} | {
        label for label in CI_LABELS if label.split("-en-de")[0] in (
            "evaluate-teacher", "translate-corpus", "translate-mono-src", "merge-translated", "score", "cefilter",
            "alignments", "shortlist", "train-student", "evaluate-student", "finetune-student",
            "evaluate-finetuned-student", "quantize", "evaluate-quantized", "export", "all")}


def test_what_stops_a_continuation_is_said_before_anything_runs(files, tmp_path):
    (files / "other").mkdir()
    shutil.copy(files / "teacher" / "model.npz", files / "other")
    (files / "other" / "vocab.spm").write_text("another vocabulary\n")
    config = copy.deepcopy(CI)
    config["continuation"] = {
        "vocab": f"{files}/teacher/vocab.spm",
        "models": {"teacher": {"mode": "use", "locations": [f"{files}/other/model.npz"]},
                   "backwards": {"mode": "init", "location": f"{files}/gone/model.npz"}},
    }
    half = copy.deepcopy(config)
    half["continuation"]["models"] = {"teacher": {"mode": "continue", "locations": [f"{files}/other/model.npz"]}}
    assert continuation.problems(config_schema.normalize(half))[-1] == (
        f"continuation.models.teacher: {files}/other/model.npz has no model.npz.optimizer.npz, model.npz.progress.yml, "
        "model.npz.yml beside it; continuing a training needs its checkpoint files (or use mode init)")
    path = tmp_path / "config.yml"
    path.write_text(json.dumps(config))
    out = run_cli("graph", str(path))
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        f"error: {path}: continuation.models.backwards.location: {files}/gone/model.npz: not found; give an existing file, or the URL it is published at",
        f"error: {path}: continuation.models.teacher: {files}/other/vocab.spm differs from the pipeline's vocabulary {files}/teacher/vocab.spm; "
        "a Marian model only works with the vocabulary it was trained with",
    ]


def test_a_stored_result_of_an_earlier_run_is_a_location(files, tmp_path):
    workdir = tmp_path / "runs"
    stored = workdir / "store" / "abc" / "artifacts"
    stored.mkdir(parents=True)
    shutil.copy(files / "teacher" / "model.npz", stored)
    shutil.copy(files / "teacher" / "vocab.spm", stored)
    (workdir / "earlier").mkdir()
    (workdir / "earlier" / "train-teacher-en-de-1").symlink_to("../store/abc")
    config = copy.deepcopy(CI)
    config["continuation"] = {"models": {"teacher": {"mode": "use", "locations": ["run:earlier/train-teacher-en-de-1/model.npz"]}}}
    path = tmp_path / "config.yml"
    path.write_text(json.dumps(config))
    out = run_cli("graph", str(path), "--workdir", str(workdir), "--json")
    assert out.returncode == 0, out.stderr
    teacher = json.loads(out.stdout)["continuation-teacher-en-de-1"]["task"]["payload"]
    assert json.loads(teacher["env"][CONTINUATION_ENV]) == {"model.npz": str(stored.resolve() / "model.npz")}

    missing = run_cli("graph", str(path), "--workdir", str(tmp_path / "elsewhere"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"error: {path}: continuation.models.teacher.locations[0]: run:earlier/train-teacher-en-de-1/model.npz: "
        f"{tmp_path}/elsewhere/earlier/train-teacher-en-de-1 holds no stored model.npz; "
        f"run that experiment with --workdir {tmp_path}/elsewhere first, or give the file's path")


def test_config_errors_of_a_continuation():
    config = copy.deepcopy(CI)
    config["continuation"] = {
        "vocab": "relative/vocab.spm",
        "corpora": {"distillation": {"src": "https://example.org/d.en.zst#sha256=abc", "trg": "run:x/y"},
                    "parallel": {"src": "/c.en.zst", "trg": "/c.de.zst", "alignments": "/c.aln.zst"}},
        "models": {"teacher": {"mode": "continue", "type": "opus-mt", "locations": ["/a.zip", "/b.zip"]}},
    }
    _, errors = config_schema.check(config)
    assert errors == [
        "continuation.vocab: 'relative/vocab.spm' is not allowed: " + config_schema.LOCATION_RULE,
        "continuation.corpora.distillation.src: 'https://example.org/d.en.zst#sha256=abc': a URL may end in "
        "#sha256=<64 hex digits> or #version=<letters, digits, ._+->, nothing else",
        "continuation.corpora.distillation.trg: 'run:x/y': write a stored result's file as run:<experiment>/<label>/<file>, "
        "e.g. run:quickstart/train-teacher-en-de-1/model.npz",
        "continuation.models.teacher.locations: 2 model(s) for experiment.teacher-ensemble 1; give one model per teacher",
        "continuation.models.teacher: an opus-mt model can only be used (mode: use): its vocabulary and pre-processing are not the pipeline's",
        "continuation.corpora.parallel.alignments: only the distilled corpus's alignments are used (the student's guided alignment); remove them",
        "datasets.train: not used with continuation.corpora.distillation, which replaces every stage before the student; remove it",
        "datasets.mono-src: not used with continuation.corpora.distillation, which replaces every stage before the student; remove it",
        "datasets.mono-trg: not used with continuation.corpora.distillation, which replaces every stage before the student; remove it",
        "continuation.corpora.parallel: not used with continuation.corpora.distillation, which replaces every stage before the student; remove it",
        "continuation.models.teacher: not used with continuation.corpora.distillation, which replaces every stage before the student; remove it",
    ]
