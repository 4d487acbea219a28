import json

import pytest
import zstandard

from pipeline.common.corpus import LineWriter, read_lines
from pipeline.data import merge_corpus


def write_corpus(path_prefix, lang, lines):
    with LineWriter(f"{path_prefix}.{lang}.zst") as out:
        for line in lines:
            out.write(line)


def write_pairs(path_prefix, pairs):
    write_corpus(path_prefix, "en", [src for src, _ in pairs])
    write_corpus(path_prefix, "de", [trg for _, trg in pairs])


def run(tmp_path, inputs, *extra):
    merge_corpus.main(
        ["--src", "en", "--trg", "de", "--output-prefix", str(tmp_path / "out" / "corpus"),
         "--inputs", *[str(tmp_path / name) for name in inputs], *extra]
    )


def outputs(tmp_path):
    out = tmp_path / "out"
    pairs = list(zip(read_lines(out / "corpus.en.zst"), read_lines(out / "corpus.de.zst")))
    return pairs, json.loads((out / "corpus.stats.json").read_text())


def run_failing(tmp_path, capsys, inputs):
    with pytest.raises(SystemExit) as exit_info:
        run(tmp_path, inputs)
    assert exit_info.value.code == 2
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    return capsys.readouterr().err


def test_drops_duplicates_keeping_first_occurrence_in_order(tmp_path):
    write_pairs(tmp_path / "a", [("one", "eins"), ("two", "zwei"), ("one", "eins"), ("three", "drei")])
    write_pairs(tmp_path / "b", [("two", "zwei"), ("two", "deux"), ("four", "vier"), ("one", "eins")])
    run(tmp_path, ["a", "b"])

    pairs, stats = outputs(tmp_path)
    assert pairs == [("one", "eins"), ("two", "zwei"), ("three", "drei"), ("two", "deux"), ("four", "vier")]
    assert stats == {
        "inputs": {"a": 4, "b": 4}, "kept": {"a": 3, "b": 2}, "lines_in": 8, "duplicates": 3, "excluded": 0,
        "sampled_out": 0, "lines_out": 5,
    }


def test_excludes_pairs_whose_source_is_in_excluded_corpora(tmp_path):
    write_pairs(tmp_path / "train", [("Hello  world", "Hallo Welt"), ("Good day", "Guten Tag"),
                                     ("Bye", "Tschüss"), ("Good day", "Guten Tag")])
    write_corpus(tmp_path / "devset", "en", ["Hello world ", "unrelated"])
    write_corpus(tmp_path / "testset", "en", ["Bye"])
    run(tmp_path, ["train"], "--exclude-sources", str(tmp_path / "devset"), str(tmp_path / "testset"))

    pairs, stats = outputs(tmp_path)
    assert pairs == [("Good day", "Guten Tag")]
    assert stats == {
        "inputs": {"train": 4}, "kept": {"train": 1}, "lines_in": 4, "duplicates": 1, "excluded": 2,
        "sampled_out": 0, "lines_out": 1,
    }


def test_same_input_name_twice_is_a_user_error(tmp_path, capsys):
    write_pairs(tmp_path / "a", [("one", "eins")])
    (tmp_path / "other").mkdir()
    write_pairs(tmp_path / "other" / "a", [("two", "zwei")])
    error = run_failing(tmp_path, capsys, ["a", "other/a"])
    assert "a more than once" in error


def test_misaligned_input_fails_with_both_counts(tmp_path, capsys):
    write_pairs(tmp_path / "a", [("one", "eins")])
    write_corpus(tmp_path / "b", "en", ["x", "y"])
    write_corpus(tmp_path / "b", "de", ["x", "y", "z"])
    error = run_failing(tmp_path, capsys, ["a", "b"])
    assert f"{tmp_path / 'b.en.zst'} has 2 lines" in error
    assert f"{tmp_path / 'b.de.zst'} has 3" in error


def test_invalid_utf8_fails_naming_file_and_line(tmp_path, capsys):
    write_pairs(tmp_path / "a", [("one", "eins")])
    (tmp_path / "b.en.zst").write_bytes(zstandard.ZstdCompressor().compress(b"ok\nstill ok\n\xff\xfe\n"))
    write_corpus(tmp_path / "b", "de", ["ok", "ok", "ok"])
    error = run_failing(tmp_path, capsys, ["a", "b"])
    assert f"{tmp_path / 'b.en.zst'}:3:" in error


def test_cap_keeps_a_seeded_uniform_sample_of_distinct_pairs_in_order(tmp_path):
    pairs = [(f"s{i}", f"t{i}") for i in range(1000)]
    write_pairs(tmp_path / "a", pairs + pairs[:100])
    run(tmp_path, ["a"], "--max-pairs", "300", "--seed", "5")
    kept, stats = outputs(tmp_path)
    assert len(kept) == 300 and len(set(kept)) == 300
    assert kept == sorted(kept, key=pairs.index)
    assert stats["lines_out"] == 300 and stats["sampled_out"] == 700 and stats["duplicates"] == 100
    assert [path.name for path in sorted((tmp_path / "out").iterdir())] == ["corpus.de.zst", "corpus.en.zst", "corpus.stats.json"]
    # The same seed gives the same sample, another seed another; both spread over the input.
    run(tmp_path, ["a"], "--max-pairs", "300", "--seed", "5")
    assert outputs(tmp_path)[0] == kept
    run(tmp_path, ["a"], "--max-pairs", "300", "--seed", "6")
    assert outputs(tmp_path)[0] != kept
    assert 100 < sum(pairs.index(pair) < 500 for pair in kept) < 200


def test_cap_above_the_corpus_keeps_everything(tmp_path):
    write_pairs(tmp_path / "a", [("one", "eins"), ("two", "zwei")])
    run(tmp_path, ["a"], "--max-pairs", "10")
    kept, stats = outputs(tmp_path)
    assert kept == [("one", "eins"), ("two", "zwei")] and stats["sampled_out"] == 0


def test_many_batches_dedupe_across_batches_and_datasets(tmp_path, monkeypatch):
    monkeypatch.setattr(merge_corpus, "BATCH", 7)
    write_pairs(tmp_path / "a", [(f"s{i % 40}", "t") for i in range(100)])
    write_pairs(tmp_path / "b", [(f"s{i}", "t") for i in range(30, 60)])
    run(tmp_path, ["a", "b"])
    kept, stats = outputs(tmp_path)
    assert kept == [(f"s{i}", "t") for i in range(60)]
    assert stats["kept"] == {"a": 40, "b": 20} and stats["duplicates"] == 70
