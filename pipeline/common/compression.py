"""The one reader of compressed files: plain, .gz, .zst, .xz or .bz2 (by suffix),
decompressed as it is read.

A file that ends early (an interrupted download, copy or upload) is an error, never a
shorter file. gzip, lzma and bz2 raise EOFError for it themselves; zstandard's stream
reader stops quietly at a cut frame, so `.zst` goes through `ZstdFrames`, which checks
that the input ends between frames. `decompression_errors` turns any of these into one
line naming the file.

zstandard is imported where it is used: the graph side imports this module's users
without it.
"""

import bz2
import contextlib
import gzip
import io
import lzma
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator

from pipeline.common.errors import UserError

COMPRESSIONS = (".gz", ".zst", ".xz", ".bz2")
CHUNK = 1 << 16  # compressed bytes per step: bounds what one step decompresses to


class ZstdFrames(io.RawIOBase):
    """A decompressed .zst stream, frame after frame (a file may hold several).

    Raises EOFError when the input ends inside a frame, OSError on damaged data."""

    def __init__(self, raw: IO[bytes]):
        import zstandard

        self.raw, self.zstandard = raw, zstandard
        self.decompressor = zstandard.ZstdDecompressor()
        self.frame = None  # the decompressobj of the frame being read, if any
        self.pending = memoryview(b"")
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending and not self.ended:
            self.pending = memoryview(self._decompress(self.raw.read(CHUNK)))
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _decompress(self, data: bytes) -> bytes:
        if not data:
            self.ended = True
            if self.frame is not None:
                raise EOFError("the data ends inside a zstd frame")
            return b""
        out = []
        while data:
            self.frame = self.frame or self.decompressor.decompressobj()
            try:
                out.append(self.frame.decompress(data))
            except self.zstandard.ZstdError as error:
                raise OSError(f"damaged zstd data: {error}") from None
            data = b""
            if self.frame.eof:  # the frame is complete; what follows starts the next one
                data, self.frame = self.frame.unused_data, None
        return b"".join(out)

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_decompressed(path: Path | str) -> IO[bytes]:
    """A binary stream of a plain, .gz, .zst, .xz or .bz2 file (by suffix), decompressed as it is read.

    An empty compressed file is an EOFError: it is what an interrupted copy leaves at worst."""
    path = Path(path)
    if path.suffix in COMPRESSIONS and path.stat().st_size == 0:
        raise EOFError("the file is empty")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".xz":
        return lzma.open(path, "rb")
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    if path.suffix == ".zst":
        return zstd_reader(open(path, "rb"))
    return open(path, "rb")


def zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    """A binary stream of .zst data (a file, a download), decompressed as it is read; closes `raw`."""
    return io.BufferedReader(ZstdFrames(raw), 1 << 20)


@contextlib.contextmanager
def decompression_errors(label: str) -> Iterator[None]:
    """Turn a truncated or damaged compressed stream into a one-line UserError naming `label`."""
    try:
        yield
    except EOFError as error:
        raise UserError(f"{label}: cannot decompress (truncated: {error}); is the file complete?") from None
    except (OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as error:
        raise UserError(
            f"{label}: cannot decompress ({error}); is the file complete and named for its compression?"
        ) from None
