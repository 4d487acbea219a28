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
    assert stats == {"inputs": {"a": 4, "b": 4}, "lines_in": 8, "duplicates": 3, "excluded": 0, "lines_out": 5}


def test_excludes_pairs_whose_source_is_in_excluded_corpora(tmp_path):
    write_pairs(tmp_path / "train", [("Hello  world", "Hallo Welt"), ("Good day", "Guten Tag"),
                                     ("Bye", "Tschüss"), ("Good day", "Guten Tag")])
    write_corpus(tmp_path / "devset", "en", ["Hello world ", "unrelated"])
    write_corpus(tmp_path / "testset", "en", ["Bye"])
    run(tmp_path, ["train"], "--exclude-sources", str(tmp_path / "devset"), str(tmp_path / "testset"))

    pairs, stats = outputs(tmp_path)
    assert pairs == [("Good day", "Guten Tag")]
    assert stats == {"inputs": {"train": 4}, "lines_in": 4, "duplicates": 1, "excluded": 2, "lines_out": 1}


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
