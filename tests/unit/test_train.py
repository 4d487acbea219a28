"""train.py's Marian options for the student: preset, guided alignment, fine-tuning."""

from argparse import Namespace
from pathlib import Path

import pytest

from pipeline.train import train


@pytest.mark.parametrize("preset, dim", [("tiny", 256), ("base", 512)])
def test_student_options_guided_alignment_and_finetuning(tmp_path, preset, dim):
    args = Namespace(
        model_type="student", preset=preset, finetune_from=None, alignments=Path("corpus.aln.zst"),
        output_dir=tmp_path, best_model="chrf", vocab=Path("vocab.spm"), seed=1,
    )
    options = train.training_options(args, [Path("student.tsv")], [Path("devset.tsv")], {"dim-emb": 64})
    assert (options["transformer-decoder-autoreg"], options["dec-cell"], options["enc-depth"], options["dec-depth"]) == ("rnn", "ssru", 6, 2)
    assert (options["tsv"], options["guided-alignment"], options["train-sets"]) == (True, 2, ["student.tsv"])
    assert options["dim-emb"] == 64  # the user's options win
    assert "quantize-bits" not in options and "pretrained-model" not in options
    args.finetune_from = Path("student.npz")
    options = train.training_options(args, [Path("student.tsv")], [Path("devset.tsv")], {})
    assert (options["quantize-bits"], options["pretrained-model"], options["valid-freq"]) == (8, "student.npz", 500)
    assert options["dim-emb"] == dim and options["sync-sgd"] is True  # Marian quantizes only with sync-sgd
