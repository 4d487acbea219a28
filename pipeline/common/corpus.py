"""Line-aligned corpus files: `<name>.<lang>.zst`, one UTF-8 segment per line.

Everything here streams: files are read and written line by line. Writers go to a
temporary name and are renamed into place only when complete, so a killed step never
leaves a file that looks finished; readers (through `pipeline.common.compression`) fail
on a file that ends early rather than reading it as a shorter one.
"""

import contextlib
import io
import itertools
import json
import os
from pathlib import Path
from typing import IO, Iterable, Iterator

from pipeline.common.compression import decompression_errors, open_decompressed
from pipeline.common.errors import UserError


def corpus_path(directory: Path | str, name: str, lang: str) -> Path:
    return Path(directory) / f"{name}.{lang}.zst"


def prefix_path(prefix: Path | str, lang: str) -> Path:
    """`DIR/NAME` + `de` -> `DIR/NAME.de.zst`: steps take corpora as such prefixes."""
    return Path(f"{prefix}.{lang}.zst")


def decoded_lines(stream: Iterable[bytes], label: str, first: int = 1) -> Iterator[str]:
    """UTF-8 lines of a binary stream without their line ending; errors name `label` and the
    line (numbered from `first`)."""
    for number, line in enumerate(stream, first):
        try:
            yield line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            raise UserError(f"{label}:{number}: invalid UTF-8 ({error.reason}); fix or drop this line") from None


def read_lines(path: Path | str, label: str | None = None) -> Iterator[str]:
    """Yield the lines of a plain, .zst, .gz, .xz or .bz2 file without their line ending.

    A missing, truncated or damaged file, or invalid UTF-8, is a one-line UserError naming
    `label` (e.g. the URL it came from; default: the path) and, for UTF-8, the line.
    """
    path = Path(path)
    label = label or str(path)
    if not path.is_file():
        raise UserError(f"{label}: file not found")
    with decompression_errors(label), open_decompressed(path) as stream:
        yield from decoded_lines(stream, label)


def aligned(src_lines: Iterator[str], trg_lines: Iterator[str], src_label: str, trg_label: str) -> Iterator[tuple[str, str]]:
    """Zip two line iterators; a length mismatch is a UserError with both line counts."""
    count = 0
    for src in src_lines:
        trg = next(trg_lines, None)
        if trg is None:
            raise misaligned(src_label, count + 1 + sum(1 for _ in src_lines), trg_label, count)
        count += 1
        yield src, trg
    extra = sum(1 for _ in trg_lines)
    if extra:
        raise misaligned(src_label, count, trg_label, count + extra)


def misaligned(src_label: str, src_count: int, trg_label: str, trg_count: int) -> UserError:
    return UserError(f"misaligned corpus: {src_label} has {src_count} lines but {trg_label} has {trg_count}")


def read_pairs(src_path: Path | str, trg_path: Path | str) -> Iterator[tuple[str, str]]:
    """Yield aligned (source, target) lines; misaligned files are a UserError with both counts."""
    return aligned(read_lines(src_path), read_lines(trg_path), str(src_path), str(trg_path))


def line_chunks(paths: list[Path], size: int) -> Iterator[list[list[bytes]]]:
    """The lines of line-aligned files, undecoded (decode them with decoded_lines), `size`
    at a time: a list of lines per file. Files of different lengths are a UserError with
    both counts. For a step that decodes the lines in worker processes."""
    for path in paths:
        if not Path(path).is_file():
            raise UserError(f"{path}: file not found")

    def take(path: Path, stream: IO[bytes]) -> list[bytes]:
        with decompression_errors(str(path)):
            return list(itertools.islice(stream, size))

    def rest(path: Path, stream: IO[bytes]) -> int:
        with decompression_errors(str(path)):
            return sum(1 for _ in stream)

    with contextlib.ExitStack() as files:
        streams = []
        for path in paths:
            with decompression_errors(str(path)):
                streams.append(files.enter_context(open_decompressed(path)))
        done = 0
        while True:
            chunk = [take(path, stream) for path, stream in zip(paths, streams)]
            counts = [done + len(lines) for lines in chunk]
            if len(set(counts)) > 1:
                src_total, trg_total = [count + rest(path, stream) for count, path, stream in zip(counts, paths, streams)]
                raise misaligned(str(paths[0]), src_total, str(paths[1]), trg_total)
            if not chunk[0]:
                return
            done = counts[0]
            yield chunk


class LineWriter:
    """Write lines to a plain or .zst file through a temporary name; rename on success."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        self.count = 0

    def __enter__(self) -> "LineWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = open(self.tmp, "wb")
        if self.path.suffix == ".zst":
            import zstandard  # here, not at the top: the graph side imports this module without it

            self.stream = zstandard.ZstdCompressor(level=3, write_checksum=True).stream_writer(self.raw, closefd=False)
        else:
            self.stream = self.raw
        self.text = io.TextIOWrapper(self.stream, encoding="utf-8", newline="\n", write_through=False)
        return self

    def write(self, line: str) -> None:
        self.text.write(line)
        self.text.write("\n")
        self.count += 1

    def write_text(self, text: str) -> None:
        """Write lines already joined, each ending with "\n" (faster than write() for each)."""
        self.text.write(text)
        self.count += text.count("\n")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.text.flush()
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()


@contextlib.contextmanager
def pair_writer(directory: Path | str, name: str, src: str, trg: str):
    """Write aligned pairs to `<name>.<src>.zst` and `<name>.<trg>.zst`; yields write(src, trg)."""
    with LineWriter(corpus_path(directory, name, src)) as src_out, LineWriter(
        corpus_path(directory, name, trg)
    ) as trg_out:

        def write(src_line: str, trg_line: str) -> None:
            src_out.write(src_line)
            trg_out.write(trg_line)

        yield write


def count_lines(path: Path | str) -> int:
    return sum(1 for _ in read_lines(path))


def write_json(path: Path | str, data: dict) -> None:
    """Write a small JSON report atomically (through a temporary name)."""
    with LineWriter(path) as out:
        out.write(json.dumps(data, indent=2))
