"""Seeded uniform sampling of a stream whose length is known, in constant memory."""

import random
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def selection_sample(items: Iterable[T], total: int, wanted: int, seed: int) -> Iterator[T]:
    """Yield exactly min(wanted, total) of the `total` items, uniformly, in their order.

    Selection sampling (Knuth's algorithm S): each item is taken with probability
    still-wanted / still-to-see, so no index list is held.
    """
    rng, left, wanted = random.Random(seed), total, min(wanted, total)
    for item in items:
        if rng.random() * left < wanted:
            yield item
            wanted -= 1
        left -= 1
