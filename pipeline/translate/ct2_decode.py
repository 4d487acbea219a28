"""Decode a plain-text file with a CTranslate2 model (pipeline/translate/ct2_convert.py), as
`pymarian decode` would with the same Marian options (docs/decoding.md).

Marian's options map to the translator's: `beam-size`, `normalize` (length_penalty),
`max-length-factor` (a batch's longest source, with its end token, times the factor:
Marian's own limit), `n-best` (beam-size hypotheses, written in Marian's n-best format,
which extract_best.py reads), `output-sampling full T | topk K T` (sampling_topk,
sampling_temperature; one sample, or beam-size samples for an n-best list) and `seed`.
Batching and logging options have no meaning here; any other option is reported and
left out. Inputs are never truncated; unknown pieces are never produced (Marian's default).

Device: the GPUs in `GPUS` (float16, one worker per GPU), else the CPU with the task's
cores (`usable_cpus()`) and int8 weights; `decode(compute_type=...)` chooses another.
"""

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sentencepiece

from pipeline.common import marian
from pipeline.common.contract import usable_cpus
from pipeline.common.corpus import LineWriter, read_lines
from pipeline.common.errors import UserError
from pipeline.common.logs import Progress, get_logger

logger = get_logger(__name__)

# Options that only shape Marian's batches, memory or logs.
NO_MEANING = {
    "mini-batch", "maxi-batch", "maxi-batch-sort", "mini-batch-words", "workspace", "quiet", "quiet-translation",
    "cpu-threads", "devices", "log", "log-level", "max-length", "max-length-crop",
}
MAPPED = {"beam-size", "normalize", "max-length-factor", "n-best", "output-sampling", "seed"}
# Sentences sorted by length together, and a batch's size in source pieces (with padding).
MAXI_BATCH = 4096
BATCH_TOKENS = {"cpu": 2048, "cuda": 16384}
POSITIONS = 4096  # ct2_convert.POSITIONS: the position table of a converted model
# Marian's beam shrinks as hypotheses finish and stops when all have; CTranslate2 keeps its
# beam full and stops after beam-size x patience finished ones, so with patience 1 it stops
# early, on shorter hypotheses (beam 4, n-best 4, a tiny model of the CI data: the kept
# translations' chrF 94.25 for Marian's 96.87; with patience 2, 96.85; docs/decoding.md).
PATIENCE = 2


@dataclass(frozen=True)
class Search:
    beam_size: int
    length_penalty: float
    max_length_factor: float
    num_hypotheses: int
    sampling_topk: int = 1
    sampling_temperature: float = 1.0
    seed: int = 1

    def options(self) -> dict:
        return {
            "beam_size": self.beam_size, "patience": PATIENCE if self.beam_size > 1 else 1,
            "num_hypotheses": self.num_hypotheses, "length_penalty": self.length_penalty,
            "sampling_topk": self.sampling_topk, "sampling_temperature": self.sampling_temperature,
        }


def _number(options: dict, key: str, kind=float):
    value = options[key]
    if value is True:  # a flag without its value: Marian's implicit value
        return kind(1)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise UserError(f"Marian option --{key} {value}: not a number") from None


def search(options: dict) -> Search:
    """The translator's search from Marian's decoding options (defaults already merged)."""
    ignored = sorted(key for key in options if key not in MAPPED | NO_MEANING and options[key] not in (False, None))
    if ignored:
        logger.warning("CTranslate2 decoding leaves out Marian option(s) without an equivalent: %s", ", ".join(ignored))
    beam = _number(options, "beam-size", int)
    nbest = bool(options.get("n-best"))
    sampling = options.get("output-sampling")
    topk, temperature = (1, 1.0) if sampling in (None, False) else _sampling(sampling)
    return Search(
        beam_size=1 if sampling not in (None, False) else beam,
        length_penalty=_number(options, "normalize") if options.get("normalize") not in (None, False) else 0.0,
        max_length_factor=_number(options, "max-length-factor"),
        num_hypotheses=beam if nbest else 1,
        sampling_topk=topk,
        sampling_temperature=temperature,
        seed=_number(options, "seed", int) if options.get("seed") else 1,
    )


