"""train-vocab: a joint SentencePiece vocabulary for source and target.

Input: `<corpus-prefix>.<src>.zst` and `.<trg>.zst`. Output: the SentencePiece model,
which Marian reads directly, as `vocab.<src>.spm` and `vocab.<trg>.spm` in `--output-dir`
(the same model: every consumer takes a vocabulary per side). At most `--sample-size`
lines per side are used, taken evenly through the corpus (streamed, never loaded).
"""

import argparse
import shutil
import tempfile
from pathlib import Path

import sentencepiece

from pipeline.common.contract import usable_cpus
from pipeline.common.corpus import LineWriter, count_lines, read_lines
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)


def write_sample(sources: list[Path], sample: Path, sample_size: int) -> int:
    with LineWriter(sample) as out:
        for path in sources:
            total = count_lines(path)
            step = max(1, total // sample_size)
            for number, line in enumerate(read_lines(path)):
                if number % step == 0 and line:
                    out.write(line)
    return out.count


def train(sample: Path, output: Path, vocab_size: int, threads: int) -> None:
    prefix = output.with_name(output.name + ".tmp")
    try:
        sentencepiece.SentencePieceTrainer.train(
            input=str(sample),
            model_prefix=str(prefix),
            vocab_size=vocab_size,
            character_coverage=1.0,
            input_sentence_size=0,
            num_threads=threads,
            hard_vocab_limit=False,
            minloglevel=1,
        )
    except RuntimeError as error:
        raise UserError(f"SentencePiece could not train a {vocab_size}-piece vocabulary: {error}") from None
    Path(f"{prefix}.model").replace(output)
    Path(f"{prefix}.vocab").unlink()


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    parser.add_argument("--vocab-size", required=True, type=int)
    parser.add_argument("--sample-size", type=int, default=10_000_000, help="lines per language")
    parser.add_argument("--threads", type=int, default=0, help="0: the CPUs this task may use")
    parser.add_argument("--output-dir", required=True, type=Path)
    args = parser.parse_args(argv)

    sources = [Path(f"{args.corpus_prefix}.{lang}.zst") for lang in (args.src, args.trg)]
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.txt"
        lines = write_sample(sources, sample, args.sample_size)
        logger.info("training a %d-piece vocabulary on %d lines", args.vocab_size, lines)
        args.output_dir.mkdir(parents=True, exist_ok=True)
        src_vocab, trg_vocab = (args.output_dir / f"vocab.{lang}.spm" for lang in (args.src, args.trg))
        train(sample, src_vocab, args.vocab_size, args.threads or usable_cpus())
    shutil.copyfile(src_vocab, trg_vocab)
    logger.info("wrote %s and %s", src_vocab, trg_vocab)


if __name__ == "__main__":
    main()
