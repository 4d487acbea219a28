"""The config's `continuation` with real Marian on the tiny CI config: a teacher of an
earlier run used as it is, continued, or a new one started from its weights; a
vocabulary per side; an OPUS-MT release distilled into a student."""

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy
import pytest
import sacrebleu
import sentencepiece
import yaml

from pipeline.common.corpus import read_lines
from tests.conftest import REPO, run_cli
from tests.http_fixture import data_server  # noqa: F401 (a fixture)
from tests.e2e.test_local_run import EVALUATE, TRANSLATIONS, summary

EARLIER = "run:ci/train-teacher-en-de-1"
VOCAB = "run:ci/train-vocab-en-de/vocab.en.spm"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """The CI config's run up to its teacher's evaluation: what a user has from before."""
    workdir = tmp_path_factory.mktemp("continuation") / "runs"
    out = run_cli("run", "configs/ci.yml", "--target-stage", "evaluate-teacher", "--workdir", str(workdir))
    assert out.returncode == 0, out.stderr[-3000:]
    return workdir


def config_with(tmp_path, name: str, section: dict, after_batches: int | None = None, decoding_student: dict | None = None) -> str:
    config = yaml.safe_load((REPO / "configs" / "ci.yml").read_text())
    config["experiment"]["name"] = name
    config["continuation"] = section
    if after_batches:
        config["marian-args"]["training-teacher"] = {**config["marian-args"]["training-teacher"], "after-batches": after_batches}
    config["marian-args"]["decoding-student"] = {**config["marian-args"]["decoding-student"], **(decoding_student or {})}
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def updates(log: str) -> list[int]:
    return [int(number) for number in re.findall(r" : Up\. (\d+) : Sen\. ", log)]  # the training lines


def test_a_used_teacher_scores_as_it_did(earlier, tmp_path):
    config = config_with(tmp_path, "use", {"vocab": VOCAB, "models": {"teacher": {"mode": "use", "locations": [f"{EARLIER}/model.npz"]}}})
    out = run_cli("run", config, "--target-stage", "evaluate-teacher", "--workdir", str(earlier))
    assert out.returncode == 0, out.stderr[-3000:]
    assert summary(out.stdout) == (3, 6)  # the two continuations and the evaluation; imports, cleaning, corpus reused
    metrics = [json.loads(next((earlier / run / EVALUATE / "artifacts").glob("*.metrics.json")).read_text()) for run in ("ci", "use")]
    timing = ("decode_seconds", "sentences_per_second")
    assert [{k: v for k, v in m.items() if k not in timing} for m in metrics] == [  # the same model on the same test set
        {k: v for k, v in metrics[0].items() if k not in timing}] * 2


def train_teacher(earlier, tmp_path, mode: str, model: str, after_batches: int) -> str:
    """The train.log of a teacher trained in `mode` from the earlier run's `model`."""
    section = {"vocab": VOCAB, "models": {"teacher": {"mode": mode, "locations": [f"{EARLIER}/{model}"]}}}
    out = run_cli("run", config_with(tmp_path, mode, section, after_batches), "--target-stage", "train-teacher",
                  "--workdir", str(earlier))
    assert out.returncode == 0, out.stderr[-3000:]
    return (earlier / mode / "train-teacher-en-de-1" / "artifacts" / "train.log").read_text()


def test_a_continued_teacher_goes_on_from_its_update_count(earlier, tmp_path):
    log = train_teacher(earlier, tmp_path, "continue", "model.train.npz", after_batches=450)
    assert "Loading model from" in log and "Initializing model weights with pre-trained model" not in log
    assert updates(log)[0] == 350 and updates(log)[-1] == 450  # on from 300, every 50


def test_a_teacher_initialised_from_weights_restarts_its_optimizer(earlier, tmp_path):
    log = train_teacher(earlier, tmp_path, "init", "model.npz", after_batches=100)
    assert "Initializing model weights with pre-trained model" in log
    assert updates(log) == [50, 100]  # a fresh schedule


def test_a_changed_file_reruns_exactly_its_dependents(earlier, tmp_path):
    model = tmp_path / "teacher"
    shutil.copytree(earlier / "ci" / "train-teacher-en-de-1" / "artifacts", model)
    shutil.copy(earlier / "ci" / "train-vocab-en-de" / "artifacts" / "vocab.en.spm", model / "vocab.spm")
    config = config_with(tmp_path, "local", {"models": {"teacher": {"mode": "use", "locations": [f"{model}/model.npz"]}}})
    first = run_cli("run", config, "--target-stage", "evaluate-teacher", "--workdir", str(earlier))
    assert first.returncode == 0, first.stderr[-3000:]
    (model / "model.npz").unlink()
    shutil.copy(earlier / "ci" / "train-backwards-en-de" / "artifacts" / "model.npz", model / "model.npz")  # another model, same place
    again = run_cli("run", config, "--target-stage", "evaluate-teacher", "--workdir", str(earlier))
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary(again.stdout) == (2, 7)
    assert re.findall(r"started  (\S+)", again.stderr) == ["continuation-teacher-en-de-1", EVALUATE]


def model_options(model: Path) -> dict:
    """The options Marian stores in a model."""
    return yaml.safe_load(bytes(numpy.load(model)["special:model.yml"]).decode().rstrip("\x00"))


