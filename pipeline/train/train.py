"""train-teacher, train-backwards, train-student, finetune-student: train a model with
Marian, validated on the devset.

The backward model is the same step with the languages swapped (`--src` is the
experiment's target language) and `--model-type backward`. The student
(`--model-type student --preset tiny|base`) is a transformer encoder with a small SSRU
decoder, trained on the distilled corpus with guided alignment (`--alignments`, one
line of SentencePiece-piece links per pair); `--finetune-from MODEL` continues it with
8-bit quantization-aware training, ready for int8 conversion.

A model that exists (the config's `continuation`, docs/continuation.md) starts a teacher
or backward model: `--init-from MODEL` trains anew from its weights (fresh optimizer and
schedule); `--continue-from MODEL` resumes its training (its `.optimizer.npz`,
`.progress.yml` and `.yml` beside it become this run's checkpoint, so the update count
goes on). A resumed attempt of this task resumes its own checkpoint instead.

Inputs: `<corpus>.<src|trg>.zst`, `<devset>.<src|trg>.zst`, the SentencePiece vocabularies (`--vocabs`), and
for the teacher optionally back-translated pairs (`--backtranslated`). With
`--curriculum`, the data is streamed by OpusTrainer (see curriculum.py): two-stage
(pretrain with back-translations, then fine-tune on original data) or one-stage, with
augmentation `--modifiers`.
Outputs in `--output-dir`: `model.npz` (the best checkpoint by `--best-model`),
Marian's checkpoint files `model.train.npz*` (resumable), `train.log`, `valid.log`.

Marian options: the defaults below (transformer-big, as a GPU teacher), device options
from the environment (GPUS/WORKSPACE, or all CPU cores), then the user's options after
`--`, which win. On CPU a fixed mini-batch replaces `--mini-batch-fit`, whose statistics
collection takes minutes there. Marian saves and exits 143 on SIGTERM; rerunning the
same command resumes from the checkpoint. On Taskcluster each checkpoint is published as
it is saved, and a rerun first downloads the previous run's newest (checkpoints.py).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from pipeline.common import marian
from pipeline.common.contract import CHECKPOINT_SUFFIXES
from pipeline.common.corpus import LineWriter, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.report import tracking
from pipeline.train import checkpoints, curriculum

logger = get_logger(__name__)

METRICS = ("chrf", "bleu", "ce-mean-words")

TEACHER = {
    "type": "transformer",
    "dim-emb": 1024,
    "transformer-dim-ffn": 4096,
    "enc-depth": 6,
    "dec-depth": 6,
    "transformer-heads": 16,
    "transformer-postprocess": "dan",
    "transformer-dropout": 0.1,
    "label-smoothing": 0.1,
    "tied-embeddings-all": True,
    "max-length": 200,
    "learn-rate": 0.0002,
    "lr-warmup": 8000,
    "lr-decay-inv-sqrt": 8000,
    "lr-report": True,
    "optimizer-params": [0.9, 0.998, 1e-09],
    "clip-norm": 0,
    "exponential-smoothing": True,
    "sync-sgd": True,
    "valid-freq": 3000,
    "save-freq": 3000,
    "disp-freq": 500,
    "early-stopping": 20,
    "valid-mini-batch": 32,
    "beam-size": 4,
    "normalize": 1.0,
    "max-length-factor": 2.0,
    "keep-best": True,
    "overwrite": True,
    "quiet-translation": True,
    "sigterm": "save-and-exit",
}
# The backward model only back-translates monolingual data and scores distilled pairs:
# a transformer-base is enough.
BACKWARD = {
    **TEACHER,
    "dim-emb": 512,
    "transformer-dim-ffn": 2048,
    "transformer-heads": 8,
    "learn-rate": 0.0003,
    "early-stopping": 10,
}
GPU_BATCHING = {"mini-batch-fit": True, "maxi-batch": 1000}
CPU_BATCHING = {"mini-batch": 64, "maxi-batch": 100}
# Students: transformer encoder, SSRU (simple recurrent) decoder, guided alignment.
STUDENT_TINY = {
    **TEACHER,
    "dim-emb": 256,
    "transformer-dim-ffn": 1536,
    "enc-depth": 6,
    "dec-depth": 2,
    "transformer-heads": 8,
    "transformer-decoder-autoreg": "rnn",
    "dec-cell": "ssru",
    "transformer-ffn-activation": "relu",
    "transformer-ffn-depth": 2,
    "transformer-guided-alignment-layer": "last",
    "transformer-dropout": 0,
    "label-smoothing": 0,
    "learn-rate": 0.0003,
    "lr-warmup": 16000,
    "lr-decay-inv-sqrt": 32000,
    "valid-freq": 5000,
    "save-freq": 5000,
    "beam-size": 1,
}
STUDENT_PRESETS = {"tiny": STUDENT_TINY, "base": {**STUDENT_TINY, "dim-emb": 512, "transformer-dim-ffn": 2048}}
# Fine-tuning the student trains with its weights quantized to 8 bits, so the int8 model
# loses little.
FINETUNE = {"quantize-bits": 8, "valid-freq": 500, "save-freq": 500}
MODEL_TYPES = ("teacher", "backward", "student")


def model_options(args) -> dict:
    if args.model_type == "student":
        options = {**STUDENT_PRESETS[args.preset], **(FINETUNE if args.finetune_from else {})}
    else:
        options = TEACHER if args.model_type == "teacher" else BACKWARD
    if not marian.joint(args.vocabs):
        # One embedding matrix cannot serve two vocabularies: tie only the target side's.
        options = {**options, "tied-embeddings-all": False, "tied-embeddings": True}
    return options


def decompress(prefix: Path, langs: list[str], work_dir: Path) -> list[Path]:
    """Marian reads plain text, not .zst: write the aligned pair (checked) as plain files."""
    paths = [work_dir / f"{prefix.name}.{lang}" for lang in langs]
    if all(path.exists() for path in paths):
        return paths  # a resumed run: Marian's saved options name these exact files
    with LineWriter(paths[0]) as src_out, LineWriter(paths[1]) as trg_out:
        for src, trg in read_pairs(*(f"{prefix}.{lang}.zst" for lang in langs)):
            src_out.write(src)
            trg_out.write(trg)
    if src_out.count == 0:
        raise UserError(f"{prefix}.{langs[0]}.zst: no lines to train on")
    return paths


def training_options(args, train: list[Path] | None, valid: list[Path], user: dict) -> dict:
    """Marian's options; `train` None means the data comes on stdin (from OpusTrainer)."""
    out = args.output_dir
    metrics = [args.best_model, *(m for m in METRICS if m != args.best_model)]
    # From stdin Marian cannot shuffle the data, but it must still shuffle its length-sorted
    # batches: unshuffled, every maxi-batch is fed short to long and training stalls.
    data = {"train-sets": [str(p) for p in train]} if train else {"train-sets": "stdin", "tsv": True, "shuffle": "batches"}
    if args.alignments:
        data.update(tsv=True, **{"guided-alignment": 2})  # the TSV's third column
    if args.finetune_from or args.init_from:
        data["pretrained-model"] = str(args.finetune_from or args.init_from)  # used while model.train.npz does not exist
    if args.continue_from:
        data["no-restore-corpus"] = True  # the checkpoint's corpus position is another run's
    return {
        **model_options(args),
        **(GPU_BATCHING if marian.uses_gpu() else CPU_BATCHING),
        "model": str(out / "model.train.npz"),
        **data,
        "valid-sets": [str(p) for p in valid],
        "vocabs": [str(path) for path in args.vocabs],
        "valid-metrics": metrics,
        "seed": args.seed,
        "log": str(out / "train.log"),
        "valid-log": str(out / "valid.log"),
        **user,
    }


