"""Benchmark the alignments step on a synthetic corpus with known word alignments.

    .venv/bin/python benchmarks/alignments_speed.py --workdir /tmp/aln [--pairs 1000000]
        [--before main] [--after-args '' --after-args '--samplers 1']

Generates --pairs pairs (cached in the work directory) from an invented lexicon: source
sentences of 3 to 30 Zipf-distributed words; each word translates to one target word (one
in ten to two), neighbouring translations swap with probability 0.2 and untranslated
function words are inserted, so every pair has its gold word links. SentencePiece's word
model (one piece a word) gives each side's vocabulary, so pieces are words and the step's
links compare with the gold ones directly.

Aligns with the `pipeline/` of --before (exported to a temporary directory) and of this checkout with
each --after-args, one after the other, each in its own process; per run: wall time,
pairs/s, CPU time, the peak PSS of the process tree (sampled every 0.2 s), and
precision and recall against the gold links.
"""

import argparse
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sentencepiece

from measure import export_pipeline, wait_sampling_pss

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.common.corpus import LineWriter, pair_writer, read_lines  # noqa: E402

WORDS, FUNCTION_WORDS = 3000, 40


def invented_words(rng: random.Random, count: int, letters: str) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))))
    return sorted(words)


def generate(directory: Path, pairs: int, seed: int = 1) -> None:
    """corpus.{en,de}.zst, gold.zst (word links) and vocab.{en,de}.spm in `directory`."""
    rng = random.Random(seed)
    src_words = invented_words(rng, WORDS, "abcdefghijklmnop")
    trg_words = invented_words(rng, WORDS + WORDS // 10 + FUNCTION_WORDS, "qrstuvwxyzäöüß")
    rng.shuffle(trg_words)
    function_words, trg_words = trg_words[:FUNCTION_WORDS], trg_words[FUNCTION_WORDS:]
    extra = iter(trg_words[WORDS:])
    lexicon = {word: [trg_words[n]] + ([next(extra)] if n % 10 == 0 else []) for n, word in enumerate(src_words)}
    weights = [1 / rank for rank in range(1, WORDS + 1)]
    with pair_writer(directory, "corpus", "en", "de") as write, LineWriter(directory / "gold.zst") as gold:
        for _ in range(pairs):
            sentence = rng.choices(src_words, weights, k=rng.randint(3, 30))
            units = [(i, lexicon[word]) for i, word in enumerate(sentence)]
            for k in range(len(units) - 1):
                if rng.random() < 0.2:
                    units[k], units[k + 1] = units[k + 1], units[k]
            target, links = [], []
            for i, words in units:
                if rng.random() < 0.1:
                    target.append(rng.choice(function_words))
                links += [f"{i}-{len(target) + n}" for n in range(len(words))]
                target += words
            write(" ".join(sentence), " ".join(target))
            gold.write(" ".join(links))
    for lang, words in (("en", src_words), ("de", trg_words + function_words)):
        text = directory / f"words.{lang}"
        text.write_text("".join(f"{word}\n" for word in words))
        sentencepiece.SentencePieceTrainer.train(
            input=str(text), model_prefix=str(directory / f"vocab.{lang}"), model_type="word",
            vocab_size=len(words) + 3, character_coverage=1.0, minloglevel=2)
        (directory / f"vocab.{lang}.model").rename(directory / f"vocab.{lang}.spm")


def run(checkout: Path, data: Path, output: Path, extra: list[str]) -> dict:
    args = ["--src", "en", "--trg", "de", "--corpus-prefix", str(data / "corpus"),
            "--vocabs", str(data / "vocab.en.spm"), str(data / "vocab.de.spm"), "--output-prefix", str(output), *extra]
    load = os.getloadavg()[0]
    start = time.monotonic()
    with open(output.with_suffix(".log"), "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "pipeline.alignments.align", *args], cwd=checkout, stderr=log)
        code, usage, peak = wait_sampling_pss(process)
    if code:
        sys.exit(f"alignments in {checkout} failed; see {output.with_suffix('.log')}")
    return {"seconds": time.monotonic() - start, "cpu": usage.ru_utime + usage.ru_stime, "pss": peak // 1024,
            "load": (load, os.getloadavg()[0]), **accuracy(data / "gold.zst", Path(f"{output}.aln.zst"))}


def accuracy(gold_path: Path, links_path: Path) -> dict:
    found = correct = expected = 0
    for gold, links in zip(read_lines(gold_path), read_lines(links_path), strict=True):
        gold, links = set(gold.split()), set(links.split())
        found, expected, correct = found + len(links), expected + len(gold), correct + len(gold & links)
    return {"precision": correct / found, "recall": correct / expected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--before", help="a revision to compare with (its pipeline/ exported to a temporary directory)")
    parser.add_argument("--after-args", action="append", default=None, help="arguments of this checkout's run (repeatable)")
    args = parser.parse_args()
    data = args.workdir / f"data-{args.pairs}"
    if not (data / "vocab.de.spm").exists():
        data.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        generate(data, args.pairs)
        print(f"generated {args.pairs:,} pairs in {time.monotonic() - start:.0f} s", flush=True)
    print(f"alignments, {args.pairs:,} pairs | wall s | pairs/s | CPU s | peak PSS MiB | precision | recall | load before/after")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(f"before ({args.before})", export_pipeline(args.before, Path(tmp)), [])] if args.before else []
        runs += [(f"after {extra}".strip(), ROOT, shlex.split(extra)) for extra in args.after_args or [""]]
        for number, (name, checkout, extra) in enumerate(runs):
            r = run(checkout, data, args.workdir / f"run-{number}", extra)
            print(f"| {name} | {r['seconds']:.1f} | {args.pairs / r['seconds']:,.0f} | {r['cpu']:.0f} | {r['pss']:,} "
                  f"| {r['precision']:.4f} | {r['recall']:.4f} | {r['load'][0]:.1f}/{r['load'][1]:.1f} |", flush=True)

if __name__ == "__main__":
    main()
