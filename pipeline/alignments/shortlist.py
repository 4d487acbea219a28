"""shortlist: a lexical shortlist, so the int8 student scores only likely target pieces.

Inputs: `<corpus-prefix>.<src|trg>.zst`, their piece alignments (`--alignments`, from
align.py) and the vocabularies. From the aligned piece pairs, p(target | source) = links(s, t) /
links(s); each source piece keeps its `--keep` most probable targets. Outputs:
`<output-prefix>.s2t.zst`, the table as Marian reads it (`target source probability`
lines), and `<output-prefix>.s2t.bin`, Marian's binary shortlist
(`pymarian convert --shortlist TABLE FIRST BEST 0`: the FIRST most frequent target
pieces plus the BEST most probable per source piece), which the int8 model decodes with
(`--shortlist <file>.bin false`). Memory: one counter per aligned piece pair.
"""

import argparse
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import sentencepiece

from pipeline.common import marian
from pipeline.common.corpus import LineWriter, prefix_path, read_lines, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger
from pipeline.export.quantize import convert

logger = get_logger(__name__)


def translation_table(pairs, alignments, spms, keep: int) -> dict[str, list[tuple[str, float]]]:
    """{source piece: [(target piece, p(target | source)), ...] best first, at most `keep`}."""
    links: dict[str, Counter] = defaultdict(Counter)
    for number, ((src_line, trg_line), aln_line) in enumerate(zip(pairs, alignments, strict=True), 1):
        src, trg = (spm.encode(line, out_type=str) for spm, line in zip(spms, (src_line, trg_line)))
        for link in aln_line.split():
            i, j = map(int, link.split("-"))
            if i >= len(src) or j >= len(trg):
                raise UserError(f"alignment line {number}: link {link} is outside the pair's {len(src)}/{len(trg)} pieces")
            links[src[i]][trg[j]] += 1
    table = {}
    for src_piece, counts in links.items():
        total = sum(counts.values())
        table[src_piece] = [(trg_piece, count / total) for trg_piece, count in counts.most_common(keep)]
    return table


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    parser.add_argument("--alignments", required=True, type=Path)
    marian.add_vocabs_argument(parser, "the")
    parser.add_argument("--keep", type=int, default=100, help="targets kept per source piece in the table")
    parser.add_argument("--first", type=int, default=50, help="most frequent target pieces always allowed")
    parser.add_argument("--best", type=int, default=50, help="targets per source piece in the binary shortlist")
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    for path in (args.alignments, *args.vocabs):
        if not path.exists():
            raise UserError(f"{path}: file not found")
    spms = [sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in args.vocabs]
    pairs = read_pairs(prefix_path(args.corpus_prefix, args.src), prefix_path(args.corpus_prefix, args.trg))
    try:
        table = translation_table(pairs, read_lines(args.alignments), spms, args.keep)
    except ValueError:  # zip(strict=True)
        raise UserError(f"{args.alignments}: not one alignment line per pair of {args.corpus_prefix}") from None
    text = Path(f"{args.output_prefix}.s2t.zst")
    with LineWriter(text) as out:
        for src_piece in sorted(table):
            for trg_piece, probability in table[src_piece]:
                out.write(f"{trg_piece} {src_piece} {probability:.6f}")
    binary = Path(f"{args.output_prefix}.s2t.bin")
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "lex.s2t"
        plain.write_bytes(b"".join(f"{line}\n".encode() for line in read_lines(text)))
        options = {
            "shortlist": [str(plain), args.first, args.best, 0],
            "vocabs": [str(path) for path in args.vocabs],
            "dump-shortlist": str(binary),
        }
        convert(options)
    logger.info("shortlist: %d source pieces, %d entries; %s (%d bytes)", len(table), out.count, binary, binary.stat().st_size)


if __name__ == "__main__":
    main()