def test_a_vocabulary_per_side_runs_the_whole_pipeline(earlier, tmp_path):
    """English and German pieces from two SentencePiece models of different sizes: every
    model trains and decodes with both, and the package ships both."""
    vocabs = {}
    for side, lang, size in (("src", "en", 50), ("trg", "de", 60)):  # the CI corpus has 67 at most
        text = tmp_path / f"{lang}.txt"
        text.write_text("".join(f"{line}\n" for line in read_lines(earlier / "ci" / "merge-corpus-en-de" / "artifacts" / f"corpus.{lang}.zst")))
        sentencepiece.SentencePieceTrainer.train(input=str(text), model_prefix=str(tmp_path / lang), vocab_size=size, minloglevel=2)
        vocabs[side] = str(Path(tmp_path / f"{lang}.model").rename(tmp_path / f"vocab.{lang}.spm"))
    # One decoding thread for the students (see the OPUS-MT test below).
    out = run_cli("run", config_with(tmp_path, "sides", {"vocab": vocabs}, decoding_student={"cpu-threads": 1}),
                  "--workdir", str(earlier))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "train-vocab" not in out.stderr and "started  continuation-vocab-en-de" in out.stderr
    run = earlier / "sides"
    teacher = model_options(run / "train-teacher-en-de-1" / "artifacts" / "model.npz")
    assert (teacher["tied-embeddings-all"], teacher["tied-embeddings"], teacher["dim-vocabs"]) == (False, True, [50, 60])
    assert model_options(run / "train-backwards-en-de" / "artifacts" / "model.npz")["dim-vocabs"] == [60, 50]  # German to English

    package = run / "export-en-de" / "artifacts"
    files = json.loads((package / "metadata.json").read_text())["files"]
    assert sorted(files) == ["model", "shortlist", "srcvocab", "trgvocab"]
    for name, lang in (("srcvocab", "en"), ("trgvocab", "de")):
        assert gzip.decompress((package / files[name]["file"]).read_bytes()) == Path(vocabs["src" if lang == "en" else "trg"]).read_bytes()
    unpacked = {}
    for name, entry in files.items():
        unpacked[name] = tmp_path / entry["file"].removesuffix(".gz")
        unpacked[name].write_bytes(gzip.decompress((package / entry["file"]).read_bytes()))
    test = [*read_lines(REPO / "tests/data/ci/test.en.zst")]
    decoded = subprocess.run(
        [str(Path(TRANSLATIONS).parent / "pymarian"), "decode", "-m", str(unpacked["model"]), "-v", str(unpacked["srcvocab"]),
         str(unpacked["trgvocab"]), "--shortlist", str(unpacked["shortlist"]), "false", "--cpu-threads", "1", "--quiet"],
        input="".join(f"{line}\n" for line in test), capture_output=True, text=True, timeout=300,
    )
    assert decoded.returncode == 0, decoded.stderr[-2000:]
    references = [*read_lines(REPO / "tests/data/ci/test.de.zst")]
    assert sacrebleu.corpus_chrf(decoded.stdout.splitlines(), [references]).score > 80


RELEASE = "object.pouta.csc.fi/Tatoeba-MT-models/eng-deu/opusTCv20210807-2021-11-10.zip"


@pytest.mark.parametrize("label", [None, "deu"])
def test_an_opus_mt_release_is_distilled_into_a_student(tmp_path, data_server, label):
    """A tiny model trained here and packaged as an OPUS-MT release (for `label`, a
    multi-target one that needs `>>deu<<`), served at its upstream URL from loopback."""
    from tests.opus_mt_release import build

    data_server.put(RELEASE, build(tmp_path / "release", label).read_bytes())
    data_server.faults.etags[f"/{RELEASE}"] = '"r1"'
    section = {"models": {"teacher": {"mode": "use", "type": "opus-mt", "locations": [f"https://{RELEASE}"]}}}
    stage = "all" if label is None else "evaluate-teacher"
    # One decoding thread for the students: once in six runs of this test, pymarian 1.12.42 crashed
    # (SIGSEGV in ReshapeNodeOp::val, beam search on a worker thread) decoding the int8 student with
    # its shortlist on 2 threads; the same inputs decoded 28 times more without a crash.
    config = config_with(tmp_path, "opus", section, decoding_student={"cpu-threads": 1})
    out = run_cli("run", config, "--target-stage", stage, "--workdir", str(tmp_path / "runs"))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "train-teacher" not in out.stderr and "started  continuation-teacher-en-de-1" in out.stderr
    teacher = json.loads(next((tmp_path / "runs" / "opus" / EVALUATE / "artifacts").glob("*.metrics.json")).read_text())
    assert teacher["chrf"] > 60, teacher  # the word-for-word CI test set, through its own pieces and vocabulary
    unpacked = tmp_path / "runs" / "opus" / "continuation-teacher-en-de-1" / "artifacts"
    assert json.loads((unpacked / "opus-mt.json").read_text())["labels"] == (["deu", "xxx"] if label else [])
    log = (tmp_path / "runs" / "opus" / EVALUATE / "log.txt").read_text()
    assert f"target label {'>>deu<<' if label else 'none'}" in log
    if label is None:
        assert re.search(r"^teacher 1 .*\n(.*\n)*student ", out.stdout, re.M), out.stdout  # the table shows both