def _sampling(value) -> tuple[int, float]:
    """Marian's `--output-sampling`: (nothing) | full [T] | topk K [T] -> (top-k, temperature); top-k 0 is the full distribution."""
    words = [] if value is True else [str(word) for word in (value if isinstance(value, list) else [value])]
    try:
        if not words or words[0] == "full":
            return 0, float(words[1]) if len(words) > 1 else 1.0
        if words[0] == "topk" and len(words) >= 2:
            return int(words[1]), float(words[2]) if len(words) > 2 else 1.0
    except ValueError:
        pass
    raise UserError(f"Marian option --output-sampling {' '.join(words)}: write `full [TEMPERATURE]` or `topk K [TEMPERATURE]`")


def device(env=os.environ) -> tuple[str, list[int]]:
    if marian.uses_gpu(env):
        marian.require_gpus(env)
        return "cuda", [int(gpu) for gpu in env["GPUS"].split()]
    return "cpu", [0]


def translator(model_dir: Path, compute_type: str = "auto"):
    import ctranslate2

    where, gpus = device()
    if compute_type == "auto":
        compute_type = "float16" if where == "cuda" else "int8"
    threads = {"inter_threads": 1, "intra_threads": usable_cpus()} if where == "cpu" else {}
    logger.info("CTranslate2 %s on %s %s, compute type %s, %s", ctranslate2.__version__, where, gpus, compute_type, threads)
    return ctranslate2.Translator(str(model_dir), device=where, device_index=gpus, compute_type=compute_type, **threads)


def maxi_batches(lines: Iterable[str], size: int = MAXI_BATCH) -> Iterator[list[str]]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def batches(sources: list[list[str]], budget: int) -> Iterator[list[int]]:
    """Indices of the non-empty `sources`, sorted by length, in batches of at most `budget`
    pieces (with end tokens and padding)."""
    order = sorted((index for index in range(len(sources)) if sources[index]), key=lambda index: len(sources[index]))
    batch: list[int] = []
    for index in order:
        if batch and (len(batch) + 1) * (len(sources[index]) + 1) > budget:
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


def translate(model, sources: list[list[str]], how: Search, budget: int) -> list[tuple[list[list[str]], list[float]]]:
    """(hypotheses, scores) per source, in order. Each batch's length limit is its longest
    source with its end token times the factor, as Marian's."""
    pending = {}
    for batch in batches(sources, budget):
        longest = max(len(sources[index]) for index in batch) + 1
        if longest > POSITIONS:
            raise UserError(f"a sentence of {longest - 1} pieces: CTranslate2's model has {POSITIONS} positions; "
                            "drop such lines (the too_long cleaning filter) or set experiment.teacher-decoder: marian")
        limit = min(POSITIONS, math.ceil(how.max_length_factor * longest))
        results = model.translate_batch(
            [sources[index] for index in batch], asynchronous=True, max_input_length=0, max_decoding_length=limit,
            return_scores=True, disable_unk=True, **how.options(),
        )
        pending.update(zip(batch, results))
    empty = ([[]] * how.num_hypotheses, [0.0] * how.num_hypotheses)  # an empty line translates to an empty line
    results = [pending[index].result() if index in pending else None for index in range(len(sources))]
    return [(result.hypotheses, result.scores) if result else empty for result in results]


def decode(plain_in: Path, plain_out: Path, model_dir: Path, vocabs: list[Path], options: dict, compute_type: str = "auto") -> None:
    """Translate `plain_in` line by line into `plain_out` (n-best lists with `n-best`)."""
    import ctranslate2

    how = search(options)
    ctranslate2.set_random_seed(how.seed)
    model = translator(model_dir, compute_type)
    budget = int(options.get("mini-batch-words") or BATCH_TOKENS[model.device])
    source_spm, target_spm = (sentencepiece.SentencePieceProcessor(model_file=str(path)) for path in vocabs)
    nbest = bool(options.get("n-best"))
    progress = Progress(logger, "translated")
    number = 0
    with LineWriter(plain_out) as out:
        for lines in maxi_batches(read_lines(plain_in)):
            sources = [source_spm.encode(line, out_type=str) if line.strip() else [] for line in lines]
            for hypotheses, scores in translate(model, sources, how, budget):
                texts = [target_spm.decode(pieces) for pieces in hypotheses]
                if nbest:
                    for text, score in zip(texts, scores):
                        out.write(f"{number} ||| {text} ||| ctranslate2= {score:.6f} ||| {score:.6f}")
                else:
                    out.write(texts[0])
                number += 1
            progress.tick(len(lines))
    progress.done()
