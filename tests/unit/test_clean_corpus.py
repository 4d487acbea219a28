import json

import pytest
import zstandard

from pipeline.clean import clean_corpus, cleaner, filter_file
from pipeline.common.corpus import LineWriter, read_lines

# The original rules with small limits, as a filter file.
RULES = """
version: 1
filters:
  - empty
  - too_long: {max_words: 10, max_chars: 60}
  - control_chars
  - length_ratio: {max_ratio: 3.0}
  - source_equals_target
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    return path


def write_corpus(directory, name, lang, lines):
    with LineWriter(directory / f"{name}.{lang}.zst") as out:
        for line in lines:
            out.write(line)


def write_pairs(directory, name, pairs):
    write_corpus(directory, name, "en", [src for src, _ in pairs])
    write_corpus(directory, name, "de", [trg for _, trg in pairs])


def run(tmp_path, *extra):
    return clean_corpus.main(
        ["--input-prefix", str(tmp_path / "in" / "corpus"), "--output-prefix", str(tmp_path / "out" / "corpus"),
         "--src", "en", "--trg", "de", *extra]
    )


def run_failing(tmp_path, capsys, *extra):
    with pytest.raises(SystemExit) as exit_info:
        run(tmp_path, *extra)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    "src, trg, rule",
    [
        ("", "Hallo", "empty"),
        ("Hello", "   ", "empty"),
        ("one two three four five six seven eight nine ten eleven", "eins", "too_long"),
        ("x" * 61, "y", "too_long"),
        ("a\tb", "a b", "control_chars"),
        ("bell\x07", "Glocke", "control_chars"),
        ("next\x85line", "nächste", "control_chars"),
        ("one two three four", "eins", "length_ratio"),
        ("one two three four five six seven", "eins zwei", "length_ratio"),
        ("Hello World", "hello  world", "source_equals_target"),
        ("Hello there, how are you?", "Hallo, wie geht es dir?", None),
        ("Yes.", "Ja, sehr gerne.", None),
        ("Donaudampfschifffahrt", "Danube steam navigation", None),
        ("Donaudampfschifffahrtsgesellschaft", "the Danube steam navigation company", "length_ratio"),
    ],
)
def test_rule(rules, src, trg, rule):
    active, skipped = cleaner.build(filter_file.load(rules), ["en", "de"], None)
    kept, removed = cleaner.judge([[src], [trg]], active)
    sides = (*cleaner.normalized([src]), *cleaner.normalized([trg]))
    assert removed == ([(rule, sides)] if rule else [])
    assert kept == ([[], []] if rule else [[sides[0]], [sides[1]]])
    assert not skipped


def test_normalize_strips_and_collapses_spaces():
    assert cleaner.normalized(["  a   b  c \n", "\u3000a\t\tb  ", ""]) == ["a b c", "a\t\tb", ""]


def test_cleans_corpus_and_reports_per_filter_counts(tmp_path, monkeypatch):
    monkeypatch.delenv("BICLEANER_AI_MODELS", raising=False)
    write_pairs(tmp_path / "in", "corpus", [
        ("  Hello   world. ", "Hallo  Welt."),
        ("", "leer"),
        ("word " * 151, "Wort"),
        ("tab\there", "Tab hier"),
        ("one two three four five six seven", "eins"),
        ("Berlin Berlin", "berlin berlin"),
        ("Thank you.", "Danke."),
        ("   ", "   "),
    ])
    run(tmp_path, "--dataset", "opus_ELRC-3075-wikipedia_health/v1")

    out = tmp_path / "out"
    assert list(read_lines(out / "corpus.en.zst")) == ["Hello world.", "Thank you."]
    assert list(read_lines(out / "corpus.de.zst")) == ["Hallo Welt.", "Danke."]
    report = json.loads((out / "corpus.cleaning.json").read_text())
    assert report["lines_in"] == 8 and report["lines_out"] == 2
    assert report["removed"] == {
        "empty": 2, "too_long": 1, "control_chars": 1, "length_ratio": 1, "source_equals_target": 1,
        "markup": 0, "alpha_ratio": 0, "langid": 0, "bicleaner": 0,
    }
    assert report["samples"]["empty"] == [["", "leer"], ["", ""]]
    assert report["filters_file"] == {"path": "pipeline/clean/filters/default.yml", "version": 1}
    assert report["dataset"] == "opus_ELRC-3075-wikipedia_health/v1"
    assert list(report["skipped"]) == ["bicleaner"]


def test_workers_keep_the_input_order_and_the_same_report(tmp_path, monkeypatch):
    monkeypatch.setattr(cleaner, "CHUNK", 7)
    pairs = [(f"Sentence number {i} is here.", f"Satz Nummer {i} ist hier.") if i % 5 else ("", "leer") for i in range(200)]
    write_pairs(tmp_path / "in", "corpus", pairs)
    outputs = []
    for workers in ("1", "3"):
        run(tmp_path, "--workers", workers)
        out = tmp_path / "out"
        report = json.loads((out / "corpus.cleaning.json").read_text())
        outputs.append((list(read_lines(out / "corpus.en.zst")), report["removed"], report["samples"]))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == [src for src, _ in pairs if src]
    assert outputs[0][1]["empty"] == 40


def test_limits_come_from_the_filter_file(tmp_path):
    write_pairs(tmp_path / "in", "corpus", [("a b c d e", "v w x y z"), ("a b c d e f", "eins zwei")])
    filters = tmp_path / "limits.yml"
    filters.write_text("version: 1\nfilters: [{too_long: {max_words: 5}}, {length_ratio: {max_ratio: 4}}]\n")
    run(tmp_path, "--filters", str(filters))
    assert list(read_lines(tmp_path / "out" / "corpus.en.zst")) == ["a b c d e"]
    report = json.loads((tmp_path / "out" / "corpus.cleaning.json").read_text())
    assert report["removed"] == {"too_long": 1, "length_ratio": 0}


def test_misaligned_input_fails_with_both_counts(tmp_path, capsys):
    write_corpus(tmp_path / "in", "corpus", "en", ["a", "b", "c"])
    write_corpus(tmp_path / "in", "corpus", "de", ["a", "b"])
    error = run_failing(tmp_path, capsys)
    assert "corpus.en.zst has 3 lines" in error
    assert "corpus.de.zst has 2" in error
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_invalid_utf8_fails_naming_file_and_line(tmp_path, capsys):
    write_corpus(tmp_path / "in", "corpus", "en", ["a", "b", "c"])
    (tmp_path / "in" / "corpus.de.zst").write_bytes(zstandard.ZstdCompressor().compress(b"a\nb\xff\xfe\nc\n"))
    error = run_failing(tmp_path, capsys)
    assert "corpus.de.zst:2:" in error
    assert "invalid UTF-8" in error
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_errors_after_the_first_chunk_name_the_line_and_the_counts(tmp_path, capsys, monkeypatch, workers):
    monkeypatch.setattr(cleaner, "CHUNK", 2)
    write_corpus(tmp_path / "in", "corpus", "en", ["a", "b", "c", "d", "e"])
    (tmp_path / "in" / "corpus.de.zst").write_bytes(zstandard.ZstdCompressor().compress(b"a\nb\nc\nd\xff\ne\n"))
    assert "corpus.de.zst:4: invalid UTF-8" in run_failing(tmp_path, capsys, "--workers", workers)
    write_corpus(tmp_path / "in", "corpus", "de", ["a", "b", "c", "d"])
    error = run_failing(tmp_path, capsys, "--workers", workers)
    assert error.endswith("corpus.en.zst has 5 lines but " f"{tmp_path}/in/corpus.de.zst has 4\n")
    (tmp_path / "in" / "corpus.de.zst").unlink()
    assert run_failing(tmp_path, capsys, "--workers", workers) == f"error: {tmp_path}/in/corpus.de.zst: file not found\n"
    assert not list((tmp_path / "out").iterdir())
