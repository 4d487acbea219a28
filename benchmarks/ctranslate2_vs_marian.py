"""CTranslate2 against Marian on the same teacher and test set, as translate-corpus decodes:
beam 4, n-best 4. Sentences/s on 1 and 2 threads, and agreement: chrF of CTranslate2's
output against Marian's, and each output's chrF against the reference.

    .venv/bin/python benchmarks/ctranslate2_vs_marian.py [--workdir runs] [--experiment quickstart]
        [--test-set po_Trac_1_6] [--threads 1 2] [--runs 2]
    .venv/bin/python benchmarks/ctranslate2_vs_marian.py --model M.npz --vocabs SRC.spm TRG.spm
        --source TEST.SRC --reference TEST.TRG

By default it reads a finished run's stored results (`translations run configs/quickstart.yml`):
the first teacher's model.npz, the vocabularies and the test set. The teacher is converted
once (timed) as convert-teacher does; each decoder then translates the test set through the
pipeline's own functions (translate.decode, ct2_decode.decode) with the process pinned to
N cores, which is how a task's share of the cores reaches both (Marian's --cpu-threads,
CTranslate2's intra_threads). Wall time includes loading the model; the best of --runs.
Agreement is reported for the model's best hypothesis (1-best) and for the hypothesis
translate-corpus keeps (the best of the n-best list by chrF against the reference).
CTranslate2 runs as the pipeline runs it on CPU (int8, beam patience 2), and for
comparison in float32 and with patience 1.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import sacrebleu

from pipeline.common.corpus import read_lines
from pipeline.translate import ct2_convert, ct2_decode
from pipeline.translate.extract_best import best_hypotheses, parse
from pipeline.translate.translate import DECODING, decode


def one(pattern: str, directory: Path) -> Path:
    found = sorted(directory.glob(pattern))
    if not found:
        raise SystemExit(f"{directory}/{pattern}: not found; run the pipeline to target-stage evaluate-teacher first")
    return found[0]


def inputs(args) -> tuple[Path, list[Path], Path, Path]:
    """(model, vocabs, source, reference) from the options or a run's stored results."""
    if args.model:
        return args.model, args.vocabs, args.source, args.reference
    results = args.workdir / args.experiment
    vocab_dir = one("train-vocab-*/artifacts", results)
    src, trg = vocab_dir.parent.name.split("-")[-2:]
    dataset = one(f"dataset-*-{args.test_set}/artifacts", results)
    return (one("train-teacher-*-1/artifacts/model.npz", results), [vocab_dir / f"vocab.{lang}.spm" for lang in (src, trg)],
            dataset / f"{args.test_set}.{src}.zst", dataset / f"{args.test_set}.{trg}.zst")


def timed(run, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.monotonic()
        run()
        best = min(best, time.monotonic() - start)
    return best


def selections(nbest: Path, references: list[str]) -> tuple[list[str], list[str]]:
    """(1-best, the best of each n-best list by chrF against the reference) of an n-best file."""
    first, seen = [], set()
    for sentence, hypothesis in parse(read_lines(nbest)):
        if sentence not in seen:
            seen.add(sentence)
            first.append(hypothesis)
    return first, list(best_hypotheses(read_lines(nbest), references))


def chrf(hypotheses: list[str], references: list[str]) -> float:
    return sacrebleu.corpus_chrf(hypotheses, [references]).score


def decoders(source: Path, model: Path, vocabs: list[Path], converted: Path) -> dict:
    """{name: a function writing the n-best list of `source` to a path}."""
    options = {**DECODING, "beam-size": 4, "n-best": True}

    def marian(out: Path) -> None:  # (the target label only matters to OPUS-MT releases)
        decode(source, out, [model], vocabs, {"beam-size": 4, "n-best": True}, "-")

    def ctranslate2(compute_type: str, patience: int = ct2_decode.PATIENCE):
        def run(out: Path) -> None:
            saved, ct2_decode.PATIENCE = ct2_decode.PATIENCE, patience
            try:
                ct2_decode.decode(source, out, converted, vocabs, options, compute_type)
            finally:
                ct2_decode.PATIENCE = saved
        return run

    return {
        "Marian (float32)": marian,
        "CTranslate2 int8 (the pipeline's)": ctranslate2("int8"),
        "CTranslate2 float32": ctranslate2("float32"),
        "CTranslate2 int8, patience 1": ctranslate2("int8", patience=1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("runs"))
    parser.add_argument("--experiment", default="quickstart")
    parser.add_argument("--test-set", default="po_Trac_1_6", help="the dataset's file name (sanitized key)")
    parser.add_argument("--model", type=Path, help="a Marian model (.npz) instead of the run's teacher")
    parser.add_argument("--vocabs", type=Path, nargs=2, metavar=("SRC", "TRG"))
    parser.add_argument("--source", type=Path, help="the test set's source side (plain or .zst)")
    parser.add_argument("--reference", type=Path, help="its reference translations")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if args.model and not (args.vocabs and args.source and args.reference):
        parser.error("--model needs --vocabs, --source and --reference")
    model, vocabs, source_file, reference_file = inputs(args)
    references = list(read_lines(reference_file))
    cores = sorted(os.sched_getaffinity(0))
    print(f"model {model} ({model.stat().st_size:,} bytes), {len(references)} sentences, beam 4, n-best 4, best of {args.runs}\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "source.txt"
        source.write_text("".join(f"{line}\n" for line in read_lines(source_file)), encoding="utf-8")
        start = time.monotonic()
        ct2_convert.convert(model, vocabs, work / "ct2")
        print(f"conversion: {time.monotonic() - start:.1f} s, model.bin {(work / 'ct2' / 'model.bin').stat().st_size:,} bytes\n")
        print("| decoder | " + " | ".join(f"sent/s, {n} thread{'s' * (n > 1)}" for n in args.threads)
              + " | chrF vs Marian (1-best) | chrF vs ref. (1-best) | chrF vs ref. (kept: best of n-best) |")
        print("|---|" + "---:|" * (len(args.threads) + 3))
        marian_first = None
        for number, (name, run) in enumerate(decoders(source, model, vocabs, work / "ct2").items()):
            output = work / f"{number}.nbest"
            speeds = []
            for threads in args.threads:
                os.sched_setaffinity(0, cores[:threads])  # the task's share of the cores, as the engines set it
                speeds.append(len(references) / timed(lambda: run(output), args.runs))
            os.sched_setaffinity(0, cores)
            first, kept = selections(output, references)
            marian_first = marian_first or first
            print(f"| {name} | " + " | ".join(f"{speed:.1f}" for speed in speeds)
                  + f" | {chrf(first, marian_first):.2f} | {chrf(first, references):.2f} | {chrf(kept, references):.2f} |")


if __name__ == "__main__":
    main()
