"""Monolingual data: import of one language, clean-mono and merge-mono, by content."""

import json

import pytest

from pipeline.clean import clean_mono
from pipeline.common.corpus import LineWriter, read_lines
from pipeline.data import merge_mono
from pipeline.data.import_dataset import main as import_main


def write(path, lines):
    with LineWriter(path) as out:
        for line in lines:
            out.write(line)


def test_import_mono_reads_one_language(tmp_path, capsys):
    write(tmp_path / "news.de.zst", ["Eins.", "Zwei\tdrei."])
    import_main(["--dataset", f"file_{tmp_path}/news.[LANG].zst", "--mono-lang", "de", "--output-dir", str(tmp_path / "out")])
    (output,) = (tmp_path / "out").glob("*.de.zst")
    assert list(read_lines(output)) == ["Eins.", "Zwei drei."]
    assert not list((tmp_path / "out").glob("*.en.zst"))
    with pytest.raises(SystemExit) as exit_info:
        import_main(["--dataset", "sacrebleu_wmt19", "--mono-lang", "de", "--output-dir", str(tmp_path / "sb")])
    assert exit_info.value.code == 2
    assert "the sacrebleu_ importer has parallel data only" in capsys.readouterr().err


def test_clean_mono_rules_and_report(tmp_path):
    write(tmp_path / "in.de.zst", ["  Gut  so. ", "", "Mit\x07Glocke.", " ".join(["lang"] * 151), "Noch eins."])
    clean_mono.main(["--lang", "de", "--input-prefix", str(tmp_path / "in"), "--output-prefix", str(tmp_path / "out")])
    assert list(read_lines(tmp_path / "out.de.zst")) == ["Gut so.", "Noch eins."]
    report = json.loads((tmp_path / "out.cleaning.json").read_text())
    assert report == {
        "filters_file": {"path": "pipeline/clean/filters/default.yml", "version": 1},
        "dataset": None,
        "lines_in": 5,
        "lines_out": 2,
        # The one-sided filters of the default filter file, in its order.
        "removed": {"empty": 1, "too_long": 1, "control_chars": 1, "markup": 0, "alpha_ratio": 0, "langid": 0},
        "skipped": {},
        "samples": {
            "empty": [""], "too_long": [" ".join(["lang"] * 151)], "control_chars": ["Mit\x07Glocke."],
            "markup": [], "alpha_ratio": [], "langid": [],
        },
    }


def test_merge_mono_dedupes_excludes_and_caps_exactly(tmp_path):
    write(tmp_path / "a.de.zst", [f"Satz {i}." for i in range(100)] + ["Satz 1.", "Im Korpus."])
    write(tmp_path / "b.de.zst", ["Satz  2.", "Anders."])
    write(tmp_path / "corpus.de.zst", ["Im Korpus.", "Nicht in mono."])
    args = ["--lang", "de", "--inputs", str(tmp_path / "a"), str(tmp_path / "b"), "--exclude", str(tmp_path / "corpus")]

    merge_mono.main([*args, "--output-prefix", str(tmp_path / "all")])
    kept = list(read_lines(tmp_path / "all.de.zst"))
    assert kept == [f"Satz {i}." for i in range(100)] + ["Anders."]
    stats = json.loads((tmp_path / "all.de.stats.json").read_text())
    assert stats == {
        "inputs": {"a": 102, "b": 2}, "lines_in": 104, "duplicates": 2, "in_parallel_corpus": 1,
        "sampled_out": 0, "lines_out": 101,
    }

    merge_mono.main([*args, "--max-sentences", "30", "--seed", "7", "--output-prefix", str(tmp_path / "capped")])
    capped = list(read_lines(tmp_path / "capped.de.zst"))
    assert len(capped) == 30 and set(capped) <= set(kept)
    assert capped == sorted(capped, key=kept.index)  # input order kept
    merge_mono.main([*args, "--max-sentences", "30", "--seed", "7", "--output-prefix", str(tmp_path / "again")])
    assert list(read_lines(tmp_path / "again.de.zst")) == capped  # seeded: reproducible
