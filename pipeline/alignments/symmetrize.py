"""grow-diag-final-and on many pairs at once, with numpy instead of a Python loop per link.

A batch of pairs is a stack of boolean link matrices [pair, source piece, target piece],
padded to the batch's longest side. Koehn's heuristic adds links one at a time; here each
round adds every link that qualifies at its start (a union link next to the alignment
that aligns a still-unaligned word), and final-and adds, in rounds, each unaligned source
word's first link to a target word no earlier source word takes. On the quickstart's
distilled corpus (eflomal's links of 21,588 pairs) 96.6% of the pairs get the same links
as from Koehn's loop; the others keep all of those and gain a few (0.5% more links).
"""

import numpy as np

BATCH = 256  # pairs a batch: 256 × 128 × 128 booleans are 4 MiB an array


def parse(lines: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """eflomal's `i-j` lines as (pair index, i, j) arrays."""
    counts = np.fromiter((line.count("-") for line in lines), dtype=np.int64, count=len(lines))
    numbers = np.array(" ".join(lines).replace("-", " ").split(), dtype=np.int32)
    return np.repeat(np.arange(len(lines)), counts), numbers[0::2], numbers[1::2]


def _grid(links: tuple[np.ndarray, np.ndarray, np.ndarray], shape: tuple[int, int, int]) -> np.ndarray:
    grid = np.zeros(shape, dtype=bool)
    grid[links] = True
    return grid


def _neighbours(alignment: np.ndarray) -> np.ndarray:
    """The cells next to a link, diagonals included."""
    near = np.zeros_like(alignment)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                target = near[:, max(di, 0):near.shape[1] + min(di, 0), max(dj, 0):near.shape[2] + min(dj, 0)]
                target |= alignment[:, max(-di, 0):near.shape[1] + min(-di, 0), max(-dj, 0):near.shape[2] + min(-dj, 0)]
    return near


def grow_diag_final_and(forward: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """The symmetrized links of two [pair, i, j] boolean stacks."""
    alignment, union = forward & reverse, forward | reverse
    while True:
        src_free, trg_free = ~alignment.any(2), ~alignment.any(1)
        grow = union & ~alignment & _neighbours(alignment) & (src_free[:, :, None] | trg_free[:, None, :])
        if not grow.any():
            break
        alignment |= grow
    for direction in (forward, reverse):
        while True:
            src_free, trg_free = ~alignment.any(2), ~alignment.any(1)
            candidates = direction & src_free[:, :, None] & trg_free[:, None, :]
            if not candidates.any():
                break
            first_in_row = candidates & (np.cumsum(candidates, axis=2) == 1)
            alignment |= first_in_row & (np.cumsum(first_in_row, axis=1) == 1)
    return alignment


def symmetrize_sorted(forward_lines: list[str], reverse_lines: list[str]) -> list[str]:
    """symmetrize() BATCH pairs at a time, the pairs batched with others of about their
    length (links' text length), so that short pairs do not pad to a long one's size."""
    if len(forward_lines) != len(reverse_lines):
        raise ValueError(f"{len(forward_lines)} forward alignments but {len(reverse_lines)} reverse")
    order = sorted(range(len(forward_lines)), key=lambda k: len(forward_lines[k]) + len(reverse_lines[k]))
    result = [""] * len(order)
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        for k, line in zip(batch, symmetrize([forward_lines[k] for k in batch], [reverse_lines[k] for k in batch])):
            result[k] = line
    return result


def symmetrize(forward_lines: list[str], reverse_lines: list[str]) -> list[str]:
    """One `i-j ...` line a pair, links sorted, for the pairs' forward and reverse lines."""
    if len(forward_lines) != len(reverse_lines):
        raise ValueError(f"{len(forward_lines)} forward alignments but {len(reverse_lines)} reverse")
    forward, reverse = parse(forward_lines), parse(reverse_lines)
    sides = [np.concatenate([forward[axis], reverse[axis], [0]]).max() + 1 for axis in (1, 2)]
    shape = (len(forward_lines), *sides)
    pair, i, j = np.nonzero(grow_diag_final_and(_grid(forward, shape), _grid(reverse, shape)))
    links = np.char.add(np.char.add(i.astype(str), "-"), j.astype(str))
    ends = np.searchsorted(pair, np.arange(1, len(forward_lines)))
    return [" ".join(row) for row in np.split(links, ends)]
