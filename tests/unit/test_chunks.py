"""split and collect: chunks round-trip in order and count; a missing or short chunk fails."""

import pytest

from pipeline.common.corpus import LineWriter, read_lines
from pipeline.translate import collect, split


def write(path, lines):
    with LineWriter(path) as out:
        for line in lines:
            out.write(line)


@pytest.mark.parametrize("lines, chunks", [(10, 3), (2, 5), (7, 1)])
def test_split_and_collect_round_trip(tmp_path, lines, chunks):
    original = [f"Zeile {i}" for i in range(lines)]
    write(tmp_path / "mono.de.zst", original)
    split.main(["--input-prefix", str(tmp_path / "mono"), "--langs", "de", "--chunks", str(chunks), "--output-prefix", str(tmp_path / "mono")])
    sizes = [len(list(read_lines(tmp_path / f"mono-{n}.de.zst"))) for n in range(1, chunks + 1)]
    assert sum(sizes) == lines and max(sizes) - min(sizes) <= 1
    for n in range(1, chunks + 1):  # a "translation" of each chunk
        write(tmp_path / f"mono-{n}.en.zst", [f"line {line.split()[1]}" for line in read_lines(tmp_path / f"mono-{n}.de.zst")])
    collect.main(["--src", "en", "--trg", "de", "--chunks", str(chunks), "--chunks-prefix", str(tmp_path / "mono"), "--output-prefix", str(tmp_path / "bt")])
    assert list(read_lines(tmp_path / "bt.de.zst")) == original
    assert list(read_lines(tmp_path / "bt.en.zst")) == [f"line {i}" for i in range(lines)]


def test_collect_fails_on_a_missing_or_short_chunk(tmp_path, capsys):
    for n in (1, 2):
        write(tmp_path / f"c-{n}.de.zst", ["a", "b"])
    write(tmp_path / "c-1.en.zst", ["A", "B"])
    args = ["--src", "en", "--trg", "de", "--chunks", "2", "--chunks-prefix", str(tmp_path / "c"), "--output-prefix", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as exit_info:
        collect.main(args)
    assert exit_info.value.code == 2
    assert f"error: chunk 2 of 2 is missing: {tmp_path}/c-2.en.zst" in capsys.readouterr().err
    write(tmp_path / "c-2.en.zst", ["A"])
    with pytest.raises(SystemExit):
        collect.main(args)
    assert f"misaligned corpus: {tmp_path}/c-2.en.zst has 1 lines but {tmp_path}/c-2.de.zst has 2" in capsys.readouterr().err
    assert not list(tmp_path.glob("out*"))


def test_split_keeps_the_two_sides_of_a_corpus_paired(tmp_path):
    write(tmp_path / "corpus.en.zst", [f"src {i}" for i in range(7)])
    write(tmp_path / "corpus.de.zst", [f"trg {i}" for i in range(7)])
    split.main(["--input-prefix", str(tmp_path / "corpus"), "--langs", "en", "de", "--chunks", "3", "--output-prefix", str(tmp_path / "c")])
    for n in (1, 2, 3):
        src, trg = list(read_lines(tmp_path / f"c-{n}.en.zst")), list(read_lines(tmp_path / f"c-{n}.de.zst"))
        assert [line.split()[1] for line in src] == [line.split()[1] for line in trg] and len(src) in (2, 3)


def test_split_refuses_sides_of_different_length(tmp_path, capsys):
    write(tmp_path / "corpus.en.zst", ["a", "b"])
    write(tmp_path / "corpus.de.zst", ["a"])
    with pytest.raises(SystemExit) as exit_info:
        split.main(["--input-prefix", str(tmp_path / "corpus"), "--langs", "en", "de", "--chunks", "2", "--output-prefix", str(tmp_path / "c")])
    assert exit_info.value.code == 2
    assert f"{tmp_path}/corpus.en.zst, {tmp_path}/corpus.de.zst: the sides differ in length (2, 1 lines)" in capsys.readouterr().err
    assert not list(tmp_path.glob("c-*"))
