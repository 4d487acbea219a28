"""Decode the same test set with the teacher and with the int8 student: sentences/s,
model bytes and chrF, on this machine's CPU.

    .venv/bin/python benchmarks/student_vs_teacher.py [--workdir runs] [--experiment quickstart]
        [--test-set po_Trac_1_6] [--threads 2] [--runs 2]

Reads a finished run's results (`translations run CONFIG` with target-stage all): the
first teacher's model.npz, the fine-tuned student's model.npz, the int8 model and the
binary shortlist, the vocab and the test set. Every model decodes the whole test set
with the same options (beam 4, pipeline/translate/translate.py's defaults); the int8
model decodes with the shortlist, as the exported package does. Wall time includes
loading the model (about a second); the best of --runs is reported.
"""

import argparse
import tempfile
import time
from pathlib import Path

import sacrebleu

from pipeline.common.corpus import read_lines
from pipeline.translate.translate import decode


def one(pattern: str, directory: Path) -> Path:
    found = sorted(directory.glob(pattern))
    if not found:
        raise SystemExit(f"{directory}/{pattern}: not found; run the pipeline to target-stage all first")
    return found[0]


def timed_decode(source: Path, output: Path, models: list[Path], vocabs: list[Path], options: dict, trg: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.monotonic()
        decode(source, output, models, vocabs, options, trg)
        best = min(best, time.monotonic() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("runs"))
    parser.add_argument("--experiment", default="quickstart")
    parser.add_argument("--test-set", default="po_Trac_1_6", help="the dataset's file name (sanitized key)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    results = args.workdir / args.experiment
    vocab_dir = one("train-vocab-*/artifacts", results)
    dataset = one(f"dataset-*-{args.test_set}/artifacts", results)
    src, trg = vocab_dir.parent.name.split("-")[-2:]
    vocabs = [vocab_dir / f"vocab.{lang}.spm" for lang in (src, trg)]
    src_file, trg_file = dataset / f"{args.test_set}.{src}.zst", dataset / f"{args.test_set}.{trg}.zst"
    shortlist = one("shortlist-*/artifacts/lex.s2t.bin", results)
    models = {
        "teacher (fp32)": (one("train-teacher-*-1/artifacts/model.npz", results), {}),
        "fine-tuned student (fp32)": (one("finetune-student-*/artifacts/model.npz", results), {}),
        "int8 student + shortlist": (one("quantize-*/artifacts/model.intgemm8.bin", results), {"shortlist": [str(shortlist), "false"]}),
    }
    references = list(read_lines(trg_file))
    print(f"test set {args.test_set}: {len(references)} sentences, {args.threads} thread(s), best of {args.runs}\n")
    print(f"{'model':28} {'bytes':>12} {'seconds':>8} {'sent/s':>7} {'chrF':>6} {'BLEU':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.txt"
        source.write_text("".join(f"{line}\n" for line in read_lines(src_file)), encoding="utf-8")
        for name, (model, extra) in models.items():
            output = Path(tmp) / "output.txt"
            options = {"cpu-threads": args.threads, "beam-size": 4, "quiet": True, **extra}
            seconds = timed_decode(source, output, [model], vocabs, options, trg, args.runs)
            hypotheses = list(read_lines(output))
            chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
            bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
            print(f"{name:28} {model.stat().st_size:>12,} {seconds:>8.1f} {len(references) / seconds:>7.1f} {chrf:>6.2f} {bleu:>6.2f}")


if __name__ == "__main__":
    main()
