"""The distillation steps on small data: extract-best, cefilter, alignments, shortlist, export."""

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import sentencepiece

from pipeline.alignments import align, shortlist
from pipeline.alignments.symmetrize import symmetrize, symmetrize_sorted
from pipeline.common.corpus import LineWriter, read_lines
from pipeline.distill import cefilter
from pipeline.export import export
from pipeline.translate.extract_best import best_hypotheses


def write(path, lines):
    with LineWriter(path) as out:
        for line in lines:
            out.write(line)


def test_extract_best_keeps_the_hypothesis_closest_to_the_reference():
    nbest = [
        "0 ||| Der Hund schläft. ||| F0= -1.0 ||| -1.0",
        "0 ||| Ein Hund schläft hier. ||| F0= -2.0 ||| -2.0",
        "1 ||| Die Katze ||| F0= -0.5 ||| -0.5",
        "1 ||| Die Katze ||| F0= -0.9 ||| -0.9",
        "2 ||| a ||| b ||| F0= -0.1 ||| -0.1",  # the separator inside a hypothesis
    ]
    references = ["Ein Hund schläft hier.", "Die Katze", "a ||| b"]
    assert list(best_hypotheses(nbest, references)) == ["Ein Hund schläft hier.", "Die Katze", "a ||| b"]


@pytest.mark.parametrize(
    "nbest, message",
    [
        (["0 ||| x ||| F0= -1 ||| -1"], "n-best output has no hypotheses for sentence 1 (found None)"),
        (["0 ||| x ||| F0= -1 ||| -1", "2 ||| y ||| F0= -1 ||| -1"], "n-best output has no hypotheses for sentence 1 (found 2)"),
        (["0 ||| x", "1 ||| y"], "n-best line 1 is not `<id> ||| <hypothesis> ||| <features> ||| <score>`: '0 ||| x'"),
        ([f"{n} ||| x ||| F0= -1 ||| -1" for n in range(3)], "n-best output has hypotheses for sentence 2, beyond the 2 references"),
    ],
)
def test_extract_best_refuses_incomplete_nbest_lists(nbest, message):
    with pytest.raises(Exception, match=".*") as error:
        list(best_hypotheses(nbest, ["x", "y"]))
    assert str(error.value) == message


def test_cefilter_drops_the_lowest_share_and_keeps_order(tmp_path):
    scores = [-0.5, -3.0, -0.1, -2.0, -0.2, -2.0, -0.3, -0.4, -5.0, -0.6]
    write(tmp_path / "corpus.en.zst", [f"s{i}" for i in range(10)])
    write(tmp_path / "corpus.de.zst", [f"t{i}" for i in range(10)])
    write(tmp_path / "scores.zst", map(str, scores))
    cefilter.main(["--src", "en", "--trg", "de", "--corpus-prefix", str(tmp_path / "corpus"), "--scores",
                   str(tmp_path / "scores.zst"), "--drop", "0.35", "--output-prefix", str(tmp_path / "out")])
    kept = [0, 2, 4, 5, 6, 7, 9]  # 3 dropped: -5.0, -3.0 and the first -2.0 (ties by position)
    assert list(read_lines(tmp_path / "out.en.zst")) == [f"s{i}" for i in kept]
    assert list(read_lines(tmp_path / "out.de.zst")) == [f"t{i}" for i in kept]
    stats = json.loads((tmp_path / "out.stats.json").read_text())
    assert stats == {"lines_in": 10, "lines_out": 7, "dropped": 3, "drop_share": 0.35, "threshold": -2.0}


