"""OPUS-MT releases: what their pre- and post-processing do, their target labels, and
archives that are not releases."""

import json
import zipfile

import pytest

from pipeline.common.errors import UserError
from pipeline.continuation import opus_mt


def test_normalization_before_sentencepiece():
    assert opus_mt.normalize("Ｈｅｌｌｏ，\u200bworld：  ０１２。次\x07") == "Hello,world: 012. 次"
    assert opus_mt.normalize("“quoted”　《title》") == '"quoted" "title"'


def test_pieces_back_to_text_and_in_an_nbest_list():
    assert opus_mt.decode_pieces("▁Hallo ▁Wel t .") == "Hallo Welt."
    assert opus_mt.decode_output("3 ||| ▁Hallo ▁Wel t ||| F0= -1.2 ||| -0.6", nbest=True) == "3 ||| Hallo Welt ||| F0= -1.2 ||| -0.6"


@pytest.mark.parametrize("trg, labels, label", [
    ("de", ["deu", "fra"], ">>deu<<"),
    ("sr-Cyrl", ["srp_Cyrl", "srp_Latn"], ">>srp_Cyrl<<"),
    ("de", [], None),
])
def test_the_target_label_follows_the_target_language(trg, labels, label):
    assert opus_mt.target_label({"labels": labels}, trg) == label


def test_a_target_language_the_model_has_no_label_for_is_refused():
    with pytest.raises(UserError) as error:
        opus_mt.target_label({"labels": ["fra", "ita"]}, "de")
    assert str(error.value) == ("the OPUS-MT model's target labels are fra, ita; none of them is de (deu_Latn): "
                                "is it a model for this language pair?")


def release(tmp_path, files: dict[str, str]):
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_unpack_writes_the_files_the_steps_read(tmp_path):
    path = release(tmp_path, {
        "opus.spm32k-spm32k.transformer-align.model1.npz.best-perplexity.npz": "weights",
        "opus.spm32k-spm32k.vocab.yml": '</s>: 0\n<unk>: 1\n">>deu<<": 2\n">>nld<<": 3\n▁Hallo: 4\n',
        "source.spm": "s", "target.spm": "t",
        "README.md": "## Benchmarks\n\n| testset | BLEU | chr-F |\n|---|---|---|\n| newstest2019.eng.deu | 40.1 | 0.648 |\n",
    })
    metadata = opus_mt.unpack(path, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(opus_mt.FILES)
    assert (tmp_path / "out" / "model.npz").read_text() == "weights"
    assert metadata == {"labels": ["deu", "nld"], "benchmarks": [{"testset": "newstest2019.eng.deu", "BLEU": 40.1, "chr-F": 0.648}]}
    assert json.loads((tmp_path / "out" / "opus-mt.json").read_text()) == metadata


def test_what_is_not_a_release_is_refused(tmp_path):
    with pytest.raises(UserError) as error:
        opus_mt.unpack(release(tmp_path, {"model.npz": "w", "source.spm": "s"}), tmp_path / "out")
    assert str(error.value) == f"{tmp_path}/release.zip: not an OPUS-MT release: no the vocabulary (*.vocab.yml), target.spm"
    hostile = release(tmp_path, {"../../evil.npz": "w"})
    with pytest.raises(UserError) as error:
        opus_mt.unpack(hostile, tmp_path / "out")
    assert str(error.value) == f"{hostile}: the entry '../../evil.npz' points outside the archive's folder"
    (tmp_path / "text.zip").write_text("not a zip")
    with pytest.raises(UserError) as error:
        opus_mt.unpack(tmp_path / "text.zip", tmp_path / "out")
    assert str(error.value) == f"{tmp_path}/text.zip: not a zip file; an OPUS-MT model is its release zip or the unpacked folder"
