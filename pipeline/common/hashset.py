"""A set of 64-bit hashes in one numpy array: 8 to 16 bytes per member, where a Python
set of ints takes about 95. Dedupe of 100M pairs then needs at most 1.6 GB.

Open addressing with linear probing; 0 marks an empty slot, so a hash of 0 is stored as
1 (one more collision in 2^64). Members are added in batches, vectorized: a batch of
64K hashes costs a few numpy passes, not 64K Python operations.
"""

import itertools
from hashlib import blake2b
from typing import Iterable, Iterator, TypeVar

import numpy as np

T = TypeVar("T")

MAX_LOAD = 0.5
GROW_SLICE = 1 << 16


def text_hashes(texts: Iterable[str]) -> np.ndarray:
    """64-bit BLAKE2b hashes of the texts, as one uint64 array."""
    digests = b"".join(blake2b(text.encode("utf-8"), digest_size=8).digest() for text in texts)
    return np.frombuffer(digests, dtype="<u8")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _slots(keys: np.ndarray, mask: int) -> np.ndarray:
    # The keys are hashes already: their low bits are uniform.
    return (keys & np.uint64(mask)).astype(np.int64)


class HashSet:
    def __init__(self, capacity: int = 1 << 16):
        size = 1 << max(4, int(capacity / MAX_LOAD - 1).bit_length())
        self.table = np.zeros(size, dtype=np.uint64)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        return self.table.nbytes

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """A mask of the uint64 hashes that are members."""
        keys = np.where(keys == 0, np.uint64(1), keys.astype(np.uint64, copy=False))
        mask = len(self.table) - 1
        slots = _slots(keys, mask)
        found = np.zeros(len(keys), dtype=bool)
        pending = np.arange(len(keys))
        while pending.size:
            current = self.table[slots[pending]]
            hit = current == keys[pending]
            found[pending[hit]] = True
            pending = pending[~hit & (current != 0)]  # an empty slot ends the probe: not a member
            slots[pending] = (slots[pending] + 1) & mask
        return found

    def add(self, keys: np.ndarray) -> np.ndarray:
        """Add a batch of uint64 hashes; returns a mask of those that were new. Of equal
        hashes within the batch, only the first counts as new."""
        keys = np.where(keys == 0, np.uint64(1), keys.astype(np.uint64, copy=False))
        unique, first = np.unique(keys, return_index=True)
        while (self.count + len(unique)) > MAX_LOAD * len(self.table):
            self._grow()
        new = np.zeros(len(keys), dtype=bool)
        new[first[self._insert(unique)]] = True
        return new

    def _insert(self, keys: np.ndarray) -> np.ndarray:
        """Insert distinct keys; returns the mask of those not already present."""
        mask = len(self.table) - 1
        slots = _slots(keys, mask)
        inserted = np.zeros(len(keys), dtype=bool)
        pending = np.arange(len(keys))
        while pending.size:
            current = self.table[slots[pending]]
            empty = current == 0
            # Several keys may probe the same empty slot: the first of each claims it.
            claim_slots, first = np.unique(slots[pending[empty]], return_index=True)
            winners = pending[empty][first]
            self.table[claim_slots] = keys[winners]
            inserted[winners] = True
            still = (current != keys[pending]) & ~inserted[pending]
            # The rest probe on: their slot now holds another key (perhaps a winner's).
            pending = pending[still]
            slots[pending] = (slots[pending] + 1) & mask
        self.count += int(inserted.sum())
        return inserted

    def _grow(self) -> None:
        # Re-inserted a slice at a time: the temporaries stay small, the peak is old + new table.
        old = self.table
        self.table = np.zeros(len(old) * 2, dtype=np.uint64)
        self.count = 0
        for start in range(0, len(old), GROW_SLICE):
            part = old[start:start + GROW_SLICE]
            self._insert(part[part != 0])
