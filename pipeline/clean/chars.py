"""Counting characters of many lines at once, with numpy: the filters' per-character work.

A chunk of lines becomes one array of code points (`codes`); a `CharTable` says per code
point whether a predicate holds; `per_line` sums such flags line by line. A few numpy
operations per chunk replace a regex or a loop per line.
"""

import sys
from typing import Callable

import numpy as np


def codes(lines: list[str], separator: str = "") -> np.ndarray:
    """The code points of the lines, joined by `separator`."""
    return np.frombuffer(separator.join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def lengths(lines: list[str]) -> np.ndarray:
    return np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))


def per_line(flags: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The sum of `flags` (one per code point) over each line, the lines `sizes` code points long."""
    if not len(sizes):
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    sums = np.add.reduceat(np.append(flags, False), starts, dtype=np.int64)
    sums[sizes == 0] = 0  # reduceat gives an empty line the next code point's flag
    return sums


class CharTable:
    """Whether `predicate(char)` holds, per code point: a lookup table filled as characters
    are first seen (evaluating all of Unicode would take a second)."""

    def __init__(self, predicate: Callable[[str], bool]):
        self.predicate = predicate
        self.table = np.full(sys.maxunicode + 1, 2, dtype=np.uint8)  # 2: not evaluated yet

    def __call__(self, code_points: np.ndarray) -> np.ndarray:
        flags = self.table[code_points]
        new = np.unique(code_points[flags == 2])
        if len(new):
            self.table[new] = [self.predicate(chr(code)) for code in new.tolist()]
            flags = self.table[code_points]
        return flags.view(bool)


SPACE = CharTable(str.isspace)  # what str.split() splits on


def word_counts(lines: list[str]) -> np.ndarray:
    """len(line.split()) per line: the code points that are not whitespace and follow
    whitespace (or start the line)."""
    space = SPACE(codes(lines, " "))
    starts = ~space
    starts[1:] &= space[:-1]
    return per_line(starts, lengths(lines) + 1)  # each line and the space after it
