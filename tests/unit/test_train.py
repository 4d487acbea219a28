"""train.py's Marian options: the student's preset, guided alignment, fine-tuning; a model started from an existing one."""

from argparse import Namespace
from pathlib import Path

import pytest

from pipeline.common.errors import UserError
from pipeline.train import train


@pytest.fixture
def vocabs(tmp_path):
    """A joint vocabulary: one SentencePiece model under each language's name."""
    for lang in ("en", "de"):
        (tmp_path / f"vocab.{lang}.spm").write_bytes(b"pieces")
    return [tmp_path / "vocab.en.spm", tmp_path / "vocab.de.spm"]


@pytest.mark.parametrize("preset, dim", [("tiny", 256), ("base", 512)])
def test_student_options_guided_alignment_and_finetuning(tmp_path, vocabs, preset, dim):
    args = Namespace(
        model_type="student", preset=preset, finetune_from=None, init_from=None, continue_from=None, alignments=Path("corpus.aln.zst"),
        output_dir=tmp_path, best_model="chrf", vocabs=vocabs, seed=1,
    )
    options = train.training_options(args, [Path("student.tsv")], [Path("devset.tsv")], {"dim-emb": 64})
    assert (options["transformer-decoder-autoreg"], options["dec-cell"], options["enc-depth"], options["dec-depth"]) == ("rnn", "ssru", 6, 2)
    assert (options["tsv"], options["guided-alignment"], options["train-sets"]) == (True, 2, ["student.tsv"])
    assert options["tied-embeddings-all"] is True and options["vocabs"] == [str(path) for path in vocabs]
    assert options["dim-emb"] == 64  # the user's options win
    assert "quantize-bits" not in options and "pretrained-model" not in options
    args.finetune_from = Path("student.npz")
    options = train.training_options(args, [Path("student.tsv")], [Path("devset.tsv")], {})
    assert (options["quantize-bits"], options["pretrained-model"], options["valid-freq"]) == (8, "student.npz", 500)
    assert options["dim-emb"] == dim and options["sync-sgd"] is True  # Marian quantizes only with sync-sgd


def test_a_vocabulary_per_side_ties_only_the_target_embeddings(tmp_path, vocabs):
    vocabs[1].write_bytes(b"other pieces")
    args = Namespace(model_type="teacher", preset="tiny", finetune_from=None, init_from=None, continue_from=None,
                     alignments=None, output_dir=tmp_path, best_model="chrf", vocabs=vocabs, seed=1)
    options = train.training_options(args, None, [Path("devset.tsv")], {})
    assert (options["tied-embeddings-all"], options["tied-embeddings"]) == (False, True)


def test_a_teacher_from_an_existing_model(tmp_path, vocabs):
    """`init`: Marian starts from its weights (used only while this task has no checkpoint of
    its own); `continue`: its checkpoint becomes this task's, the corpus position not."""
    args = Namespace(model_type="teacher", preset="tiny", finetune_from=None, init_from=Path("given.npz"), continue_from=None,
                     alignments=None, output_dir=tmp_path, best_model="chrf", vocabs=vocabs, seed=1)
    options = train.training_options(args, None, [Path("devset.tsv")], {})
    assert options["pretrained-model"] == "given.npz" and options["model"] == str(tmp_path / "model.train.npz")
    args.init_from, args.continue_from = None, Path("given.npz")
    options = train.training_options(args, None, [Path("devset.tsv")], {})
    assert options["no-restore-corpus"] is True and "pretrained-model" not in options


def test_a_continued_checkpoint_is_copied_once(tmp_path):
    given = tmp_path / "given"
    given.mkdir()
    for suffix in ("", ".optimizer.npz", ".progress.yml", ".yml"):
        (given / f"model.npz{suffix}").write_text(f"given{suffix}")
    ours = tmp_path / "out" / "model.train.npz"
    ours.parent.mkdir()
    train.adopt_checkpoint(given / "model.npz", ours)
    assert (tmp_path / "out" / "model.train.npz.progress.yml").read_text() == "given.progress.yml"
    ours.write_text("saved by this task")
    train.adopt_checkpoint(given / "model.npz", ours)  # a resumed attempt keeps its own
    assert ours.read_text() == "saved by this task"

    (given / "model.npz.optimizer.npz").unlink()
    with pytest.raises(UserError) as error:
        train.adopt_checkpoint(given / "model.npz", tmp_path / "elsewhere.npz")
    assert str(error.value) == (f"{given}/model.npz.optimizer.npz: not found; continuing a training needs the model's "
                                "checkpoint files beside it (.optimizer.npz, .progress.yml, .yml), or use mode init")
