"""alignments: word alignments of the distilled corpus, for the student's guided alignment.

Inputs: `<corpus-prefix>.<src|trg>.zst`, the SentencePiece vocabularies, optionally `--priors`
(a priors file from an earlier run of this step, to align a related corpus faster and
better). Each side is split into its vocabulary's pieces, the units Marian trains on;
eflomal aligns them in both directions and grow-diag-final-and symmetrizes the two.
Outputs: `<output-prefix>.aln.zst`, one line of `i-j` links (source piece i, target piece
j) per pair, and `<output-prefix>.priors.zst`, eflomal priors from these alignments.
eflomal holds the whole corpus in memory (as integer arrays).
"""

import argparse
import tempfile
from pathlib import Path

import eflomal
import sentencepiece

from pipeline.common import marian
from pipeline.common.corpus import LineWriter, prefix_path, read_lines, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def parse_links(line: str) -> set[tuple[int, int]]:
    return {tuple(map(int, link.split("-"))) for link in line.split()}


def grow_diag_final_and(forward: set, reverse: set) -> list[tuple[int, int]]:
    """Koehn's symmetrization: start from the intersection, grow into neighbouring union
    links that align a still-unaligned word, then add union links between two unaligned words."""
    alignment, union = forward & reverse, forward | reverse
    src_aligned, trg_aligned = {i for i, _ in alignment}, {j for _, j in alignment}
    grown = True
    while grown:
        grown = False
        for i, j in sorted(alignment):
            for di, dj in NEIGHBOURS:
                link = (i + di, j + dj)
                if link in union and link not in alignment and (link[0] not in src_aligned or link[1] not in trg_aligned):
                    alignment.add(link)
                    src_aligned.add(link[0])
                    trg_aligned.add(link[1])
                    grown = True
    for direction in (forward, reverse):
        for i, j in sorted(direction):
            if i not in src_aligned and j not in trg_aligned:
                alignment.add((i, j))
                src_aligned.add(i)
                trg_aligned.add(j)
    return sorted(alignment)


def tokenize(corpus_prefix: Path, src: str, trg: str, vocabs: list[Path], directory: Path) -> tuple[Path, Path, int]:
    """Both sides as space-separated pieces, in plain files; returns them and the count."""
    src_spm, trg_spm = (sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in vocabs)
    paths = directory / f"pieces.{src}", directory / f"pieces.{trg}"
    with LineWriter(paths[0]) as src_out, LineWriter(paths[1]) as trg_out:
        for src_line, trg_line in read_pairs(prefix_path(corpus_prefix, src), prefix_path(corpus_prefix, trg)):
            src_out.write(" ".join(src_spm.encode(src_line, out_type=str)))
            trg_out.write(" ".join(trg_spm.encode(trg_line, out_type=str)))
    return *paths, src_out.count


def align(src_pieces: Path, trg_pieces: Path, priors: Path | None, forward: Path, reverse: Path) -> None:
    with open(src_pieces, encoding="utf-8") as src, open(trg_pieces, encoding="utf-8") as trg:
        prior_lines = read_lines(priors) if priors else None
        eflomal.Aligner().align(src, trg, links_filename_fwd=str(forward), links_filename_rev=str(reverse), priors_input=prior_lines)


def write_priors(src_pieces: Path, trg_pieces: Path, forward: Path, reverse: Path, output: Path) -> None:
    priors = eflomal.calculate_priors(*(read_lines(path) for path in (src_pieces, trg_pieces, forward, reverse)))
    with LineWriter(output) as out:
        eflomal.write_priors(out.text, *priors)


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    marian.add_vocabs_argument(parser, "the")
    parser.add_argument("--priors", type=Path, help="eflomal priors (.zst) from an earlier alignment")
    parser.add_argument("--output-prefix", required=True, type=Path)
    args = parser.parse_args(argv)
    for path in (*args.vocabs, args.priors):
        if path and not path.exists():
            raise UserError(f"{path}: file not found")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src_pieces, trg_pieces, count = tokenize(args.corpus_prefix, args.src, args.trg, args.vocabs, tmp)
        if count == 0:
            raise UserError(f"{prefix_path(args.corpus_prefix, args.src)}: no pairs to align")
        forward, reverse = tmp / "forward", tmp / "reverse"
        logger.info("aligning %d pairs with eflomal%s", count, " (with priors)" if args.priors else "")
        align(src_pieces, trg_pieces, args.priors, forward, reverse)
        links = zip(read_lines(forward), read_lines(reverse))
        with LineWriter(f"{args.output_prefix}.aln.zst") as out:
            for number, (fwd, rev) in enumerate(links, 1):
                if number > count:
                    raise UserError(f"eflomal returned more alignments than the {count} pairs")
                out.write(" ".join(f"{i}-{j}" for i, j in grow_diag_final_and(parse_links(fwd), parse_links(rev))))
            if out.count != count:
                raise UserError(f"eflomal returned {out.count} alignments for {count} pairs")
        write_priors(src_pieces, trg_pieces, forward, reverse, Path(f"{args.output_prefix}.priors.zst"))
    logger.info("wrote %s.aln.zst (%d lines) and %s.priors.zst", args.output_prefix, count, args.output_prefix)


if __name__ == "__main__":
    main()
