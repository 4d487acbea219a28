"""Generate the tiny en-de corpus of configs/ci.yml (committed; rerun to regenerate).

Sentences are built from a small word-for-word lexicon, so a tiny model learns the
mapping within a few hundred updates and its scores say whether training worked.
Sets: train-a (600 pairs), train-b (600, with 100 duplicates of train-a and a few pairs
cleaning must drop), devtest (60), test (80); monolingual mono.en and mono.de (300 lines
each: 250 new sentences, 20 repeats, 20 sentences of train-a, and lines cleaning drops).
"""

import random
from pathlib import Path

from pipeline.common.corpus import LineWriter, pair_writer

LEXICON = dict(
    pair.split(":")
    for pair in """the:das a:ein red:rot blue:blau green:grün small:klein big:groß old:alt new:neu
    cat:katze dog:hund house:haus car:auto tree:baum bird:vogel book:buch child:kind
    sees:sieht has:hat likes:mag finds:findet buys:kauft reads:liest paints:malt
    and:und with:mit today:heute often:oft never:nie here:hier there:dort""".split()
)
ARTICLES, ADJECTIVES = ["the", "a"], ["red", "blue", "green", "small", "big", "old", "new"]
NOUNS = ["cat", "dog", "house", "car", "tree", "bird", "book", "child"]
VERBS = ["sees", "has", "likes", "finds", "buys", "reads", "paints"]
ADVERBS = ["today", "often", "never", "here", "there"]


def sentence(rng: random.Random) -> list[str]:
    phrase = lambda: [rng.choice(ARTICLES), *([rng.choice(ADJECTIVES)] if rng.random() < 0.6 else []), rng.choice(NOUNS)]
    words = phrase() + [rng.choice(VERBS)] + phrase()
    if rng.random() < 0.4:
        words.append(rng.choice(ADVERBS))
    return words


def pairs(rng: random.Random, count: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(count):
        words = sentence(rng)
        out.append((" ".join(words).capitalize() + ".", " ".join(LEXICON[w] for w in words).capitalize() + "."))
    return out


def main() -> None:
    rng = random.Random(7)
    out = Path(__file__).parent / "ci"
    train_a = pairs(rng, 600)
    train_b = pairs(rng, 490) + train_a[:100] + [("", "Leer."), ("Same text.", "Same text."), ("Tab\there.", "Tab hier.")] + pairs(rng, 7)
    sets = {"train-a": train_a, "train-b": train_b, "devtest": pairs(rng, 60), "test": pairs(rng, 80)}
    for name, data in sets.items():
        with pair_writer(out, name, "en", "de") as write:
            for src, trg in data:
                write(src, trg)
    write_mono(out, train_a)


def write_mono(out: Path, train_a: list[tuple[str, str]]) -> None:
    rng = random.Random(11)
    fresh = pairs(rng, 250)
    for side, lang in ((0, "en"), (1, "de")):
        lines = [pair[side] for pair in fresh] + [pair[side] for pair in fresh[:20]] + [pair[side] for pair in train_a[:20]]
        lines += ["", "   ", "Tab\tinside.", " ".join(["word"] * 200)] + [pair[side] for pair in pairs(rng, 6)]
        with LineWriter(out / f"mono.{lang}.zst") as writer:
            for line in lines:
                writer.write(line)


if __name__ == "__main__":
    main()