def test_cefilter_refuses_scores_that_do_not_match_the_corpus(tmp_path, capsys):
    write(tmp_path / "corpus.en.zst", ["a", "b", "c"])
    write(tmp_path / "corpus.de.zst", ["A", "B", "C"])
    write(tmp_path / "scores.zst", ["-1", "-2"])
    with pytest.raises(SystemExit) as exit_info:
        cefilter.main(["--src", "en", "--trg", "de", "--corpus-prefix", str(tmp_path / "corpus"), "--scores",
                       str(tmp_path / "scores.zst"), "--drop", "0.1", "--output-prefix", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert f"error: {tmp_path}/scores.zst: 2 scores for a longer corpus {tmp_path}/corpus" in capsys.readouterr().err
    assert not list(tmp_path.glob("out*"))


def test_grow_diag_final_and():
    # From the intersection (0,0) (1,1), growing through neighbours in the union:
    # (1,2) aligns target 2, then diagonally (2,3) and (3,3); (5,5) is nobody's neighbour.
    # final-and: a union link joins only two unaligned words: (2,2) but not (0,4).
    forward = ["0-0 1-1 2-3 5-5", "0-0 2-2 0-4", "", "0-0"]
    reverse = ["0-0 1-1 1-2 3-3", "0-0", "", "1-0 0-1"]
    assert symmetrize(forward, reverse) == ["0-0 1-1 1-2 2-3 3-3 5-5", "0-0 2-2", "", "0-0"]
    # Batched by length, the pairs come back in their own order.
    assert symmetrize_sorted(forward * 200, reverse * 200) == symmetrize(forward, reverse) * 200


def test_final_and_adds_the_first_link_of_each_word_left_unaligned():
    # No intersection and no neighbours: source 0 takes target 0 (its first), so source 1's
    # link to target 0 is not added; its link to target 2 is.
    assert symmetrize(["0-0 0-1 1-0 1-2"], [""]) == ["0-0 1-2"]


def train_spm(directory: Path, name: str, langs: list[str], size: int) -> Path:
    text = directory / f"{name}.txt"
    text.write_text("".join(f"{line}\n" for lang in langs for line in read_lines(f"tests/data/ci/train-a.{lang}.zst")))
    sentencepiece.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(directory / name), vocab_size=size, model_type="unigram", minloglevel=2
    )
    return Path(directory / f"{name}.model").rename(directory / f"{name}.spm")  # Marian knows SentencePiece by the suffix


@pytest.fixture(scope="module")
def vocab(tmp_path_factory):
    return train_spm(tmp_path_factory.mktemp("vocab"), "vocab", ["en", "de"], 120)


@pytest.fixture(scope="module", params=["joint", "per-side"])
def vocabs(request, vocab, tmp_path_factory):
    """[source, target] vocabularies: the joint one twice, or one trained on each side."""
    if request.param == "joint":
        return [vocab, vocab]
    directory = tmp_path_factory.mktemp("vocabs")
    return [train_spm(directory, f"vocab.{lang}", [lang], size) for lang, size in (("en", 60), ("de", 64))]


def test_alignments_cover_every_pair_within_its_pieces(tmp_path, vocabs):
    src, trg = list(read_lines("tests/data/ci/train-a.en.zst"))[:300], list(read_lines("tests/data/ci/train-a.de.zst"))[:300]
    write(tmp_path / "corpus.en.zst", src)
    write(tmp_path / "corpus.de.zst", trg)
    args = ["--src", "en", "--trg", "de", "--corpus-prefix", str(tmp_path / "corpus"), "--vocabs", *map(str, vocabs)]
    # Three chunks (120, 120, 60 pairs), two aligned at once.
    align.main([*args, "--chunk-pairs", "120", "--workers", "2", "--output-prefix", str(tmp_path / "corpus")])
    src_spm, trg_spm = (sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in vocabs)
    alignments = list(read_lines(tmp_path / "corpus.aln.zst"))
    assert len(alignments) == 300
    longest = [0, 0]
    for s, t, links in zip(src, trg, alignments):
        pairs = [tuple(map(int, link.split("-"))) for link in links.split()]
        assert pairs, "every pair of this word-for-word corpus aligns"
        sizes = len(src_spm.encode(s, out_type=str)), len(trg_spm.encode(t, out_type=str))
        assert all(i < sizes[0] and j < sizes[1] for i, j in pairs)
        longest = [max(longest[0], max(i for i, _ in pairs)), max(longest[1], max(j for _, j in pairs))]
    assert longest[0] >= 3 and longest[1] >= 3  # links reach into both sides' pieces
    priors = list(read_lines(tmp_path / "corpus.priors.zst"))
    assert {line.split("\t")[0] for line in priors} == {"LEX", "FERF", "FERR", "HMMF", "HMMR"}
    align.main([*args, "--priors", str(tmp_path / "corpus.priors.zst"), "--output-prefix", str(tmp_path / "again")])
    assert len(list(read_lines(tmp_path / "again.aln.zst"))) == 300


def test_alignments_refuse_no_samplers(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        align.main(["--src", "en", "--trg", "de", "--corpus-prefix", str(tmp_path / "corpus"), "--vocabs", "v", "v",
                    "--samplers", "0", "--output-prefix", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "error: --samplers 0: must be at least 1" in capsys.readouterr().err


class WordPieces:
    """Whitespace tokens as pieces, so a table's expected content is easy to write."""

    def encode(self, line, out_type=str):
        return line.split()


def test_shortlist_table_has_the_probabilities_of_aligned_pieces():
    pairs = [("a b", "A B"), ("a c", "A C"), ("a", "X")]
    alignments = ["0-0 1-1", "0-0 1-1", "0-0"]
    table = shortlist.translation_table(pairs, alignments, [WordPieces()] * 2, keep=1)
    assert table == {"a": [("A", 2 / 3)], "b": [("B", 1.0)], "c": [("C", 1.0)]}
    with pytest.raises(Exception, match="alignment line 1: link 0-5 is outside the pair's 2/2 pieces"):
        shortlist.translation_table([("a b", "A B")], ["0-5"], [WordPieces()] * 2, keep=1)


def test_shortlist_writes_the_table_and_marians_binary_form(tmp_path, vocabs):
    write(tmp_path / "corpus.en.zst", ["the dog", "the cat"])
    write(tmp_path / "corpus.de.zst", ["der hund", "die katze"])
    src_spm, trg_spm = (sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in vocabs)
    # Link every source piece to every target piece: each target gets an equal share.
    links = []
    for s, t in (("the dog", "der hund"), ("the cat", "die katze")):
        links.append(" ".join(f"{i}-{j}" for i in range(len(src_spm.encode(s))) for j in range(len(trg_spm.encode(t)))))
    write(tmp_path / "corpus.aln.zst", links)
    shortlist.main(["--src", "en", "--trg", "de", "--corpus-prefix", str(tmp_path / "corpus"), "--alignments",
                    str(tmp_path / "corpus.aln.zst"), "--vocabs", *map(str, vocabs), "--output-prefix", str(tmp_path / "lex")])
    rows = [line.split(" ") for line in read_lines(tmp_path / "lex.s2t.zst")]
    by_source = {}
    for target, source, probability in rows:
        by_source.setdefault(source, []).append(float(probability))
    assert set(by_source) == set(src_spm.encode("the dog the cat", out_type=str))
    assert {target for target, _, _ in rows} == set(trg_spm.encode("der hund die katze", out_type=str))
    assert all(abs(sum(probabilities) - 1) < 1e-5 for probabilities in by_source.values())
    assert (tmp_path / "lex.s2t.bin").stat().st_size > 0


def test_export_package_and_metadata(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"int8 weights" * 100)
    (tmp_path / "model.yml").write_text("type: transformer\ndim-emb: 256\ndec-cell: ssru\nlearn-rate: 0.1\n")
    (tmp_path / "lex.bin").write_bytes(b"shortlist")
    (tmp_path / "vocab.spm").write_bytes(b"pieces")
    (tmp_path / "wmt.metrics.json").write_text(json.dumps({"dataset": "wmt", "bleu": 30.1, "chrf": 55.2, "chrfpp": 52.8, "lines": 9}))
    config = {"experiment": {"src": "en", "trg": "de"}}
    export.main(["--src", "en", "--trg", "de", "--model", str(tmp_path / "model.bin"), "--model-config",
                 str(tmp_path / "model.yml"), "--shortlist", str(tmp_path / "lex.bin"), "--vocabs", *[str(tmp_path / "vocab.spm")] * 2,
                 "--metrics", str(tmp_path / "wmt.metrics.json"), "--config", json.dumps(config), "--output-dir", str(tmp_path / "out")])
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "lex.50.50.ende.s2t.bin.gz", "metadata.json", "model.ende.intgemm8.bin.gz", "vocab.ende.spm.gz",
    ]
    for name, source in (("model", "model.bin"), ("shortlist", "lex.bin"), ("vocab", "vocab.spm")):
        entry = metadata["files"][name]
        packed = (tmp_path / "out" / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(packed).hexdigest() and entry["bytes"] == len(packed)
        assert gzip.decompress(packed) == (tmp_path / source).read_bytes()
        assert entry["uncompressed_sha256"] == hashlib.sha256(gzip.decompress(packed)).hexdigest()
    assert metadata["architecture"] == {"type": "transformer", "dim-emb": 256, "dec-cell": "ssru"}
    assert metadata["scores"] == {"wmt": {"bleu": 30.1, "chrf": 55.2, "chrfpp": 52.8, "lines": 9}}
    assert (metadata["sourceLanguage"], metadata["targetLanguage"], metadata["config"]) == ("en", "de", config)
    export.main(["--src", "en", "--trg", "de", "--model", str(tmp_path / "model.bin"), "--model-config",
                 str(tmp_path / "model.yml"), "--shortlist", str(tmp_path / "lex.bin"), "--vocabs", *[str(tmp_path / "vocab.spm")] * 2,
                 "--config", "{}", "--output-dir", str(tmp_path / "again")])
    assert (tmp_path / "again" / "model.ende.intgemm8.bin.gz").read_bytes() == (tmp_path / "out" / "model.ende.intgemm8.bin.gz").read_bytes()


def test_export_ships_a_vocabulary_per_side_when_they_differ(tmp_path):
    for name, content in (("model.bin", b"weights"), ("lex.bin", b"shortlist"), ("en.spm", b"english"), ("de.spm", b"german")):
        (tmp_path / name).write_bytes(content)
    (tmp_path / "model.yml").write_text("type: transformer\n")
    export.main(["--src", "en", "--trg", "de", "--model", str(tmp_path / "model.bin"), "--model-config", str(tmp_path / "model.yml"),
                 "--shortlist", str(tmp_path / "lex.bin"), "--vocabs", str(tmp_path / "en.spm"), str(tmp_path / "de.spm"),
                 "--config", "{}", "--output-dir", str(tmp_path / "out")])
    files = json.loads((tmp_path / "out" / "metadata.json").read_text())["files"]
    assert {name: entry["file"] for name, entry in files.items()} == {
        "model": "model.ende.intgemm8.bin.gz", "shortlist": "lex.50.50.ende.s2t.bin.gz",
        "srcvocab": "srcvocab.ende.spm.gz", "trgvocab": "trgvocab.ende.spm.gz"}
    assert gzip.decompress((tmp_path / "out" / "trgvocab.ende.spm.gz").read_bytes()) == b"german"
