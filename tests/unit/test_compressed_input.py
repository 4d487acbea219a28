"""A compressed file that ends early (an interrupted copy or upload) is an error naming the
file, never a shorter file: in the steps' reader, the importers' reader and a step's CLI."""

import bz2
import gzip
import lzma
import subprocess
import sys

import pytest
import zstandard

from pipeline.common.corpus import LineWriter, read_lines
from pipeline.common.errors import UserError
from tests.conftest import REPO

LINES = [f"line {number} of the corpus" for number in range(20000)]
DATA = "".join(line + "\n" for line in LINES).encode()
COMPRESS = {
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
    ".gz": gzip.compress,
    ".xz": lzma.compress,
    ".bz2": bz2.compress,
}
TRUNCATED = {
    ".zst": "the data ends inside a zstd frame",
    ".gz": "Compressed file ended before the end-of-stream marker was reached",
    ".xz": "Compressed file ended before the end-of-stream marker was reached",
    ".bz2": "Compressed file ended before the end-of-stream marker was reached",
}


def truncated(path, suffix):
    data = COMPRESS[suffix](DATA)
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_a_truncated_file_is_an_error_naming_it(tmp_path, suffix):
    path = truncated(tmp_path / f"corpus.de{suffix}", suffix)
    with pytest.raises(UserError) as error:
        list(read_lines(path))
    assert str(error.value) == f"{path}: cannot decompress (truncated: {TRUNCATED[suffix]}); is the file complete?"


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_an_empty_compressed_file_is_truncated(tmp_path, suffix):
    path = tmp_path / f"corpus.de{suffix}"
    path.write_bytes(b"")
    with pytest.raises(UserError, match=r"cannot decompress \(truncated: the file is empty\); is the file complete\?$"):
        list(read_lines(path, "https://example.org/corpus.de"))


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_a_complete_file_reads_whole(tmp_path, suffix):
    path = tmp_path / f"corpus.de{suffix}"
    path.write_bytes(COMPRESS[suffix](DATA))
    assert list(read_lines(path)) == LINES


def test_every_frame_of_a_multi_frame_zst_is_read(tmp_path):
    # zstd -d and pzstd write several frames; a cut at a frame boundary cannot be told apart.
    frames = [zstandard.ZstdCompressor().compress("".join(line + "\n" for line in LINES[i::3]).encode()) for i in range(3)]
    path = tmp_path / "multi.zst"
    path.write_bytes(b"".join(frames))
    assert list(read_lines(path)) == LINES[0::3] + LINES[1::3] + LINES[2::3]
    path.write_bytes(b"".join(frames)[:-5])
    with pytest.raises(UserError, match=r"multi\.zst: cannot decompress \(truncated: the data ends inside a zstd frame\)"):
        list(read_lines(path))


def test_damaged_zst_data_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "corpus.de.zst"
    with LineWriter(path) as out:  # with a checksum per frame, as the steps write
        for line in LINES:
            out.write(line)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match=rf"^{path}: cannot decompress \(damaged zstd data: .+\); is the file complete and named"):
        list(read_lines(path))


def test_a_step_given_a_truncated_corpus_fails_with_one_line(tmp_path):
    (tmp_path / "in").mkdir()
    source = truncated(tmp_path / "in" / "corpus.en.zst", ".zst")
    (tmp_path / "in" / "corpus.de.zst").write_bytes(COMPRESS[".zst"](DATA))
    run = subprocess.run(
        [sys.executable, "-m", "pipeline.translate.split", "--input-prefix", str(tmp_path / "in" / "corpus"),
         "--langs", "en", "de", "--output-prefix", str(tmp_path / "out" / "chunk"), "--chunks", "2"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"error: {source}: cannot decompress (truncated: the data ends inside a zstd frame); is the file complete?"
    )
    assert not (tmp_path / "out").exists()  # it fails while counting, before writing a chunk
