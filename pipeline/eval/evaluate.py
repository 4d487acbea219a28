"""evaluate: translate a test set with a model (or ensemble) and score it with sacrebleu.

Inputs: `<dataset-prefix>.<src|trg>.zst`, model file(s), the vocabularies. With
`--exclude-sources PREFIX`, test pairs whose source sentence appears in
`PREFIX.<src>.zst` (the training corpus) are dropped first, so scores are measured on
unseen sentences only. Outputs: `<output-prefix>.metrics.json` (BLEU, chrF, chrF++, their
sacrebleu signatures, line counts, the decoding's seconds and sentences/s), the
translations `<output-prefix>.translated.<trg>.zst` and the pairs they translate
(`<output-prefix>.source.<src>.zst`, `<output-prefix>.reference.<trg>.zst`), line by line.

BLEU tokenizes by target language (`langs.bleu_tokenizer`): `zh` for Chinese, MeCab for
Japanese and Korean (sacrebleu's ja and ko extras), characters for Thai and the other
scripts without spaces, `13a` otherwise.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import sacrebleu

from pipeline.common import langs, marian
from pipeline.common.corpus import LineWriter, read_lines, read_pairs, write_json
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.common.overlap import seen_in, sentence_key
from pipeline.report import tracking
from pipeline.translate.translate import decode

logger = get_logger(__name__)

def unseen_pairs(pairs: list[tuple[str, str]], exclude: Path | None) -> list[tuple[str, str]]:
    """Drop pairs whose source occurs in the `exclude` corpus (streamed against the test set)."""
    if exclude is None:
        return pairs
    seen = seen_in([exclude], {sentence_key(src) for src, _ in pairs})
    return [(src, trg) for src, trg in pairs if sentence_key(src) not in seen]


def translate(sources: list[str], models: list[Path], vocabs: list[Path], user: dict, trg: str, tmp: Path) -> list[str]:
    source_file, output_file = tmp / "source.txt", tmp / "output.txt"
    source_file.write_text("".join(f"{line}\n" for line in sources), encoding="utf-8")
    decode(source_file, output_file, models, vocabs, user, trg)
    translations = list(read_lines(output_file))
    if len(translations) != len(sources):
        raise UserError(f"Marian returned {len(translations)} translations for {len(sources)} sentences")
    return translations


def score(hypotheses: list[str], references: list[str], trg: str) -> dict:
    """BLEU (tokenized for the target language), chrF and chrF++ with their sacrebleu signatures."""
    metrics = {
        "bleu": sacrebleu.BLEU(tokenize=langs.bleu_tokenizer(trg)),
        "chrf": sacrebleu.CHRF(),
        "chrfpp": sacrebleu.CHRF(word_order=2),
    }
    result = {}
    for name, metric in metrics.items():
        result[name] = round(metric.corpus_score(hypotheses, [references]).score, 2)
        result[f"{name}_signature"] = str(metric.get_signature())
    return result


@cli
def main(argv=None):
    ours, marian_args = marian.split_argv(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--dataset-prefix", required=True, type=Path)
    parser.add_argument("--models", required=True, nargs="+", type=Path)
    marian.add_vocabs_argument(parser)
    parser.add_argument("--exclude-sources", type=Path, help="prefix of a corpus whose sources to leave out")
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(ours)
    if problem := langs.problem(args.trg):
        raise UserError(f"--trg: {problem}")
    for path in [*args.models, *args.vocabs]:
        if not path.exists():
            raise UserError(f"{path}: file not found")

    all_pairs = list(read_pairs(*(f"{args.dataset_prefix}.{lang}.zst" for lang in (args.src, args.trg))))
    exclude = Path(f"{args.exclude_sources}.{args.src}.zst") if args.exclude_sources else None
    pairs = unseen_pairs(all_pairs, exclude)
    if not pairs:
        raise UserError(f"{args.dataset_prefix}: no test pairs left to evaluate ({len(all_pairs)} read, all seen in training)")
    logger.info("evaluating on %d pairs (%d also in training, left out)", len(pairs), len(all_pairs) - len(pairs))

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        hypotheses = translate([s for s, _ in pairs], args.models, args.vocabs, marian.args_to_options(marian_args), args.trg, Path(tmp))
    seconds = time.monotonic() - started
    metrics = {
        "dataset": args.dataset_prefix.name,
        "models": [m.name for m in args.models],
        "lines": len(pairs),
        "left_out_seen_in_training": len(all_pairs) - len(pairs),
        "decode_seconds": round(seconds, 2),
        "sentences_per_second": round(len(pairs) / max(seconds, 1e-6), 1),
        **score(hypotheses, [t for _, t in pairs], args.trg),
    }
    args.output_prefix.parent.mkdir(parents=True, exist_ok=True)
    outputs = (("source", args.src, [s for s, _ in pairs]), ("reference", args.trg, [t for _, t in pairs]),
               ("translated", args.trg, hypotheses))
    for name, lang, lines in outputs:
        with LineWriter(f"{args.output_prefix}.{name}.{lang}.zst") as out:
            for line in lines:
                out.write(line)
    write_json(f"{args.output_prefix}.metrics.json", metrics)
    tracking.publish_scores(metrics, args.output_prefix.parent)
    logger.info(
        "%s: BLEU %.2f chrF %.2f chrF++ %.2f (%d lines)",
        metrics["dataset"], metrics["bleu"], metrics["chrf"], metrics["chrfpp"], len(pairs),
    )


if __name__ == "__main__":
    main()