def adopt_checkpoint(model: Path, ours: Path) -> None:
    """Make another run's checkpoint this run's (copies: Marian rewrites its checkpoint, and
    fetched files are read-only), unless this task saved its own."""
    if ours.exists():
        logger.info("resuming this task's own checkpoint %s", ours)
        return
    missing = [f"{model}{suffix}" for suffix in CHECKPOINT_SUFFIXES if not Path(f"{model}{suffix}").exists()]
    if missing:
        raise UserError(f"{missing[0]}: not found; continuing a training needs the model's checkpoint files beside it "
                        f"({', '.join(CHECKPOINT_SUFFIXES)}), or use mode init")
    for suffix in ("", *CHECKPOINT_SUFFIXES):
        shutil.copyfile(f"{model}{suffix}", f"{ours}{suffix}")
    logger.info("continuing the training of %s", model)


def train_with_curriculum(args, user: dict, work_dir: Path) -> int:
    """Marian reads TSV from stdin, so its validation set is one TSV file too."""
    valid = [curriculum.write_tsv(args.devset, args.src, args.trg, work_dir / "devset.tsv")]
    datasets = {"original": curriculum.write_tsv(args.corpus, args.src, args.trg, work_dir / "original.tsv")}
    if args.backtranslated:
        datasets["backtranslated"] = curriculum.write_tsv(args.backtranslated, args.src, args.trg, work_dir / "backtranslated.tsv")
    trainer = marian.command(None, training_options(args, None, valid, user))
    plan = curriculum.config(datasets, args.curriculum, args.modifiers, args.seed, trainer)
    return curriculum.run(plan, args.output_dir, work_dir)


