"""Which sentences of a small set also occur in a large corpus, in bounded memory.

Sentences are compared by a 64-bit hash of their whitespace-normalized text. The small
side's hashes are held; the large corpus is streamed, so memory does not grow with it.
"""

import hashlib
from pathlib import Path
from typing import Iterable

from pipeline.common.corpus import read_lines


def normalized(text: str) -> str:
    """What sentences are compared by: the words, whatever the spaces between them."""
    return " ".join(text.split())


def sentence_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalized(text).encode("utf-8"), digest_size=8).digest(), "little")


def seen_in(corpora: Iterable[Path | str], wanted: set[int]) -> set[int]:
    """The keys of `wanted` that occur as a line of any of the corpora."""
    found: set[int] = set()
    for path in corpora:
        found.update(key for key in map(sentence_key, read_lines(path)) if key in wanted)
    return found
