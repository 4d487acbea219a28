"""alignments: word alignments of the distilled corpus, for the student's guided alignment.

Inputs: `<corpus-prefix>.<src|trg>.zst`, the SentencePiece vocabularies, optionally `--priors`
(a priors file from an earlier run of this step, to align a related corpus faster and
better). Each side is split into its vocabulary's pieces, the units Marian trains on. The
corpus is cut into chunks of --chunk-pairs pairs, aligned by --workers processes at once:
eflomal aligns a chunk in both directions (with the same priors and the number of
iterations eflomal would choose for the whole corpus), grow-diag-final-and symmetrizes
the two (pipeline/alignments/symmetrize.py). Outputs: `<output-prefix>.aln.zst`, one line
of `i-j` links (source piece i, target piece j) per pair, and `<output-prefix>.priors.zst`,
eflomal priors from the first chunk's alignments. eflomal holds a chunk in memory.
"""

import argparse
import itertools
import math
import multiprocessing
import shutil
import tempfile
from pathlib import Path

import eflomal
import sentencepiece

from pipeline.alignments.symmetrize import symmetrize_sorted
from pipeline.common import marian
from pipeline.common.contract import usable_cpus
from pipeline.common.corpus import LineWriter, prefix_path, read_lines, read_pairs
from pipeline.common.errors import UserError, cli
from pipeline.common.logs import get_logger

logger = get_logger(__name__)

CHUNK_PAIRS = 250_000
ENCODE_BATCH = 10_000


def tokenize(corpus_prefix: Path, src: str, trg: str, vocabs: list[Path], directory: Path,
             chunk_pairs: int) -> tuple[list[Path], int]:
    """Both sides as space-separated pieces, plain files `src` and `trg` in a directory per
    chunk; returns the chunk directories and the pair count."""
    spms = [sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in vocabs]
    pairs = read_pairs(prefix_path(corpus_prefix, src), prefix_path(corpus_prefix, trg))
    chunks, count, threads = [], 0, usable_cpus()
    while batch := list(itertools.islice(pairs, min(ENCODE_BATCH, chunk_pairs - count % chunk_pairs))):
        if count % chunk_pairs == 0:
            chunks.append(directory / f"chunk-{len(chunks):05d}")
            chunks[-1].mkdir()
        for spm, side, lines in zip(spms, ("src", "trg"), zip(*batch)):
            with open(chunks[-1] / side, "a", encoding="utf-8") as out:
                out.writelines(" ".join(pieces) + "\n" for pieces in spm.encode(list(lines), out_type=str, num_threads=threads))
        count += len(batch)
    return chunks, count


def iterations(pairs: int) -> tuple[int, int, int]:
    """eflomal's default iterations of its three models for a corpus of `pairs` (fewer for
    more pairs): each chunk samples as long as the whole corpus would, not longer."""
    iters = max(2, round(5000 / math.sqrt(pairs)))
    return max(2, iters // 4), max(1, iters // 4), iters


def align_chunk(chunk: Path, priors: Path | None, samplers: int, model_iterations: tuple[int, int, int]) -> Path:
    """eflomal's links in both directions (`forward`, `reverse`) and their symmetrization
    (`links`) for a chunk's pieces."""
    with open(chunk / "src", encoding="utf-8") as src, open(chunk / "trg", encoding="utf-8") as trg:
        eflomal.Aligner(n_samplers=samplers, n_iterations=model_iterations).align(
            src, trg, links_filename_fwd=str(chunk / "forward"), links_filename_rev=str(chunk / "reverse"),
            priors_input=read_lines(priors) if priors else None)
    forward, reverse = ((chunk / name).read_text(encoding="utf-8").splitlines() for name in ("forward", "reverse"))
    (chunk / "links").write_text("".join(line + "\n" for line in symmetrize_sorted(forward, reverse)), encoding="utf-8")
    return chunk


def write_priors(chunk: Path, output: Path) -> None:
    priors = eflomal.calculate_priors(*(read_lines(chunk / name) for name in ("src", "trg", "forward", "reverse")))
    with LineWriter(output) as out:
        eflomal.write_priors(out.text, *priors)


def align(chunks: list[Path], count: int, priors: Path | None, samplers: int, workers: int, output: Path) -> None:
    """The chunks' symmetrized links, in corpus order, into `output`."""
    jobs = [(chunk, priors, samplers, iterations(count)) for chunk in chunks]
    with multiprocessing.get_context("fork").Pool(min(workers, len(chunks))) as pool, LineWriter(output) as out:
        for number, chunk in enumerate(pool.imap(_align_chunk, jobs), 1):
            for line in read_lines(chunk / "links"):
                out.write(line)
            logger.info("aligned chunk %d of %d (%d pairs so far)", number, len(chunks), out.count)
            if number > 1:
                shutil.rmtree(chunk)
        if out.count != count:
            raise UserError(f"eflomal returned {out.count} alignments for {count} pairs")


def _align_chunk(job: tuple) -> Path:
    return align_chunk(*job)


@cli
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True)
    parser.add_argument("--trg", required=True)
    parser.add_argument("--corpus-prefix", required=True, type=Path)
    marian.add_vocabs_argument(parser, "the")
    parser.add_argument("--priors", type=Path, help="eflomal priors (.zst) from an earlier alignment")
    parser.add_argument("--output-prefix", required=True, type=Path)
    parser.add_argument("--chunk-pairs", type=int, default=CHUNK_PAIRS,
                        help=f"pairs eflomal aligns at once (default {CHUNK_PAIRS:,})")
    parser.add_argument("--samplers", type=int, default=3,
                        help="eflomal's independent samplers a direction (threads; default 3, fewer is faster and coarser)")
    parser.add_argument("--workers", type=int, default=max(2, usable_cpus() // 4),
                        help="chunks aligned at once (default: a quarter of the usable CPUs, at least 2)")
    args = parser.parse_args(argv)
    for name in ("chunk_pairs", "samplers", "workers"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} {getattr(args, name)}: must be at least 1")
    for path in (*args.vocabs, args.priors):
        if path and not path.exists():
            raise UserError(f"{path}: file not found")
    with tempfile.TemporaryDirectory() as tmp:
        chunks, count = tokenize(args.corpus_prefix, args.src, args.trg, args.vocabs, Path(tmp), args.chunk_pairs)
        if count == 0:
            raise UserError(f"{prefix_path(args.corpus_prefix, args.src)}: no pairs to align")
        logger.info("aligning %d pairs in %d chunks with eflomal%s", count, len(chunks), " (with priors)" if args.priors else "")
        align(chunks, count, args.priors, args.samplers, args.workers, Path(f"{args.output_prefix}.aln.zst"))
        write_priors(chunks[0], Path(f"{args.output_prefix}.priors.zst"))
    logger.info("wrote %s.aln.zst (%d lines) and %s.priors.zst", args.output_prefix, count, args.output_prefix)


if __name__ == "__main__":
    main()
