"""Translate one chunk of a corpus side with Marian (a model or an ensemble).

Input: `<input-prefix>.<src>.zst`. Outputs: the pair `<output-prefix>.<src>.zst` (the
input, copied) and `<output-prefix>.<trg>.zst`, one translation per input line; a
different line count fails the step (never a silent truncation).
Marian options: beam search defaults, then the user's options after `--`.
A model with `opus-mt.json` beside it is an unpacked OPUS-MT release: it decodes with its
own vocabulary and pre- and post-processing (pipeline/continuation/opus_mt.py).
A model that is a folder is a CTranslate2 model (ct2_convert.py): it decodes with
CTranslate2 (ct2_decode.py), the same Marian options mapped to the translator's.
With `--output-sampling` (experiment.decoding, docs/decoding.md) a sentence gets one
sample (beam size 1), or beam-size samples for an n-best list; Marian samples on one CPU
thread, so that its seeded samples repeat.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from pipeline.common import marian
from pipeline.common.corpus import LineWriter, prefix_path, read_lines
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.continuation import opus_mt
from pipeline.translate import ct2_decode
from pipeline.translate.extract_best import best_hypotheses

logger = get_logger(__name__)

DECODING = {
    "beam-size": 4,
    "normalize": 1.0,
    "mini-batch": 16,
    "maxi-batch": 100,
    "maxi-batch-sort": "src",
    "max-length-factor": 3.0,
    "quiet-translation": True,
}


def decode(plain_in: Path, plain_out: Path, models: list[Path], vocabs: list[Path], user: dict, trg: str) -> None:
    """`pymarian decode` (or CTranslate2) of a plain-text file into `trg`; a Marian failure ends the step with its code."""
    if sampling(user) and not user.get("n-best"):
        user = {**user, "beam-size": 1}  # a sample, not the best of a noisy beam
    if any(model.is_dir() for model in models):
        if len(models) > 1:
            raise UserError(f"{' '.join(map(str, models))}: CTranslate2 decodes one model, not an ensemble")
        ct2_decode.decode(plain_in, plain_out, models[0], vocabs, {**DECODING, **user})
        return
    if sampling(user) and not marian.uses_gpu():
        # Marian's CPU threads take batches in any order, each drawing its own noise: on one
        # thread its seeded samples are the same from run to run (CTranslate2's on all cores).
        user = {**user, "cpu-threads": 1}
    package = opus_mt.package_of(models, trg)
    marian_in, marian_out = (plain_in.with_suffix(".pieces"), plain_out.with_suffix(".pieces")) if package else (plain_in, plain_out)
    if package:
        with open(marian_in, "w", encoding="utf-8") as pieces:
            pieces.writelines(f"{package.encode(line)}\n" for line in read_lines(plain_in))
        vocabs = [package.vocab, package.vocab]
    options = {
        **DECODING,
        "models": [str(m) for m in models],
        "vocabs": [str(path) for path in vocabs],
        "input": str(marian_in),
        "output": str(marian_out),
        **user,
    }
    result = marian.run("decode", options)
    if result.returncode != 0:
        sys.exit(result.returncode)
    if package:
        nbest = bool(options.get("n-best"))
        with open(plain_out, "w", encoding="utf-8") as out:
            out.writelines(opus_mt.decode_output(line, nbest) + "\n" for line in read_lines(marian_out))


def sampling(options: dict) -> bool:
    return options.get("output-sampling") not in (None, False)


def translate_file(
    source: Path, copy: Path, output: Path, models: list[Path], vocabs: list[Path], user: dict, trg: str, references: Path | None = None
) -> int:
    """Decode `source` (.zst) into `output` (.zst), copying it to `copy`; returns the
    line count, checked. With `references`, the best of the n-best list by chrF."""
    with tempfile.TemporaryDirectory() as tmp:
        plain_in, plain_out = Path(tmp) / "in.txt", Path(tmp) / "out.txt"
        with LineWriter(plain_in) as src_out, LineWriter(copy) as copied:
            for line in read_lines(source):
                src_out.write(line)
                copied.write(line)
        decode(plain_in, plain_out, models, vocabs, {**({"n-best": True} if references else {}), **user}, trg)
        translations = read_lines(plain_out)
        if references:
            translations = best_hypotheses(translations, read_lines(references))
        try:
            with LineWriter(output) as out:
                for line in translations:
                    out.write(line)
            if out.count != src_out.count:
                output.unlink()
                raise UserError(f"{source}: the decoder returned {out.count} translations for {src_out.count} lines")
        except UserError:
            copy.unlink()  # no half of a pair left looking complete
            raise
    return out.count


@cli
def main(argv=None):
    ours, marian_args = marian.split_argv(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--input-prefix", required=True, type=Path)
    parser.add_argument("--models", required=True, nargs="+", type=Path,
                        help="Marian models (.npz; several: an ensemble), or one CTranslate2 model folder")
    marian.add_vocabs_argument(parser)
    parser.add_argument("--output-prefix", required=True, type=Path)
    parser.add_argument("--n-best-references", type=Path, help="prefix of the references: keep the best n-best hypothesis")
    args = parser.parse_args(ours)
    references = args.n_best_references and prefix_path(args.n_best_references, args.trg)
    for path in [*args.models, *args.vocabs, *([references] if references else [])]:
        if not path.exists():
            raise UserError(f"{path}: file not found")
    source = prefix_path(args.input_prefix, args.src)
    output = prefix_path(args.output_prefix, args.trg)
    copy = prefix_path(args.output_prefix, args.src)
    output.parent.mkdir(parents=True, exist_ok=True)
    count = translate_file(source, copy, output, args.models, args.vocabs, marian.args_to_options(marian_args), args.trg, references)
    logger.info("translated %d lines of %s into %s", count, source, output)


if __name__ == "__main__":
    main()