def train_student(args, user: dict, work_dir: Path) -> int:
    """Marian reads the distilled corpus with its alignments as one TSV file."""
    train = work_dir / "student.tsv"
    curriculum.write_tsv(args.corpus, args.src, args.trg, train, alignments=args.alignments)
    valid = curriculum.write_tsv(args.devset, args.src, args.trg, work_dir / "devset.tsv")
    return marian.run(None, training_options(args, [train], [valid], user)).returncode


@cli
def main(argv=None):
    ours, marian_args = marian.split_argv(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-type", choices=MODEL_TYPES, required=True)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus", required=True, type=Path, help="prefix of <prefix>.<lang>.zst")
    parser.add_argument("--devset", required=True, type=Path, help="prefix of <prefix>.<lang>.zst")
    marian.add_vocabs_argument(parser)
    parser.add_argument("--best-model", choices=METRICS, default="chrf")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-dir", required=True, type=Path)
    parser.add_argument("--work-dir", type=Path, help="plain-text copies of the data (default: beside output)")
    parser.add_argument("--backtranslated", type=Path, help="prefix of back-translated pairs (teacher only)")
    parser.add_argument("--curriculum", choices=curriculum.MODES, help="stream the data through OpusTrainer")
    parser.add_argument("--modifiers", type=json.loads, default=[], help="OpusTrainer modifiers, as JSON")
    parser.add_argument("--preset", choices=STUDENT_PRESETS, default="tiny", help="student architecture")
    parser.add_argument("--alignments", type=Path, help="student: <file>.aln.zst, piece alignments per pair")
    parser.add_argument("--finetune-from", type=Path, help="student: the model to fine-tune (quantization-aware)")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--init-from", type=Path, help="a model whose weights this training starts from")
    start.add_argument("--continue-from", type=Path, help="a model whose training (checkpoint files beside it) this continues")
    args = parser.parse_args(ours)
    for path in (*args.vocabs, args.alignments, args.finetune_from, args.init_from, args.continue_from):
        if path and not path.exists():
            raise UserError(f"{path}: file not found")
    if args.model_type == "student" and not args.alignments:
        raise UserError("--model-type student needs --alignments (guided alignment)")

    work_dir = args.work_dir or args.output_dir.parent / "train-data"
    work_dir.mkdir(parents=True, exist_ok=True)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    langs = [args.src, args.trg]
    checkpoints.fetch_checkpoint(args.output_dir)
    if args.continue_from:
        adopt_checkpoint(args.continue_from, args.output_dir / "model.train.npz")
    user = marian.args_to_options(marian_args)
    with checkpoints.Publisher(args.output_dir):
        if args.model_type == "student":
            code = train_student(args, user, work_dir)
        elif args.curriculum:
            code = train_with_curriculum(args, user, work_dir)
        else:
            train, valid = decompress(args.corpus, langs, work_dir), decompress(args.devset, langs, work_dir)
            code = marian.run(None, training_options(args, train, valid, user)).returncode
    if code == marian.EXIT_INTERRUPTED:
        logger.warning("training interrupted; the checkpoint is saved, rerun the same command to resume")
    if code != 0:
        sys.exit(code)
    best = args.output_dir / f"model.train.npz.best-{args.best_model}.npz"
    if not best.exists():
        raise UserError(f"{best} was not written: training ended before its first validation (raise after-batches or lower valid-freq)")
    shutil.copyfile(best, args.output_dir / "model.npz")
    logger.info("best model (%s): %s -> model.npz", args.best_model, best.name)
    tracking.publish_training(args.output_dir / "train.log", args.output_dir, {
        "model_type": args.model_type, "src": args.src, "trg": args.trg, "best_model": args.best_model, "marian": user})


if __name__ == "__main__":
    main()
