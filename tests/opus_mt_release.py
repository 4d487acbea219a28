"""A tiny Marian model trained on the CI data, packaged as an OPUS-MT / Tatoeba-MT release
is: a zip with the weights, one YAML vocabulary of SentencePiece pieces (not SentencePiece
ids), `source.spm`, `target.spm`, `decoder.yml`, a README with its benchmark table, and the
pre/post-processing scripts. With `label`, a multi-target model: every source starts with
`>>label<<`, and a second label it was never trained on is in the vocabulary too.
"""

import zipfile
from pathlib import Path

import sentencepiece
import yaml

from pipeline.common import marian
from pipeline.common.corpus import read_pairs
from tests.conftest import REPO

CI = REPO / "tests" / "data" / "ci"
MODEL = "opusTCv20210807.spm1k-spm1k"
WEIGHTS = f"{MODEL}.transformer-align.model1.npz.best-perplexity.npz"


def _spm(lines: list[str], prefix: Path) -> sentencepiece.SentencePieceProcessor:
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=str(prefix), vocab_size=200, hard_vocab_limit=False,
        character_coverage=1.0, minloglevel=2,
    )
    return sentencepiece.SentencePieceProcessor(model_file=f"{prefix}.model")


def build(workdir: Path, label: str | None = None) -> Path:
    """Train the model (a few seconds) and write `<workdir>/release.zip`."""
    workdir.mkdir(parents=True, exist_ok=True)
    pairs = [pair for name in ("train-a", "train-b") for pair in read_pairs(CI / f"{name}.en.zst", CI / f"{name}.de.zst")]
    source, target = _spm([s for s, _ in pairs], workdir / "source"), _spm([t for _, t in pairs], workdir / "target")
    prefix = f">>{label}<< " if label else ""
    for side, model, lines in (("src", source, [s for s, _ in pairs]), ("trg", target, [t for _, t in pairs])):
        pieces = [" ".join(model.encode(line, out_type=str)) for line in lines]
        text = "".join(f"{prefix if side == 'src' else ''}{line}\n" for line in pieces)
        (workdir / f"train.{side}").write_text(text, encoding="utf-8")
    ids = {"</s>": 0, "<unk>": 1}
    for model in (source, target):
        for number in range(model.get_piece_size()):
            ids.setdefault(model.id_to_piece(number), len(ids))
    for extra in ([label, "xxx"] if label else []):
        ids.setdefault(f">>{extra}<<", len(ids))
    vocab = workdir / f"{MODEL}.vocab.yml"
    vocab.write_text(yaml.safe_dump(ids, allow_unicode=True, sort_keys=False), encoding="utf-8")
    options = {
        "type": "transformer", "dim-emb": 64, "transformer-dim-ffn": 128, "enc-depth": 1, "dec-depth": 1,
        "transformer-heads": 2, "tied-embeddings-all": True, "mini-batch": 32, "learn-rate": 0.003, "lr-warmup": 50,
        "after-batches": 300, "disp-freq": 100, "seed": 1, "cpu-threads": 2, "workspace": 500,
        "train-sets": [str(workdir / "train.src"), str(workdir / "train.trg")], "vocabs": [str(vocab), str(vocab)],
        "model": str(workdir / WEIGHTS), "log": str(workdir / "train.log"), "quiet": True,
    }
    result = marian.run("train", options, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    release = workdir / "release.zip"
    with zipfile.ZipFile(release, "w") as archive:
        archive.write(workdir / WEIGHTS, WEIGHTS)
        archive.write(vocab, vocab.name)
        archive.write(workdir / "source.model", "source.spm")
        archive.write(workdir / "target.model", "target.spm")
        archive.writestr("decoder.yml", f"models:\n  - {WEIGHTS}\nvocabs:\n  - {vocab.name}\n  - {vocab.name}\nbeam-size: 4\n"
                                        "normalize: 1\nword-penalty: 0\nmini-batch: 1\nmaxi-batch: 1\nrelative-paths: true\n")
        archive.writestr("README.md", f"# {MODEL}\n\n* source language(s): eng\n* target language(s): deu\n"
                                      f"{'* a sentence initial language token is required in the form of `>>id<<`' if label else ''}\n\n"
                                      "## Benchmarks\n\n| testset | BLEU | chr-F |\n|---|---|---|\n| ci-test.eng.deu | 41.3 | 0.652 |\n")
        archive.writestr("preprocess.sh", "#!/bin/bash\n# normalization + SentencePiece\n")
        archive.writestr("postprocess.sh", "#!/bin/bash\nsed 's/ //g;s/\u2581/ /g;s/^ *//'\n")
        archive.writestr("LICENSE", "CC-BY 4.0\n")
    return release
